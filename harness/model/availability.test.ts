import { describe, expect, it } from 'vitest';
import { writablePrimary, type CommitRule } from './availability.ts';

/** The default swap policy from `ANY 1 (s1, s2)` with `primary` first: a promoted standby names the other two. */
const anyOne: CommitRule = {
  settingFor: (p) => (p === 'primary' ? 'ANY 1 (s1, s2)' : `ANY 1 (${['primary', 's1', 's2'].filter((n) => n !== p).join(', ')})`),
  synchronousCommit: 'on',
};

describe('writablePrimary (syncrep.c: a waiting commit needs num_sync listed standbys streaming)', () => {
  it('ANY 1 over three nodes: any two can commit, one alone cannot', () => {
    expect(writablePrimary(['primary', 's1'], anyOne)).toBe('primary');
    expect(writablePrimary(['s1', 's2'], anyOne)).toBe('s1');
    expect(writablePrimary(['s2'], anyOne)).toBeNull();
    expect(writablePrimary([], anyOne)).toBeNull();
  });
  it('FIRST 1 (s1) with the policy `same`: only a primary with s1 up can commit, and s1 as primary never can', () => {
    const first: CommitRule = { settingFor: () => 'FIRST 1 (s1)', synchronousCommit: 'on' };
    expect(writablePrimary(['primary', 's2'], first)).toBeNull();
    expect(writablePrimary(['s1', 's2'], first)).toBe('s2');
    expect(writablePrimary(['primary', 's1'], first)).toBe('primary');
  });
  it('ANY 2 needs all three nodes', () => {
    const two: CommitRule = {
      settingFor: (p) => `ANY 2 (${['primary', 's1', 's2'].filter((n) => n !== p).join(', ')})`,
      synchronousCommit: 'on',
    };
    expect(writablePrimary(['primary', 's1'], two)).toBeNull();
    expect(writablePrimary(['primary', 's1', 's2'], two)).toBe('primary');
  });
  it('commits that wait for no standby (synchronous_commit local, or an empty setting) need the primary alone', () => {
    expect(writablePrimary(['s2'], { ...anyOne, synchronousCommit: 'local' })).toBe('s2');
    expect(writablePrimary(['s2'], { settingFor: () => '', synchronousCommit: 'on' })).toBe('s2');
  });
});
