/**
 * Plays a schedule (schedule.ts) against a live cluster: each fault injected at its time and
 * healed after its duration, on the scenario clock, then the recovery window. A fault that
 * cannot be injected (its node is down, a standby-only kind found no standby) is recorded as
 * skipped with the reason and the schedule goes on: the same schedule replays the same way as
 * long as the cluster answers the same way.
 */
import type { Cluster } from '../db/cluster.ts';
import { log } from '../logger.ts';
import { injectFault, resolveTarget, type FaultLog, type InjectedFault } from './catalogue.ts';
import { describeFault, type ScheduledFault } from './fault.ts';
import type { Schedule } from './schedule.ts';

/** What the runner needs of the scenario's recorder (run/recorder.ts): its clock and the fault, heal and step events. */
export interface ScheduleLog extends FaultLog {
  readonly clock: { now(): number };
  step(what: string, detail?: Record<string, unknown>): number;
}

/** The outcome of a played schedule. */
export interface PlayedSchedule {
  /** The faults injected: the nodes they hit and took out (`InjectedFault.failed`), from `faultT` to `healT` (ms on the scenario clock). */
  injected: { id: number; what: string; nodes: string[]; failed: string[]; faultT: number; healT?: number; primaryOut: boolean }[];
  /** The faults that could not be injected, with the reason. */
  skipped: { id: number; what: string; reason: string }[];
  /** Most nodes taken out (`InjectedFault.failed`) by faults in effect at the same time: what a durability promise is judged against. */
  mostFailedAtOnce: number;
}

/**
 * Plays schedules against one cluster and knows, while it does, which nodes a fault holds
 * (`busy`, for the operator: it does not rejoin a node a fault still holds).
 */
export class Nemesis {
  private readonly inEffect = new Map<number, InjectedFault>();

  constructor(
    private readonly cluster: Cluster,
    private readonly rec: ScheduleLog,
  ) {}

  /** True while a fault in effect hit `node`. */
  busy(node: string): boolean {
    return [...this.inEffect.values()].some((f) => f.nodes.includes(node));
  }

  /**
   * Plays `schedule` from now: resolves after the last heal (at `schedule.durationMs`); the
   * recovery window is the caller's. Every fault in effect is healed before it returns, also
   * when `signal` aborts it.
   * @returns what was injected and skipped. Never throws for a fault.
   */
  async play(schedule: Schedule, signal?: AbortSignal): Promise<PlayedSchedule> {
    const start = this.rec.clock.now();
    const played: PlayedSchedule = { injected: [], skipped: [], mostFailedAtOnce: 0 };
    try {
      for (const e of events(schedule.faults)) {
        if (signal?.aborted) break;
        await sleepUntil(this.rec, start + e.atMs, signal);
        if (signal?.aborted) break;
        if (e.kind === 'heal') await this.heal(e.fault.id, played);
        else await this.inject(e.fault, played);
      }
    } finally {
      for (const id of [...this.inEffect.keys()]) await this.heal(id, played);
    }
    return played;
  }

  private async inject(fault: ScheduledFault, played: PlayedSchedule): Promise<void> {
    const what = describeFault(fault);
    try {
      // Roles move after a failover: two faults distinct as data can land on one node.
      const node = resolveTarget(this.cluster, fault.target);
      if (this.busy(node.name)) throw new Error(`${node.name} is held by another fault in effect`);
      if (this.cluster.isFenced(node)) throw new Error(`${node.name} is fenced: the operator is bringing it back`);
      const f = await injectFault(this.cluster, this.rec, fault);
      this.inEffect.set(fault.id, f);
      played.injected.push({ id: fault.id, what, nodes: f.nodes, failed: f.failed, faultT: f.faultT, primaryOut: f.failed.includes(this.cluster.primary.name) });
      played.mostFailedAtOnce = Math.max(played.mostFailedAtOnce, new Set([...this.inEffect.values()].flatMap((x) => x.failed)).size);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.rec.step(`fault skipped: ${what}`, { id: fault.id, reason });
      log().warn({ fault: what, reason }, 'fault skipped');
      played.skipped.push({ id: fault.id, what, reason });
    }
  }

  private async heal(id: number, played: PlayedSchedule): Promise<void> {
    // Still held while its heal runs (a heal may restart the node): the operator waits.
    await this.inEffect.get(id)?.heal();
    this.inEffect.delete(id);
    const entry = played.injected.find((i) => i.id === id);
    if (entry) entry.healT = this.rec.clock.now();
  }
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
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
