import { describe, expect, it } from 'vitest';
import type { SyncTransition } from '../load/history.ts';
import { checkSyncSequence } from './sync-state.ts';

const tr = (...steps: string[]): SyncTransition[] =>
  steps.map((s, i) => {
    const [state, syncState] = s === 'absent' ? ['absent', 'absent'] : s.split('/');
    return { t: i * 100, state: state!, syncState: syncState! };
  });
const expected = ['streaming/quorum', 'absent', 'catchup/potential', 'streaming/quorum'];

describe('checkSyncSequence', () => {
  it('passes when the steps are seen in order, with others between them', () => {
    const v = checkSyncSequence('s1', tr('streaming/quorum', 'absent', 'startup/potential', 'catchup/potential', 'streaming/quorum'), expected);
    expect(v.status).toBe('passed');
    expect(v.evidence.matched).toEqual([0, 1, 3, 4]);
  });
  it('fails when catchup/potential was never seen', () => {
    const v = checkSyncSequence('s1', tr('streaming/quorum', 'absent', 'streaming/quorum'), expected);
    expect(v.status).toBe('failed');
    expect(v.summary).toContain('missing catchup/potential');
  });
  it('fails when the steps come in the wrong order', () => {
    expect(checkSyncSequence('s1', tr('catchup/potential', 'streaming/quorum', 'absent'), expected).status).toBe('failed');
  });
  it('fails on no observation at all', () => {
    expect(checkSyncSequence('s1', [], expected).status).toBe('failed');
  });
});
