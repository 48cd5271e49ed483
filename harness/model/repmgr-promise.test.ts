import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { repmgrPromise } from './repmgr-promise.ts';

const standbys = [
  { name: 's1', priority: 100 },
  { name: 's2', priority: 100 },
];

describe('repmgr promise', () => {
  it('asynchronous, the default: nothing promised, repmgr does not manage synchronous replication', () => {
    const p = repmgrPromise({ standbys });
    expect(p).toMatchObject({ survivesFailures: 0, confirmations: 0, holdsOn: null, primaryCrashLoses: false, vacuous: false });
    expect(p).toMatchObject({ managesSyncNames: false, expectedSyncNames: '' });
    expect(p.why).toMatch(
      /^repmgr does not manage synchronous replication and runs it asynchronous by default: synchronous_standby_names is empty/,
    );
  });

  it("the user's ANY 1 (s1, s2) under repmgrd's most-advanced election: one failure survived; the list is the user's", () => {
    const p = repmgrPromise({ synchronousStandbyNames: 'ANY 1 (s1, s2)', standbys });
    expect(p).toMatchObject({ survivesFailures: 1, confirmations: 1, holdsOn: 'flush', expectedSyncNames: 'ANY 1 (s1, s2)' });
    expect(p.why).toMatch(/repmgr does not manage synchronous_standby_names: 'ANY 1 \(s1, s2\)' is the user's/);
  });

  it('a priority-0 standby that may confirm instead of the promoted one breaks the promise', () => {
    const p = repmgrPromise({ synchronousStandbyNames: 'ANY 1 (s1, s2)', standbys: [standbys[0]!, { name: 's2', priority: 0 }] });
    expect(p.survivesFailures).toBe(0);
    expect(p.why).toMatch(/a standby of priority 0 is never promoted/);
    // Every standby confirming every commit keeps it even then.
    expect(
      repmgrPromise({ synchronousStandbyNames: 'ANY 2 (s1, s2)', standbys: [standbys[0]!, { name: 's2', priority: 0 }] }).survivesFailures,
    ).toBe(2);
  });

  it('synchronous_commit local or off promises nothing even with a list; off loses on a primary crash', () => {
    expect(repmgrPromise({ synchronousStandbyNames: 'ANY 1 (s1, s2)', synchronousCommit: 'local', standbys }).survivesFailures).toBe(0);
    expect(repmgrPromise({ synchronousCommit: 'off', standbys }).primaryCrashLoses).toBe(true);
  });

  it('refuses a malformed synchronous_standby_names', () => {
    expect(() => repmgrPromise({ synchronousStandbyNames: 'ANY (', standbys })).toThrow(ConfigError);
  });
});
