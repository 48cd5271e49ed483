/**
 * The writer's and the observer's history as data (Jepsen's history): every batch the writer
 * attempted and its outcome, its per-interval samples, the observer's samples of
 * pg_stat_replication and the sync_state transitions read from them, and what the final reads
 * found on each node. Types only: the load room records them (load/sampling.ts derives samples),
 * the checks and the report read them (checks/readings/ holds the shared readings).
 */
import type { WalSenderRow } from '../db/pg-node.ts';
import type { Lsn } from '../lsn.ts';

/**
 * The outcome of one batch as the client saw it:
 * - `acked`: COMMIT returned success; PostgreSQL promises it is durable per synchronous_commit.
 * - `failed`: surely not committed (an error before commit, e.g. 25006 read-only).
 * - `unknown`: the connection was lost or timed out around COMMIT (docs: protocol-flow.html,
 *   "the client cannot know whether the transaction committed"), including 57P01 while
 *   waiting for synchronous replication, which PostgreSQL reports after committing locally.
 */
export type Outcome = 'acked' | 'failed' | 'unknown';

/** One attempted batch. Times are ms on the scenario clock. */
export interface Batch {
  client: number;
  seq: number;
  /** The server that took the batch: the node itself, also through a proxy (SqlNode.backendOf), so a ledger says who acknowledged. */
  node: string;
  /** The proxy the connection went through (`haproxy`); absent for a direct connection. */
  via?: string;
  startT: number;
  endT: number;
  outcome: Outcome;
  error?: string;
  /** Acknowledged batches: the timeline ID the primary wrote the batch on (see BATCH_SQL). */
  timeline?: number;
  /** Acknowledged batches: the primary's WAL insert LSN right after the batch's rows, before its commit record (see BATCH_SQL). */
  lsn?: Lsn;
}

/** One sampling interval of the writer (pgbench --progress, at `intervalMs` resolution). */
export interface WriterSample {
  /** Start of the interval, ms on the scenario clock. */
  t: number;
  /** Batches acknowledged in the interval. */
  commits: number;
  /** commits per second. */
  tps: number;
  /** Rows acknowledged per second. */
  rowsPerSec: number;
  /** Latency of the acknowledged batches, ms (null when none). */
  latMeanMs: number | null;
  latStddevMs: number | null;
  latP99Ms: number | null;
  failed: number;
  unknown: number;
}

/** The write outage of a failover, measured on the writer's ledger. Times are ms on the scenario clock. */
export interface WriteOutage {
  /** Completion of the last batch acknowledged by the old primary. */
  lastOldT: number | null;
  /** Completion of the first batch acknowledged by the new primary after that. */
  firstNewT: number | null;
  /** firstNewT - lastOldT, null when either is missing. */
  outageMs: number | null;
}

/** One walsender's row, as the observer records it (see `WalSenderRow`). */
export type StandbyRow = WalSenderRow;

/** What the observer saw on the primary at `t` (ms on the scenario clock); `error` when the query failed. */
export interface ObserverSample {
  t: number;
  primary: string;
  error?: string;
  /** pg_current_wal_flush_lsn() of the primary. */
  flushLsn?: Lsn;
  /** Backends with wait_event = 'SyncRep': commits waiting for standbys to confirm. */
  syncRepWaiters?: number;
  /** The primary's synchronous_standby_names and synchronous_commit when sampled: what the model predicts from. */
  settings?: { synchronousStandbyNames: string; synchronousCommit: string };
  standbys: StandbyRow[];
}

/** A node's (state, sync_state) from time `t` on: `absent` when it had no walsender, `primary` while it was the primary observed. */
export interface SyncTransition {
  t: number;
  state: string;
  syncState: string;
}

/** A batch found on a node: its ledger row's `nrows` and the rows actually present (null where absent). */
export interface PresentBatch {
  client: number;
  seq: number;
  ledgerRows: number | null;
  rows: number | null;
}

/** One node's contents: row counts and order-independent hashes of the writer's tables. */
export interface NodeHash {
  node: string;
  /** The LSN the node had replayed (or, on the primary, written) when it was read. */
  lsn: Lsn | null;
  rows: number;
  rowsHash: string;
  ledgerRows: number;
  ledgerHash: string;
}
