/**
 * Nemesis schedules (history/fault.ts `Schedule`): which faults strike when, and for how long, as
 * plain JSON (after Jepsen's nemesis generators). A schedule is drawn from a seed (generate.ts), so
 * a run replays exactly from its seed; saved to a file, it replays with `pgchaos run --schedule
 * FILE` (validate.ts); a failing one is shrunk to the few faults and the short durations that still
 * make it fail (shrink.ts); describe.ts prints it.
 *
 * Time runs in ms from the schedule's start. Faults strike within `[0, durationMs]`, each healed
 * by `durationMs`; then comes a recovery window of `recoveryMs` with no fault, in which the
 * cluster must settle (a check that fails only while a fault holds proves little).
 *
 * This file: the rules every schedule keeps, shared by the generator, the validator and the shrinker.
 */
import type { Fault, FaultKind, FaultParams, FaultTarget, ScheduledFault } from '../../history/fault.ts';

/** The grid of generated times, ms: every start and duration is a multiple of it (reads better than 12 347 ms). */
export const STEP_MS = 100;
/** Largest seed: xoroshiro128+ is seeded from 32 bits, so larger seeds would repeat smaller ones. */
export const MAX_SEED = 0xffff_ffff;
/**
 * Kinds that act on one standby's replication: its walreceiver, its replay, or the primary's
 * walsender serving it. On the primary they mean nothing (it has no walreceiver and no replay).
 */
export const STANDBY_ONLY: ReadonlySet<FaultKind> = new Set<FaultKind>(['kill-walreceiver', 'pause-replay', 'kill-walsender']);
/** The parameter each kind needs; kinds not named here take none. */
export const PARAM_OF: Partial<Record<FaultKind, keyof FaultParams>> = {
  'one-way-loss': 'to',
  split: 'groups',
  'packet-loss': 'rate',
  bandwidth: 'kbit',
};
/** What each parameter holds, for messages. */
export const PARAM_HINT: Record<keyof FaultParams, string> = {
  to: "a target other than the fault's own",
  groups: 'two or more non-empty groups of distinct targets',
  rate: 'a fraction from 0 to 1',
  kbit: 'a whole number of kbit/s from 1',
};

/** When a fault heals, ms from the schedule's start. */
export function endOf(f: ScheduledFault): number {
  return f.atMs + f.durationMs;
}

/** Every target a fault names: its target, `params.to` and each member of `params.groups`. */
export function targetsOf(f: Fault): FaultTarget[] {
  return [f.target, ...(f.params?.to === undefined ? [] : [f.params.to]), ...(f.params?.groups?.flat() ?? [])];
}

/** Targets compare as data: `{ standby: 1 }` is `{ standby: 1 }` wherever it comes from. */
export function targetKey(t: FaultTarget): string {
  return JSON.stringify(t);
}

/**
 * Whether two faults hold at a common instant. Touching counts: a heal and an injection in the
 * same millisecond run in no defined order.
 */
export function overlap(a: ScheduledFault, b: ScheduledFault): boolean {
  return a.atMs <= endOf(b) && b.atMs <= endOf(a);
}
