import { describe, expect, it } from 'vitest';
import type { SyncTransition } from '../history/samples.ts';
import { checkSyncSequence, stepOf } from './sync-state.ts';

const tr = (...steps: string[]): SyncTransition[] =>
  steps.map((s, i) => {
    const [state, syncState] = s === 'absent' || s === 'primary' ? [s, s] : s.split('/');
    return { t: i * 100, state: state!, syncState: syncState! };
  });
const expected = ['streaming/quorum', 'absent', 'catchup/potential', 'streaming/quorum'];

describe('stepOf', () => {
  it('is state/sync_state, or just absent / primary', () => {
    expect(stepOf({ t: 0, state: 'catchup', syncState: 'potential' })).toBe('catchup/potential');
    expect(stepOf({ t: 0, state: 'absent', syncState: 'whatever' })).toBe('absent');
    expect(stepOf({ t: 0, state: 'primary', syncState: 'whatever' })).toBe('primary');
  });
});

describe('checkSyncSequence', () => {
  it('passes when the steps are seen in order, with others between them', () => {
    const v = checkSyncSequence(
      's1',
      tr('streaming/quorum', 'absent', 'startup/potential', 'catchup/potential', 'streaming/quorum'),
      expected,
    );
    expect(v.check).toBe('sync_state sequence of s1');
    expect(v.status).toBe('passed');
    expect(v.evidence.matched).toEqual([0, 1, 3, 4]);
    expect(v.evidence.observed[2]).toEqual({ t: 200, step: 'startup/potential' });
  });
  it('passes through a promotion', () => {
    expect(checkSyncSequence('s1', tr('streaming/sync', 'absent', 'primary'), ['streaming/sync', 'primary']).status).toBe('passed');
  });
  it('fails when catchup/potential was never seen', () => {
    const v = checkSyncSequence('s1', tr('streaming/quorum', 'absent', 'streaming/quorum'), expected);
    expect(v.status).toBe('failed');
    expect(v.evidence.matched).toEqual([0, 1]);
    expect(v.summary).toContain('missing catchup/potential');
  });
  it('fails when the last step is missing', () => {
    const v = checkSyncSequence('s1', tr('streaming/quorum', 'absent', 'catchup/potential'), expected);
    expect(v.status).toBe('failed');
    expect(v.evidence.matched).toEqual([0, 1, 2]);
  });
  it('fails when the steps come in the wrong order', () => {
    expect(checkSyncSequence('s1', tr('catchup/potential', 'streaming/quorum', 'absent'), expected).status).toBe('failed');
  });
  it('does not match one observation twice', () => {
    const v = checkSyncSequence('s2', tr('streaming/quorum', 'absent'), ['streaming/quorum', 'streaming/quorum']);
    expect(v.status).toBe('failed');
    expect(v.evidence.matched).toEqual([0]);
  });
  it('is unknown on no observation at all, and says so', () => {
    const v = checkSyncSequence('s1', [], expected);
    expect(v.status).toBe('unknown');
    expect(v.evidence.observed).toEqual([]);
    expect(v.summary).toContain('no observation of s1');
  });
  it('is unknown when no step was expected: nothing was checked', () => {
    const v = checkSyncSequence('s1', tr('streaming/quorum'), []);
    expect(v.status).toBe('unknown');
    expect(v.summary).toContain('no expected step');
  });
});
