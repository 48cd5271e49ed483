/**
 * The write-ups' manual failover as a loop a scenario can turn on (write-up 000 §11, write-up 001):
 * 1. health-check the primary, on a watcher of its own that goes on whatever the moves below are
 *    doing; declared failed after `failAfterMs` of failing checks, each with its own deadline (a
 *    frozen or cut-off server answers nothing, it does not refuse; failure-detector.ts). A move
 *    under way depends on the primary (a standby's start waits for its WAL, pg_rewind and
 *    pg_basebackup read it, a repoint asks it who streams): the watcher calls it off at once
 *    (an AbortSignal per move), and a rejoining node whose move was given up is powered off
 *    again, left fenced for a later rejoin;
 * 2. fence it: power its host off, so it cannot acknowledge another write whatever state it
 *    is in (STONITH; a frozen host is thawed and killed at once, as the engine cannot kill a
 *    paused container);
 * 3. promote a standby: the most advanced of those that answer (largest receive LSN, then
 *    replay LSN, write-up 000 §11.3–4), or, to show what that choice protects, the least advanced;
 * 4. repoint the other standbys to it (§11.5);
 * 5. bring the old primary back as a standby once no fault holds it: pg_rewind, or a fresh base
 *    backup when pg_rewind refuses or fails (write-up 001, schemes 1 and 2);
 * and, on every tick, repoint a standby that is up but not streaming from the current primary
 * (one that was down during a failover still follows the old one), rewinding it first when its
 * WAL went past the promotion point, or re-cloning it when pg_rewind cannot see that (two
 * histories with one timeline ID, after a promotion cut short) or when the primary has removed
 * WAL it still needs (no slot, no archive: write-up 001's base backup is the only way back).
 * Every decision is an event with its evidence (LSNs compared, why rewind or re-clone). One move at
 * a time, in the move loop: a failover never runs beside another move, and always fences first.
 * Scenarios can still make each move by hand (run/steps.ts); this is the same procedure, unattended.
 *
 * The built-in manager: the defender, apart from the adversary (nemesis/). It asks nothing of the
 * nemesis; the story that runs both passes in what it needs (`busy`: is a fault holding a node?).
 */
import type { ClusterOptions } from '../db/bring-up.ts';
import { Cluster } from '../db/cluster.ts';
import { AHEAD_OF_UPSTREAM_SYMPTOM, DIVERGENCE_SYMPTOM, WAL_REMOVED } from '../db/majors.ts';
import { WAL_SENDERS_JSON, type PgNode } from '../db/pg-node.ts';
import { clashingTimelines } from '../db/timeline-history.ts';
import { log } from '../logger.ts';
import type { Clock } from '../clock.ts';
import { unlessAborted } from '../wait.ts';
import type { FailoverRecord } from '../history/failover.ts';
import type { ManagerRecord, ManagerView } from '../history/manager.ts';
import { durabilityPromise, type DurabilityPromise } from '../model/durability.ts';
import { builtinView, type PrimaryReading } from './builtin-view.ts';
import { FailureDetector, type Health } from './failure-detector.ts';
import type { SqlNode } from '../db/sql-node.ts';
import type { ClientEndpoint, HaManager, SwitchoverRecord } from './manager.ts';

/**
 * Deadline of a standby's start in the operator's moves, ms. pg_ctl start -w returns once the
 * standby reached its consistent point, for which it needs the primary's WAL (measured: up to
 * 22 s after pg_rewind on PostgreSQL 13). Not the default 120 s: the move loop does nothing else
 * meanwhile. A primary that fails meanwhile ends the wait at once (the watcher gives the move up).
 */
const STANDBY_START_MS = 40_000;

/** Deadline of `settled()`'s query to the primary, ms (the caller's poll, not a move). */
const SETTLED_QUERY_MS = 10_000;

/** Deadline of a view's query to the primary, ms: a view taken after a fault must not wait on a frozen primary. */
const VIEW_QUERY_MS = 2000;

/** Where the operator writes its decisions: `Recorder` (run/recorder.ts) is one. */
export interface OperatorLog {
  readonly clock: Clock;
  /** A decision or observation, with its evidence. */
  step(what: string, detail?: Record<string, unknown>): number;
  /** A topology move (fence, promote, repoint, rewind, re-clone). */
  move(what: string, detail?: Record<string, unknown>): number;
}

export interface OperatorOptions {
  /** Between health checks, and between the move loop's ticks, ms (default 500). */
  intervalMs?: number;
  /**
   * Failing health checks for this long declare the primary failed, ms (default 3000): from the
   * start of the first failing check to the end of the latest, two checks at least (failure-detector.ts).
   */
  failAfterMs?: number;
  /** Deadline of one health check or position read, ms (default 2000). */
  checkTimeoutMs?: number;
  /** The standby to promote: `most-advanced` (write-up 000 §11, default) or `least-advanced` (unsafe: loses acknowledged commits). */
  promote?: 'most-advanced' | 'least-advanced';
  /** Nodes with a fault in effect: the operator does not rejoin or repoint them until it is healed. */
  busy?: (node: string) => boolean;
  /** A standby up but not streaming for this long is repointed, ms (default 5000). */
  repointAfterMs?: number;
}

/**
 * The operator: a health watcher and a move loop. `start()` it after the cluster is up; `stop()`
 * it before the story's final checks. Never throws from its loops: a move that fails is logged as
 * an event and tried again on a later tick.
 */
export class Operator {
  readonly failovers: FailoverRecord[] = [];
  private readonly opts: Required<Omit<OperatorOptions, 'busy'>> & Pick<OperatorOptions, 'busy'>;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly detector: FailureDetector;
  /** The watcher's latest check: of which node, and its health after it. */
  private health: { node: PgNode; health: Health } | undefined;
  /** A primary the watcher declared failed, and when: the move loop's next move is a failover. */
  private declared: { node: PgNode; t: number } | undefined;
  /** True while the move loop fails over: the watcher declares nothing meanwhile. */
  private failingOver = false;
  /** The move under way, the primary it depends on, and how to call it off. */
  private move: { primary: PgNode; abort: AbortController } | undefined;
  /** Ends each loop's pause early (a primary declared failed, `stop()`). */
  private readonly wakers = new Set<() => void>();
  /** Since when each standby was seen up but not streaming from the primary (ms), and its log's size then. */
  private readonly notStreamingSince = new Map<PgNode, { t: number; logOffset: number }>();
  /** Fenced nodes pg_rewind cannot bring back, with the evidence: they rejoin by a new base backup. */
  private readonly mustReclone = new Map<PgNode, string>();

  constructor(
    private readonly cluster: Cluster,
    private readonly rec: OperatorLog,
    opts: OperatorOptions = {},
  ) {
    this.opts = { intervalMs: 500, failAfterMs: 3000, checkTimeoutMs: 2000, promote: 'most-advanced', repointAfterMs: 5000, ...opts };
    this.detector = new FailureDetector(this.opts.failAfterMs);
  }

  /** The options in force, defaults filled in (without `busy`). */
  settings(): Readonly<Required<Omit<OperatorOptions, 'busy'>>> {
    const { busy: _, ...rest } = this.opts;
    return rest;
  }

  /** Starts the watcher and the move loop; returns at once. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = [this.watch(), this.act()];
  }

  /** Stops both loops: the watcher after its check in flight, the move loop after the move in progress, if any. */
  async stop(): Promise<void> {
    this.running = false;
    for (const wake of this.wakers) wake();
    await Promise.all(this.loops);
  }

  /** True when no old primary waits to rejoin and every standby streams from the primary. */
  async settled(): Promise<boolean> {
    if (this.cluster.nodes.some((n) => this.cluster.isFenced(n))) return false;
    const rows = await this.cluster.primary.walSenders({ timeoutMs: SETTLED_QUERY_MS });
    const streaming = new Set(rows.filter((r) => r.state === 'streaming').map((r) => r.name));
    return this.cluster.standbys.every((s) => streaming.has(s.name));
  }

  /**
   * The health watcher: checks the current primary every `intervalMs` whatever the move loop is
   * doing, and declares it failed by the detector's rule (failure-detector.ts).
   */
  private async watch(): Promise<void> {
    while (this.running) {
      await this.check().catch((e: unknown) => log().warn({ error: errorText(e) }, 'operator: a health check could not be judged'));
      await this.pause(this.opts.intervalMs);
    }
  }

  /** One health check of the primary, taken into account. */
  private async check(): Promise<void> {
    const node = this.cluster.primary;
    const startT = this.rec.clock.now();
    const ok = await this.answersAsPrimary(node);
    const health = this.detector.observe(node.name, { startT, endT: this.rec.clock.now(), ok });
    this.health = { node, health };
    // Not a node replaced meanwhile, nor one a failover is already replacing.
    const replaced = node !== this.cluster.primary || this.failingOver || this.declared?.node === node;
    if (health.state === 'failed' && !replaced) this.declare(node, health.since);
  }

  /** Records `node` failed and gives up the move that depends on it: the move loop fails over next. */
  private declare(node: PgNode, failingSince: number): void {
    const failingForMs = Math.round(this.rec.clock.now() - failingSince);
    const t = this.rec.step(`operator: ${node.name} failed its health checks`, { failingForMs });
    this.declared = { node, t };
    if (this.move?.primary === node) this.move.abort.abort(new Error(`${node.name}, the primary the move needs, failed its health checks`));
    for (const wake of this.wakers) wake();
  }

  /** The move loop: a failover once the watcher declared the primary failed, else the rejoins and repoints due. */
  private async act(): Promise<void> {
    while (this.running) {
      await this.tick().catch((e: unknown) => {
        const error = e instanceof Error ? e.message : String(e);
        this.rec.step('operator: a move failed, to be tried again', { error });
        log().warn({ error }, 'operator: a move failed, to be tried again');
      });
      if (!this.declared) await this.pause(this.opts.intervalMs);
    }
  }

  /** Waits `ms`, or less when woken (a primary declared failed, `stop()`); not at all once stopped. */
  private pause(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private async tick(): Promise<void> {
    const primary = this.cluster.primary;
    const declared = this.declared;
    this.declared = undefined;
    if (declared?.node === primary) return this.failover(declared.t);
    // Every other move depends on the primary: none while its latest check failed (or before its first).
    if (this.health?.node !== primary || this.health.health.state !== 'ok') return;
    const abort = new AbortController();
    this.move = { primary, abort };
    try {
      const waiting = this.cluster.nodes.filter((n) => this.cluster.isFenced(n) && n !== primary && !this.isBusy(n));
      for (const node of waiting) {
        abort.signal.throwIfAborted();
        await this.cluster.exclusive(() => this.rejoin(node, abort.signal));
      }
      await this.reconcileStandbys(abort.signal);
    } catch (e) {
      if (!abort.signal.aborted) throw e;
      this.rec.step(`operator: moves given up: ${primary.name} failed its health checks`, { error: errorText(e) });
    } finally {
      this.move = undefined;
    }
  }

  /** `node` accepts a query within the health check's deadline and is not in recovery. */
  private async answersAsPrimary(node: PgNode): Promise<boolean> {
    return node
      .safePsql('SELECT pg_is_in_recovery()', { timeoutMs: this.opts.checkTimeoutMs })
      .then((out) => out === 'f')
      .catch(() => false);
  }

  private async failover(detectedT: number): Promise<void> {
    const old = this.cluster.primary;
    this.failingOver = true;
    // A failover that finds nothing to promote is tried again after failAfterMs of new failing checks.
    this.detector.reset(this.rec.clock.now());
    try {
      await this.failoverFrom(old, detectedT);
    } finally {
      this.failingOver = false;
    }
  }

  /** Fences `old`, promotes a standby, repoints the others (one move: the topology is held throughout). */
  private async failoverFrom(old: PgNode, detectedT: number): Promise<void> {
    await this.cluster.exclusive(async () => {
      this.rec.move(`fence ${old.name} (power off its host)`);
      await this.cluster.fence(old);
      const answering = await this.answering(this.cluster.standbys.filter((s) => !this.cluster.isFenced(s)));
      if (!answering.length) {
        this.rec.step('operator: no standby answers; nothing to promote yet', {});
        return;
      }
      // Each read with the health check's deadline: a standby frozen since it answered must not hold the failover.
      const { positions } = await this.cluster.mostAdvancedStandby({ candidates: answering, timeoutMs: this.opts.checkTimeoutMs });
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
        this.mustReclone.set(
          chosen,
          `its promotion failed midway (${error}): it may have started a timeline of the ID the next promotion takes`,
        );
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

  /**
   * Write-up 001: the old primary back as a standby, by pg_rewind, else (refused, failed, or it does
   * not start after it) by a fresh base backup. Given up when `signal` aborts (the primary failed):
   * see `abandon`. @throws the signal's reason then.
   */
  private async rejoin(node: PgNode, signal: AbortSignal): Promise<void> {
    const primary = this.cluster.primary;
    const w = <T>(p: Promise<T>): Promise<T> => unlessAborted(p, signal);
    /** What is rewriting the node's data directory, while something is. */
    let rewriting: string | undefined;
    try {
      signal.throwIfAborted();
      await w(node.host.ensureUp());
      if (await w(node.running())) await w(node.stop('immediate'));
      const reclone = (await w(this.timelineClash(node))) ?? this.mustReclone.get(node);
      if (reclone) {
        this.rec.move(`re-clone ${node.name} from ${primary.name} (not pg_rewind)`, { why: reclone });
        rewriting = 'its re-clone';
        await w(this.cluster.reclone(node, { source: primary, startTimeoutMs: STANDBY_START_MS, signal }));
        this.mustReclone.delete(node);
        this.cluster.unfence(node);
        return;
      }
      try {
        rewriting = 'its pg_rewind';
        const out = await w(this.cluster.rewind(node, { source: primary, signal }));
        rewriting = undefined;
        this.rec.move(`pg_rewind ${node.name} from ${primary.name}`, { output: out.split('\n').slice(-3).join('\n') });
        await w(node.start({ timeoutMs: STANDBY_START_MS }));
      } catch (e) {
        if (signal.aborted) throw e;
        rewriting = undefined;
        const why = e instanceof Error ? e.message.split('\n').slice(-2).join(' ') : String(e);
        if (await w(this.putOff(node, why))) return;
        this.rec.move(`re-clone ${node.name} from ${primary.name} (pg_rewind did not bring it back)`, { why });
        rewriting = 'its re-clone';
        await w(this.cluster.reclone(node, { source: primary, startTimeoutMs: STANDBY_START_MS, signal }));
      }
      this.cluster.unfence(node);
    } catch (e) {
      if (signal.aborted) await this.abandon(node, rewriting);
      throw e;
    }
  }

  /**
   * Ends a rejoin of `node` given up because the primary failed: its host is powered off again,
   * which ends whatever the move left running in it (pg_rewind, pg_basebackup, a start waiting
   * for the failed primary's WAL), and it stays fenced for a later rejoin; by a new base backup
   * when its data directory was being rewritten (a pg_rewind cut short leaves it unusable,
   * app-pgrewind.html).
   */
  private async abandon(node: PgNode, rewriting: string | undefined): Promise<void> {
    if (rewriting) this.mustReclone.set(node, `${rewriting} was cut short when the primary failed`);
    this.rec.move(`fence ${node.name} again: its rejoin was given up, the primary failed`, rewriting ? { cutShort: rewriting } : {});
    await this.cluster.fence(node).catch((e: unknown) => {
      log().warn({ node: node.name, error: errorText(e) }, 'operator: could not power off a node whose rejoin was given up');
    });
  }

  /**
   * When the primary stopped answering during a move on `node` (a standby needs its WAL to start),
   * stops `node` and records why: the move waits, and the next tick fails over first.
   * @returns whether the move was put off.
   */
  private async putOff(node: PgNode, why: string): Promise<boolean> {
    if (await this.answersAsPrimary(this.cluster.primary)) return false;
    await node.stop('immediate').catch(() => {});
    this.rec.step(`operator: ${node.name} left down for now: the primary does not answer`, { why });
    return true;
  }

  /**
   * Standbys up but not streaming from the current primary for `repointAfterMs`: repointed
   * (rewound first if they diverged). Given up when `signal` aborts (the primary failed); a
   * standby it was starting is stopped again. @throws the signal's reason then.
   */
  private async reconcileStandbys(signal: AbortSignal): Promise<void> {
    const w = <T>(p: Promise<T>): Promise<T> => unlessAborted(p, signal);
    const primary = this.cluster.primary;
    const now = this.rec.clock.now();
    // With the health check's deadline: a primary frozen since its last check must not hold the loop.
    const streaming = new Set((await w(primary.walSenders({ timeoutMs: this.opts.checkTimeoutMs }))).map((r) => r.name));
    for (const s of this.cluster.standbys) {
      signal.throwIfAborted();
      if (streaming.has(s.name) || this.cluster.isFenced(s) || this.isBusy(s)) {
        this.notStreamingSince.delete(s);
        continue;
      }
      const seen = this.notStreamingSince.get(s) ?? { t: now, logOffset: await w(s.logOffset()) };
      this.notStreamingSince.set(s, seen);
      const since = seen.t;
      if (now - since < this.opts.repointAfterMs) continue;
      this.notStreamingSince.delete(s);
      // Only what it logged since it stopped streaming: an old divergence, already mended, does not count.
      const logged = await w(s.logs()).then((l) => l.slice(seen.logOffset));
      if (!(await w(s.host.running())) || !(await w(s.running()))) {
        await w(s.host.ensureUp());
        const clash = await w(this.timelineClash(s));
        if (clash) {
          // Started, it would stream the primary's WAL onto its own of the same timeline ID.
          this.rec.move(`fence ${s.name} to re-clone it: it does not start as a standby`, { why: clash });
          this.mustReclone.set(s, clash);
          await w(this.cluster.fence(s));
          continue;
        }
        this.rec.move(`start ${s.name} as a standby of ${primary.name}`);
        await w(this.cluster.repoint(s));
        await w(s.start({ timeoutMs: STANDBY_START_MS })).catch(async (e: unknown) => {
          if (signal.aborted) {
            // It waits for the failed primary's WAL: down again, to be started once there is a primary.
            await s.stop('immediate', { timeoutMs: 10_000 }).catch(() => {});
            throw e;
          }
          const why = e instanceof Error ? e.message.split('\n').slice(-1)[0]! : String(e);
          if (await w(this.putOff(s, why))) return;
          // E.g. "requested timeline 2 does not contain minimum recovery point … on timeline 1": it
          // was ahead of the promoted standby when it went down (its WAL passed the fork). Rewind it.
          this.rec.move(`fence ${s.name} to rewind it: it does not start as a standby`, { why });
          await w(this.cluster.fence(s));
        });
      } else if (WAL_REMOVED.test(logged)) {
        // No replication slot and no archive: the primary will never have that WAL again (write-up 001).
        const line = WAL_REMOVED.exec(logged)![0];
        this.rec.move(`stop ${s.name} to re-clone it: the primary no longer has the WAL it needs`, { log: line });
        this.mustReclone.set(s, `the primary removed WAL it still needs ("${line}"): only a new base backup brings it back`);
        await w(s.stop('fast'));
        await w(this.cluster.fence(s));
      } else if (DIVERGENCE_SYMPTOM.test(logged) || AHEAD_OF_UPSTREAM_SYMPTOM.test(logged)) {
        const ahead = AHEAD_OF_UPSTREAM_SYMPTOM.exec(logged)?.[0];
        this.rec.move(
          `stop ${s.name} to ${ahead ? 're-clone' : 'rewind'} it: its WAL went past the promotion point`,
          ahead ? { log: ahead } : {},
        );
        if (ahead)
          this.mustReclone.set(s, `its WAL is past the primary's on the same timeline ID ("${ahead}"): pg_rewind finds nothing to rewind`);
        await w(s.stop('fast'));
        await w(this.cluster.fence(s));
      } else {
        this.rec.move(`repoint ${s.name} to ${primary.name}`, { notStreamingForMs: Math.round(now - since) });
        await w(this.cluster.repoint(s));
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
    return clash.length
      ? `its timeline ${clash.join(', ')} is not the primary's timeline of that ID (two promotions chose it): pg_rewind cannot tell them apart`
      : undefined;
  }

  /** Standbys that answer within the deadline and are still in recovery (never a node that promoted itself late). */
  private async answering(nodes: PgNode[]): Promise<PgNode[]> {
    const ok = await Promise.all(
      nodes.map((n) =>
        n.safePsql('SELECT pg_is_in_recovery()', { timeoutMs: this.opts.checkTimeoutMs }).then(
          (out) => out === 't',
          () => false,
        ),
      ),
    );
    return nodes.filter((_, i) => ok[i]);
  }

  private isBusy(node: PgNode): boolean {
    return this.opts.busy?.(node.name) ?? false;
  }
}

/**
 * The built-in manager on the seam (manager.ts): a cluster brought up pgchaos's way (db/cluster.ts:
 * one primary, standbys by pg_basebackup or the run's template, the config's
 * synchronous_standby_names) and the operator above making its moves, behaviour unchanged.
 * Clients connect to the current primary directly; its view is the cluster's roles and the
 * primary's pg_stat_replication; its promise is model/durability.ts's for the config's setting
 * with the most advanced standby promoted (what the config promises a careful operator: an
 * operator told to promote the least advanced breaks it, and the promised-loss verdict says so).
 */
export class BuiltinManager implements HaManager {
  readonly name = 'builtin' as const;
  /** The operator making the moves (its failovers are the manager's). */
  readonly operator: Operator;
  private running = false;

  constructor(
    /** The cluster it runs: the nemesis's catalogue, the writer and the observer work on it. */
    readonly cluster: Cluster,
    private readonly rec: OperatorLog,
    opts: OperatorOptions = {},
  ) {
    this.operator = new Operator(cluster, rec, opts);
  }

  /**
   * Brings a cluster up pgchaos's way (`Cluster.start(clusterOptions)`) and returns its manager,
   * not yet making moves (`start()`). The caller owns the cluster's removal (`cluster.destroy()`).
   * @throws as `Cluster.start` does (ConfigError before any container starts, WaitTimeoutError).
   */
  static async start(clusterOptions: ClusterOptions, rec: OperatorLog, opts: OperatorOptions = {}): Promise<BuiltinManager> {
    return new BuiltinManager(await Cluster.start(clusterOptions), rec, opts);
  }

  get nodeNames(): readonly string[] {
    return this.cluster.nodes.map((n) => n.name);
  }

  get failovers(): readonly FailoverRecord[] {
    return this.operator.failovers;
  }

  clients(): ClientEndpoint {
    return { via: 'primary', currentPrimary: () => this.cluster.currentPrimary(), describe: 'the current primary, directly' };
  }

  node(name: string): SqlNode {
    return this.cluster.node(name);
  }

  start(): void {
    this.running = true;
    this.operator.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.operator.stop();
  }

  settled(): Promise<boolean> {
    return this.operator.settled();
  }

  /** One query on the primary (its LSN, timeline and walsenders, VIEW_QUERY_MS at most), and the cluster's roles and fencing. */
  async view(): Promise<ManagerView> {
    const c = this.cluster;
    const primary = c.primary;
    const sql = `SELECT json_build_object('lsn', pg_current_wal_lsn(),
      'timeline', ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int, 'senders', ${WAL_SENDERS_JSON})`;
    const reading = await primary.safePsql(sql, { timeoutMs: VIEW_QUERY_MS }).then(
      (out) => JSON.parse(out) as PrimaryReading,
      (e: unknown) => ({ error: errorText(e).split('\n')[0]! }),
    );
    return builtinView({
      t: this.rec.clock.now(),
      primary: primary.name,
      standbys: c.standbys.map((s) => s.name),
      fenced: c.nodes.filter((n) => c.isFenced(n)).map((n) => n.name),
      reading,
    });
  }

  /**
   * The write-ups' planned switchover (write-up 000 §11, scenarios/planned-switchover.test.ts), as
   * one move with the topology held: fast-stop the primary (its walsenders send the shutdown
   * checkpoint to the streaming standbys), promote `to`, repoint the other standbys, start the old
   * primary as a standby of `to`. The operator's loops pause meanwhile, so that the stopped primary
   * is not declared failed and fenced.
   * @throws Error when `to` is not a standby streaming from the primary (it could lack acknowledged commits).
   */
  async switchover(to: string): Promise<SwitchoverRecord> {
    const c = this.cluster;
    const target = c.node(to);
    const old = c.primary;
    if (target === old) throw new Error(`${to} is already the primary`);
    const streaming = (await old.walSenders({ timeoutMs: VIEW_QUERY_MS })).filter((r) => r.state === 'streaming').map((r) => r.name);
    if (!streaming.includes(to))
      throw new Error(`switchover to ${to} refused: it is not streaming from ${old.name} (streaming: ${streaming.join(', ') || 'none'})`);
    const wasRunning = this.running;
    if (wasRunning) await this.operator.stop();
    try {
      return await c.exclusive(async () => {
        const startedT = this.rec.move(`switchover: fast-stop ${old.name}`);
        await old.stop('fast');
        this.rec.move(`switchover: promote ${to}`);
        await c.promote(target);
        const doneT = this.rec.step(`${to} is primary`, { timeline: await target.timeline() });
        const moves = [`fast-stop ${old.name}`, `promote ${to}`];
        for (const s of c.standbys.filter((n) => n !== old && !c.isFenced(n))) {
          this.rec.move(`repoint ${s.name} to ${to}`);
          await c.repoint(s);
          moves.push(`repoint ${s.name}`);
        }
        this.rec.move(`start ${old.name} as a standby of ${to}`);
        await c.repoint(old);
        await old.start({ timeoutMs: STANDBY_START_MS });
        moves.push(`start ${old.name} as a standby`);
        return { from: old.name, to, startedT, doneT, output: moves.join('; ') };
      });
    } finally {
      if (wasRunning) this.operator.start();
    }
  }

  promise(): DurabilityPromise {
    return durabilityPromise({ ...this.cluster.syncSettings(), standbys: this.cluster.standbys.map((s) => s.name) }, 'most-advanced');
  }

  describe(): ManagerRecord {
    return { name: 'builtin', config: { ...this.operator.settings() } };
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
