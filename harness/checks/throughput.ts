import { fmtCount, fmtSeconds } from './format.ts';
import type { WriterSample } from '../history/samples.ts';
import { CHECK_IDS, type Verdict, type VerdictStatus } from './verdict.ts';

/** The samples whose interval starts in [fromT, toT). */
function within(samples: readonly WriterSample[], fromT: number, toT: number): WriterSample[] {
  return samples.filter((x) => x.t >= fromT && x.t < toT);
}

/**
 * Acknowledged batches per second over the samples whose interval starts in [fromT, toT).
 * 0 with fewer than two samples there (the interval length cannot be read off one sample).
 */
export function meanTps(samples: readonly WriterSample[], fromT: number, toT: number): number {
  const s = within(samples, fromT, toT);
  if (s.length < 2) return 0;
  const interval = s[1]!.t - s[0]!.t;
  return (s.reduce((a, x) => a + x.commits, 0) * 1000) / (s.length * interval);
}

/** `unknown` with the missing evidence when there is any, else passed or failed. */
function decide(missing: Array<string | false>, ok: boolean): { status: VerdictStatus; missing: string[] } {
  const gaps = missing.filter((m): m is string => m !== false);
  return { status: gaps.length > 0 ? 'unknown' : ok ? 'passed' : 'failed', missing: gaps };
}

export interface StallEvidence {
  faultT: number;
  withinMs: number;
  minZeroIntervals: number;
  /** Start of the first run of zero-commit intervals after the fault, or null. */
  firstZeroT: number | null;
  /** firstZeroT - faultT, ms. */
  stallMs: number | null;
  /** Length of that run, in intervals. */
  zeroIntervals: number;
  /** Length of the pre-fault window [faultT - baselineMs, faultT) that must show commits, ms. */
  baselineMs: number;
  /** Commits in the intervals starting in that window: 0 means no baseline, and the verdict is unknown. */
  baselineCommits: number;
}

/**
 * Throughput stalls: the first run of at least `minZeroIntervals` consecutive zero-commit
 * intervals after the fault at `faultT` starts no later than `withinMs` after it.
 *
 * A stall only means something if the writer was committing before the fault: with no commit
 * in the intervals starting in [faultT - baselineMs, faultT) (default 1 s) the verdict is
 * `unknown`, since a writer that never committed "stalls" at every fault.
 */
export function checkStalled(
  samples: readonly WriterSample[],
  o: { faultT: number; withinMs: number; minZeroIntervals?: number; baselineMs?: number },
): Verdict<StallEvidence> {
  const minZero = o.minZeroIntervals ?? 5;
  const baselineMs = o.baselineMs ?? 1000;
  const baselineCommits = within(samples, o.faultT - baselineMs, o.faultT).reduce((a, s) => a + s.commits, 0);
  const interval = intervalOf(samples);
  let runT = 0;
  let runN = 0;
  for (const s of samples) {
    if (s.t + interval <= o.faultT) continue; // interval ended before the fault
    if (s.commits === 0) {
      if (runN++ === 0) runT = s.t;
      continue;
    }
    if (runN >= minZero) break;
    runN = 0;
  }
  const best = runN >= minZero ? { t: runT, n: runN } : null;
  // The run may start in the interval the fault fell in, a little before faultT: that is 0 ms.
  const stallMs = best ? Math.max(0, best.t - o.faultT) : null;
  const { status, missing } = decide(
    [baselineCommits === 0 && `no commit in the ${baselineMs} ms before the fault`],
    stallMs !== null && stallMs <= o.withinMs,
  );
  const evidence = {
    faultT: o.faultT,
    withinMs: o.withinMs,
    minZeroIntervals: minZero,
    firstZeroT: best?.t ?? null,
    stallMs,
    zeroIntervals: best?.n ?? 0,
    baselineMs,
    baselineCommits,
  };
  return { id: CHECK_IDS.stall, check: 'throughput stalls', status, summary: stallSummary(evidence, missing), evidence };
}

export interface RecoveryEvidence {
  repairT: number;
  withinMs: number;
  steadyTps: number;
  fraction: number;
  windowMs: number;
  /** Start of the first window reaching fraction × steadyTps, or null. */
  recoveredT: number | null;
  /** recoveredT - repairT, ms. */
  recoveryMs: number | null;
  /** TPS of that window (or of the best window when none reached the bar). */
  windowTps: number;
}

/**
 * Throughput recovers: some window of `windowMs` starting with a committing interval after
 * `repairT` reaches `fraction` × `steadyTps`, and it starts within `withinMs` of the repair.
 * `unknown` without a steady state to recover to (steadyTps 0: any trickle would do).
 */
export function checkRecovered(
  samples: readonly WriterSample[],
  o: { repairT: number; withinMs: number; steadyTps: number; fraction?: number; windowMs?: number },
): Verdict<RecoveryEvidence> {
  const fraction = o.fraction ?? 0.5;
  const windowMs = o.windowMs ?? 1000;
  const bar = fraction * o.steadyTps;
  let best = 0;
  let recoveredT: number | null = null;
  for (const s of samples) {
    if (s.t < o.repairT || s.commits === 0) continue;
    if (samples[samples.length - 1]!.t + intervalOf(samples) < s.t + windowMs) break; // window not complete
    const tps = meanTps(samples, s.t, s.t + windowMs);
    best = Math.max(best, tps);
    if (tps >= bar) {
      recoveredT = s.t;
      break;
    }
  }
  const recoveryMs = recoveredT === null ? null : recoveredT - o.repairT;
  // `!(x > 0)` rather than `x <= 0`: a NaN steady state is no baseline either.
  const { status, missing } = decide(
    [!(o.steadyTps > 0) && 'no steady TPS to recover to'],
    recoveryMs !== null && recoveryMs <= o.withinMs,
  );
  const evidence = {
    repairT: o.repairT,
    withinMs: o.withinMs,
    steadyTps: o.steadyTps,
    fraction,
    windowMs,
    recoveredT,
    recoveryMs,
    windowTps: best,
  };
  return { id: CHECK_IDS.recover, check: 'throughput recovers', status, summary: recoverySummary(evidence, missing), evidence };
}

export interface SustainedEvidence {
  fromT: number;
  toT: number;
  tps: number;
  steadyTps: number;
  fraction: number;
  /** Samples whose interval starts in [fromT, toT): TPS needs at least two. */
  samples: number;
}

/**
 * Writes go on: mean TPS over [fromT, toT) is at least `fraction` × `steadyTps`. `unknown`
 * without the evidence to say: no steady state (steadyTps 0, where any TPS would pass), a
 * window shorter than 1 s, or fewer than two samples in it.
 */
export function checkSustained(
  samples: readonly WriterSample[],
  o: { fromT: number; toT: number; steadyTps: number; fraction?: number },
): Verdict<SustainedEvidence> {
  const fraction = o.fraction ?? 0.5;
  const tps = meanTps(samples, o.fromT, o.toT);
  const n = within(samples, o.fromT, o.toT).length;
  const { status, missing } = decide(
    [
      !(o.steadyTps > 0) && 'no steady TPS to compare with',
      o.toT - o.fromT < 1000 && 'a window shorter than 1 s',
      n < 2 && `${n} samples in the window (TPS needs two)`,
    ],
    tps >= fraction * o.steadyTps,
  );
  const evidence = { fromT: o.fromT, toT: o.toT, tps, steadyTps: o.steadyTps, fraction, samples: n };
  return { id: CHECK_IDS.sustained, check: 'writes go on', status, summary: sustainedSummary(evidence, missing), evidence };
}

/** The sampling interval, read off the first two samples (100 ms, the writer's default, with fewer). */
function intervalOf(samples: readonly WriterSample[]): number {
  return samples.length > 1 ? samples[1]!.t - samples[0]!.t : 100;
}

// Stryker disable all: the summaries below are prose for the report. The tests pin status and
// evidence (mutants there count) and assert the phrases that name missing evidence; mutating the
// wording would only measure how many sentences the tests spell out.
function unknownSummary(missing: string[]): string {
  return `not enough evidence: ${missing.join('; ')}`;
}

function stallSummary(e: StallEvidence, missing: string[]): string {
  if (missing.length > 0) return unknownSummary(missing);
  return e.stallMs !== null
    ? `${e.zeroIntervals} zero-commit intervals from ${Math.round(e.stallMs)} ms after the fault (bound ${e.withinMs} ms)`
    : `no run of ${e.minZeroIntervals} zero-commit intervals after the fault at t=${Math.round(e.faultT)} ms`;
}

function recoverySummary(e: RecoveryEvidence, missing: string[]): string {
  if (missing.length > 0) return unknownSummary(missing);
  return e.recoveryMs === null
    ? `TPS never reached ${e.fraction * 100}% of steady (${e.steadyTps.toFixed(1)}) after the repair; best ${e.windowTps.toFixed(1)}`
    : `TPS back to ${e.windowTps.toFixed(1)} (≥ ${e.fraction * 100}% of ${e.steadyTps.toFixed(1)}) ${Math.round(e.recoveryMs)} ms after the repair (bound ${e.withinMs} ms)`;
}

function sustainedSummary(e: SustainedEvidence, missing: string[]): string {
  if (missing.length > 0) return unknownSummary(missing);
  return `${e.tps.toFixed(1)} TPS over ${Math.round(e.toT - e.fromT)} ms, ${((100 * e.tps) / e.steadyTps).toFixed(0)}% of steady ${e.steadyTps.toFixed(1)} (bar ${e.fraction * 100}%, at least 1 s)`;
}
// Stryker restore all

/** The stall check's evidence in one line for the report. */
export function describeStallEvidence(e: StallEvidence): string {
  const first = e.firstZeroT === null ? 'none' : `${fmtSeconds(e.firstZeroT)} (+${fmtCount(e.stallMs)} ms)`;
  return `fault at ${fmtSeconds(e.faultT)}; first zero-commit interval ${first}, bound ${fmtCount(e.withinMs)} ms; ${e.zeroIntervals} zero intervals (≥ ${e.minZeroIntervals} needed); ${fmtCount(e.baselineCommits)} commits in the ${fmtCount(e.baselineMs)} ms before`;
}

/** The recovery check's evidence in one line for the report. */
export function describeRecoveryEvidence(e: RecoveryEvidence): string {
  const bar = e.fraction * e.steadyTps;
  const reached =
    e.recoveredT === null
      ? `never reached, best ${e.windowTps.toFixed(1)}`
      : `reached at ${fmtSeconds(e.recoveredT)} (+${fmtCount(e.recoveryMs)} ms, ${e.windowTps.toFixed(1)} TPS)`;
  return `repair at ${fmtSeconds(e.repairT)}; bar ${bar.toFixed(1)} TPS (${Math.round(e.fraction * 100)}% of steady ${e.steadyTps.toFixed(1)}) over ${fmtCount(e.windowMs)} ms; ${reached}, bound ${fmtCount(e.withinMs)} ms`;
}

/** The writes-go-on check's evidence in one line for the report. */
export function describeSustainedEvidence(e: SustainedEvidence): string {
  return `${fmtSeconds(e.fromT)} – ${fmtSeconds(e.toT)}: ${e.tps.toFixed(1)} TPS vs bar ${(e.fraction * e.steadyTps).toFixed(1)} (${Math.round(e.fraction * 100)}% of steady ${e.steadyTps.toFixed(1)}), ${e.samples} samples`;
}
