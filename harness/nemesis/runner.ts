/**
 * Plays a schedule (history/fault.ts, drawn by schedule/generate.ts) against a live cluster: each
 * fault injected at its time and healed after its duration, on the scenario clock, then the
 * recovery window. A fault that cannot be injected (its node is down, a standby-only kind found no
 * standby) is recorded as skipped with the reason and the schedule goes on: the same schedule
 * replays the same way as long as the cluster answers the same way.
 *
 * The cluster is a `FaultSide` (fault-side.ts): the built-in `Cluster` (passed as is, or as
 * `builtinFaults(cluster)`), or a cluster under an HA manager (`managedFaults(manager.cluster)`).
 */
import type { Cluster } from '../db/cluster.ts';
import { log } from '../logger.ts';
import type { FaultLog, InjectedFault } from './catalogue.ts';
import { builtinFaults, type FaultSide } from './fault-side.ts';
import { describeFault, type PlayedFault, type Schedule, type ScheduledFault, type SkippedFault } from '../history/fault.ts';

/** What the runner needs of the scenario's recorder (run/recorder.ts): its clock and the fault, heal and step events. */
export interface ScheduleLog extends FaultLog {
  step(what: string, detail?: Record<string, unknown>): number;
}

/** The outcome of a played schedule. */
export interface PlayedSchedule {
  /** The faults injected, in the order their injections were done. */
  injected: PlayedFault[];
  /** The faults that could not be injected, with the reason. */
  skipped: SkippedFault[];
  /** Most nodes taken out (`InjectedFault.failed`) by faults in effect at the same time: what a durability promise is judged against. */
  mostFailedAtOnce: number;
}

/**
 * Plays schedules against one cluster and knows, while it does, which nodes a fault holds
 * (`busy`, for the operator: it does not rejoin a node a fault still holds).
 */
export class Nemesis {
  private readonly inEffect = new Map<number, InjectedFault>();
  /** Heals under way, by fault id: they run beside the schedule, so a slow one (a node to start) does not delay the next event. */
  private readonly healing = new Map<number, Promise<void>>();
  /**
   * Injections under way, by fault id, in schedule order, with the nodes they involve: a later
   * fault on one of those nodes waits for it, as for a heal, and the operator leaves them alone.
   */
  private readonly injecting = new Map<number, { nodes: Set<string>; done: Promise<void>; active: boolean }>();

  private readonly side: FaultSide;

  /** @param cluster the built-in cluster, or any cluster's `FaultSide` (fault-side.ts: `managedFaults` under a manager). */
  constructor(
    cluster: Cluster | FaultSide,
    private readonly rec: ScheduleLog,
  ) {
    this.side = isFaultSide(cluster) ? cluster : builtinFaults(cluster);
  }

  /** True while a fault in effect hit `node`, or one being injected (not one still waiting its turn) involves it. */
  busy(node: string): boolean {
    return this.heldByAnother(node);
  }

  /** `busy`, leaving out fault `self` (an injection is not held by itself). */
  private heldByAnother(node: string, self?: number): boolean {
    return (
      [...this.inEffect.values()].some((f) => f.nodes.includes(node)) ||
      [...this.injecting.entries()].some(([id, i]) => id !== self && i.active && i.nodes.has(node))
    );
  }

  /**
   * Plays `schedule` from now: resolves after the last heal (planned by `schedule.durationMs`, later when a heal waited); the
   * recovery window is the caller's. Every fault in effect is healed before it returns, also
   * when `signal` aborts it.
   * @returns what was injected and skipped. Never throws for a fault.
   */
  async play(schedule: Schedule, signal?: AbortSignal): Promise<PlayedSchedule> {
    const start = this.rec.clock.now();
    const played: PlayedSchedule = { injected: [], skipped: [], mostFailedAtOnce: 0 };
    /** Faults injected late, by id: each heals itself a duration after it lands (see below). */
    const delayedHeals = new Map<number, Promise<void>>();
    /** The other faults' heal timers: each heals at its planned time, whatever the loop awaits then. */
    const onTimeHeals: Promise<void>[] = [];
    try {
      for (const e of events(schedule.faults)) {
        if (signal?.aborted) break;
        await sleepUntil(this.rec, start + e.atMs, signal);
        if (signal?.aborted) break;
        const id = e.fault.id;
        if (e.kind === 'heal') {
          if (!delayedHeals.has(id)) this.startHeal(id, played);
          continue;
        }
        // Usually nothing is in the way and the injection is awaited here, in schedule order. A
        // fault on a node still being healed (a node to start takes seconds) or hit by an
        // injection under way waits for it, as scheduled after it, without holding up the rest;
        // it then lasts its duration from when it lands, healed by the schedule's end at the latest.
        if (this.pendingOn(await this.side.involved(e.fault)).length === 0) {
          const landed = this.startInject(e.fault, played, start);
          // Its heal also has a timer of its own: while the loop awaits a slow injection (a target
          // resolved past a frozen node), a heal due meanwhile is not held back behind it, which
          // would leave this fault in effect longer than scheduled (seed 7 of the Patroni soak: a
          // freeze of 5.8 s held for 13.5 s, past the leader lock's ttl).
          onTimeHeals.push(landed.then(() => this.healAt(id, start + e.fault.atMs + e.fault.durationMs, played)));
          await landed;
          continue;
        }
        const endT = start + schedule.durationMs;
        delayedHeals.set(
          id,
          this.startInject(e.fault, played, start, signal).then(async () => {
            if (!this.inEffect.has(id)) return;
            await sleepUntil(this.rec, Math.min(this.rec.clock.now() + e.fault.durationMs, endT), signal);
            this.startHeal(id, played);
          }),
        );
      }
    } finally {
      await Promise.all([...this.injecting.values()].map((i) => i.done));
      await Promise.all(delayedHeals.values());
      // After an abort every fault in effect is healed at once, below; the timers find nothing left.
      if (!signal?.aborted) await Promise.all(onTimeHeals);
      for (const id of this.inEffect.keys()) this.startHeal(id, played);
      await Promise.all(this.healing.values());
    }
    return played;
  }

  /** Registers the injection of `fault` and starts it once nothing before it is under way on its nodes. */
  private startInject(fault: ScheduledFault, played: PlayedSchedule, start: number, signal?: AbortSignal): Promise<void> {
    // Registered at once, its nodes filled in when resolved (a manager's leader is read over the network).
    const entry = { nodes: new Set<string>(), done: Promise.resolve(), active: false };
    const before = new Set(this.injecting.keys()); // it waits on these, never on later ones (no cycle)
    this.injecting.set(fault.id, entry);
    entry.done = (async () => {
      entry.nodes = await this.side.involved(fault);
      // Roles may move while it waits: the nodes are resolved again after each wait.
      for (let pending = this.pendingOn(entry.nodes, before); pending.length; pending = this.pendingOn(entry.nodes, before)) {
        await Promise.all(pending);
        entry.nodes = await this.side.involved(fault);
      }
      if (signal?.aborted) return;
      entry.active = true;
      await this.inject(fault, played, start);
    })().finally(() => this.injecting.delete(fault.id));
    return entry.done;
  }

  /** Injects `fault` of a schedule started at `start` (ms on the scenario clock). */
  private async inject(fault: ScheduledFault, played: PlayedSchedule, start: number): Promise<void> {
    const what = describeFault(fault);
    let attempted = false;
    try {
      const node = await this.side.target(fault);
      // Roles move after a failover: two faults distinct as data can land on one node.
      if (this.heldByAnother(node, fault.id)) throw new Error(`${node} is held by another fault in effect`);
      const refused = this.side.refuses(node);
      if (refused) throw new Error(refused);
      // The primary as the fault lands: after a crash, a manager's view may already name another.
      const primary = await this.side.primary();
      attempted = true;
      const f = await this.side.inject(this.rec, fault, node);
      this.inEffect.set(fault.id, f);
      played.injected.push({
        id: fault.id,
        what,
        kind: fault.kind,
        nodes: f.nodes,
        failed: f.failed,
        faultT: f.faultT,
        effectiveT: f.effectiveT,
        primaryOut: primary !== undefined && f.failed.includes(primary),
        driftMs: Math.round(f.faultT - start - fault.atMs),
      });
      played.mostFailedAtOnce = Math.max(played.mostFailedAtOnce, new Set([...this.inEffect.values()].flatMap((x) => x.failed)).size);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.rec.step(`fault skipped: ${what}`, { id: fault.id, reason, attempted });
      log().warn({ fault: what, reason }, 'fault skipped');
      played.skipped.push({ id: fault.id, what, reason, kind: fault.kind, attempted });
    }
  }

  /**
   * Starts the heal of fault `id` at `t` (ms on the scenario clock). No abort listener: an abort
   * heals every fault in effect at once (play's finally), and the timer, unref'd, does not keep
   * the process up until `t`.
   */
  private healAt(id: number, t: number, played: PlayedSchedule): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.startHeal(id, played);
          resolve();
        },
        Math.max(0, t - this.rec.clock.now()),
      );
      timer.unref?.();
    });
  }

  /** Starts the heal of fault `id` unless it is under way; the fault stays in effect (its node held, for the operator too) until it is done. */
  private startHeal(id: number, played: PlayedSchedule): void {
    const f = this.inEffect.get(id);
    if (!f || this.healing.has(id)) return;
    const done = f
      .heal()
      .then(() => undefined)
      .catch((e: unknown) => log().error({ fault: describeFault(f.fault), error: String(e) }, 'heal threw'))
      .finally(() => {
        this.inEffect.delete(id);
        this.healing.delete(id);
        const entry = played.injected.find((i) => i.id === id);
        if (entry) entry.healT = this.rec.clock.now();
      });
    this.healing.set(id, done);
  }

  /** Heals under way on any of `nodes`, and injections under way on them (of `among` only, when given). */
  private pendingOn(nodes: Set<string>, among?: Set<number>): Promise<void>[] {
    const heals = [...this.healing.entries()].filter(([id]) => this.inEffect.get(id)?.nodes.some((n) => nodes.has(n))).map(([, p]) => p);
    const injections = [...this.injecting.entries()]
      .filter(([id, i]) => (!among || among.has(id)) && [...i.nodes].some((n) => nodes.has(n)))
      .map(([, i]) => i.done);
    return [...heals, ...injections];
  }
}

function isFaultSide(c: Cluster | FaultSide): c is FaultSide {
  return typeof (c as FaultSide).involved === 'function';
}

/** Inject and heal events of the faults, in time order (at one instant heals first, so a target is free before it is hit again). */
function events(faults: readonly ScheduledFault[]): { kind: 'inject' | 'heal'; atMs: number; fault: ScheduledFault }[] {
  return faults
    .flatMap((f) => [
      { kind: 'inject' as const, atMs: f.atMs, fault: f },
      { kind: 'heal' as const, atMs: f.atMs + f.durationMs, fault: f },
    ])
    .sort((a, b) => a.atMs - b.atMs || (a.kind === b.kind ? a.fault.id - b.fault.id : a.kind === 'heal' ? -1 : 1));
}

async function sleepUntil(rec: ScheduleLog, t: number, signal?: AbortSignal): Promise<void> {
  const ms = t - rec.clock.now();
  if (ms <= 0) return;
  await new Promise<void>((resolve) => {
    // The listener goes when the timer fires: one per sleep would pile up on a long play's signal (MaxListenersExceededWarning).
    const onAbort = () => (clearTimeout(timer), resolve());
    const timer = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
