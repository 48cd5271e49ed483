import { describe, expect, it } from 'vitest';
import { Clock } from '../clock.ts';
import type { SqlNode } from '../db/sql-node.ts';
import type { ObserverSample, StandbyRow } from '../history/samples.ts';
import { ReplicationObserver } from './observer.ts';
import { describeSample, syncTransitions } from './sampling.ts';

const row = (name: string, state: string, syncState: string): StandbyRow => ({
  syncPriority: syncState === 'async' ? 0 : 1,
  name,
  state,
  syncState,
  sentLsn: null,
  writeLsn: null,
  flushLsn: null,
  replayLsn: null,
  writeLagMs: null,
  flushLagMs: null,
  replayLagMs: null,
});
const sample = (t: number, primary: string, standbys: StandbyRow[], error?: string): ObserverSample => ({
  t,
  primary,
  standbys,
  ...(error ? { error } : {}),
});

describe('syncTransitions', () => {
  it('keeps only changes, shows a missing walsender as absent and a promoted node as primary, and skips failed samples', () => {
    const samples = [
      sample(0, 'primary', [row('s1', 'streaming', 'quorum')]),
      sample(100, 'primary', [row('s1', 'streaming', 'quorum')]),
      sample(200, 'primary', []),
      sample(300, 'primary', [], 'Query read timeout'),
      sample(400, 'primary', [row('s1', 'catchup', 'potential')]),
      sample(500, 's1', [row('s2', 'streaming', 'quorum')]),
    ];
    expect(syncTransitions(samples, 's1')).toEqual([
      { t: 0, state: 'streaming', syncState: 'quorum' },
      { t: 200, state: 'absent', syncState: 'absent' },
      { t: 400, state: 'catchup', syncState: 'potential' },
      { t: 500, state: 'primary', syncState: 'primary' },
    ]);
  });
  it('sees a change of state alone or of sync_state alone, and never reads a failed sample as the walsender gone', () => {
    const samples = [
      sample(0, 'primary', [row('s1', 'catchup', 'potential')]),
      sample(100, 'primary', [row('s1', 'streaming', 'potential')]),
      sample(200, 'primary', [], 'Connection terminated'),
      sample(300, 'primary', [row('s1', 'streaming', 'quorum')]),
    ];
    expect(syncTransitions(samples, 's1')).toEqual([
      { t: 0, state: 'catchup', syncState: 'potential' },
      { t: 100, state: 'streaming', syncState: 'potential' },
      { t: 300, state: 'streaming', syncState: 'quorum' },
    ]);
  });
});

describe('describeSample', () => {
  it('says what the observer last saw, for the message of a wait that ran out', () => {
    expect(
      describeSample({
        ...sample(1234.4, 'primary', [row('s1', 'streaming', 'quorum'), row('s2', 'catchup', 'potential')]),
        syncRepWaiters: 8,
      }),
    ).toBe('t=1234ms on primary: waiters=8 s1:streaming/quorum s2:catchup/potential');
    expect(describeSample({ ...sample(50, 's1', []), syncRepWaiters: 0 })).toBe('t=50ms on s1: waiters=0 no walsenders');
    expect(describeSample(sample(99.6, 'primary', [], 'Query read timeout'))).toBe('t=100ms error: Query read timeout');
  });
});

describe('ReplicationObserver through a proxy', () => {
  it('names each sample by the server behind the proxy, so a primary’s walsenders are told apart from its successor’s', async () => {
    const proxy = {
      name: 'haproxy',
      client: () => ({
        on() {},
        connect: async () => {},
        end: async () => {},
        query: async () => ({ rows: [{ flush: '0/1', sync_names: 's1', sync_commit: 'on', waiters: 0, standbys: [] }] }),
      }),
      safePsql: async () => '',
      backendOf: async () => 's1',
    } as unknown as SqlNode;
    const o = new ReplicationObserver({ currentPrimary: async () => proxy }, new Clock(), 10);
    o.start();
    await o.waitFor('a sample', () => true, 2000);
    await o.stop();
    expect(o.samples()[0]!.primary).toBe('s1');
  });
});
