/**
 * Shrinks a failing schedule to the few faults, and the short durations, that still make it fail
 * (delta debugging). Every candidate keeps the rules of rules.ts: fewer or shorter faults break none.
 */
import type { Schedule } from '../../history/fault.ts';
import { STEP_MS } from './rules.ts';

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
