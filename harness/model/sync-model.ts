import { parseSyncStandbyNames, standbyPriority, type SyncStandbyNames } from './sync-standby-names.ts';

/** The values of `synchronous_commit` (docs: runtime-config-wal.html); `on` is remote_flush. */
export type SynchronousCommit = 'off' | 'local' | 'remote_write' | 'on' | 'remote_apply';

/** `synchronous_commit` levels (docs: runtime-config-wal.html#GUC-SYNCHRONOUS-COMMIT). */
export const SYNCHRONOUS_COMMIT_LEVELS = [
  'off',
  'local',
  'remote_write',
  'on',
  'remote_apply',
] as const satisfies readonly SynchronousCommit[];

/**
 * Every spelling the server takes for a `synchronous_commit` level, with the level it means: the
 * levels and the hidden aliases of guc_tables.c's synchronous_commit_options (true/yes/1 mean on,
 * false/no/0 off), matched regardless of case as every enum parameter is (config_enum_lookup_by_name).
 */
const SYNCHRONOUS_COMMIT_SPELLINGS: Readonly<Record<string, SynchronousCommit>> = {
  ...Object.fromEntries(SYNCHRONOUS_COMMIT_LEVELS.map((l) => [l, l])),
  true: 'on',
  yes: 'on',
  '1': 'on',
  false: 'off',
  no: 'off',
  '0': 'off',
};

/**
 * The `synchronous_commit` level `text` means to the server (`"ON"`, `"true"` and `"1"` all mean
 * `on`), or undefined when the server would refuse it.
 */
export function synchronousCommitLevel(text: string): SynchronousCommit | undefined {
  return SYNCHRONOUS_COMMIT_SPELLINGS[text.toLowerCase()];
}

/** pg_stat_replication.state: WalSndGetStateString() in walsender.c. */
export type WalSenderState = 'startup' | 'backup' | 'catchup' | 'streaming' | 'stopping';

/** pg_stat_replication.sync_state, as pg_stat_get_wal_senders() in walsender.c spells it. */
export type SyncState = 'async' | 'potential' | 'sync' | 'quorum';

/** One walsender on the primary, i.e. one row of its pg_stat_replication. */
export interface WalSenderInput {
  /** application_name of the connection (the standby's name). */
  name: string;
  /** Walsender state; default 'streaming'. */
  state?: WalSenderState;
  /**
   * Whether the standby has reported a flush LSN (pg_stat_replication.flush_lsn is not null).
   * Default true: a walreceiver reports it in its first reply. A pg_basebackup WAL stream or
   * pg_receivewal without a slot never does, and is then shown as priority 0 / async.
   */
  flushReported?: boolean;
}

/** What predict() needs: the primary's settings and its walsenders. */
export interface SyncInput {
  /** The setting's text (parsed with parseSyncStandbyNames, which may throw ConfigError) or an already parsed one. */
  synchronousStandbyNames: string | SyncStandbyNames;
  /** The committing session's synchronous_commit; default 'on'. */
  synchronousCommit?: SynchronousCommit;
  /**
   * The walsenders connected to the primary IN WALSENDER SLOT ORDER (the order of the
   * WalSndCtl->walsnds array; see connectWalSender): it breaks priority ties.
   */
  standbys: readonly WalSenderInput[];
}

/** One row of pg_stat_replication as the model predicts it. */
export interface StandbyPrediction {
  name: string;
  state: WalSenderState;
  /** sync_priority: 0 = not a synchronous candidate; under FIRST the list position; under ANY 1. */
  syncPriority: number;
  syncState: SyncState;
}

/** predict()'s answer: the pg_stat_replication rows and what a COMMIT does right now. */
export interface SyncPrediction {
  method: SyncStandbyNames['method'];
  /** num_sync: standbys that must confirm a commit (0 when the setting is empty). */
  required: number;
  /** Which standby LSN a waiting commit needs: remote_write → 'write', on → 'flush', remote_apply → 'apply'; null when commits do not wait. */
  waitsFor: 'write' | 'flush' | 'apply' | null;
  /** A COMMIT waits for standbys at all (synchronous_commit above local and a non-empty setting). */
  commitsWait: boolean;
  /** A COMMIT waits and cannot be released now: fewer sync-eligible candidates than `required`. */
  commitsStall: boolean;
  /** Sync-eligible walsenders (listed, streaming or stopping, flush reported), in walsender order. */
  candidates: string[];
  /**
   * The walsenders whose confirmations release commits (SyncRepGetCandidateStandbys): under
   * FIRST the `required` highest-priority candidates (ties: walsender order) or all of them
   * when there are not more; under ANY every candidate. Exactly the rows shown sync / quorum,
   * in walsender order.
   */
  syncSet: string[];
  /** One row per input walsender, in input (walsender) order. */
  standbys: StandbyPrediction[];
  /** Loud sentences about the current state (a stall); [] when there is nothing to say. */
  warnings: string[];
}

const WAIT_FOR: Record<SynchronousCommit, SyncPrediction['waitsFor']> = {
  off: null,
  local: null,
  remote_write: 'write',
  on: 'flush',
  remote_apply: 'apply',
};

/**
 * Predicts the primary's pg_stat_replication sync columns and whether commits wait, following
 * PostgreSQL 13+ (syncrep.c, walsender.c):
 * - sync_standby_priority is set by SyncRepInitConfig() → SyncRepGetStandbyPriority() once the
 *   walsender starts streaming (StartReplication), so `startup` and `backup` walsenders keep 0.
 * - SyncRepGetCandidateStandbys(): a candidate is streaming or stopping, has priority > 0 and a
 *   valid flush LSN; under FIRST, when there are more candidates than num_sync, only the
 *   num_sync with the lowest priority value are kept, ties broken by walsender slot
 *   (standby_priority_comparator).
 * - pg_stat_get_wal_senders(): priority shown is 0 when flush is invalid; sync_state is async
 *   for priority 0, sync (FIRST) or quorum (ANY) for a kept candidate, potential otherwise — so
 *   a listed standby in `catchup` shows potential.
 * - SyncRepGetSyncRecPtr(): commits are released only when the candidates number at least
 *   num_sync. SyncRepWaitForLSN() returns at once when synchronous_commit is off or local
 *   (SyncRepRequested) or the setting is empty (SyncStandbysDefined).
 * @throws ConfigError when `synchronousStandbyNames` is text PostgreSQL would reject.
 */
export function predict(input: SyncInput): SyncPrediction {
  const sync =
    typeof input.synchronousStandbyNames === 'string'
      ? parseSyncStandbyNames(input.synchronousStandbyNames)
      : input.synchronousStandbyNames;
  const senders = input.standbys.map((s, slot) => {
    const state = s.state ?? 'streaming';
    const flushReported = s.flushReported ?? true;
    const priority = state === 'startup' || state === 'backup' ? 0 : standbyPriority(sync, s.name);
    const eligible = (state === 'streaming' || state === 'stopping') && priority > 0 && flushReported;
    return { name: s.name, state, flushReported, priority, eligible, slot };
  });
  const candidates = senders.filter((s) => s.eligible);
  // PostgreSQL sorts only when there are more candidates than num_sync; sorting and keeping the
  // first num_sync of fewer keeps them all, so the set is the same. Array.prototype.sort is stable
  // and `candidates` is in slot order, so equal priorities stay in walsender order: the same
  // result as standby_priority_comparator's walsnd_index tie-break.
  const kept = sync.method === 'first' ? [...candidates].sort((a, b) => a.priority - b.priority).slice(0, sync.num) : candidates;
  const keptSlots = new Set(kept.map((s) => s.slot));
  const standbys = senders.map((s): StandbyPrediction => {
    const syncPriority = s.flushReported ? s.priority : 0;
    const syncState: SyncState =
      syncPriority === 0 ? 'async' : keptSlots.has(s.slot) ? (sync.method === 'first' ? 'sync' : 'quorum') : 'potential';
    return { name: s.name, state: s.state, syncPriority, syncState };
  });
  const waitsFor = sync.method === 'async' ? null : WAIT_FOR[input.synchronousCommit ?? 'on'];
  const commitsWait = waitsFor !== null;
  const commitsStall = commitsWait && candidates.length < sync.num;
  const warnings: string[] = [];
  if (commitsStall) {
    const have = candidates.length > 0 ? candidates.map((s) => s.name).join(', ') : 'none';
    warnings.push(
      `every commit waits: synchronous_standby_names needs ${sync.num} synchronous standbys that are listed, streaming and have reported a flush LSN, but only ${candidates.length} are (${have}); commits hang until enough listed standbys stream`,
    );
  }
  return {
    method: sync.method,
    required: sync.num,
    waitsFor,
    commitsWait,
    commitsStall,
    candidates: candidates.map((s) => s.name),
    syncSet: senders.filter((s) => keptSlots.has(s.slot)).map((s) => s.name),
    standbys,
    warnings,
  };
}

/**
 * The walsender slot array after a standby connects: InitWalSenderSlot() in walsender.c takes
 * the LOWEST free slot, so a standby that reconnects may come before one that stayed connected.
 * @param slots the array (standby name per slot, null = free); not modified.
 * @returns a new array with `name` in the first free slot (appended when none is free).
 */
export function connectWalSender(slots: readonly (string | null)[], name: string): (string | null)[] {
  const next = [...slots];
  const free = next.indexOf(null);
  if (free >= 0) next[free] = name;
  else next.push(name);
  return next;
}

/**
 * The walsender slot array after a standby disconnects (WalSndKill frees its slot; the others stay put).
 * @returns a new array with `name`'s slot set to null; unchanged when `name` has no slot.
 */
export function disconnectWalSender(slots: readonly (string | null)[], name: string): (string | null)[] {
  return slots.map((s) => (s === name ? null : s));
}

/** The connected standbys in walsender order: the occupied slots. */
export function walSenderOrder(slots: readonly (string | null)[]): string[] {
  return slots.filter((s): s is string => s !== null);
}

/**
 * The predicted rows as psql -At prints
 * `SELECT application_name, sync_priority, sync_state FROM pg_stat_replication ORDER BY application_name`
 * (the query of 007_sync_rep.pl): `name|priority|state` lines joined by "\n". Names are ordered
 * by UTF-16 code unit, which equals the database collation's order for ASCII names of one case
 * pattern (standby1, s2, …). Two rows with one name keep walsender order (PostgreSQL's is unspecified).
 */
export function formatSyncRows(prediction: SyncPrediction): string {
  return [...prediction.standbys]
    .sort(byName)
    .map((r) => `${r.name}|${r.syncPriority}|${r.syncState}`)
    .join('\n');
}

// Equivalent mutants: V8's sort only tests whether the result is < 0, so `1` vs `0` for the second
// branch cannot show; `<=` for the first differs only for two rows with one name, whose order
// ORDER BY leaves unspecified.
// Stryker disable next-line EqualityOperator,ConditionalExpression
const byName = (a: StandbyPrediction, b: StandbyPrediction): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
