import { describe, expect, it } from 'vitest';
import { pgAutoFailoverPromise, type PafStandbySettings } from './pg-auto-failover-promise.ts';

const sb = (name: string, replicationQuorum = true, candidatePriority = 50): PafStandbySettings => ({
  name,
  replicationQuorum,
  candidatePriority,
});

describe('pg_auto_failover promise', () => {
  it('defaults, two quorum standbys: the monitor raises number_sync_standbys to 1, ANY 1, one failure survived, writes block', () => {
    const p = pgAutoFailoverPromise({ standbys: [sb('s1'), sb('s2')] });
    expect(p).toMatchObject({ numberSyncStandbys: 1, expectedSyncNames: 'ANY 1 (s1, s2)', survivesFailures: 1, confirmations: 1 });
    expect(p).toMatchObject({ holdsOn: 'flush', dropsToStandalone: false, failoverWaitsForQuorumStandbys: true, primaryCrashLoses: false });
    expect(p.why).toMatch(/writes block/);
  });

  it('number_sync_standbys 0 still sends ANY 1 (never ANY 0) but drops to standalone in wait_primary', () => {
    const p = pgAutoFailoverPromise({ numberSyncStandbys: 0, standbys: [sb('s1'), sb('s2')] });
    expect(p).toMatchObject({ expectedSyncNames: 'ANY 1 (s1, s2)', survivesFailures: 1, confirmations: 1, dropsToStandalone: true });
    expect(p.why).toMatch(/wait_primary/);
  });

  it('a replication-quorum false standby is left out of the list and confirms nothing', () => {
    const p = pgAutoFailoverPromise({ numberSyncStandbys: 0, standbys: [sb('s1'), sb('s2', false, 0)] });
    expect(p).toMatchObject({ expectedSyncNames: 'ANY 1 (s1)', survivesFailures: 1, confirmations: 1 });
    // With only one quorum standby, the default stays 0 (it is raised only when a second joins).
    expect(pgAutoFailoverPromise({ standbys: [sb('s1'), sb('s2', false)] }).numberSyncStandbys).toBe(0);
  });

  it('every standby out of the quorum is asynchronous: nothing promised', () => {
    const p = pgAutoFailoverPromise({ standbys: [sb('s1', false), sb('s2', false)] });
    expect(p).toMatchObject({
      expectedSyncNames: '',
      survivesFailures: 0,
      confirmations: 0,
      holdsOn: null,
      failoverWaitsForQuorumStandbys: false,
    });
  });

  it('number_sync_standbys 2 with three quorum standbys: ANY 2, two failures survived', () => {
    const p = pgAutoFailoverPromise({ numberSyncStandbys: 2, standbys: [sb('s1'), sb('s2'), sb('s3')] });
    expect(p).toMatchObject({ expectedSyncNames: 'ANY 2 (s1, s2, s3)', survivesFailures: 2, confirmations: 2 });
  });

  it('synchronous_commit off or local promises nothing; off also loses on a primary crash; remote_write holds on write', () => {
    expect(pgAutoFailoverPromise({ standbys: [sb('s1'), sb('s2')], synchronousCommit: 'local' })).toMatchObject({
      survivesFailures: 0,
      primaryCrashLoses: false,
    });
    expect(pgAutoFailoverPromise({ standbys: [sb('s1'), sb('s2')], synchronousCommit: 'off' })).toMatchObject({
      survivesFailures: 0,
      primaryCrashLoses: true,
    });
    expect(pgAutoFailoverPromise({ standbys: [sb('s1'), sb('s2')], synchronousCommit: 'remote_write' }).holdsOn).toBe('write');
  });

  it('refuses what the monitor refuses', () => {
    expect(() => pgAutoFailoverPromise({ numberSyncStandbys: 2, standbys: [sb('s1'), sb('s2')] })).toThrow(
      /needs 3 quorum standbys, not 2/,
    );
    expect(() => pgAutoFailoverPromise({ numberSyncStandbys: -1, standbys: [sb('s1')] })).toThrow(RangeError);
  });
});
