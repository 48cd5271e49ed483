import { predict, type SyncInput, type SyncPrediction, type WalSenderState } from './sync-model.ts';

/** The columns of one pg_stat_replication row that the model predicts. */
export interface ObservedWalSender {
  name: string;
  state: string;
  syncPriority: number;
  syncState: string;
  /** Null until the standby has reported a flush position. */
  flushLsn: string | null;
}

/** What `compareWithModel` found: the model's prediction for the observed walsenders, and every difference. */
export interface ModelComparison {
  prediction: SyncPrediction;
  /** One sentence per differing row, e.g. `s2: sync_priority 2, sync_state potential; model: 1, sync`; [] when they agree. */
  mismatches: string[];
}

/**
 * Predicts pg_stat_replication for the walsenders a primary shows (their names, states and
 * whether they reported a flush LSN, in slot order) and compares every row's sync_priority and
 * sync_state with what the primary shows.
 * @throws ConfigError when the setting is malformed.
 */
export function compareWithModel(rows: readonly ObservedWalSender[], settings: Omit<SyncInput, 'standbys'>): ModelComparison {
  const prediction = predict({
    ...settings,
    standbys: rows.map((r) => ({ name: r.name, state: r.state as WalSenderState, flushReported: r.flushLsn !== null })),
  });
  const mismatches = rows.flatMap((r, i) => {
    const p = prediction.standbys[i]!;
    return p.syncPriority === r.syncPriority && p.syncState === r.syncState
      ? []
      : [`${r.name} (${r.state}): sync_priority ${r.syncPriority}, sync_state ${r.syncState}; model: ${p.syncPriority}, ${p.syncState}`];
  });
  return { prediction, mismatches };
}
