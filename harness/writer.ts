import type pg from 'pg';
import type { Clock } from './clock.ts';
import { log } from './logger.ts';
import type { PgNode } from './pg-node.ts';

/** Table of the rows the writer inserts, `batchRows` per batch. */
export const ROWS_TABLE = 'pgchaos_rows';
/** One row per batch, `(client, seq)`, committed in the same transaction as the batch's rows. */
export const LEDGER_TABLE = 'pgchaos_ledger';

/**
 * One batch: a single statement (so one transaction and one round trip, like the seed's
 * `select dyn_pre(:id)`) that writes the ledger row and `batchRows` rows.
 * $1 client, $2 seq, $3 batchRows.
 */
export const BATCH_SQL = `WITH ledger AS (INSERT INTO ${LEDGER_TABLE} (client, seq, nrows) VALUES ($1, $2, $3))
INSERT INTO ${ROWS_TABLE} (client, seq, n, payload)
SELECT $1, $2, g, md5(($2::bigint * 100003 + g)::text) FROM generate_series(1, $3) g`;

export const SCHEMA_SQL = `CREATE TABLE IF NOT EXISTS ${ROWS_TABLE} (client int NOT NULL, seq bigint NOT NULL, n int NOT NULL, payload text NOT NULL);
CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (client int NOT NULL, seq bigint NOT NULL, nrows int NOT NULL, PRIMARY KEY (client, seq))`;

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

export interface BatchWriterOptions {
  /** Connections, each committing batches in a loop (default 8). */
  clients?: number;
  /** Rows per batch (default 1000). */
  batchRows?: number;
  /** Connect timeout, ms (default 2000): a dead or cut-off server cannot hang a client. */
  connectTimeoutMs?: number;
  /**
   * Longest wait for a batch's result, ms (default 60 000). Long enough to ride out a stall
   * on SyncRep like pgbench does; a batch still waiting then is `unknown`.
   */
  queryTimeoutMs?: number;
  /** Log a pgbench-style `progress:` line every second (default true). */
  progress?: boolean;
}

/** Where the writer writes: asked again after every connection loss, so it follows a failover. */
export interface WriteTarget {
  currentPrimary(): Promise<PgNode>;
}

/**
 * The pgbench-style load: `clients` connections, each committing `batchRows`-row INSERT
 * batches in a loop, each batch with its ledger row `(client, seq)` in the same transaction.
 * Never throws because a server died, froze or was cut off: every error is classified
 * (see `Outcome`), the connection is dropped and the client reconnects to the current primary.
 */
export class BatchWriter {
  readonly clients: number;
  readonly batchRows: number;
  private readonly opts: Required<Omit<BatchWriterOptions, 'clients' | 'batchRows'>>;
  private readonly batches: Batch[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly live = new Set<pg.Client>();
  private progressTimer: NodeJS.Timeout | undefined;
  private startedT = 0;
  private stoppedT: number | undefined;
  /** Last seq used per client: a restarted writer, or a new one on the same tables, continues the ledger's sequence. */
  private readonly lastSeq = new Map<number, number>();

  constructor(
    private readonly target: WriteTarget,
    private readonly clock: Clock,
    opts: BatchWriterOptions = {},
  ) {
    this.clients = opts.clients ?? 8;
    this.batchRows = opts.batchRows ?? 1000;
    this.opts = { connectTimeoutMs: opts.connectTimeoutMs ?? 2000, queryTimeoutMs: opts.queryTimeoutMs ?? 60_000, progress: opts.progress ?? true };
  }

  /** Creates the rows and ledger tables on the current primary (idempotent) and continues each client's seq from the ledger. */
  async setup(): Promise<void> {
    const primary = await this.target.currentPrimary();
    await primary.safePsql(SCHEMA_SQL);
    const out = await primary.safePsql(`SELECT client, max(seq) FROM ${LEDGER_TABLE} GROUP BY client`);
    for (const line of out.split('\n').filter(Boolean)) {
      const [client, seq] = line.split('|').map(Number) as [number, number];
      this.lastSeq.set(client, Math.max(seq, this.lastSeq.get(client) ?? 0));
    }
  }

  /** Starts the client loops; returns at once. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedT = this.clock.now();
    this.stoppedT = undefined;
    this.loops = Array.from({ length: this.clients }, (_, i) => this.loop(i + 1));
    if (this.opts.progress) this.progressTimer = setInterval(() => this.logProgress(), 1000);
  }

  /**
   * Stops issuing batches and waits up to `graceMs` for batches in flight; connections still
   * busy after that are closed and their batches recorded as `unknown`.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.running) this.stoppedT = this.clock.now();
    this.running = false;
    clearInterval(this.progressTimer);
    const all = Promise.all(this.loops);
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
    if (timedOut) {
      for (const c of this.live) void c.end().catch(() => {});
      await all;
    }
  }

  /** Every attempted batch so far, in completion order. */
  ledger(): readonly Batch[] {
    return this.batches;
  }

  /** Samples of `intervalMs` from the start of the writer to now, or to when it was stopped. */
  samples(intervalMs = 100): WriterSample[] {
    return sampleBatches(this.batches, this.batchRows, this.startedT, this.stoppedT ?? this.clock.now(), intervalMs);
  }

  private async loop(client: number): Promise<void> {
    let conn: { c: pg.Client; node: string } | undefined;
    while (this.running) {
      if (!conn) {
        conn = await this.connect().catch(() => undefined);
        if (!conn) {
          await pause(100); // nothing was sent: no batch to record
          continue;
        }
      }
      const seq = (this.lastSeq.get(client) ?? 0) + 1;
      this.lastSeq.set(client, seq);
      const startT = this.clock.now();
      try {
        // Prepared once per connection, like the seed's `pgbench -M prepared`.
        await conn.c.query({ name: 'pgchaos_batch', text: BATCH_SQL, values: [client, seq, this.batchRows] });
        this.batches.push({ client, seq, node: conn.node, startT, endT: this.clock.now(), outcome: 'acked' });
      } catch (e) {
        const err = e as Error & { code?: string };
        const outcome = classify(err);
        this.batches.push({ client, seq, node: conn.node, startT, endT: this.clock.now(), outcome, error: err.code ? `${err.code} ${err.message}` : err.message });
        // After any error the connection is dropped: it is unusable (lost, timed out) or points
        // at a node that is no longer primary (25006); the next batch asks for the primary again.
        this.drop(conn.c);
        conn = undefined;
        await pause(100);
      }
    }
    if (conn) {
      this.live.delete(conn.c);
      await conn.c.end().catch(() => {});
    }
  }

  private async connect(): Promise<{ c: pg.Client; node: string }> {
    const node = await this.target.currentPrimary();
    const c = node.client('pgchaos-writer', this.opts);
    this.live.add(c);
    try {
      await c.connect();
    } catch (e) {
      this.drop(c);
      throw e;
    }
    return { c, node: node.name };
  }

  private drop(c: pg.Client): void {
    this.live.delete(c);
    // Not awaited: on a frozen server the goodbye would never be answered.
    void c.end().catch(() => {});
  }

  private logProgress(): void {
    const now = this.clock.now();
    const [s] = sampleBatches(this.batches, this.batchRows, now - 1000, now, 1000);
    if (s) log().info(progressLine((now - this.startedT) / 1000, s));
  }
}

/**
 * A pgbench `--progress` line for one sample, e.g.
 * `progress: 5.0 s, 160.0 tps, lat 49.812 ms stddev 3.201` (pgbench prints `-nan` with no commits).
 */
export function progressLine(elapsedS: number, s: WriterSample): string {
  const lat = s.latMeanMs === null ? 'lat -nan ms stddev -nan' : `lat ${s.latMeanMs.toFixed(3)} ms stddev ${(s.latStddevMs ?? 0).toFixed(3)}`;
  const extra = (s.failed ? `, ${s.failed} failed` : '') + (s.unknown ? `, ${s.unknown} unknown` : '');
  return `progress: ${elapsedS.toFixed(1)} s, ${s.tps.toFixed(1)} tps, ${lat}${extra}`;
}

/**
 * Buckets batches by completion time into intervals of `intervalMs` covering [fromT, toT).
 * Pure: the throughput checks and the report both read its output.
 */
export function sampleBatches(batches: readonly Batch[], batchRows: number, fromT: number, toT: number, intervalMs: number): WriterSample[] {
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
      latP99Ms: commits ? sorted[Math.min(commits - 1, Math.ceil(commits * 0.99) - 1)]! : null,
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

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
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
  for (const b of batches) if (b.outcome === 'acked' && b.node === from) lastOldT = Math.max(lastOldT ?? b.endT, b.endT);
  let firstNewT: number | null = null;
  for (const b of batches) {
    if (b.outcome === 'acked' && b.node === to && b.endT > (lastOldT ?? -Infinity)) firstNewT = Math.min(firstNewT ?? b.endT, b.endT);
  }
  return { lastOldT, firstNewT, outageMs: lastOldT !== null && firstNewT !== null ? firstNewT - lastOldT : null };
}
