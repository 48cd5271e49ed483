/**
 * What a replication config promises about acknowledged commits when nodes fail and an operator
 * promotes a standby: how many nodes may fail at once with no acknowledged commit lost.
 *
 * The rule, from PostgreSQL's docs (high-availability.html, warm-standby.html#SYNCHRONOUS-REPLICATION;
 * runtime-config-wal.html, synchronous_commit) and syncrep.c:
 * - A COMMIT waits for standbys only when synchronous_commit is above `local` and
 *   synchronous_standby_names is not empty (SyncRepRequested, SyncStandbysDefined). It is then
 *   released once num_sync (`k`) listed standbys have confirmed its commit LSN at the level
 *   synchronous_commit asks for (SyncRepReleaseWaiters / SyncRepGetSyncRecPtr): written
 *   (`remote_write`), flushed (`on`) or replayed (`remote_apply`; the startup process replays only
 *   WAL the walreceiver has flushed, so applied implies flushed). The primary flushed it first
 *   (RecordTransactionCommit flushes before SyncRepWaitForLSN).
 * - So an acknowledged commit is on the primary and on at least k standbys. WAL is one linear
 *   history: a standby whose flush LSN is at or past a commit's LSN holds that commit. If the
 *   primary and up to k-1 standbys fail at once, one of each commit's k confirmers survives, and
 *   the most advanced survivor is at least as far as it: promoting it loses nothing. Any k nodes
 *   (the primary counted) may fail; k+1 may take every confirmer of some commit with them.
 * - Promoting the least advanced survivor, or a fixed standby regardless of its LSN, keeps that
 *   promise only when every standby of the cluster confirms every commit (k covers them all);
 *   otherwise the promoted standby may be one that confirmed nothing, and a primary failure alone
 *   may lose acknowledged commits.
 */
import { predict, type SynchronousCommit } from './sync-model.ts';
import { parseSyncStandbyNames, type SyncStandbyNames } from './sync-standby-names.ts';

/**
 * Which standby the operator promotes when the primary fails:
 * - `most-advanced`: the surviving standby with the highest flush/replay LSN (what a careful
 *   operator or a failover manager comparing pg_last_wal_receive_lsn() does);
 * - `least-advanced`: the surviving standby with the lowest: the worst case of picking blindly;
 * - `named`: a standby fixed in advance, whatever its LSN. Treated as `least-advanced`: it is
 *   guaranteed to hold every acknowledged commit only when every standby is.
 */
export type Promotion = 'most-advanced' | 'least-advanced' | 'named';

/** The settings a promise is read from: the primary's, and the cluster's standbys (application_names). */
export interface DurabilityConfig {
  /** synchronous_standby_names: parsed, or text (parsed here with parseSyncStandbyNames). */
  synchronousStandbyNames: SyncStandbyNames | string;
  synchronousCommit: SynchronousCommit;
  /** Every standby of the cluster, by application_name (listed in the setting or not). */
  standbys: string[];
}

/** What a config promises about acknowledged commits. */
export interface DurabilityPromise {
  /**
   * How many nodes, the primary counted, may fail at once with no acknowledged commit lost, given
   * the promotion: any set of that many nodes (the primary among them). 0 when a primary failure
   * alone may lose acknowledged commits. An integer ≥ 0.
   */
  survivesFailures: number;
  /** Standbys that hold every acknowledged commit: num_sync of ANY/FIRST; 0 when commits wait for no standby. */
  confirmations: number;
  /** What those standbys did with the commit before it was acknowledged; null when commits wait for no standby. */
  holdsOn: 'write' | 'flush' | 'apply' | null;
  /**
   * A crash of the primary that is started again, with no standby promoted, may lose acknowledged
   * commits: only under `synchronous_commit = off`, which acknowledges before the primary's own
   * WAL flush (wal-async-commit.html). Every other level flushes locally first
   * (RecordTransactionCommit), and crash recovery replays what was flushed.
   */
  primaryCrashLoses: boolean;
  /**
   * Fewer standbys match the list than num_sync: every commit waits forever (SyncRepWaitForLSN),
   * none is ever acknowledged, so the promise holds for want of anything to lose. `survivesFailures`
   * is then 0: the config promises nothing a failover could keep, and a run whose commits were
   * acknowledged anyway contradicts the model.
   */
  vacuous: boolean;
  /** One sentence saying why, for a DBA. */
  why: string;
  /**
   * What a failover may lose at worst, where the config states a bound instead of promising none
   * (an HA manager's asynchronous mode: Patroni's `maximum_lag_on_failover` plus the last `ttl`);
   * absent or null when it states none. checks/loss-bound.ts holds a run to it.
   */
  lossBound?: LossBound | null;
}

/** A documented bound on the WAL a failover may lose: `bytes`, plus what the primary wrote in its last `plusWrittenInLastMs` ms. */
export interface LossBound {
  /** WAL bytes a promoted standby may lack (Patroni: `maximum_lag_on_failover`). */
  bytes: number;
  /** Plus the WAL the primary wrote in its last this many ms (Patroni: `ttl`). */
  plusWrittenInLastMs: number;
}

/**
 * What `config` promises about acknowledged commits under `promotion` (see the module comment
 * for the rule and its sources).
 * - `synchronous_commit` = `off` or `local`, or an empty `synchronous_standby_names`: no standby
 *   confirms anything: `{ survivesFailures: 0, confirmations: 0, holdsOn: null }`.
 * - Otherwise, with k = num_sync: `confirmations` k, `holdsOn` write/flush/apply after
 *   synchronous_commit, `survivesFailures` k under `most-advanced`, and under `least-advanced` /
 *   `named` k only when every standby of the cluster is listed and k is at least their number, else 0.
 * - `remote_write` gives the same numbers, and `why` says the promise does not survive an
 *   operating-system crash of a confirming standby's host (its WAL was written, not flushed).
 * - Fewer matching standbys than k (`FIRST 3 (s1, s2)`): `vacuous`, `survivesFailures` 0 (see the field).
 * - `primaryCrashLoses` only under `off`: a primary restarted without a failover keeps every
 *   acknowledged commit at any other level.
 * @throws ConfigError (unchanged, from parseSyncStandbyNames) when the setting is malformed text.
 */
export function durabilityPromise(config: DurabilityConfig, promotion: Promotion): DurabilityPromise {
  const given = config.synchronousStandbyNames;
  const parsed = typeof given === 'string' ? parseSyncStandbyNames(given) : given;
  const standbys = [...new Set(config.standbys)];
  // predict() knows when commits wait and for what (SyncRepRequested, SyncStandbysDefined), and
  // which standbys the list matches (`*`, case-insensitive names): every standby given as streaming.
  const model = predict({
    synchronousStandbyNames: parsed,
    synchronousCommit: config.synchronousCommit,
    standbys: standbys.map((name) => ({ name })),
  });
  if (model.waitsFor === null) return asyncPromise(config);
  const k = model.required;
  const listed = model.candidates.length;
  if (listed < k)
    return {
      survivesFailures: 0,
      confirmations: k,
      holdsOn: model.waitsFor,
      primaryCrashLoses: false,
      vacuous: true,
      why: `${vacuousWhy(k, listed)}.`,
    };
  const everyStandbyConfirms = listed === standbys.length && k >= listed;
  const covered = promotion === 'most-advanced' || everyStandbyConfirms;
  const why = syncWhy(k, model.waitsFor, promotion, covered, standbys.length) + writeCaveat(model.waitsFor);
  return {
    survivesFailures: covered ? k : 0,
    confirmations: k,
    holdsOn: model.waitsFor,
    primaryCrashLoses: false,
    vacuous: false,
    why: `${why}.`,
  };
}

/** The promise of a config whose commits wait for no standby. */
function asyncPromise(config: DurabilityConfig): DurabilityPromise {
  return {
    survivesFailures: 0,
    confirmations: 0,
    holdsOn: null,
    primaryCrashLoses: config.synchronousCommit === 'off',
    vacuous: false,
    why: `${asyncWhy(config)}.`,
  };
}

// Stryker disable all: prose for the report; the tests pin the numbers and the phrases that matter.
/** Why no failure is survived when commits wait for no standby. */
function asyncWhy(config: DurabilityConfig): string {
  if (config.synchronousCommit === 'off') {
    return (
      'synchronous_commit = off acknowledges a commit before even the primary has flushed it (wal-async-commit.html) and waits for no standby, ' +
      'so a crash of the primary may lose acknowledged commits even without a failover'
    );
  }
  if (config.synchronousCommit === 'local') {
    return "synchronous_commit = local waits only for the primary's own flush (SyncRepRequested in syncrep.c), so promoting a standby after a primary failure may lose acknowledged commits";
  }
  return 'synchronous_standby_names is empty, so commits wait for no standby (SyncStandbysDefined in syncrep.c) and promoting a standby after a primary failure may lose acknowledged commits';
}

const VERB = { write: 'written (not flushed)', flush: 'flushed', apply: 'flushed and replayed' } as const;

/** The main clause: who holds each acknowledged commit, and what the promotion makes of it. */
function syncWhy(k: number, holdsOn: 'write' | 'flush' | 'apply', promotion: Promotion, covered: boolean, standbys: number): string {
  const holds =
    `every acknowledged commit is on the primary and ${VERB[holdsOn]} by at least ${k} listed standby${k === 1 ? '' : 's'} ` +
    `(syncrep.c releases a commit once num_sync standbys confirm its LSN)`;
  const lose =
    k === 1
      ? 'while only the primary fails'
      : `while at most ${k} nodes (the primary and ${k - 1} standby${k === 2 ? '' : 's'}) fail at once`;
  if (promotion === 'most-advanced') return `${holds}, so promoting the most advanced survivor loses none ${lose}`;
  const how = promotion === 'named' ? 'a fixed standby' : 'the least advanced survivor';
  if (covered) return `${holds}, and that is every standby of the cluster, so promoting ${how} loses none ${lose}`;
  return `${holds}, but only ${k} of the cluster's ${standbys} standbys must confirm it, so promoting ${how} may pick one that did not and a primary failure alone may lose acknowledged commits`;
}

/** When fewer standbys match than num_sync, commits wait forever: the promise is vacuous. */
function vacuousWhy(k: number, listed: number): string {
  return (
    `vacuous: num_sync is ${k} but only ${listed} of the cluster's standbys match the list, so every commit waits forever ` +
    '(SyncRepWaitForLSN in syncrep.c) and none is ever acknowledged: there is nothing a failover could lose, and nothing it keeps'
  );
}

/** remote_write: the standby's WAL is in its OS page cache, not on disk (runtime-config-wal.html, synchronous_commit). */
function writeCaveat(holdsOn: 'write' | 'flush' | 'apply'): string {
  return holdsOn === 'write'
    ? '; with remote_write this survives a PostgreSQL crash of a standby but not an operating-system crash of its host (runtime-config-wal.html), so a host crash breaks the promise'
    : '';
}
// Stryker restore all
