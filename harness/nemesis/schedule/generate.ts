/**
 * Draws a nemesis schedule from a seed (rules.ts says what a schedule is and keeps): the same seed
 * and limits always give the same schedule, so a run replays exactly from its seed.
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { FAULT_KINDS, type Fault, type FaultKind, type FaultTarget, type Schedule, type ScheduledFault } from '../../history/fault.ts';
import { endOf, MAX_SEED, STANDBY_ONLY, STEP_MS, targetKey, targetsOf } from './rules.ts';

/** What `generateSchedule` may draw. Every time is in ms. */
export interface ScheduleLimits {
  /** Kinds to draw from, each equally likely; a kind named twice is drawn twice as often. */
  kinds: readonly FaultKind[];
  /** How many standbys the cluster has: `{ standby: i }` targets have `0 <= i < standbys`. */
  standbys: number;
  /** Length of the fault phase, ms: the schedule's `durationMs`. */
  durationMs: number;
  /** Length of the recovery window, ms: the schedule's `recoveryMs`. */
  recoveryMs: number;
  /** At most this many faults hold at any instant (1 or more). */
  maxConcurrent: number;
  /** At most this many faults in all (default: as many as fit in `durationMs`). */
  maxFaults?: number;
  /** Shortest fault, ms (rounded up to the 100 ms grid, and 100 ms at least). */
  minFaultMs: number;
  /** Longest fault, ms (rounded down to the 100 ms grid); at most `durationMs`. */
  maxFaultMs: number;
  /**
   * Least time from one injection to the next, ms (rounded up to the 100 ms grid; default
   * 1000): the cluster gets that long to react to a fault before the next one lands.
   */
  minGapMs?: number;
  /**
   * At most `max` faults of `kinds` hold at once (a whole number from 1): the kinds that take a
   * database node out, kept within what the config's durability promise survives (defaults.ts
   * `managedLimits`). Unset: only `maxConcurrent` bounds them.
   */
  nodesOut?: { kinds: readonly FaultKind[]; max: number };
}

/** `ScheduleLimits.minGapMs` when not given, ms. */
const DEFAULT_MIN_GAP_MS = 1000;
/** Bandwidth limits drawn, kbit/s: from a modem-like trickle to a slow WAN link. */
const BANDWIDTH_KBIT = [64, 128, 256, 512, 1024, 2048] as const;

/**
 * Draws a schedule from `seed` within `limits`: the same seed and limits always give a
 * deep-equal schedule, different seeds (almost always) different ones. The generator is
 * pure-rand's xoroshiro128+, seeded with the 32-bit unsigned `seed`.
 *
 * Faults are placed in time order, a random gap (`minGapMs` or more) apart, with ids 0, 1, 2, …
 * in that order. Each is valid as `validateSchedule` checks it, and besides: standby-only kinds
 * (`kill-walreceiver`, `pause-replay`, `kill-walsender`) hit a `{ standby: i }`; `packet-loss`
 * drops 5–50 % (two decimals); `bandwidth` is one of 64, 128, … 2048 kbit/s; `split` cuts the
 * primary (with some standbys) from the other standbys, naming every node; no more than
 * `maxConcurrent` faults hold at once, and faults that overlap in time hit distinct targets.
 * @throws RangeError naming the fix when the seed is not a 32-bit unsigned integer or the limits
 *   cannot be met (no kinds, `maxConcurrent` < 1, `maxFaultMs` > `durationMs`, a kind that needs
 *   a standby without one, …).
 */
export function generateSchedule(seed: number, limits: ScheduleLimits): Schedule {
  checkSeed(seed);
  const grid = checkLimits(limits);
  const rng = xoroshiro128plus(seed);
  const faults: ScheduledFault[] = [];
  let t = drawGap(rng, grid);
  while (faults.length < (limits.maxFaults ?? Infinity) && t + grid.minMs <= limits.durationMs) {
    const active = faults.filter((f) => endOf(f) >= t);
    const fault = active.length < limits.maxConcurrent ? drawFault(rng, limits, busyTargets(active), active) : undefined;
    if (fault) {
      faults.push({ id: faults.length, atMs: t, durationMs: drawDuration(rng, grid, limits.durationMs - t), ...fault });
      t += drawGap(rng, grid);
    } else {
      // No room at t (too many faults hold, or every fitting target is taken): wait for the first heal.
      t = Math.min(...active.map(endOf)) + STEP_MS;
    }
  }
  return { seed, durationMs: limits.durationMs, recoveryMs: limits.recoveryMs, faults };
}

/** Durations and gaps on the grid, ms, derived from the limits. */
interface Grid {
  minMs: number;
  maxMs: number;
  gapMs: number;
  /** Random part of a gap, in grid steps: more concurrency allowed, denser faults. */
  gapSpreadSteps: number;
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`seed ${seed} is not a 32-bit unsigned integer: pass a whole number from 0 to ${MAX_SEED} (e.g. \`seed >>> 0\`).`);
  }
}

function checkLimits(l: ScheduleLimits): Grid {
  ensure(l.kinds.length > 0, 'limits.kinds is empty: name at least one fault kind from FAULT_KINDS.');
  for (const kind of l.kinds)
    ensure(
      FAULT_KINDS.includes(kind),
      `limits.kinds has ${JSON.stringify(kind)}, which is no fault kind: use one of ${FAULT_KINDS.join(', ')}.`,
    );
  ensureWhole('standbys', l.standbys, 0);
  const needy = l.kinds.find((k) => STANDBY_ONLY.has(k) || k === 'one-way-loss' || k === 'split');
  ensure(
    needy === undefined || l.standbys > 0,
    `limits.kinds has ${needy}, which needs a standby, but limits.standbys is 0: add a standby or drop the kind.`,
  );
  ensureWhole('durationMs', l.durationMs, 1);
  ensureWhole('recoveryMs', l.recoveryMs, 0);
  ensureWhole('maxConcurrent', l.maxConcurrent, 1);
  if (l.maxFaults !== undefined) ensureWhole('maxFaults', l.maxFaults, 0);
  ensureWhole('minFaultMs', l.minFaultMs, 0);
  ensureWhole('maxFaultMs', l.maxFaultMs, 0);
  ensure(
    l.maxFaultMs <= l.durationMs,
    `limits.maxFaultMs ${l.maxFaultMs} exceeds limits.durationMs ${l.durationMs}: no fault can last longer than the fault phase; lower maxFaultMs or raise durationMs.`,
  );
  const minMs = Math.max(STEP_MS, Math.ceil(l.minFaultMs / STEP_MS) * STEP_MS);
  const maxMs = Math.floor(l.maxFaultMs / STEP_MS) * STEP_MS;
  ensure(
    minMs <= maxMs,
    `limits.minFaultMs..maxFaultMs (${l.minFaultMs}..${l.maxFaultMs} ms) holds no multiple of ${STEP_MS} ms from ${STEP_MS}: widen the range (e.g. 1000..10000).`,
  );
  if (l.minGapMs !== undefined) ensureWhole('minGapMs', l.minGapMs, 0);
  if (l.nodesOut !== undefined)
    ensure(
      Number.isSafeInteger(l.nodesOut.max) && l.nodesOut.max >= 1,
      `limits.nodesOut.max ${l.nodesOut.max} is out of range: pass a whole number from 1 (or leave nodesOut unset).`,
    );
  const gapMs = Math.ceil((l.minGapMs ?? DEFAULT_MIN_GAP_MS) / STEP_MS) * STEP_MS;
  return { minMs, maxMs, gapMs, gapSpreadSteps: Math.floor(maxMs / l.maxConcurrent / STEP_MS) };
}

function ensure(ok: boolean, sentence: string): void {
  if (!ok) throw new RangeError(sentence);
}

function ensureWhole(name: keyof ScheduleLimits, value: number, min: number): void {
  ensure(Number.isSafeInteger(value) && value >= min, `limits.${name} ${value} is out of range: pass a whole number from ${min}.`);
}

function drawGap(rng: RandomGenerator, g: Grid): number {
  return g.gapMs + STEP_MS * uniformInt(rng, 0, g.gapSpreadSteps);
}

/** A duration on the grid from `g.minMs` to `g.maxMs`, cut to the `roomMs` left before the end (>= `g.minMs`). */
function drawDuration(rng: RandomGenerator, g: Grid, roomMs: number): number {
  const ms = STEP_MS * uniformInt(rng, g.minMs / STEP_MS, g.maxMs / STEP_MS);
  return Math.min(ms, Math.floor(roomMs / STEP_MS) * STEP_MS);
}

/** A fault that hits only targets outside `busy` (keys of `targetKey`), or undefined if no kind fits. */
function drawFault(
  rng: RandomGenerator,
  l: ScheduleLimits,
  busy: ReadonlySet<string>,
  active: readonly ScheduledFault[],
): Fault | undefined {
  const free = roles(l.standbys).filter((t) => !busy.has(targetKey(t)));
  const out = l.nodesOut && busyOut(l.nodesOut, active);
  const kinds = l.kinds.filter((k) => fits(k, free, l.standbys) && !(out && l.nodesOut!.kinds.includes(k)));
  if (kinds.length === 0) return undefined;
  const kind = pick(rng, kinds);
  // A split's target is the primary, the first group's head; its groups name every node (drawSplit).
  if (kind === 'split') return { kind, target: 'primary', params: { groups: drawSplit(rng, l.standbys) } };
  const target = pick(rng, STANDBY_ONLY.has(kind) ? free.filter((t) => t !== 'primary') : free);
  switch (kind) {
    case 'one-way-loss':
      return {
        kind,
        target,
        params: {
          to: pick(
            rng,
            free.filter((t) => t !== target),
          ),
        },
      };
    case 'packet-loss':
      return { kind, target, params: { rate: uniformInt(rng, 5, 50) / 100 } };
    case 'bandwidth':
      return { kind, target, params: { kbit: pick(rng, BANDWIDTH_KBIT) } };
    default:
      return { kind, target };
  }
}

/** True when `nodesOut.max` faults of its kinds already hold among `active`. */
function busyOut(nodesOut: NonNullable<ScheduleLimits['nodesOut']>, active: readonly ScheduledFault[]): boolean {
  return active.filter((f) => nodesOut.kinds.includes(f.kind)).length >= nodesOut.max;
}

/** Whether `kind` can strike with only the `free` targets untouched by other faults. */
function fits(kind: FaultKind, free: FaultTarget[], standbys: number): boolean {
  if (STANDBY_ONLY.has(kind)) return free.some((t) => t !== 'primary');
  if (kind === 'one-way-loss') return free.length >= 2;
  // A split names every node (see drawSplit), so it needs them all.
  if (kind === 'split') return free.length === standbys + 1;
  return free.length > 0;
}

/**
 * Two groups naming every node: the primary with the standbys that stay, and the standbys cut
 * off (at least one). Naming every node, not leaving some to join the first group implicitly,
 * lets the overlap rule see that a split touches them all.
 */
function drawSplit(rng: RandomGenerator, standbys: number): FaultTarget[][] {
  const all = roles(standbys).filter((t) => t !== 'primary');
  const away = all.filter(() => uniformInt(rng, 0, 1) === 1);
  if (away.length === 0) away.push(pick(rng, all));
  return [['primary', ...all.filter((t) => !away.includes(t))], away];
}

/** The primary and every standby, as role targets. */
function roles(standbys: number): FaultTarget[] {
  return ['primary', ...Array.from({ length: standbys }, (_, standby) => ({ standby }))];
}

function pick<T>(rng: RandomGenerator, items: readonly T[]): T {
  return items[uniformInt(rng, 0, items.length - 1)]!;
}

/** Keys of every target the faults name. */
function busyTargets(faults: readonly ScheduledFault[]): Set<string> {
  return new Set(faults.flatMap(targetsOf).map(targetKey));
}
