/**
 * What a pg_auto_failover formation promises about acknowledged commits when nodes fail and the
 * monitor fails over: the DurabilityPromise of model/durability.ts, read from the formation's
 * replication settings (pg_auto_failover writes synchronous_standby_names itself).
 *
 * The rules, from pg_auto_failover 2.0's docs (docs/architecture-multi-standby.rst) and code
 * (src/monitor/node_active_protocol.c `synchronous_standby_names`, src/monitor/group_state_machine.c
 * `ProceedGroupStateForPrimaryNode`, `ProceedGroupStateForMSFailover`, `BuildCandidateList`):
 * - The primary's setting is `ANY k (pgautofailover_standby_<id>, …)` over the standbys whose
 *   `replication-quorum` is true, with k = number_sync_standbys, or 1 when it is 0 ("won't send
 *   … ANY 0"); with one standby, `ANY 1 (that standby)` while it is a quorum secondary. No quorum
 *   standby, or the primary in `wait_primary`: `''`, commits wait for nobody.
 * - Failover: the monitor asks every standby to report its LSN and selects a candidate only once
 *   every quorum standby has reported (an unhealthy quorum standby that has not reported is
 *   "missing": "Picking it now might lead to loosing commited data … if this node is the only
 *   one with the most advanced LSN"); the chosen candidate (highest candidate-priority) first
 *   fetches missing WAL from the most advanced standby ("fast_forward"). So promotion loses
 *   nothing a reporting quorum standby holds: the rule of durability.ts under `most-advanced`,
 *   any k nodes (the primary counted) may fail. A failure beyond that leaves the failover waiting
 *   on the missing node (stuck, issues #1113/#1060/#858), not promoting a node that lacks commits.
 * - number_sync_standbys 0: when no quorum standby is healthy the primary goes to `wait_primary`
 *   and synchronous_standby_names to `''`: "Writes are allowed on the primary, even though there's
 *   no extra copy of the production dataset available at this time" (dropsToStandalone).
 *   number_sync_standbys ≥ 1: "Writes are blocked until one of the two defective standby nodes is
 *   available again" (the primary stays `primary`).
 * - The commit waits only when `synchronous_commit` is above `local` (syncrep.c, durability.ts);
 *   pg_auto_failover leaves it at PostgreSQL's default, `on`.
 * - replication-quorum false nodes are asynchronous: they confirm nothing and are never waited
 *   for at failover; all of them false makes the formation asynchronous (no promise).
 */
import type { DurabilityPromise } from './durability.ts';
import type { SynchronousCommit } from './sync-model.ts';

/** One standby's settings, as the monitor holds them. */
export interface PafStandbySettings {
  name: string;
  /** Listed in synchronous_standby_names (default true). */
  replicationQuorum: boolean;
  /** 0..100; 0 is never promoted (default 50). */
  candidatePriority: number;
}

/** The settings a pg_auto_failover promise is read from. */
export interface PafReplicationSettings {
  /**
   * The formation's number_sync_standbys as the monitor holds it; undefined: pg_auto_failover's
   * default for these standbys (0, raised to 1 by the monitor once two quorum standbys registered).
   */
  numberSyncStandbys?: number;
  standbys: PafStandbySettings[];
  /** Default `on` (pg_auto_failover does not set it). */
  synchronousCommit?: SynchronousCommit;
}

/** A pg_auto_failover formation's promise: a DurabilityPromise, and what only pg_auto_failover adds. */
export interface PafPromise extends DurabilityPromise {
  /** number_sync_standbys in effect. */
  numberSyncStandbys: number;
  /** The synchronous_standby_names the monitor computes with every quorum standby healthy (standbys by name, not by node id). */
  expectedSyncNames: string;
  /** With no quorum standby healthy the primary keeps taking writes alone (`wait_primary`, number_sync_standbys 0). */
  dropsToStandalone: boolean;
  /** A failover waits, without end, while a quorum standby that has not reported its LSN is down (BuildCandidateList). */
  failoverWaitsForQuorumStandbys: boolean;
}

/**
 * What `s` promises (see the module comment for the rules and their sources):
 * - no quorum standby, or `synchronous_commit` off/local: `survivesFailures` 0, `confirmations` 0;
 * - otherwise k = max(number_sync_standbys, 1) capped at the quorum standbys: `confirmations` k,
 *   `survivesFailures` k, `holdsOn` after synchronous_commit; `dropsToStandalone` when
 *   number_sync_standbys is 0.
 * @throws RangeError on a number_sync_standbys that is not a whole number ≥ 0, or ≥ 1 without
 *   number_sync_standbys + 1 quorum standbys (the monitor refuses it: FormationNumSyncStandbyIsValid).
 */
export function pgAutoFailoverPromise(s: PafReplicationSettings): PafPromise {
  const quorum = s.standbys.filter((n) => n.replicationQuorum);
  const nss = s.numberSyncStandbys ?? (quorum.length >= 2 ? 1 : 0);
  if (!Number.isInteger(nss) || nss < 0) throw new RangeError(`pg_auto_failover number_sync_standbys ${nss}: expected a whole number ≥ 0`);
  if (nss > 0 && quorum.length < nss + 1)
    throw new RangeError(`pg_auto_failover number_sync_standbys ${nss} needs ${nss + 1} quorum standbys, not ${quorum.length}`);
  const commit = s.synchronousCommit ?? 'on';
  const k = Math.min(Math.max(nss, 1), quorum.length);
  const expectedSyncNames = quorum.length ? `ANY ${k} (${quorum.map((n) => n.name).join(', ')})` : '';
  const base = { numberSyncStandbys: nss, expectedSyncNames, primaryCrashLoses: commit === 'off', vacuous: false };
  if (!quorum.length || commit === 'off' || commit === 'local') {
    const why = !quorum.length
      ? "no standby has replication-quorum true, so pg_auto_failover sets synchronous_standby_names to '' and every commit is acknowledged by the primary alone: a failover may lose acknowledged commits"
      : `synchronous_commit = ${commit} waits for no standby (syncrep.c), so a failover may lose acknowledged commits`;
    return {
      ...base,
      survivesFailures: 0,
      confirmations: 0,
      holdsOn: null,
      why: `${why}.`,
      dropsToStandalone: false,
      failoverWaitsForQuorumStandbys: quorum.length > 0,
    };
  }
  const holdsOn = commit === 'remote_write' ? 'write' : commit === 'remote_apply' ? 'apply' : 'flush';
  const why =
    `synchronous_standby_names ${expectedSyncNames} (number_sync_standbys ${nss}): every acknowledged commit is on the primary and ` +
    `${holdsOn === 'write' ? 'written (not flushed)' : holdsOn === 'apply' ? 'flushed and replayed' : 'flushed'} by ${k} quorum standby` +
    `${k === 1 ? '' : 's'}, and the monitor promotes only after every quorum standby reported its LSN, fast-forwarding the candidate ` +
    `from the most advanced, so any ${k} node${k === 1 ? '' : 's'} may fail with nothing lost${
      nss === 0
        ? "; with number_sync_standbys 0, once no quorum standby is healthy the primary goes to wait_primary with synchronous_standby_names '' and commits acknowledged then are on the primary alone"
        : '; with no quorum standby healthy, writes block'
    }${holdsOn === 'write' ? '; with remote_write this does not survive an operating-system crash of a confirming standby' : ''}`;
  return {
    ...base,
    survivesFailures: k,
    confirmations: k,
    holdsOn,
    why: `${why}.`,
    dropsToStandalone: nss === 0,
    failoverWaitsForQuorumStandbys: true,
  };
}
