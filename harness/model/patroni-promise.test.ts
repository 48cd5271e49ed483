import { describe, expect, it } from 'vitest';
import { checkLossAgainstPromise } from '../checks/promised-loss.ts';
import { patroniPromise } from './patroni-promise.ts';

const standbys = ['s1', 's2'];
const lossOf = (lostAcked: number) => ({ ackedBatches: 100, lostAcked, lost: Array.from({ length: lostAcked }, (_, i) => `1:${i}`) });

describe('patroniPromise', () => {
  it("Patroni's default (asynchronous) promises nothing, bounded by maximum_lag_on_failover bytes plus ttl of writes", () => {
    const p = patroniPromise({ standbys });
    expect(p).toMatchObject({
      mode: 'async',
      survivesFailures: 0,
      confirmations: 0,
      holdsOn: null,
      lossBound: { bytes: 1_048_576, plusWrittenInLastMs: 30_000 },
      dropsToStandalone: false,
      primaryCrashLoses: false,
      vacuous: false,
    });
    expect(p.why).toMatch(/maximum_lag_on_failover = 1048576 bytes .* ttl = 30 s/);
    // A loss after one failure is measured, not failed: Patroni never promised it.
    expect(checkLossAgainstPromise(lossOf(3), p, 1).status).toBe('passed');
  });

  it('the bound follows the config', () => {
    expect(patroniPromise({ standbys, maximum_lag_on_failover: 0, ttl: 20 }).lossBound).toEqual({ bytes: 0, plusWrittenInLastMs: 20_000 });
  });

  it('synchronous_mode_strict with one sync standby survives one failure (and more: it promotes only a sync standby)', () => {
    const p = patroniPromise({ standbys, synchronous_mode: true, synchronous_mode_strict: true });
    expect(p).toMatchObject({
      mode: 'strict',
      survivesFailures: 3,
      confirmations: 1,
      holdsOn: 'flush',
      lossBound: null,
      dropsToStandalone: false,
      blockBeforeStandaloneMs: null,
    });
    // Any loss after one failure, or after all three nodes failed at once, breaks the promise.
    expect(checkLossAgainstPromise(lossOf(1), p, 1).status).toBe('failed');
    expect(checkLossAgainstPromise(lossOf(1), p, 3).status).toBe('failed');
    expect(checkLossAgainstPromise(lossOf(0), p, 1).status).toBe('passed');
  });

  it('synchronous_mode without strict may drop to standalone after up to ttl, but still promotes only a sync standby', () => {
    const p = patroniPromise({ standbys, synchronous_mode: true, ttl: 25 });
    expect(p).toMatchObject({
      mode: 'sync',
      survivesFailures: 3,
      confirmations: 1,
      dropsToStandalone: true,
      blockBeforeStandaloneMs: 25_000,
    });
    expect(p.why).toMatch(/standalone .* on the primary alone/);
  });

  it('synchronous_node_count counts the sync standbys, at most the standbys there are', () => {
    expect(patroniPromise({ standbys, synchronous_mode: true, synchronous_node_count: 2 }).confirmations).toBe(2);
    expect(patroniPromise({ standbys, synchronous_mode: true, synchronous_node_count: 5 }).confirmations).toBe(2);
  });

  it('synchronous_commit decides what a sync standby did with a commit, and off or local wait for none', () => {
    expect(patroniPromise({ standbys, synchronous_mode: true, synchronousCommit: 'remote_write' })).toMatchObject({ holdsOn: 'write' });
    expect(patroniPromise({ standbys, synchronous_mode: true, synchronousCommit: 'remote_apply' }).holdsOn).toBe('apply');
    const local = patroniPromise({ standbys, synchronous_mode: true, synchronous_mode_strict: true, synchronousCommit: 'local' });
    expect(local).toMatchObject({ mode: 'strict', survivesFailures: 0, confirmations: 0, holdsOn: null, primaryCrashLoses: false });
    expect(local.lossBound).not.toBeNull();
    expect(patroniPromise({ standbys, synchronous_mode: true, synchronousCommit: 'off' }).primaryCrashLoses).toBe(true);
  });

  it('remote_write does not survive a host crash of a sync standby', () => {
    const p = patroniPromise({ standbys, synchronous_mode: true, synchronousCommit: 'remote_write' });
    expect(checkLossAgainstPromise(lossOf(2), p, 1, { hostCrashed: true }).status).toBe('passed');
    expect(checkLossAgainstPromise(lossOf(2), p, 1).status).toBe('failed');
  });

  it('refuses counts that are not whole numbers in range', () => {
    expect(() => patroniPromise({ standbys, synchronous_node_count: 0 })).toThrow(RangeError);
    expect(() => patroniPromise({ standbys, ttl: 1.5 })).toThrow(/ttl 1.5/);
    expect(() => patroniPromise({ standbys, maximum_lag_on_failover: -1 })).toThrow(RangeError);
  });
});
