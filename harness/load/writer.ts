import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { SqlNode } from '../db/sql-node.ts';
import { log } from '../logger.ts';
import type { Lsn } from '../lsn.ts';
import type { Batch, WriterSample } from '../history/samples.ts';
import { classify, progressLine, sampleBatches } from './sampling.ts';
import { BATCH_SQL, LEDGER_TABLE, SCHEMA_SQL } from './workload.ts';

export interface BatchWriterOptions {
  /** Connections, each committing batches in a loop (default 8). */
  clients?: number;
  /** Rows per batch (default 1000). */
  batchRows?: number;
  /**
   * Target rate of batches per second over all clients, like `pgbench -R` (default: none, as
   * fast as the server commits). Starts are spaced evenly per client; a slot missed while a
   * batch waited (a stall, a reconnect) is skipped, not made up in a burst afterwards, as
   * `pgbench -R --latency-limit` skips late transactions. Under a config with no synchronous
   * standby nothing slows the primary down to what a standby can replay: see
   * scenarios/standby-loss-matrix.test.ts.
   */
  rateTps?: number;
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
  currentPrimary(): Promise<SqlNode>;
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
  /** Target batches per second over all clients; undefined = unthrottled. */
  readonly rateTps: number | undefined;
  private readonly opts: Required<Omit<BatchWriterOptions, 'clients' | 'batchRows' | 'rateTps'>>;
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
    if (opts.rateTps !== undefined && !(opts.rateTps > 0))
      throw new RangeError(`writer rateTps ${opts.rateTps}: expected a rate above 0 batches per second`);
    this.rateTps = opts.rateTps;
    this.opts = {
      connectTimeoutMs: opts.connectTimeoutMs ?? 2000,
      queryTimeoutMs: opts.queryTimeoutMs ?? 60_000,
      progress: opts.progress ?? true,
    };
  }

  /** Creates the rows and ledger tables on the current primary (idempotent) and continues each client's seq from the ledger. */
  async setup(): Promise<void> {
    const primary = await this.target.currentPrimary();
    // The tables are the harness's, not the workload's commits: created with synchronous_commit
    // = local, so a config under which every commit waits (the model says when) cannot hang it.
    await primary.safePsql(`SET synchronous_commit = local; ${SCHEMA_SQL}`);
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
    let conn: { c: pg.Client; node: string; via?: string } | undefined;
    // With a rate, each client starts a batch every clients/rate seconds, the clients staggered.
    const periodMs = this.rateTps === undefined ? 0 : (1000 * this.clients) / this.rateTps;
    let nextStartT = this.clock.now() + (periodMs * (client - 1)) / this.clients;
    while (this.running) {
      if (periodMs > 0) {
        const now = this.clock.now();
        if (nextStartT > now) await pause(nextStartT - now);
        nextStartT = Math.max(nextStartT, this.clock.now() - periodMs) + periodMs;
        if (!this.running) break;
      }
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
        // Prepared once per connection, like the write-up's `pgbench -M prepared`.
        const r = await conn.c.query<{ timeline: number; lsn: Lsn }>({
          name: 'pgchaos_batch',
          text: BATCH_SQL,
          values: [client, seq, this.batchRows],
        });
        this.batches.push({
          client,
          seq,
          node: conn.node,
          ...(conn.via ? { via: conn.via } : {}),
          startT,
          endT: this.clock.now(),
          outcome: 'acked',
          timeline: r.rows[0]?.timeline,
          lsn: r.rows[0]?.lsn,
        });
      } catch (e) {
        const err = e as Error & { code?: string; severity?: string };
        const outcome = classify(err);
        this.batches.push({
          client,
          seq,
          node: conn.node,
          ...(conn.via ? { via: conn.via } : {}),
          startT,
          endT: this.clock.now(),
          outcome,
          error: err.code ? `${err.severity ? `${err.severity} ` : ''}${err.code} ${err.message}` : err.message,
        });
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

  /** A connection to the current primary, named by the server behind it when the target is a proxy (SqlNode.backendOf). */
  private async connect(): Promise<{ c: pg.Client; node: string; via?: string }> {
    const node = await this.target.currentPrimary();
    const c = node.client('pgchaos-writer', this.opts);
    this.live.add(c);
    try {
      await c.connect();
      return node.backendOf ? { c, node: await node.backendOf(c), via: node.name } : { c, node: node.name };
    } catch (e) {
      this.drop(c);
      throw e;
    }
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

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
