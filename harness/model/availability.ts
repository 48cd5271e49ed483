/**
 * When a cluster can take writes at all: some node of those up can be the primary and, with the
 * others up streaming from it, have enough synchronous standbys to release its commits. The rule
 * is predict()'s (sync-model.ts, after syncrep.c): a COMMIT that waits is released once num_sync
 * listed standbys stream and confirm it (SyncRepGetSyncRecPtr); one that does not wait
 * (synchronous_commit off or local, or an empty synchronous_standby_names) needs the primary alone.
 */
import { predict, type SynchronousCommit } from './sync-model.ts';
import type { SyncStandbyNames } from './sync-standby-names.ts';

/** How a primary's synchronous_standby_names is found: the cluster's promotion policy applied to its setting. */
export interface CommitRule {
  /**
   * synchronous_standby_names of `primary` were it the primary (its setting after promotion; the
   * first primary's own): a parsed setting, or text (parsed by predict()).
   */
  settingFor: (primary: string) => SyncStandbyNames | string;
  synchronousCommit: SynchronousCommit;
}

/**
 * A node of `up` that could be a primary releasing commits, the rest of `up` streaming from it as
 * standbys (application_name = node name), or null when no node of `up` could.
 * Monotone: adding nodes to `up` never turns a primary into null.
 * @param up node names; order decides which of several possible primaries is returned (the first).
 * @throws ConfigError (from parseSyncStandbyNames) when `settingFor` gives text PostgreSQL would reject.
 */
export function writablePrimary(up: readonly string[], rule: CommitRule): string | null {
  for (const primary of up) {
    const standbys = up.filter((n) => n !== primary).map((name) => ({ name }));
    const model = predict({ synchronousStandbyNames: rule.settingFor(primary), synchronousCommit: rule.synchronousCommit, standbys });
    if (!model.commitsStall) return primary;
  }
  return null;
}
