/**
 * What a Patroni config promises about acknowledged commits when nodes fail and Patroni fails
 * over: the DurabilityPromise of model/durability.ts, read from Patroni's replication settings
 * instead of a fixed synchronous_standby_names (Patroni writes that setting itself).
 *
 * The rules, from Patroni 3.0.2's docs (docs/replication_modes.rst, docs/SETTINGS.rst; quoted in
 * docs/managers.md) and code (patroni/ha.py, patroni/postgresql/sync.py):
 * - Asynchronous (the default, `synchronous_mode: false`): "the cluster is allowed to lose some
 *   committed transactions"; a replica takes part in the leader race only within
 *   `maximum_lag_on_failover` bytes of the leader's last LSN in the DCS (ha.py `is_lagging`), so
 *   the loss "is worst case bounded by `maximum_lag_on_failover` bytes of transaction log plus the
 *   amount that is written in the last `ttl` seconds". No failure is survived for sure: 0, and the
 *   bound says how much may go.
 * - `synchronous_mode: true`: "Patroni will not promote a standby unless it is certain that the
 *   standby contains all transactions that may have returned a successful commit status to
 *   client"; only the latest leader or a standby published in the DCS `/sync` key may promote
 *   itself ("A node that is not the leader or current synchronous standby is not allowed to
 *   promote itself automatically"). So however many nodes fail at once, the promotion rule loses
 *   nothing: when no synchronous standby survives, no standby is promoted (the cluster waits for
 *   the old leader: stuck, not lossy). `synchronous_node_count` (default 1) standbys confirm each
 *   commit, written by Patroni 3.0.2 as `s1` or `N (s1,s2)`: PostgreSQL's FIRST N.
 * - Without `synchronous_mode_strict`, "When no suitable standby is available, primary server
 *   will still accept writes, but does not guarantee their replication": after a standby failure
 *   Patroni drops to standalone (`synchronous_standby_names` emptied, `/sync` cleared) and the
 *   commits acknowledged meanwhile are on the primary alone. The promotion rule still promotes
 *   nobody who may lack them, so the promise against failover stands; what is lost is their second
 *   copy (a lost data directory, which pgchaos's faults never cause, would lose them).
 *   With `synchronous_mode_strict`, writes block instead (Patroni keeps `*` in the setting).
 * - The commit waits only when `synchronous_commit` is above `local` (syncrep.c, as durability.ts
 *   says; replication_modes.rst footnote 2: "Transactions with synchronous_commit values of off
 *   and local may be lost on fail over"): with `off` or `local` in the parameters, synchronous mode
 *   promises what asynchronous mode does. `remote_write` does not survive a host crash of a
 *   confirming standby (durability.ts).
 */
import type { DurabilityPromise, LossBound } from './durability.ts';
import type { SynchronousCommit } from './sync-model.ts';

/** Patroni 3.0.2's defaults of the settings the promise reads (patroni/config.py `__DEFAULT_CONFIG`). */
export const PATRONI_PROMISE_DEFAULTS = { ttl: 30, maximum_lag_on_failover: 1_048_576, synchronous_node_count: 1 } as const;

/** The settings a Patroni promise is read from: `bootstrap.dcs` (Patroni's names), and the cluster. */
export interface PatroniReplicationSettings {
  synchronous_mode?: boolean;
  synchronous_mode_strict?: boolean;
  /** Sync standbys Patroni names (default 1); a whole number ≥ 1. */
  synchronous_node_count?: number;
  /** Bytes a replica may lag and still race for leader (default 1 048 576). */
  maximum_lag_on_failover?: number;
  /** Seconds of the leader lock (default 30). */
  ttl?: number;
  /** `synchronous_commit` as the config's PostgreSQL parameters set it (default `on`). */
  synchronousCommit?: SynchronousCommit;
  /** The standbys (replicas) of the cluster, by member name. */
  standbys: string[];
}

/** A Patroni config's promise: a DurabilityPromise, and what only Patroni adds to it. */
export interface PatroniPromise extends DurabilityPromise {
  /** `async`, `sync` (may drop to standalone) or `strict` (blocks instead). */
  mode: 'async' | 'sync' | 'strict';
  /**
   * Asynchronous mode's documented bound on the loss at a failover: at most `bytes` of WAL
   * (maximum_lag_on_failover) plus what the primary wrote in the last `plusWrittenInLastMs`
   * (ttl). null when the config promises no loss at all (synchronous mode).
   */
  lossBound: LossBound | null;
  /** Commits may be acknowledged with no standby confirming them (synchronous_mode without strict, after a standby failure). */
  dropsToStandalone: boolean;
  /**
   * How long commits may block after a sync standby fails before Patroni drops to standalone, at
   * worst, ms (ttl; "loop_wait/2 seconds" on average, replication_modes.rst); null when it never does.
   */
  blockBeforeStandaloneMs: number | null;
}

/**
 * What `s` promises about acknowledged commits under Patroni (see the module comment for the
 * rules and their sources):
 * - async, or `synchronous_commit` off/local: `survivesFailures` 0, `confirmations` 0,
 *   `lossBound` { maximum_lag_on_failover bytes, ttl ms };
 * - synchronous_mode (strict or not): `survivesFailures` every node of the cluster (Patroni
 *   promotes no standby that may lack an acknowledged commit, however many fail), `confirmations`
 *   synchronous_node_count (at most the standbys there are), `holdsOn` after synchronous_commit,
 *   `lossBound` null; without strict `dropsToStandalone` and `blockBeforeStandaloneMs` = ttl.
 * - `primaryCrashLoses` only under `synchronous_commit = off` (durability.ts).
 * @throws RangeError on a count or duration that is not a whole number in range (the config
 *   check, manager/patroni/config.ts, refuses those before this is called).
 */
export function patroniPromise(s: PatroniReplicationSettings): PatroniPromise {
  const ttl = whole('ttl', s.ttl ?? PATRONI_PROMISE_DEFAULTS.ttl, 1);
  const maxLag = whole('maximum_lag_on_failover', s.maximum_lag_on_failover ?? PATRONI_PROMISE_DEFAULTS.maximum_lag_on_failover, 0);
  const count = whole('synchronous_node_count', s.synchronous_node_count ?? PATRONI_PROMISE_DEFAULTS.synchronous_node_count, 1);
  const commit = s.synchronousCommit ?? 'on';
  const standbys = [...new Set(s.standbys)];
  const primaryCrashLoses = commit === 'off';
  const waits = commit !== 'off' && commit !== 'local';
  if (!s.synchronous_mode || !waits) {
    const why = !s.synchronous_mode
      ? `asynchronous replication (synchronous_mode off): Patroni promotes a replica within maximum_lag_on_failover = ${maxLag} bytes of the leader's last LSN in the DCS, so a failover may lose up to that much WAL plus what the primary wrote in the last ttl = ${ttl} s (replication_modes.rst)`
      : `synchronous_commit = ${commit} waits for no standby (syncrep.c; replication_modes.rst footnote 2), so under synchronous_mode a failover may still lose acknowledged commits, as in asynchronous mode: up to maximum_lag_on_failover = ${maxLag} bytes plus the last ttl = ${ttl} s of writes`;
    return {
      survivesFailures: 0,
      confirmations: 0,
      holdsOn: null,
      primaryCrashLoses,
      vacuous: false,
      why: `${why}.`,
      mode: !s.synchronous_mode ? 'async' : s.synchronous_mode_strict ? 'strict' : 'sync',
      lossBound: { bytes: maxLag, plusWrittenInLastMs: ttl * 1000 },
      dropsToStandalone: false,
      blockBeforeStandaloneMs: null,
    };
  }
  const strict = s.synchronous_mode_strict === true;
  const k = Math.min(count, standbys.length);
  const holdsOn = commit === 'remote_write' ? 'write' : commit === 'remote_apply' ? 'apply' : 'flush';
  const nodes = standbys.length + 1;
  const why =
    `synchronous_mode${strict ? ' with synchronous_mode_strict' : ''}: every acknowledged commit is on the primary and ` +
    `${holdsOn === 'write' ? 'written (not flushed)' : holdsOn === 'apply' ? 'flushed and replayed' : 'flushed'} by the ` +
    `${k} sync standby${k === 1 ? '' : 's'} Patroni names, and Patroni promotes only a standby published in /sync ` +
    '(replication_modes.rst: it will not promote a standby unless certain it holds every acknowledged commit), so no failover loses one, ' +
    `whatever fails; with none of them left it promotes nobody${
      strict
        ? ' and writes block while no sync standby is there'
        : `; without strict, a standby failure drops the primary to standalone after up to ttl = ${ttl} s, and commits acknowledged then are on the primary alone`
    }${holdsOn === 'write' ? '; with remote_write this does not survive an operating-system crash of a sync standby (runtime-config-wal.html)' : ''}`;
  return {
    survivesFailures: nodes,
    confirmations: k,
    holdsOn,
    primaryCrashLoses,
    vacuous: false,
    why: `${why}.`,
    mode: strict ? 'strict' : 'sync',
    lossBound: null,
    dropsToStandalone: !strict,
    blockBeforeStandaloneMs: strict ? null : ttl * 1000,
  };
}

function whole(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`Patroni ${name} ${v}: expected a whole number ≥ ${min}`);
  return v;
}
