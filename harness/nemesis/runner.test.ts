/**
 * Nemesis.play on a stand-in catalogue (no cluster): faults injected and healed in time order,
 * heals first at one instant, a node held by one fault not hit by another, everything healed
 * when the play is aborted, and the failures at once counted from what each fault took out.
 */
import { getEventListeners } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cluster } from '../db/cluster.ts';
import type { Schedule, ScheduledFault } from '../history/fault.ts';

const calls: string[] = [];
/** Whether calls record the clock at each injection. */
let timed = false;
vi.mock('./catalogue.ts', () => ({
  resolveTarget: (_c: unknown, t: ScheduledFault['target']) => ({
    name: t === 'primary' ? 'primary' : 'node' in t ? t.node : `s${t.standby + 1}`,
  }),
  injectFault: async (_c: unknown, _rec: unknown, f: ScheduledFault) => {
    if (f.kind === 'kill-walsender') throw new Error('no walsender');
    const node = f.target === 'primary' ? 'primary' : 'node' in f.target ? f.target.node : `s${f.target.standby + 1}`;
    calls.push(`inject ${f.id} at ${now}`.replace(/ at \d+$/, (m) => (timed ? m : '')));
    // A stop's heal starts the node again: it takes 1.5 s.
    const slow = f.kind === 'stop-immediate';
    const heal = async () => {
      calls.push(`heal ${f.id}`);
      if (slow) await new Promise((r) => setTimeout(r, 1500));
      if (slow) calls.push(`healed ${f.id}`);
    };
    return { fault: f, nodes: [node], failed: f.kind === 'packet-loss' ? [] : [node], faultT: 0, effectiveT: 0, heal };
  },
}));
const { Nemesis } = await import('./runner.ts');

const cluster = { primary: { name: 'primary' }, isFenced: () => false } as unknown as Cluster;
let now = 0;
const rec = { clock: { now: () => now }, fault: () => now, heal: () => now, lastsToEnd: () => {}, step: vi.fn(() => now) };
const fault = (
  id: number,
  atMs: number,
  durationMs: number,
  target: ScheduledFault['target'],
  kind: ScheduledFault['kind'] = 'isolate',
): ScheduledFault => ({ id, atMs, durationMs, target, kind });
const schedule = (faults: ScheduledFault[]): Schedule => ({ seed: 1, durationMs: 10_000, recoveryMs: 1000, faults });

beforeEach(() => {
  calls.length = 0;
  timed = false;
  now = 0;
  vi.useFakeTimers();
});

async function play(s: Schedule, signal?: AbortSignal) {
  const nemesis = new Nemesis(cluster, rec);
  const done = nemesis.play(s, signal);
  for (let i = 0; i < 200; i++) {
    now += 100;
    await vi.advanceTimersByTimeAsync(100);
  }
  return { played: await done, nemesis };
}

describe('Nemesis.play', () => {
  it('injects and heals in time order, a heal before an injection at the same instant', async () => {
    const { played } = await play(schedule([fault(1, 2000, 1000, { standby: 0 }), fault(0, 1000, 1000, 'primary')]));
    expect(calls).toEqual(['inject 0', 'heal 0', 'inject 1', 'heal 1']);
    expect(played.injected.map((i) => [i.id, i.healT !== undefined])).toEqual([
      [0, true],
      [1, true],
    ]);
  });

  it('does not let a slow heal delay the next fault elsewhere; a fault on the node being healed waits for the heal', async () => {
    timed = true;
    const { played } = await play(
      schedule([
        fault(0, 1000, 1000, 'primary', 'stop-immediate'),
        fault(1, 2500, 1000, { standby: 0 }),
        fault(2, 2500, 1000, 'primary'),
        fault(3, 3000, 1000, { standby: 1 }),
      ]),
    );
    // Fault 2 waits for the primary's heal; fault 3, elsewhere, is injected on time meanwhile;
    // fault 2 then lasts its full second, healed at 4.5 s rather than at its scheduled 3.5 s.
    expect(calls).toEqual([
      'inject 0 at 1000',
      'heal 0',
      'inject 1 at 2500',
      'inject 3 at 3000',
      'healed 0',
      'inject 2 at 3500',
      'heal 1',
      'heal 3',
      'heal 2',
    ]);
    expect(played.skipped).toEqual([]);
    expect(played.injected.find((i) => i.id === 2)?.healT).toBe(4500);
  });

  it('heals a late fault by the end of the schedule at the latest, leaving the recovery window free', async () => {
    timed = true;
    const { played } = await play(schedule([fault(0, 8000, 500, 'primary', 'stop-immediate'), fault(1, 9000, 900, 'primary')]));
    expect(calls).toEqual(['inject 0 at 8000', 'heal 0', 'healed 0', 'inject 1 at 10000', 'heal 1']);
    expect(played.injected.find((i) => i.id === 1)?.healT).toBe(10_000);
  });

  it('lets one of two faults waiting on the same heal hit the node, and skips the other as held', async () => {
    timed = true;
    const { played } = await play(
      schedule([fault(0, 1000, 1000, 'primary', 'stop-immediate'), fault(1, 2500, 2000, 'primary'), fault(2, 2600, 2000, 'primary')]),
    );
    expect(calls).toEqual(['inject 0 at 1000', 'heal 0', 'healed 0', 'inject 1 at 3500', 'heal 1']);
    expect(played.skipped).toEqual([
      { id: 2, what: 'isolate primary', reason: 'primary is held by another fault in effect', kind: 'isolate', attempted: false },
    ]);
  });

  it('does not inject a fault still waiting for a heal once the play is aborted', async () => {
    timed = true;
    const abort = new AbortController();
    const nemesis = new Nemesis(cluster, rec);
    const done = nemesis.play(schedule([fault(0, 1000, 1000, 'primary', 'stop-immediate'), fault(1, 2500, 1000, 'primary')]), abort.signal);
    for (let i = 0; i < 27; i++) {
      now += 100;
      await vi.advanceTimersByTimeAsync(100);
    }
    abort.abort();
    for (let i = 0; i < 20; i++) {
      now += 100;
      await vi.advanceTimersByTimeAsync(100);
    }
    const played = await done;
    expect(calls).toEqual(['inject 0 at 1000', 'heal 0', 'healed 0']);
    expect(played.injected.map((i) => i.id)).toEqual([0]);
  });

  it('skips a fault whose node another fault holds, and one the catalogue refuses, with the reason', async () => {
    const { played } = await play(
      schedule([
        fault(0, 1000, 3000, { node: 's1' }),
        fault(1, 2000, 1000, { standby: 0 }),
        fault(2, 2500, 500, { standby: 1 }, 'kill-walsender'),
      ]),
    );
    expect(calls).toEqual(['inject 0', 'heal 0']);
    expect(played.skipped).toEqual([
      // Refused before anything was done, and refused by the catalogue once its injection began.
      { id: 1, what: 'isolate standby 0', reason: 's1 is held by another fault in effect', kind: 'isolate', attempted: false },
      { id: 2, what: 'kill-walsender standby 1', reason: 'no walsender', kind: 'kill-walsender', attempted: true },
    ]);
  });

  it('counts the nodes taken out at once, not those a fault only slows', async () => {
    const { played } = await play(
      schedule([
        fault(0, 1000, 3000, 'primary'),
        fault(1, 1500, 3000, { standby: 0 }),
        fault(2, 2000, 3000, { standby: 1 }, 'packet-loss'),
      ]),
    );
    expect(played.mostFailedAtOnce).toBe(2);
    expect(played.injected.find((i) => i.id === 0)!.primaryOut).toBe(true);
  });

  it('heals every fault in effect when aborted, and injects nothing after', async () => {
    const abort = new AbortController();
    const nemesis = new Nemesis(cluster, rec);
    const done = nemesis.play(schedule([fault(0, 1000, 5000, 'primary'), fault(1, 8000, 1000, { standby: 0 })]), abort.signal);
    for (let i = 0; i < 20; i++) {
      now += 100;
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(nemesis.busy('primary')).toBe(true);
    abort.abort();
    await done;
    expect(calls).toEqual(['inject 0', 'heal 0']);
    expect(nemesis.busy('primary')).toBe(false);
  });

  it('leaves at most one abort listener on the signal, however many sleeps it plays (no MaxListenersExceededWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const abort = new AbortController();
      const nemesis = new Nemesis(cluster, rec);
      // 12 faults one after another: 24 sleeps, more than EventTarget's default limit of 10 listeners.
      const done = nemesis.play(schedule(Array.from({ length: 12 }, (_, i) => fault(i, 500 + i * 700, 300, 'primary'))), abort.signal);
      let most = 0;
      for (let i = 0; i < 100; i++) {
        now += 100;
        await vi.advanceTimersByTimeAsync(100);
        most = Math.max(most, getEventListeners(abort.signal, 'abort').length);
      }
      const played = await done;
      await new Promise((r) => process.nextTick(r));
      expect(played.injected).toHaveLength(12);
      expect(most).toBeLessThanOrEqual(1);
      expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
