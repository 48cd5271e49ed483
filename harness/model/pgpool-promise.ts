/**
 * What a pgpool-II cluster promises about acknowledged commits when pgpool fails over: the
 * DurabilityPromise of model/durability.ts, read from the PostgreSQL parameters the user wrote,
 * since pgpool writes none of them.
 *
 * The rules, from pgpool-II 4.3.5's docs (the package's /usr/share/doc/pgpool2/) and samples:
 * - pgpool makes no synchronous-replication promise of its own: it routes clients to the primary
 *   and, in streaming replication mode, reads the standbys' `replication_sync_state` for
 *   `SHOW pool_nodes` (sql-show-pool-nodes.html), but nothing in its configuration sets or reads
 *   `synchronous_standby_names` (runtime-config-*.html have no such parameter). What a commit waits
 *   for is PostgreSQL's rule on the user's `synchronous_standby_names` (syncrep.c), and it stays as
 *   written on every node: pg_basebackup and pg_rewind copy it with the data directory.
 * - Which standby is promoted is the failover command's choice. pgpool passes it `%m`, "the new
 *   main node chosen by Pgpool-II … the node being assigned the youngest (smallest) node id which
 *   is alive" (runtime-config-failover.html, failover_command), whatever its LSN or sync state,
 *   and the sample failover.sh (examples/scripts/failover.sh.sample), like pgchaos's
 *   (manager/pgpool/scripts.ts), promotes that node; `pcp_promote_node -s` names it instead.
 *   That is durability.ts's `named` promotion: a standby fixed in advance by its id. A sync or
 *   quorum list keeps every acknowledged commit through a failover only when every standby
 *   confirms every commit (`ANY 2 (s1, s2)` of two standbys); with `ANY 1 (s1, s2)` the
 *   promoted s1 may be the standby that confirmed nothing, and a primary failure alone may lose
 *   acknowledged commits. `FIRST 1 (s1, s2)` is the same in the model: s1 is sync while it
 *   streams, but once s1 was detached and attached again pgpool may promote it while s2 was sync.
 * - With the default, asynchronous replication, nothing is promised (0); `synchronous_commit`
 *   `local` or `off` waits for no standby either (durability.ts).
 * - With `failover_command = ''` pgpool detaches a failed primary and promotes nothing: no
 *   failover, so no failover can lose anything either; the promise is still stated for the
 *   promotion an operator would make by `pcp_promote_node` (the same `named` node).
 */
import { durabilityPromise, type DurabilityPromise } from './durability.ts';
import type { SynchronousCommit } from './sync-model.ts';

/** The settings a pgpool promise is read from. */
export interface PgpoolReplicationSettings {
  /** `synchronous_standby_names` as the user's PostgreSQL parameters set it; default '' (asynchronous). */
  synchronousStandbyNames?: string;
  /** Default `on`. */
  synchronousCommit?: SynchronousCommit;
  /** Every standby of the cluster by application_name (pgchaos gives each its node name). */
  standbys: string[];
}

/** A pgpool cluster's promise: a DurabilityPromise, and what only pgpool adds. */
export interface PgpoolPromise extends DurabilityPromise {
  /** Always false: pgpool never writes synchronous_standby_names (it stays as the user wrote it). */
  managesSyncNames: false;
  /** The synchronous_standby_names every node carries ('' for asynchronous). */
  expectedSyncNames: string;
}

/**
 * What `s` promises (see the module comment for the rules and their sources): asynchronous (the
 * default) promises nothing; a user's synchronous_standby_names promises what durability.ts says
 * for it when a node fixed by its id is promoted (`named`).
 * @throws ConfigError (from parseSyncStandbyNames) when synchronous_standby_names is malformed.
 */
export function pgpoolPromise(s: PgpoolReplicationSettings): PgpoolPromise {
  const names = s.synchronousStandbyNames ?? '';
  const p = durabilityPromise(
    { synchronousStandbyNames: names, synchronousCommit: s.synchronousCommit ?? 'on', standbys: s.standbys },
    'named',
  );
  const who = names.trim()
    ? `pgpool does not manage synchronous_standby_names: '${names}' is the user's, copied with the data directory; ` +
      'pgpool promotes the live standby with the smallest node id (failover_command %m), not the most advanced or the synchronous one: '
    : 'pgpool does not manage synchronous replication and runs it asynchronous by default: ';
  return { ...p, why: `${who}${p.why}`, managesSyncNames: false, expectedSyncNames: names };
}
