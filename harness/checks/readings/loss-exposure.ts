/**
 * What a run exposed its acknowledged commits to: the inputs of checkLossAgainstPromise
 * (checks/promised-loss.ts), read from the history of a run with a manager and a nemesis. Before, the
 * nemesis story computed them inline; here they are one pure, tested reading.
 *
 * - The promotions: each failover the manager recorded (history/failover.ts), with the standbys
 *   that answered its read of positions as its evidence that they were up (out-at-promotion.ts).
 * - The nodes out at each promotion and the most out at once (`failuresSeen`, out-at-promotion.ts).
 * - Whether a node's host (operating system) crashed, which `synchronous_commit = remote_write`
 *   does not survive (runtime-config-wal.html, synchronous_commit): a `crash-host-*` fault that
 *   was injected, or whose injection began and then failed (what it did is unknown, so it counts);
 *   or any failover, since the built-in operator fences the old primary by powering its host off
 *   (STONITH, manager/builtin.ts step 2) before it promotes. A crash refused before anything was
 *   done (its node held by another fault, or fenced) crashed nothing: counting it would excuse
 *   a real loss under `remote_write`.
 */
import type { FailoverRecord } from '../../history/failover.ts';
import type { FaultKind, SkippedFault } from '../../history/fault.ts';
import { failuresSeen, type FaultSpan, type PromotionDecision } from './out-at-promotion.ts';

/** The kinds that crash a node's host (its operating system), not only PostgreSQL. */
const HOST_CRASHES: ReadonlySet<FaultKind> = new Set<FaultKind>(['crash-host-loud', 'crash-host-silent']);

/** What the run's history holds that the promised-loss verdict is judged against. Times are ms on the scenario clock. */
export interface LossExposureInput {
  /** The faults the nemesis injected (`PlayedSchedule.injected`). */
  injected: readonly (FaultSpan & { kind: FaultKind })[];
  /** The faults it skipped (`PlayedSchedule.skipped`); one without `attempted` (an older record) counts as begun. */
  skipped: readonly Pick<SkippedFault, 'kind' | 'attempted'>[];
  /** The manager's failovers, in order. */
  failovers: readonly Pick<FailoverRecord, 'from' | 'detectedT' | 'decidedT' | 'positions'>[];
  /** The config's `DurabilityPromise.primaryCrashLoses`. */
  primaryCrashLoses: boolean;
}

/** The inputs of checkLossAgainstPromise, and the nodes out at each promotion for the record. */
export interface LossExposure {
  /** Per failover, in order, the nodes out when it was decided (the replaced primary first). */
  outAtPromotion: string[][];
  /** `failuresAtOnce` of checkLossAgainstPromise: an integer ≥ 0. */
  failuresAtOnce: number;
  /** `o.hostCrashed` of checkLossAgainstPromise. */
  hostCrashed: boolean;
}

/** Reads what a run exposed its acknowledged commits to (see the module comment for the rules). */
export function lossExposure(input: LossExposureInput): LossExposure {
  const promotions: PromotionDecision[] = input.failovers.map((f) => ({
    from: f.from,
    detectedT: f.detectedT,
    decidedT: f.decidedT,
    answered: f.positions.map((p) => p.name),
  }));
  const seen = failuresSeen(promotions, input.injected, { primaryCrashLoses: input.primaryCrashLoses });
  const crashed = (kind: FaultKind | undefined) => kind !== undefined && HOST_CRASHES.has(kind);
  const hostCrashed =
    input.injected.some((f) => crashed(f.kind)) ||
    input.skipped.some((f) => crashed(f.kind) && f.attempted !== false) ||
    input.failovers.length > 0;
  return { outAtPromotion: seen.outAtPromotion, failuresAtOnce: seen.failuresAtOnce, hostCrashed };
}
