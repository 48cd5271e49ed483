/**
 * The seeds' manual failover as a loop a scenario can turn on (seed 000 §11, seed 001):
 * 1. health-check the primary; declared failed after `failAfterMs` of failing checks, each with
 *    its own deadline (a frozen or cut-off server answers nothing, it does not refuse);
 * 2. fence it: power its host off, so it cannot acknowledge another write whatever state it
 *    is in (STONITH; a frozen host is thawed and killed at once, as the engine cannot kill a
 *    paused container);
 * 3. promote a standby: the most advanced of those that answer (largest receive LSN, then
 *    replay LSN, seed 000 §11.3–4), or, to show what that choice protects, the least advanced;
 * 4. repoint the other standbys to it (§11.5);
 * 5. bring the old primary back as a standby once no fault holds it: pg_rewind, or a fresh base
 *    backup when pg_rewind refuses or fails (seed 001, schemes 1 and 2);
 * and, on every tick, repoint a standby that is up but not streaming from the current primary
 * (one that was down during a failover still follows the old one), rewinding it first when its
 * WAL went past the promotion point, or re-cloning it when pg_rewind cannot see that (two
 * histories with one timeline ID, after a promotion cut short) or when the primary has removed
 * WAL it still needs (no slot, no archive: seed 001's base backup is the only way back).
 * Every decision is an event with its evidence (LSNs compared, why rewind or re-clone).
 * Scenarios can still make each move by hand (run/steps.ts); this is the same procedure, unattended.
 */
import type { Cluster } from '../db/cluster.ts';
import { AHEAD_OF_UPSTREAM_SYMPTOM, DIVERGENCE_SYMPTOM, WAL_REMOVED } from '../db/majors.ts';
import type { PgNode } from '../db/pg-node.ts';
import { clashingTimelines } from '../db/timeline-history.ts';
import { log } from '../logger.ts';
import type { Clock } from '../clock.ts';

/**
 * Deadline of a standby's start in the operator's moves, s. pg_ctl start -w returns once the
 * standby reached its consistent point, for which it needs the primary's WAL (measured: up to
 * 22 s after pg_rewind on PostgreSQL 13). Not the default 120 s: the loop does nothing else
 * meanwhile, and a primary that died during a rejoin went 122 s without a failover (soak seed 2).
 */
const STANDBY_START_S = 40;

/** Deadline of the operator's own queries to a primary that just answered a health check, s. */
const QUERY_TIMEOUT_S = 10;

/** Where the operator writes its decisions: `Recorder` (run/recorder.ts) is one. */
export interface OperatorLog {
  readonly clock: Clock;
  /** A decision or observation, with its evidence. */
  step(what: string, detail?: Record<string, unknown>): number;
  /** A topology move (fence, promote, repoint, rewind, re-clone). */
  move(what: string, detail?: Record<string, unknown>): number;
}

export interface OperatorOptions {
  /** Between health checks, ms (default 500). */
  intervalMs?: number;
  /** Failing health checks for this long declare the primary failed, ms (default 3000). */
  failAfterMs?: number;
  /** Deadline of one health check or position read, s (default 2). */
  checkTimeoutS?: number;
  /** The standby to promote: `most-advanced` (seed 000 §11, default) or `least-advanced` (unsafe: loses acknowledged commits). */
  promote?: 'most-advanced' | 'least-advanced';
  /** Nodes with a fault in effect: the operator does not rejoin or repoint them until it is healed. */
  busy?: (node: string) => boolean;
  /** A standby up but not streaming for this long is repointed, ms (default 5000). */
  repointAfterMs?: number;
}

/** One failover the operator made, with its evidence. */
export interface FailoverRecord {
  /** When the primary was declared failed, ms on the scenario clock. */
  detectedT: number;
  /** When it had read the standbys' positions (below) and chose whom to promote, ms. */
  decidedT: number;
  /** When the new primary accepted writes, ms. */
  promotedT: number;
  from: string;
  to: string;
  /** Receive and replay LSN of every standby that answered, most advanced first. */
  positions: { name: string; receiveLsn: string | null; replayLsn: string | null }[];
}

/**
 * The operator loop. `start()` it after the cluster is up; `stop()` it before the story's final
 * checks. Never throws from the loop: a move that fails is logged as an event and tried again
 * on a later tick.
 */
export class Operator {
  readonly failovers: FailoverRecord[] = [];
  private readonly opts: Required<Omit<OperatorOptions, 'busy'>> & Pick<OperatorOptions, 'busy'>;
  private running = false;
  private loop: Promise<void> | undefined;
  private failingSince: number | undefined;
  /** Since when each standby was seen up but not streaming from the primary (ms), and its log's size then. */
  private readonly notStreamingSince = new Map<PgNode, { t: number; logOffset: number }>();
  /** Fenced nodes pg_rewind cannot bring back, with the evidence: they rejoin by a new base backup. */
  private readonly mustReclone = new Map<PgNode, string>();

  constructor(
    private readonly cluster: Cluster,
    private readonly rec: OperatorLog,
    opts: OperatorOptions = {},
  ) {
    this.opts = { intervalMs: 500, failAfterMs: 3000, checkTimeoutS: 2, promote: 'most-advanced', repointAfterMs: 5000, ...opts };
  }

  /** Starts the loop; returns at once. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops the loop after the move in progress, if any. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** True when no old primary waits to rejoin and every standby streams from the primary. */
  async settled(): Promise<boolean> {
    if (this.cluster.nodes.some((n) => this.cluster.isFenced(n))) return false;
    const streaming = new Set((await this.cluster.primary.walSenders(QUERY_TIMEOUT_S)).filter((r) => r.state === 'streaming').map((r) => r.name));
    return this.cluster.standbys.every((s) => streaming.has(s.name));
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.tick().catch((e: unknown) => {
        const error = e instanceof Error ? e.message : String(e);
        this.rec.step('operator: a move failed, to be tried again', { error });
        log().warn({ error }, 'operator: a move failed, to be tried again');
      });
      await new Promise((r) => setTimeout(r, this.opts.intervalMs));
    }
  }

  private async tick(): Promise<void> {
    const now = this.rec.clock.now();
    if (await this.primaryAnswers()) this.failingSince = undefined;
    else {
      this.failingSince ??= now;
      if (now - this.failingSince >= this.opts.failAfterMs) await this.failover(this.failingSince);
      return;
    }
    const waiting = this.cluster.nodes.filter((n) => this.cluster.isFenced(n) && n !== this.cluster.primary && !this.isBusy(n));
    for (const node of waiting) await this.cluster.exclusive(() => this.rejoin(node));
    await this.reconcileStandbys();
  }

  /** The primary accepts a query within the deadline and is not in recovery. */
  private async primaryAnswers(): Promise<boolean> {
    return this.cluster.primary
      .safePsql('SELECT pg_is_in_recovery()', this.opts.checkTimeoutS)
      .then((out) => out === 'f')
      .catch(() => false);
  }

  private async failover(failingSince: number): Promise<void> {
    const old = this.cluster.primary;
    const detectedT = this.rec.step(`operator: ${old.name} failed its health checks`, { failingForMs: Math.round(this.rec.clock.now() - failingSince) });
    this.failingSince = undefined;
    await this.cluster.exclusive(async () => {
      this.rec.move(`fence ${old.name} (power off its host)`);
      await this.cluster.fence(old);
      const answering = await this.answering(this.cluster.standbys.filter((s) => !this.cluster.isFenced(s)));
      if (!answering.length) {
        this.rec.step('operator: no standby answers; nothing to promote yet', {});
        return;
      }
      // Each read with the health check's deadline: a standby frozen since it answered must not hold the failover.
      const { positions } = await this.cluster.mostAdvancedStandby(answering, this.opts.checkTimeoutS);
      const decidedT = this.rec.clock.now();
      const chosen = this.cluster.node((this.opts.promote === 'most-advanced' ? positions[0] : positions.at(-1))!.name);
      this.rec.move(`promote ${chosen.name} (${this.opts.promote})`, { positions });
      await this.cluster.promote(chosen).catch(async (e: unknown) => {
        const error = e instanceof Error ? e.message.split('\n')[0] : String(e);
        if (this.cluster.primary === chosen) {
          // Promoted; only its synchronous_standby_names failed (the cluster's idea of it stays
          // the server's, the old one): the failover goes on.
          this.rec.step(`operator: ${chosen.name} promoted, but its synchronous_standby_names could not be set`, { error });
          return;
        }
        // It may have chosen the timeline ID the next promotion will choose too, even from the
        // same switch point, with WAL of its own after it: no history file tells, so re-clone it.
        this.mustReclone.set(chosen, `its promotion failed midway (${error}): it may have started a timeline of the ID the next promotion takes`);
        // It may still finish promoting later: fence it, or a second failover would make two primaries.
        await this.cluster.fence(chosen);
        throw e;
      });
      const promotedT = this.rec.step(`${chosen.name} is primary`, { timeline: await chosen.timeline() });
      this.failovers.push({ detectedT, decidedT, promotedT, from: old.name, to: chosen.name, positions });
      for (const s of answering.filter((s) => s !== chosen)) {
        this.rec.move(`repoint ${s.name} to ${chosen.name}`);
        await this.cluster.repoint(s);
      }
    });
  }

  /** Seed 001: the old primary back as a standby, by pg_rewind, else (refused, failed, or it does not start after it) by a fresh base backup. */
  private async rejoin(node: PgNode): Promise<void> {
    await node.host.ensureUp();
    if (await node.running()) await node.stop('immediate');
    const reclone = (await this.timelineClash(node)) ?? this.mustReclone.get(node);
    if (reclone) {
      this.rec.move(`re-clone ${node.name} from ${this.cluster.primary.name} (not pg_rewind)`, { why: reclone });
      await this.cluster.reclone(node, this.cluster.primary, STANDBY_START_S);
      this.mustReclone.delete(node);
      this.cluster.unfence(node);
      return;
    }
    try {
      const out = await this.cluster.rewind(node);
      this.rec.move(`pg_rewind ${node.name} from ${this.cluster.primary.name}`, { output: out.split('\n').slice(-3).join('\n') });
      await node.start(STANDBY_START_S);
    } catch (e) {
      const why = e instanceof Error ? e.message.split('\n').slice(-2).join(' ') : String(e);
      if (await this.putOff(node, why)) return;
      this.rec.move(`re-clone ${node.name} from ${this.cluster.primary.name} (pg_rewind did not bring it back)`, { why });
      await this.cluster.reclone(node, this.cluster.primary, STANDBY_START_S);
    }
    this.cluster.unfence(node);
  }

  /**
   * When the primary stopped answering during a move on `node` (a standby needs its WAL to start),
   * stops `node` and records why: the move waits, and the next tick fails over first.
   * @returns whether the move was put off.
   */
  private async putOff(node: PgNode, why: string): Promise<boolean> {
    if (await this.primaryAnswers()) return false;
    await node.stop('immediate').catch(() => {});
    this.rec.step(`operator: ${node.name} left down for now: the primary does not answer`, { why });
    return true;
  }

  /** Standbys up but not streaming from the current primary for `repointAfterMs`: repointed (rewound first if they diverged). */
  private async reconcileStandbys(): Promise<void> {
    const now = this.rec.clock.now();
    const streaming = new Set((await this.cluster.primary.walSenders(QUERY_TIMEOUT_S)).map((r) => r.name));
    for (const s of this.cluster.standbys) {
      if (streaming.has(s.name) || this.cluster.isFenced(s) || this.isBusy(s)) {
        this.notStreamingSince.delete(s);
        continue;
      }
      const seen = this.notStreamingSince.get(s) ?? { t: now, logOffset: await s.logOffset() };
      this.notStreamingSince.set(s, seen);
      const since = seen.t;
      if (now - since < this.opts.repointAfterMs) continue;
      this.notStreamingSince.delete(s);
      // Only what it logged since it stopped streaming: an old divergence, already mended, does not count.
      const logged = await s.logs().then((l) => l.slice(seen.logOffset));
      if (!(await s.host.running()) || !(await s.running())) {
        await s.host.ensureUp();
        const clash = await this.timelineClash(s);
        if (clash) {
          // Started, it would stream the primary's WAL onto its own of the same timeline ID.
          this.rec.move(`fence ${s.name} to re-clone it: it does not start as a standby`, { why: clash });
          await this.cluster.fence(s);
          this.mustReclone.set(s, clash);
          continue;
        }
        this.rec.move(`start ${s.name} as a standby of ${this.cluster.primary.name}`);
        await this.cluster.repoint(s);
        await s.start(STANDBY_START_S).catch(async (e: unknown) => {
          const why = e instanceof Error ? e.message.split('\n').slice(-1)[0]! : String(e);
          if (await this.putOff(s, why)) return;
          // E.g. "requested timeline 2 does not contain minimum recovery point … on timeline 1": it
          // was ahead of the promoted standby when it went down (its WAL passed the fork). Rewind it.
          this.rec.move(`fence ${s.name} to rewind it: it does not start as a standby`, { why });
          await this.cluster.fence(s);
        });
      } else if (WAL_REMOVED.test(logged)) {
        // No replication slot and no archive: the primary will never have that WAL again (seed 001).
        const line = WAL_REMOVED.exec(logged)![0];
        this.rec.move(`stop ${s.name} to re-clone it: the primary no longer has the WAL it needs`, { log: line });
        await s.stop('fast');
        await this.cluster.fence(s);
        this.mustReclone.set(s, `the primary removed WAL it still needs ("${line}"): only a new base backup brings it back`);
      } else if (DIVERGENCE_SYMPTOM.test(logged) || AHEAD_OF_UPSTREAM_SYMPTOM.test(logged)) {
        const ahead = AHEAD_OF_UPSTREAM_SYMPTOM.exec(logged)?.[0];
        this.rec.move(`stop ${s.name} to ${ahead ? 're-clone' : 'rewind'} it: its WAL went past the promotion point`, ahead ? { log: ahead } : {});
        await s.stop('fast');
        await this.cluster.fence(s);
        if (ahead) this.mustReclone.set(s, `its WAL is past the primary's on the same timeline ID ("${ahead}"): pg_rewind finds nothing to rewind`);
      } else {
        this.rec.move(`repoint ${s.name} to ${this.cluster.primary.name}`, { notStreamingForMs: Math.round(now - since) });
        await this.cluster.repoint(s);
      }
    }
  }

  /**
   * Why `node` cannot follow the primary although pg_rewind would find nothing to rewind: a
   * timeline ID both have a history for, with different histories (a promotion cut short, then
   * another on the same ID; db/timeline-history.ts). undefined when there is none.
   */
  private async timelineClash(node: PgNode): Promise<string | undefined> {
    const clash = clashingTimelines(await node.timelineHistories(), await this.cluster.primary.timelineHistories());
    return clash.length ? `its timeline ${clash.join(', ')} is not the primary's timeline of that ID (two promotions chose it): pg_rewind cannot tell them apart` : undefined;
  }

  /** Standbys that answer within the deadline and are still in recovery (never a node that promoted itself late). */
  private async answering(nodes: PgNode[]): Promise<PgNode[]> {
    const ok = await Promise.all(nodes.map((n) => n.safePsql('SELECT pg_is_in_recovery()', this.opts.checkTimeoutS).then((out) => out === 't', () => false)));
    return nodes.filter((_, i) => ok[i]);
  }

  private isBusy(node: PgNode): boolean {
    return this.opts.busy?.(node.name) ?? false;
  }
}

