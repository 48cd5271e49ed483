import type pg from 'pg';
import type { Clock } from '../clock.ts';
import { WAL_SENDERS_JSON } from '../db/pg-node.ts';
import type { SqlNode } from '../db/sql-node.ts';
import { pollUntil } from '../wait.ts';
import type { ObserverSample, StandbyRow, SyncTransition } from '../history/samples.ts';
import { describeSample, syncTransitions } from './sampling.ts';
import type { WriteTarget } from './writer.ts';

const OBSERVE_SQL = `SELECT pg_current_wal_flush_lsn()::text AS flush,
  current_setting('synchronous_standby_names') AS sync_names, current_setting('synchronous_commit') AS sync_commit,
  (SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep')::int AS waiters,
  ${WAL_SENDERS_JSON} AS standbys`;

/**
 * Samples pg_stat_replication and the SyncRep waiters on the current primary every
 * `intervalMs` (default 100). Never throws when the primary dies or freezes: a failed sample
 * records the error and the next one reconnects.
 */
export class ReplicationObserver {
  private readonly recorded: ObserverSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private client: { c: pg.Client; node: SqlNode; name: string } | undefined;
  private tick: Promise<void> = Promise.resolve();
  private running = false;

  constructor(
    private readonly target: WriteTarget,
    private readonly clock: Clock,
    private readonly intervalMs = 100,
    private readonly queryTimeoutMs = 2000,
  ) {}

  /** Starts sampling; returns at once. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const next = () => {
      if (!this.running) return;
      const due = this.clock.now() + this.intervalMs;
      this.tick = this.sample().finally(() => {
        if (this.running) this.timer = setTimeout(next, Math.max(0, due - this.clock.now()));
      });
    };
    next();
  }

  /** Stops sampling and closes its connection. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.tick;
    if (this.client) void this.client.c.end().catch(() => {});
    this.client = undefined;
  }

  /** Every sample so far. */
  samples(): readonly ObserverSample[] {
    return this.recorded;
  }

  /** The latest successful sample, if any. */
  latest(): ObserverSample | undefined {
    for (let i = this.recorded.length - 1; i >= 0; i--) if (!this.recorded[i]!.error) return this.recorded[i];
    return undefined;
  }

  /**
   * The (state, sync_state) changes of one node over the successful samples, starting with
   * its first sample; `absent` where the primary had no walsender for it, `primary` where it
   * was the primary sampled.
   */
  transitions(standby: string): SyncTransition[] {
    return syncTransitions(this.recorded, standby);
  }

  /**
   * Waits until a new sample satisfies `pred`.
   * @throws WaitTimeoutError with a summary of the last sample.
   */
  async waitFor(what: string, pred: (s: ObserverSample) => boolean, timeoutMs = 30_000): Promise<ObserverSample> {
    const from = this.clock.now();
    return pollUntil(
      async () => {
        const s = this.latest();
        if (s && s.t >= from && pred(s)) return { done: true, value: s };
        return { done: false, seen: s ? describeSample(s) : 'no sample yet' };
      },
      { what, timeoutMs, intervalMs: Math.min(50, this.intervalMs) },
    );
  }

  private async sample(): Promise<void> {
    const t = this.clock.now();
    let primary = '?';
    try {
      const conn = await this.connection();
      primary = conn.name;
      const r = await conn.c.query<{ flush: string; sync_names: string; sync_commit: string; waiters: number; standbys: StandbyRow[] }>(
        OBSERVE_SQL,
      );
      const row = r.rows[0]!;
      this.recorded.push({
        t,
        primary,
        flushLsn: row.flush,
        syncRepWaiters: row.waiters,
        settings: { synchronousStandbyNames: row.sync_names, synchronousCommit: row.sync_commit },
        standbys: row.standbys,
      });
    } catch (e) {
      this.recorded.push({ t, primary, error: (e as Error).message, standbys: [] });
      if (this.client) void this.client.c.end().catch(() => {});
      this.client = undefined;
    }
  }

  /** The connection to the current primary; through a proxy, named by the server it reached (SqlNode.backendOf). */
  private async connection(): Promise<{ c: pg.Client; node: SqlNode; name: string }> {
    const node = await this.target.currentPrimary();
    if (this.client?.node === node) return this.client;
    if (this.client) void this.client.c.end().catch(() => {});
    const c = node.client('pgchaos-observer', { connectTimeoutMs: this.queryTimeoutMs, queryTimeoutMs: this.queryTimeoutMs });
    this.client = { c, node, name: node.name };
    await c.connect();
    if (node.backendOf) this.client.name = await node.backendOf(c);
    return this.client;
  }
}
