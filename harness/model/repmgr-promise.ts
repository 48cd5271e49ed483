/**
 * What a repmgr cluster promises about acknowledged commits when repmgrd fails over: the
 * DurabilityPromise of model/durability.ts, read from the PostgreSQL parameters the user wrote,
 * since repmgr writes none of them.
 *
 * The rules, from repmgr 5.3's docs and code:
 * - repmgr manages streaming replication as PostgreSQL is configured and leaves synchronous
 *   replication to the user: repmgr 5.3.3's C sources never read or write
 *   `synchronous_standby_names`, its docs describe no synchronous setup (doc/repmgr.xml's
 *   keywords: "asynchronous"), and its own sessions set `synchronous_commit = local`
 *   (dbutils.c: "in case synchronous replication is in use") so that its metadata writes never
 *   wait. With the default, asynchronous replication, every commit is acknowledged by the primary
 *   alone: a failover may lose acknowledged commits. No failure is survived for sure: 0.
 * - The candidate repmgrd promotes (repmgrd-physical.c `do_election`): among the standbys that
 *   see the primary gone and answer each other, the one with the highest last received LSN; ties
 *   by `priority`, then lowest node_id; a node of priority 0 is skipped ("don't check
 *   0-priority nodes") and never promoted. So when every listed
 *   standby may be promoted, promotion is durability.ts's `most-advanced` among the survivors.
 *   A priority-0 standby may be the most advanced while another is promoted: with any standby of
 *   priority 0 the rule is taken as `least-advanced` (it holds only when every standby confirms).
 * - When the user sets `synchronous_standby_names` (postgresql parameters), repmgr copies it with
 *   the data directory (`repmgr standby clone`), and it stays as written on every node after a
 *   promotion: the new primary waits for the standbys it lists (itself no longer streams, so a
 *   list of two with `ANY 1` leaves one). Nothing rewrites it when a listed standby is lost:
 *   commits block until one comes back, as PostgreSQL itself says (syncrep.c).
 * - The commit waits only when `synchronous_commit` is above `local` (durability.ts).
 */
import { durabilityPromise, type DurabilityPromise } from './durability.ts';
import type { SynchronousCommit } from './sync-model.ts';

/** The settings a repmgr promise is read from. */
export interface RepmgrReplicationSettings {
  /** `synchronous_standby_names` as the user's PostgreSQL parameters set it; default '' (asynchronous). */
  synchronousStandbyNames?: string;
  /** Default `on`. */
  synchronousCommit?: SynchronousCommit;
  /** Every standby of the cluster by node_name (its application_name), with its repmgr priority. */
  standbys: { name: string; priority: number }[];
}

/** A repmgr cluster's promise: a DurabilityPromise, and what only repmgr adds. */
export interface RepmgrPromise extends DurabilityPromise {
  /** Always false: repmgr never writes synchronous_standby_names (it stays as the user wrote it). */
  managesSyncNames: false;
  /** The synchronous_standby_names every node carries ('' for asynchronous). */
  expectedSyncNames: string;
}

/**
 * What `s` promises (see the module comment for the rules and their sources): asynchronous (the
 * default) promises nothing; a user's synchronous_standby_names promises what durability.ts says
 * for it under repmgrd's promotion (most advanced, or least advanced when a standby has priority 0).
 * @throws ConfigError (from parseSyncStandbyNames) when synchronous_standby_names is malformed.
 */
export function repmgrPromise(s: RepmgrReplicationSettings): RepmgrPromise {
  const names = s.synchronousStandbyNames ?? '';
  const promotion = s.standbys.some((n) => n.priority === 0) ? 'least-advanced' : 'most-advanced';
  const p = durabilityPromise(
    { synchronousStandbyNames: names, synchronousCommit: s.synchronousCommit ?? 'on', standbys: s.standbys.map((n) => n.name) },
    promotion,
  );
  const who = names.trim()
    ? `repmgr does not manage synchronous_standby_names: '${names}' is the user's, copied by repmgr standby clone and left as written after a promotion; `
    : 'repmgr does not manage synchronous replication and runs it asynchronous by default: ';
  const prio = promotion === 'least-advanced' ? 'a standby of priority 0 is never promoted even when it is the most advanced; ' : '';
  return { ...p, why: `${who}${prio}${p.why}`, managesSyncNames: false, expectedSyncNames: names };
}
