import type { SyncStandbyNames } from './sync-standby-names.ts';

/** The sync_state a healthy, caught-up standby shows under the given setting (docs: monitoring-stats.html, pg_stat_replication). */
export function expectedSyncState(sync: SyncStandbyNames, standby: string): string {
  const listed = sync.names.includes(standby) || sync.names.includes('*');
  if (sync.method === 'async' || !listed) return 'async';
  if (sync.method === 'any') return 'quorum';
  const rank = sync.names.includes(standby) ? sync.names.indexOf(standby) : sync.names.indexOf('*');
  return rank < sync.num ? 'sync' : 'potential';
}
