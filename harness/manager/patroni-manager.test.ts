import { describe, expect, it } from 'vitest';
import type { PatroniView } from './patroni/view.ts';
import { LeaderFollower, PatroniManager, patroniConfigPromise, patroniRows } from './patroni-manager.ts';

const view = (members: PatroniView['members']): PatroniView => ({ members });
const led = (leader: string, others: Array<[string, string]> = []) =>
  view([
    { name: leader, role: 'leader', state: 'running', timeline: 1 },
    ...others.map(([name, state]) => ({ name, role: 'replica' as const, state, lag: 0 })),
  ]);

describe('patroniRows', () => {
  it("reads Patroni's /cluster into the seam's rows: the running leader primary, running replicas standbys, the rest out", () => {
    const rows = patroniRows(
      view([
        { name: 'pg0', role: 'leader', state: 'running', timeline: 2 },
        { name: 's1', role: 'sync_standby', state: 'running', timeline: 2, lag: 0 },
        { name: 's2', role: 'replica', state: 'stopped', lag: 'unknown' },
      ]),
    );
    expect(rows).toEqual([
      { node: 'pg0', role: 'primary', state: 'leader running', timeline: 2, lsn: null, lagBytes: 0 },
      { node: 's1', role: 'standby', state: 'sync_standby running', timeline: 2, lsn: null, lagBytes: 0 },
      { node: 's2', role: 'out', state: 'replica stopped', timeline: null, lsn: null, lagBytes: null },
    ]);
  });
});

describe('LeaderFollower', () => {
  it('records a failover when the running leader changes: lost at the first view without it, decided when the new one leads', () => {
    const f = new LeaderFollower();
    expect(
      f.observe(
        0,
        led('pg0', [
          ['s1', 'running'],
          ['s2', 'stopped'],
        ]),
      ),
    ).toBeUndefined();
    expect(f.observe(1000, view([{ name: 'pg0', role: 'leader', state: 'stopped' }]))).toBeUndefined();
    expect(f.observe(2000, view([]))).toBeUndefined();
    expect(f.observe(3000, led('s1'))).toEqual({
      detectedT: 1000,
      decidedT: 3000,
      promotedT: 3000,
      from: 'pg0',
      to: 's1',
      positions: [{ name: 's1', receiveLsn: null, replayLsn: null }],
    });
    expect(f.observe(4000, led('s1'))).toBeUndefined();
  });
  it('a change seen in one step is detected and decided at once; a switchover (reset) is none', () => {
    const f = new LeaderFollower();
    f.observe(0, led('pg0'));
    expect(f.observe(500, led('s2'))).toMatchObject({ detectedT: 500, decidedT: 500, from: 'pg0', to: 's2' });
    f.reset('s1');
    expect(f.observe(900, led('s1'))).toBeUndefined();
  });
  it('waits for a first leader before following one', () => {
    const f = new LeaderFollower();
    expect(f.observe(0, view([]))).toBeUndefined();
    expect(f.observe(100, led('s2'))).toBeUndefined();
    expect(f.observe(200, led('pg0'))).toMatchObject({ from: 's2', to: 'pg0' });
  });
});

describe('patroniConfigPromise', () => {
  it("reads bootstrap.dcs and the nodes' synchronous_commit (a node's own first) into Patroni's promise", () => {
    expect(patroniConfigPromise({}, ['s1', 's2'])).toMatchObject({
      mode: 'async',
      lossBound: { bytes: 1_048_576, plusWrittenInLastMs: 30_000 },
    });
    const strict = patroniConfigPromise(
      {
        bootstrap: {
          dcs: {
            synchronous_mode: true,
            synchronous_mode_strict: true,
            ttl: 20,
            postgresql: { parameters: { synchronous_commit: 'local' } },
          },
        },
        postgresql: { parameters: { synchronous_commit: 'REMOTE_APPLY' } },
      },
      ['s1', 's2'],
    );
    expect(strict).toMatchObject({ mode: 'strict', survivesFailures: 3, confirmations: 1, holdsOn: 'apply' });
    const dcsOnly = patroniConfigPromise(
      { bootstrap: { dcs: { synchronous_mode: true, postgresql: { parameters: { synchronous_commit: false } } } } },
      ['s1'],
    );
    expect(dcsOnly).toMatchObject({ mode: 'sync', survivesFailures: 0, primaryCrashLoses: true });
    expect(patroniConfigPromise({ bootstrap: { dcs: { maximum_lag_on_failover: 0 } } }, ['s1']).lossBound?.bytes).toBe(0);
  });
});

describe('PatroniManager node by address', () => {
  it('names the node that has an address now, not the one that had it before a reboot', async () => {
    const addresses: Record<string, string> = { pg0: '10.0.0.2', s1: '10.0.0.3', s2: '10.0.0.4' };
    const cluster = { nodeNames: ['pg0', 's1', 's2'], node: (n: string) => ({ address: async () => addresses[n]! }) };
    // The constructor is private (PatroniManager.start brings a real cluster up): a stand-in cluster instead.
    const Ctor = PatroniManager as unknown as new (...a: unknown[]) => { nodeAt(a: string): Promise<string | undefined> };
    const m = new Ctor(cluster, { clock: { now: () => 0 } }, 1000);
    expect(await m.nodeAt('10.0.0.2')).toBe('pg0');
    // pg0 and s1 crashed and booted: each took an address the other had.
    addresses.pg0 = '10.0.0.3';
    addresses.s1 = '10.0.0.2';
    expect(await m.nodeAt('10.0.0.2')).toBe('s1');
    expect(await m.nodeAt('10.0.0.9')).toBeUndefined();
  });
});
