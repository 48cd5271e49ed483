import { describe, expect, it } from 'vitest';
import { syncTransitions, type ObserverSample, type StandbyRow } from './history.ts';

const row = (name: string, state: string, syncState: string): StandbyRow => ({
  syncPriority: syncState === 'async' ? 0 : 1,
  name, state, syncState, sentLsn: null, writeLsn: null, flushLsn: null, replayLsn: null, writeLagMs: null, flushLagMs: null, replayLagMs: null,
});
const sample = (t: number, primary: string, standbys: StandbyRow[], error?: string): ObserverSample => ({ t, primary, standbys, ...(error ? { error } : {}) });

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
});
