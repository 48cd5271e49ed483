import { describe, expect, it } from 'vitest';
import { expectedSyncState } from '../model/sync-model.ts';
import { byAdvancement, type StandbyPosition } from './cluster.ts';
import { parseSyncStandbyNames } from '../model/sync-standby-names.ts';

describe('byAdvancement (seed 000 §11: promote the largest receive LSN, then the largest replay LSN)', () => {
  const pos = (name: string, receiveLsn: string | null, replayLsn: string | null): StandbyPosition => ({ name, receiveLsn, replayLsn });
  it('puts the largest receive LSN first', () => {
    expect([pos('s1', '0/5000000', '0/5000000'), pos('s2', '0/6000000', '0/4000000')].sort(byAdvancement)[0]!.name).toBe('s2');
  });
  it('breaks a receive tie by the replay LSN', () => {
    expect([pos('s1', '57/60000098', '57/50000000'), pos('s2', '57/60000098', '57/60000098')].sort(byAdvancement)[0]!.name).toBe('s2');
  });
  it('puts a standby that never streamed last', () => {
    expect([pos('s1', null, null), pos('s2', '0/3000000', '0/3000000')].sort(byAdvancement).map((p) => p.name)).toEqual(['s2', 's1']);
  });
});

describe('expectedSyncState (docs: monitoring-stats.html, pg_stat_replication.sync_state)', () => {
  it('quorum under ANY, sync / potential under FIRST, async otherwise', () => {
    expect(expectedSyncState(parseSyncStandbyNames('ANY 1 (s1, s2)'), 's2')).toBe('quorum');
    expect(expectedSyncState(parseSyncStandbyNames('FIRST 1 (s1, s2)'), 's1')).toBe('sync');
    expect(expectedSyncState(parseSyncStandbyNames('FIRST 1 (s1, s2)'), 's2')).toBe('potential');
    expect(expectedSyncState(parseSyncStandbyNames('ANY 1 (s1)'), 's2')).toBe('async');
    expect(expectedSyncState(parseSyncStandbyNames(''), 's1')).toBe('async');
  });
});
