import { describe, expect, it } from 'vitest';
import type { Fault, FaultKind, FaultTarget, Schedule } from '../../history/fault.ts';
import { shrinkSchedule, type ShrinkStep } from './shrink.ts';
import { validateSchedule } from './validate.ts';

/** Faults one after another, starting 10 s apart, each lasting `durations[i]` (default 1.5 s). */
function sequential(faults: Fault[], durations: number[] = []): Schedule {
  const scheduled = faults.map((f, id) => ({ id, atMs: 1000 + 10_000 * id, durationMs: durations[id] ?? 1500, ...f }));
  return { seed: 9, durationMs: 1000 + 10_000 * faults.length, recoveryMs: 30_000, faults: scheduled };
}

const plain = (kind: FaultKind, target: FaultTarget = 'primary'): Fault => ({ kind, target });

describe('shrinkSchedule', () => {
  // 16 faults; only pause-replay (id 5) and packet-loss (id 11) matter to the fake failure.
  const kinds: FaultKind[] = ['crash-host-loud', 'stop-fast', 'freeze-host', 'isolate', 'kill9-postmaster'];
  const big = sequential(
    Array.from(
      { length: 16 },
      (_, i): Fault =>
        i === 5
          ? plain('pause-replay', { standby: 0 })
          : i === 11
            ? { kind: 'packet-loss', target: 'primary', params: { rate: 0.3 } }
            : plain(kinds[i % kinds.length]!),
    ),
  );
  const hasBoth = (s: Schedule) => s.faults.some((f) => f.kind === 'pause-replay') && s.faults.some((f) => f.kind === 'packet-loss');

  /** A fake `stillFails` that records every candidate it is asked about. */
  function recorder(fails: (s: Schedule) => boolean) {
    const seen: Schedule[] = [];
    const predicate = async (s: Schedule) => {
      seen.push(structuredClone(s));
      return fails(s);
    };
    return { seen, predicate, keys: () => seen.map((s) => JSON.stringify(s)) };
  }

  it('cuts a failing schedule down to the two faults that matter, ids kept', async () => {
    const r = recorder(hasBoth);
    const steps: ShrinkStep[] = [];
    const result = await shrinkSchedule(big, r.predicate, { onStep: (step) => steps.push(step) });
    expect(result.schedule.faults.map((f) => [f.id, f.kind])).toEqual([
      [5, 'pause-replay'],
      [11, 'packet-loss'],
    ]);
    expect(result.schedule.faults.map((f) => f.atMs)).toEqual([big.faults[5]!.atMs, big.faults[11]!.atMs]);
    expect([result.exhausted, result.runs, result.steps.length]).toEqual([false, r.seen.length, r.seen.length]);
    expect(result.runs).toBeLessThanOrEqual(30);
    expect(steps).toEqual(result.steps);
    expect(result.steps.map((s) => s.failed)).toEqual(r.seen.map(hasBoth));
    expect(new Set(r.keys()).size).toBe(r.seen.length); // no candidate tried twice
    expect(r.keys()).not.toContain(JSON.stringify(big)); // nor the original
    for (const candidate of r.seen) expect(() => validateSchedule(candidate)).not.toThrow();
    expect([result.schedule.seed, result.schedule.durationMs, result.schedule.recoveryMs]).toEqual([
      big.seed,
      big.durationMs,
      big.recoveryMs,
    ]);
  });

  it('removes halves first, then quarters, … then single faults, in a fixed order', async () => {
    const r = recorder(hasBoth);
    const result = await shrinkSchedule(big, r.predicate);
    const removals = result.steps.flatMap((s) => (s.action === 'remove' ? [`${s.failed ? 'removed' : 'kept'} ${s.ids.join(',')}`] : []));
    // ddmin: after a removal that still fails, the granularity n drops to max(n - 1, 2); a
    // candidate equal to one already tried (e.g. removing 4..7 from 4..15) is skipped, not rerun.
    expect(removals).toEqual([
      'kept 0,1,2,3,4,5,6,7',
      'kept 8,9,10,11,12,13,14,15',
      'removed 0,1,2,3',
      'kept 8,9,10,11',
      'removed 12,13,14,15',
      'kept 4,5,6,7',
      'kept 8,9,10,11',
      'kept 4,5',
      'removed 6,7',
      'removed 8,9',
      'kept 4,5',
      'kept 10,11',
      'removed 4',
      'removed 10',
      'kept 5',
      'kept 11',
    ]);
    expect((await shrinkSchedule(big, recorder(hasBoth).predicate)).steps).toEqual(result.steps);
  });

  it('halves durations while the schedule still fails, down to between 2 and 4 s', async () => {
    const s = sequential([plain('stop-fast'), plain('isolate'), plain('freeze-host'), plain('stop-immediate')], [1200, 9300, 1500, 7700]);
    const longOne = (c: Schedule) => c.faults.some((f) => f.durationMs >= 2000);
    const r = recorder(longOne);
    const result = await shrinkSchedule(s, r.predicate);
    expect(result.schedule.faults).toHaveLength(1);
    const [f] = result.schedule.faults;
    expect(f!.durationMs).toBeGreaterThanOrEqual(2000);
    expect(f!.durationMs).toBeLessThan(4000);
    expect(s.faults.find((g) => g.id === f!.id)).toMatchObject({ kind: f!.kind, atMs: f!.atMs });
    expect(result.steps.filter((step) => step.action === 'shorten' && step.failed).length).toBeGreaterThan(0);
    expect(new Set(r.keys()).size).toBe(r.seen.length);
  });

  it('never shortens a fault below 500 ms', async () => {
    const s = sequential([plain('stop-fast'), plain('isolate')], [4000, 900]);
    const result = await shrinkSchedule(s, async (c) => c.faults.length === 2);
    expect(result.schedule.faults.map((f) => f.durationMs)).toEqual([500, 500]);
    expect(result.steps.filter((step) => step.action === 'shorten').map((step) => (step.action === 'shorten' ? step.toMs : 0))).toEqual([
      2000, 1000, 500, 500,
    ]);
  });

  it('stops at the run budget and returns the smallest failing schedule so far', async () => {
    const r = recorder(hasBoth);
    const result = await shrinkSchedule(big, r.predicate, { maxRuns: 3 });
    expect([result.exhausted, result.runs, r.seen.length, result.steps.length]).toEqual([true, 3, 3, 3]);
    const lastFailing = r.seen.filter(hasBoth).at(-1);
    expect(lastFailing).toBeDefined();
    expect(result.schedule).toEqual(lastFailing);
    expect(result.schedule.faults.length).toBeLessThan(big.faults.length);
  });

  it('returns the original unchanged when no candidate fails', async () => {
    const s = sequential([
      plain('stop-fast'),
      plain('isolate'),
      plain('freeze-host', { standby: 1 }),
      plain('kill-walsender', { standby: 0 }),
    ]);
    const r = recorder(() => false);
    const result = await shrinkSchedule(s, r.predicate);
    expect(result.schedule).toEqual(
      sequential([plain('stop-fast'), plain('isolate'), plain('freeze-host', { standby: 1 }), plain('kill-walsender', { standby: 0 })]),
    );
    expect(result.exhausted).toBe(false);
    expect(result.runs).toBe(r.seen.length);
    expect(result.runs).toBeGreaterThan(0);
    expect(result.steps.every((step) => !step.failed)).toBe(true);
    expect(new Set(r.keys()).size).toBe(r.seen.length);
  });

  it('rejects a run budget that is not a whole number', async () => {
    await expect(shrinkSchedule(big, async () => true, { maxRuns: -1 })).rejects.toThrow(/^maxRuns -1 is out of range/);
  });
});
