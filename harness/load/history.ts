/**
 * The histories a run records and checks and reports read: the writer's batches and samples,
 * the observer's samples of pg_stat_replication, and what the final reads found on each node.
 * Pure data and pure functions: nothing here touches a server.
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
  node: string;
  startT: number;
  endT: number;
  outcome: Outcome;
  error?: string;
  /** Acknowledged batches: the timeline ID the primary wrote the batch on (see BATCH_SQL). */
  timeline?: number;
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

/**
 * A pgbench `--progress` line for one sample, e.g.
 * `progress: 5.0 s, 160.0 tps, lat 49.812 ms stddev 3.201` (pgbench prints `-nan` with no commits).
 */
export function progressLine(elapsedS: number, s: WriterSample): string {
  const lat =
    s.latMeanMs === null ? 'lat -nan ms stddev -nan' : `lat ${s.latMeanMs.toFixed(3)} ms stddev ${(s.latStddevMs ?? 0).toFixed(3)}`;
  const extra = (s.failed ? `, ${s.failed} failed` : '') + (s.unknown ? `, ${s.unknown} unknown` : '');
  return `progress: ${elapsedS.toFixed(1)} s, ${s.tps.toFixed(1)} tps, ${lat}${extra}`;
}

/**
 * The runs of consecutive intervals without a commit, as sample indexes [from, to): `to` is
 * past the run's last interval. In order; [] when every interval has a commit.
 */
export function commitGaps(samples: readonly WriterSample[]): { from: number; to: number }[] {
  const gaps: { from: number; to: number }[] = [];
  for (let i = 0; i < samples.length; ) {
    if (samples[i]!.commits > 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < samples.length && samples[j]!.commits === 0) j++;
    gaps.push({ from: i, to: j });
    i = j;
  }
  return gaps;
}

/**
 * Buckets batches by completion time into intervals of `intervalMs` covering [fromT, toT).
 * Pure: the throughput checks and the report both read its output.
 */
export function sampleBatches(
  batches: readonly Batch[],
  batchRows: number,
  fromT: number,
  toT: number,
  intervalMs: number,
): WriterSample[] {
  const n = Math.max(0, Math.ceil((toT - fromT) / intervalMs));
  const lat: number[][] = Array.from({ length: n }, () => []);
  const failed = new Array<number>(n).fill(0);
  const unknown = new Array<number>(n).fill(0);
  for (const b of batches) {
    const i = Math.floor((b.endT - fromT) / intervalMs);
    if (i < 0 || i >= n) continue;
    if (b.outcome === 'acked') lat[i]!.push(b.endT - b.startT);
    else if (b.outcome === 'failed') failed[i]!++;
    else unknown[i]!++;
  }
  return lat.map((l, i) => {
    const commits = l.length;
    const mean = commits ? l.reduce((a, b) => a + b, 0) / commits : null;
    const sorted = [...l].sort((a, b) => a - b);
    return {
      t: fromT + i * intervalMs,
      commits,
      tps: (commits * 1000) / intervalMs,
      rowsPerSec: (commits * batchRows * 1000) / intervalMs,
      latMeanMs: mean,
      latStddevMs: mean === null ? null : Math.sqrt(l.reduce((a, b) => a + (b - mean) ** 2, 0) / commits),
      latP99Ms: commits ? sorted[Math.ceil(commits * 0.99) - 1]! : null,
      failed: failed[i]!,
      unknown: unknown[i]!,
    };
  });
}

/**
 * Failed or unknown, for an error raised by a batch statement (see `Outcome`). A SQLSTATE
 * error is raised before COMMIT and means nothing was committed, except class 57P (operator
 * intervention: the server is shutting down or crashed, possibly after committing locally while
 * waiting for a standby) and class 08 (connection exception). An error without SQLSTATE is the
 * connection dying or timing out: unknown.
 */
export function classify(err: { code?: string }): Exclude<Outcome, 'acked'> {
  const code = err.code;
  if (!code || !/^[0-9A-Z]{5}$/.test(code)) return 'unknown';
  if (code.startsWith('57P') || code.startsWith('08')) return 'unknown';
  return 'failed';
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

/** The outage between the last commit acknowledged by node `from` and the first acknowledged by node `to` after it. */
export function writeOutage(batches: readonly Batch[], from: string, to: string): WriteOutage {
  let lastOldT: number | null = null;
  // Stryker disable next-line LogicalOperator: `&&` is equivalent (times on the scenario clock are >= 0, and Math.max(null, t) is t).
  for (const b of batches) if (b.outcome === 'acked' && b.node === from) lastOldT = Math.max(lastOldT ?? b.endT, b.endT);
  let firstNewT: number | null = null;
  for (const b of batches) {
    if (b.outcome === 'acked' && b.node === to && b.endT > (lastOldT ?? -Infinity)) firstNewT = Math.min(firstNewT ?? b.endT, b.endT);
  }
  return { lastOldT, firstNewT, outageMs: lastOldT !== null && firstNewT !== null ? firstNewT - lastOldT : null };
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

/** See `ReplicationObserver.transitions`. Pure, for the checks and the report. */
export function syncTransitions(samples: readonly ObserverSample[], standby: string): SyncTransition[] {
  const out: SyncTransition[] = [];
  for (const s of samples) {
    if (s.error) continue;
    const row = s.standbys.find((r) => r.name === standby);
    const role = s.primary === standby ? 'primary' : 'absent';
    const state = row?.state ?? role;
    const syncState = row?.syncState ?? role;
    const last = out[out.length - 1];
    if (!last || last.state !== state || last.syncState !== syncState) out.push({ t: s.t, state, syncState });
  }
  return out;
}

/** One line for messages: `t=1234ms waiters=8 s1:streaming/quorum s2:absent`. */
export function describeSample(s: ObserverSample): string {
  if (s.error) return `t=${Math.round(s.t)}ms error: ${s.error}`;
  const rows = s.standbys.map((r) => `${r.name}:${r.state}/${r.syncState}`).join(' ') || 'no walsenders';
  return `t=${Math.round(s.t)}ms on ${s.primary}: waiters=${s.syncRepWaiters} ${rows}`;
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
