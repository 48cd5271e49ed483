/**
 * What happens at a promotion, as policy: which standby to promote (the most advanced, write-up 000
 * §11: `byAdvancement`) and what the promoted standby's synchronous_standby_names becomes
 * (`SyncPolicy`, `settingAfterPromotion`). Pure: `Cluster.promote` applies it, the operator and
 * the model's `commitRule` read it.
 */
import { compareLsn, type Lsn } from '../lsn.ts';
import { entryMatches, syncStandbyNames, type SyncStandbyNames } from '../model/sync-standby-names.ts';

/**
 * What a promoted standby's synchronous_standby_names becomes:
 * - `swap`: the setting as it was, with the old primary's name in place of the promoted
 *   standby's (`ANY 1 (s1, s2)` → `ANY 1 (primary, s2)` when s1 is promoted): the old primary
 *   takes the promoted standby's place once it rejoins;
 * - `same`: the setting unchanged;
 * - `{ setting }`: this setting.
 */
export type SyncPolicy = 'swap' | 'same' | { setting: SyncStandbyNames };

/** A standby's WAL positions, the evidence for choosing which one to promote (write-up 000 §11). */
export interface StandbyPosition {
  name: string;
  /** pg_last_wal_receive_lsn(): WAL received and flushed; null when it never streamed. */
  receiveLsn: Lsn | null;
  /** pg_last_wal_replay_lsn(). */
  replayLsn: Lsn | null;
}

/** Orders standbys most advanced first: larger receive LSN, then larger replay LSN; unknown positions last. */
export function byAdvancement(a: StandbyPosition, b: StandbyPosition): number {
  const cmp = (x: Lsn | null, y: Lsn | null) => (x === y ? 0 : x === null ? 1 : y === null ? -1 : compareLsn(y, x));
  return cmp(a.receiveLsn, b.receiveLsn) || cmp(a.replayLsn, b.replayLsn);
}

/**
 * synchronous_standby_names of `promoted` after it took over from `oldPrimary` whose setting was
 * `setting`, under `policy` (see SyncPolicy). Pure, never throws: every setting it returns was
 * parsed (the policy's own, at config load) or printed by `syncStandbyNames`.
 */
export function settingAfterPromotion(
  policy: SyncPolicy,
  setting: SyncStandbyNames,
  promoted: string,
  oldPrimary: string,
): SyncStandbyNames {
  return policy === 'same' ? setting : policy === 'swap' ? swapName(setting, promoted, oldPrimary) : policy.setting;
}

/**
 * `setting` with the name `from` replaced by `to`, keeping the method, the number and every other
 * name; the text is printed anew (`syncStandbyNames`: `to` quoted when needed, the old `s1, s2`
 * form written `FIRST 1 (…)`). `*` and settings that do not name `from` come back as they are.
 */
export function swapName(setting: SyncStandbyNames, from: string, to: string): SyncStandbyNames {
  // PostgreSQL matches names case-insensitively (pg_strcasecmp in SyncRepGetStandbyPriority).
  const named = (n: string) => n !== '*' && entryMatches(n, from);
  if (setting.method === 'async' || !setting.names.some(named)) return setting;
  return syncStandbyNames({ method: setting.method, num: setting.num, names: setting.names.map((n) => (named(n) ? to : n)) });
}
