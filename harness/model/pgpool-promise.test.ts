import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { pgpoolPromise } from './pgpool-promise.ts';

const standbys = ['s1', 's2'];

describe('pgpool promise', () => {
  it('asynchronous, the default: nothing promised, pgpool does not manage synchronous replication', () => {
    const p = pgpoolPromise({ standbys });
    expect(p).toMatchObject({ survivesFailures: 0, confirmations: 0, holdsOn: null, primaryCrashLoses: false, vacuous: false });
    expect(p).toMatchObject({ managesSyncNames: false, expectedSyncNames: '' });
    expect(p.why).toMatch(/^pgpool does not manage synchronous replication and runs it asynchronous by default: /);
  });

  it('ANY 1 (s1, s2): pgpool promotes the smallest live node id, which may have confirmed nothing: no failure survived', () => {
    const p = pgpoolPromise({ synchronousStandbyNames: 'ANY 1 (s1, s2)', standbys });
    expect(p).toMatchObject({ survivesFailures: 0, confirmations: 1, holdsOn: 'flush', expectedSyncNames: 'ANY 1 (s1, s2)' });
    expect(p.why).toMatch(/smallest node id \(failover_command %m\), not the most advanced or the synchronous one/);
    expect(p.why).toMatch(/a fixed standby may pick one that did not/);
  });

  it('FIRST 1 (s1, s2) promises nothing either: the named node need not be the one that was sync', () => {
    expect(pgpoolPromise({ synchronousStandbyNames: 'FIRST 1 (s1, s2)', standbys }).survivesFailures).toBe(0);
  });

  it('every standby confirming every commit (ANY 2 of two) survives two failures whichever node is promoted', () => {
    const p = pgpoolPromise({ synchronousStandbyNames: 'ANY 2 (s1, s2)', standbys });
    expect(p).toMatchObject({ survivesFailures: 2, confirmations: 2 });
    // The same list with remote_write: the numbers hold, the host-crash caveat is said.
    expect(pgpoolPromise({ synchronousStandbyNames: 'ANY 2 (s1, s2)', synchronousCommit: 'remote_write', standbys }).why).toMatch(
      /operating-system crash/,
    );
  });

  it('synchronous_commit local or off promises nothing even with a list; off loses on a primary crash', () => {
    expect(pgpoolPromise({ synchronousStandbyNames: 'ANY 2 (s1, s2)', synchronousCommit: 'local', standbys }).survivesFailures).toBe(0);
    expect(pgpoolPromise({ synchronousCommit: 'off', standbys }).primaryCrashLoses).toBe(true);
  });

  it('refuses a malformed synchronous_standby_names', () => {
    expect(() => pgpoolPromise({ synchronousStandbyNames: 'ANY (', standbys })).toThrow(ConfigError);
  });
});
