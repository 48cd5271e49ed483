/**
 * Nemesis schedules: which faults strike when, and for how long, as plain JSON (after Jepsen's
 * nemesis generators). A schedule is drawn from a seed, so a run replays exactly from its seed;
 * saved to a file, it replays with `pgchaos run --schedule FILE`; and a failing one is shrunk to
 * the few faults (and the short durations) that still make it fail.
 *
 * Time runs in ms from the schedule's start. Faults strike within `[0, durationMs]`, each healed
 * by `durationMs`; then comes a recovery window of `recoveryMs` with no fault, in which the
 * cluster must settle (a check that fails only while a fault holds proves little).
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import {
  describeFault,
  describeTarget,
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  type FaultParams,
  type FaultTarget,
  type Schedule,
  type ScheduledFault,
} from '../history/fault.ts';

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
}

/** The grid of generated times, ms: every start and duration is a multiple of it (reads better than 12 347 ms). */
const STEP_MS = 100;
const DEFAULT_MIN_GAP_MS = 1000;
/** Largest seed: xoroshiro128+ is seeded from 32 bits, so larger seeds would repeat smaller ones. */
const MAX_SEED = 0xffff_ffff;
/**
 * Kinds that act on one standby's replication: its walreceiver, its replay, or the primary's
 * walsender serving it. On the primary they mean nothing (it has no walreceiver and no replay).
 */
const STANDBY_ONLY: ReadonlySet<FaultKind> = new Set<FaultKind>(['kill-walreceiver', 'pause-replay', 'kill-walsender']);
/** The parameter each kind needs; kinds not named here take none. */
const PARAM_OF: Partial<Record<FaultKind, keyof FaultParams>> = {
  'one-way-loss': 'to',
  split: 'groups',
  'packet-loss': 'rate',
  bandwidth: 'kbit',
};
/** What each parameter holds, for messages. */
const PARAM_HINT: Record<keyof FaultParams, string> = {
  to: "a target other than the fault's own",
  groups: 'two or more non-empty groups of distinct targets',
  rate: 'a fraction from 0 to 1',
  kbit: 'a whole number of kbit/s from 1',
};
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
    const fault = active.length < limits.maxConcurrent ? drawFault(rng, limits, busyTargets(active)) : undefined;
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
function drawFault(rng: RandomGenerator, l: ScheduleLimits, busy: ReadonlySet<string>): Fault | undefined {
  const free = roles(l.standbys).filter((t) => !busy.has(targetKey(t)));
  const kinds = l.kinds.filter((k) => fits(k, free, l.standbys));
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

/** When a fault heals, ms from the schedule's start. */
function endOf(f: ScheduledFault): number {
  return f.atMs + f.durationMs;
}

/** Keys of every target the faults name. */
function busyTargets(faults: readonly ScheduledFault[]): Set<string> {
  return new Set(faults.flatMap(targetsOf).map(targetKey));
}

/** Every target a fault names: its target, `params.to` and each member of `params.groups`. */
function targetsOf(f: Fault): FaultTarget[] {
  return [f.target, ...(f.params?.to === undefined ? [] : [f.params.to]), ...(f.params?.groups?.flat() ?? [])];
}

/** Targets compare as data: `{ standby: 1 }` is `{ standby: 1 }` wherever it comes from. */
function targetKey(t: FaultTarget): string {
  return JSON.stringify(t);
}

/**
 * Whether two faults hold at a common instant. Touching counts: a heal and an injection in the
 * same millisecond run in no defined order.
 */
function overlap(a: ScheduledFault, b: ScheduledFault): boolean {
  return a.atMs <= endOf(b) && b.atMs <= endOf(a);
}

// ---------------------------------------------------------------------------------------------
// Validation of a schedule read from a file

/** A whole number from `min` to `max`, with one message for every way to miss it. */
function wholeNumber(min: number, max: number, expected: string) {
  return z.number({ error: expected }).refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: expected });
}

const TargetSchema = z.union(
  [
    z.literal('primary'),
    z.strictObject({ standby: wholeNumber(0, Number.MAX_SAFE_INTEGER, 'expected a standby index, a whole number from 0') }),
    z.strictObject({ node: z.string().min(1, { error: 'expected a node name' }) }),
  ],
  { error: 'expected "primary", { "standby": i } or { "node": "name" }' },
);

const ParamsSchema = z.strictObject({
  to: TargetSchema.optional(),
  groups: z
    .array(z.array(TargetSchema, { error: 'expected a group: an array of targets' }), { error: `expected ${PARAM_HINT.groups}` })
    .optional(),
  rate: z
    .number({ error: `expected ${PARAM_HINT.rate}` })
    .min(0, { error: `expected ${PARAM_HINT.rate}` })
    .max(1, { error: `expected ${PARAM_HINT.rate}` })
    .optional(),
  kbit: wholeNumber(1, Number.MAX_SAFE_INTEGER, `expected ${PARAM_HINT.kbit}`).optional(),
});

const FaultSchema = z.strictObject({
  id: wholeNumber(0, Number.MAX_SAFE_INTEGER, 'expected a fault id, a whole number from 0'),
  kind: z.enum(FAULT_KINDS, { error: `expected a fault kind: ${FAULT_KINDS.join(', ')}` }),
  target: TargetSchema,
  params: ParamsSchema.optional(),
  atMs: wholeNumber(0, Number.MAX_SAFE_INTEGER, 'expected whole ms from 0 (from the start of the schedule)'),
  durationMs: wholeNumber(1, Number.MAX_SAFE_INTEGER, 'expected whole ms from 1'),
});

const ScheduleSchema = z.strictObject(
  {
    seed: wholeNumber(0, MAX_SEED, `expected a 32-bit unsigned integer (0 to ${MAX_SEED})`),
    durationMs: wholeNumber(1, Number.MAX_SAFE_INTEGER, 'expected whole ms from 1'),
    recoveryMs: wholeNumber(0, Number.MAX_SAFE_INTEGER, 'expected whole ms from 0'),
    faults: z.array(FaultSchema, { error: 'expected an array of faults' }),
  },
  { error: 'expected an object with seed, durationMs, recoveryMs and faults' },
) satisfies z.ZodType<Schedule>;

/** Something wrong at `path` (keys and indices into the schedule). */
interface Problem {
  path: PropertyKey[];
  message: string;
}

/** Most problems listed in one error; a file wrong throughout needs no 500-line message. */
const MAX_PROBLEMS_LISTED = 10;

/**
 * Parses a schedule read from JSON (e.g. a saved, shrunk schedule for `pgchaos run --schedule
 * FILE`) and returns it with its faults sorted by `atMs`, then `id`. It checks what
 * `generateSchedule` guarantees and can be seen without the cluster: the shape (no unknown
 * fields, kinds from FAULT_KINDS, well-formed targets, whole ms), distinct ids, every fault
 * healed by `durationMs` (the recovery window free), standby-only kinds not on the primary, each
 * kind's parameter present (`to`, `groups`, `rate` 0–1, `kbit`) and no other, a `to` other than
 * the target, split groups non-empty and disjoint, and no two faults on one target at once.
 * (Standby indices are not checked against a cluster's size: `{ standby: i }` wraps around.)
 * @throws ConfigError listing each problem with its path and value, e.g.
 *   `faults[2].params.rate 1.5: expected a fraction from 0 to 1`.
 */
export function validateSchedule(x: unknown): Schedule {
  const parsed = ScheduleSchema.safeParse(x);
  if (!parsed.success) throw scheduleError(x, parsed.error.issues.flatMap(issueProblems));
  const problems = scheduleProblems(parsed.data);
  if (problems.length > 0) throw scheduleError(x, problems);
  return { ...parsed.data, faults: [...parsed.data.faults].sort((a, b) => a.atMs - b.atMs || a.id - b.id) };
}

function scheduleError(input: unknown, problems: Problem[]): ConfigError {
  const lines = problems.slice(0, MAX_PROBLEMS_LISTED).map((p) => formatProblem(input, p));
  if (problems.length > lines.length) lines.push(`… and ${problems.length - lines.length} more`);
  return new ConfigError(
    `invalid schedule:\n  ${lines.join('\n  ')}`,
    'correct these fields, or replay a schedule that pgchaos saved (generated and shrunk schedules are valid)',
  );
}

/** A zod issue as problems: an unknown field gets its own path, so the message shows its value. */
function issueProblems(issue: z.core.$ZodIssue): Problem[] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...issue.path, key], message: 'unknown field' }));
  return [{ path: issue.path, message: issue.message }];
}

function formatProblem(input: unknown, p: Problem): string {
  const where = p.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('') || 'schedule';
  const value = p.path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    input,
  );
  const shown = value === undefined ? '(missing)' : JSON.stringify(value);
  return `${where} ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}: ${p.message}`;
}

/** The rules across fields and faults, on a schedule of the right shape. */
function scheduleProblems(s: Schedule): Problem[] {
  return [
    ...s.faults.flatMap((f, i) => faultProblems(f, ['faults', i], s.durationMs)),
    ...idProblems(s.faults),
    ...overlapProblems(s.faults),
  ];
}

function faultProblems(f: ScheduledFault, at: PropertyKey[], durationMs: number): Problem[] {
  const problems: Problem[] = [];
  const add = (path: PropertyKey[], message: string) => problems.push({ path: [...at, ...path], message });
  if (f.atMs >= durationMs)
    add(['atMs'], `starts at or after the fault phase ends (durationMs ${durationMs}); the recovery window must be free of faults`);
  else if (endOf(f) > durationMs)
    add(
      ['durationMs'],
      `heals at ${endOf(f)} ms, after the fault phase ends (durationMs ${durationMs}); the recovery window must be free of faults`,
    );
  if (STANDBY_ONLY.has(f.kind) && f.target === 'primary')
    add(['target'], `${f.kind} acts on a standby's replication: expected { "standby": i } or { "node": "name" }`);
  const needed = PARAM_OF[f.kind];
  for (const key of Object.keys(f.params ?? {}) as (keyof FaultParams)[])
    if (key !== needed) add(['params', key], `${f.kind} takes no ${key}`);
  if (needed !== undefined && f.params?.[needed] === undefined) add(['params', needed], `${f.kind} needs ${PARAM_HINT[needed]}`);
  if (f.kind === 'one-way-loss' && f.params?.to !== undefined && targetKey(f.params.to) === targetKey(f.target))
    add(['params', 'to'], `expected ${PARAM_HINT.to}`);
  if (f.kind === 'split' && f.params?.groups)
    for (const p of groupProblems(f.params.groups)) add(['params', 'groups', ...p.path], p.message);
  return problems;
}

function groupProblems(groups: FaultTarget[][]): Problem[] {
  if (groups.length < 2) return [{ path: [], message: `expected ${PARAM_HINT.groups}` }];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  groups.forEach((group, g) => {
    if (group.length === 0) problems.push({ path: [g], message: 'expected a non-empty group' });
    group.forEach((t, i) => {
      if (seen.has(targetKey(t))) problems.push({ path: [g, i], message: 'named twice: a node is in one group only' });
      seen.add(targetKey(t));
    });
  });
  return problems;
}

/** Ids name faults in reports and through shrinking, so each must name one. */
function idProblems(faults: readonly ScheduledFault[]): Problem[] {
  const first = new Map<number, number>();
  return faults.flatMap((f, i) => {
    const j = first.get(f.id);
    if (j === undefined) first.set(f.id, i);
    return j === undefined ? [] : [{ path: ['faults', i, 'id'], message: `already the id of faults[${j}]` }];
  });
}

/**
 * No two faults on one target at once: the heal of one would undo or confuse the other (a
 * `stop-fast` healed by starting PostgreSQL inside a `freeze-host`, the `tc` rules of two
 * network faults on one interface replaced or deleted by whichever heals first).
 */
function overlapProblems(faults: readonly ScheduledFault[]): Problem[] {
  return faults.flatMap((b, j) =>
    faults.slice(0, j).flatMap((a, i) => {
      if (!overlap(a, b)) return [];
      const aKeys = new Set(targetsOf(a).map(targetKey));
      const shared = targetsOf(b).find((t) => aKeys.has(targetKey(t)));
      if (shared === undefined) return [];
      return [
        {
          path: ['faults', j, ...whereNamed(b, shared)],
          message: `hits ${describeTarget(shared)}, which faults[${i}] (id ${a.id}) holds from ${a.atMs} to ${endOf(a)} ms: faults on one target must not overlap`,
        },
      ];
    }),
  );
}

/** The path within `f` that names `t`: its target, `params.to` or `params.groups`. */
function whereNamed(f: Fault, t: FaultTarget): PropertyKey[] {
  if (targetKey(f.target) === targetKey(t)) return ['target'];
  return f.params?.to !== undefined && targetKey(f.params.to) === targetKey(t) ? ['params', 'to'] : ['params', 'groups'];
}

// ---------------------------------------------------------------------------------------------
// Shrinking

/** What one shrinking candidate changed against the smallest failing schedule so far. */
export type ShrinkChange = { action: 'remove'; ids: number[] } | { action: 'shorten'; id: number; fromMs: number; toMs: number };

/** One candidate tried while shrinking. */
export type ShrinkStep = ShrinkChange & {
  /** Which call of `stillFails` it was, from 1. */
  run: number;
  /** How many faults the candidate has. */
  faults: number;
  /** Whether it still failed (and so became the smallest failing schedule). */
  failed: boolean;
};

/** What `shrinkSchedule` found. */
export interface ShrinkResult {
  /** The smallest failing schedule found: the input itself when no candidate failed. */
  schedule: Schedule;
  /** Calls of `stillFails` made. */
  runs: number;
  /** Every candidate tried, in order. */
  steps: ShrinkStep[];
  /** True when it stopped because `maxRuns` was reached with candidates left to try. */
  exhausted: boolean;
}

/** Options of `shrinkSchedule`. */
export interface ShrinkOptions {
  /** Most calls of `stillFails` (default 30): each is a whole cluster run. */
  maxRuns?: number;
  /** Called after each candidate is tried, e.g. to log progress. */
  onStep?: (step: ShrinkStep) => void;
}

/** Shortest duration shrinking leaves a fault, ms: shorter, a fault may heal before it took hold. */
const SHRINK_FLOOR_MS = 500;
const DEFAULT_MAX_SHRINK_RUNS = 30;

/**
 * Shrinks a failing schedule `s` to a smaller one that still fails. First delta debugging
 * (Zeller's ddmin) over the faults: remove halves, then quarters, … then single faults, keeping
 * each removal after which `stillFails` still says true; then halve each remaining fault's
 * duration (on the 100 ms grid, not below 500 ms) while it still fails. Surviving faults keep
 * their ids, start times, seed, `durationMs` and `recoveryMs`, so every candidate is as valid
 * as `s` (fewer or shorter faults break no rule). The order of candidates is deterministic.
 *
 * `stillFails` is never called on `s` itself (the caller knows it fails) nor twice on the same
 * candidate (memoised by canonical JSON), and at most `maxRuns` times.
 * @throws RangeError when `maxRuns` is not a whole number from 0; whatever `stillFails` throws.
 */
export async function shrinkSchedule(
  s: Schedule,
  stillFails: (candidate: Schedule) => Promise<boolean>,
  opts: ShrinkOptions = {},
): Promise<ShrinkResult> {
  const maxRuns = opts.maxRuns ?? DEFAULT_MAX_SHRINK_RUNS;
  if (!Number.isSafeInteger(maxRuns) || maxRuns < 0)
    throw new RangeError(`maxRuns ${maxRuns} is out of range: pass a whole number of runs from 0.`);
  const sh: Shrinker = {
    best: s,
    runs: 0,
    steps: [],
    exhausted: false,
    tried: new Map([[canonicalJson(s), true]]),
    maxRuns,
    stillFails,
    onStep: opts.onStep,
  };
  await removeFaults(sh);
  await shortenFaults(sh);
  return { schedule: sh.best, runs: sh.runs, steps: sh.steps, exhausted: sh.exhausted };
}

/** A shrink in progress. */
interface Shrinker {
  /** The smallest failing schedule so far. */
  best: Schedule;
  runs: number;
  steps: ShrinkStep[];
  exhausted: boolean;
  /** Verdicts by canonical JSON of the candidate. */
  tried: Map<string, boolean>;
  maxRuns: number;
  stillFails: (candidate: Schedule) => Promise<boolean>;
  onStep: ((step: ShrinkStep) => void) | undefined;
}

/** Whether a candidate still fails; if it does, it becomes the best. */
async function attempt(sh: Shrinker, candidate: Schedule, change: ShrinkChange): Promise<boolean> {
  const failed = await verdict(sh, candidate, change);
  if (failed) sh.best = candidate;
  return failed;
}

/** The memoised verdict on a candidate, else a new run of `stillFails`, else (out of runs) false. */
async function verdict(sh: Shrinker, candidate: Schedule, change: ShrinkChange): Promise<boolean> {
  const key = canonicalJson(candidate);
  const known = sh.tried.get(key);
  if (known !== undefined) return known;
  if (sh.runs >= sh.maxRuns) {
    sh.exhausted = true;
    return false;
  }
  sh.runs += 1;
  const failed = await sh.stillFails(candidate);
  sh.tried.set(key, failed);
  const step: ShrinkStep = { ...change, run: sh.runs, faults: candidate.faults.length, failed };
  sh.steps.push(step);
  sh.onStep?.(step);
  return failed;
}

/** ddmin over the faults, complements only: each round removes one of `n` chunks or refines. */
async function removeFaults(sh: Shrinker): Promise<void> {
  let chunks = 2;
  while (sh.best.faults.length > 0 && !sh.exhausted) {
    const n = Math.min(chunks, sh.best.faults.length);
    if (await removeOneChunk(sh, n)) chunks = Math.max(n - 1, 2);
    else if (n === sh.best.faults.length) return;
    else chunks = n * 2;
  }
}

async function removeOneChunk(sh: Shrinker, n: number): Promise<boolean> {
  for (const chunk of splitInto(sh.best.faults, n)) {
    const faults = sh.best.faults.filter((f) => !chunk.includes(f));
    if (await attempt(sh, { ...sh.best, faults }, { action: 'remove', ids: chunk.map((f) => f.id) })) return true;
    if (sh.exhausted) return false;
  }
  return false;
}

/** `items` cut into `n` (<= its length) consecutive non-empty chunks of nearly equal size. */
function splitInto<T>(items: readonly T[], n: number): T[][] {
  return Array.from({ length: n }, (_, i) => items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)));
}

/** Halves each remaining fault's duration, again and again while the schedule still fails. */
async function shortenFaults(sh: Shrinker): Promise<void> {
  for (const { id } of sh.best.faults) {
    let shorter = true;
    while (shorter) shorter = await shortenFault(sh, id);
  }
}

/** Tries fault `id` at half its duration; true if that still failed (and is now the best). */
async function shortenFault(sh: Shrinker, id: number): Promise<boolean> {
  const fromMs = sh.best.faults.find((f) => f.id === id)!.durationMs;
  const toMs = Math.max(SHRINK_FLOOR_MS, Math.round(fromMs / 2 / STEP_MS) * STEP_MS);
  if (toMs >= fromMs) return false;
  const faults = sh.best.faults.map((f) => (f.id === id ? { ...f, durationMs: toMs } : f));
  return attempt(sh, { ...sh.best, faults }, { action: 'shorten', id, fromMs, toMs });
}

/** JSON with object keys sorted and undefined fields left out: equal data, equal text. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

// ---------------------------------------------------------------------------------------------
// Description

/**
 * A few readable lines: a head line, then one line per fault with its start, duration, what it
 * does and its id, e.g.
 * ```
 * seed 42: 2 faults over 120 s, then 30 s of recovery
 *    +2.3 s  for 12.0 s  crash-host-silent primary  #0
 *   +12.3 s  for  4.0 s  packet-loss standby 1 25 %  #3
 * ```
 */
export function describeSchedule(s: Schedule): string {
  const count = `${s.faults.length} fault${s.faults.length === 1 ? '' : 's'}`;
  const head = `seed ${s.seed}: ${count} over ${seconds(s.durationMs)}, then ${seconds(s.recoveryMs)} of recovery`;
  const starts = s.faults.map((f) => `+${(f.atMs / 1000).toFixed(1)} s`);
  const lasts = s.faults.map((f) => `${(f.durationMs / 1000).toFixed(1)} s`);
  const width = (texts: string[]) => Math.max(0, ...texts.map((t) => t.length));
  const lines = s.faults.map(
    (f, i) => `  ${starts[i]!.padStart(width(starts))}  for ${lasts[i]!.padStart(width(lasts))}  ${describeFault(f)}  #${f.id}`,
  );
  return [head, ...lines].join('\n');
}

/** `120 s`, `0.5 s`: ms as seconds, at most one decimal. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
