import type { WriterSample } from '../load/history.ts';
import type { Verdict } from './verdict.ts';

/** Acknowledged batches per second over the samples whose interval starts in [fromT, toT). */
export function meanTps(samples: readonly WriterSample[], fromT: number, toT: number): number {
  const s = samples.filter((x) => x.t >= fromT && x.t < toT);
  if (s.length < 2) return 0;
  const interval = s[1]!.t - s[0]!.t;
  return (s.reduce((a, x) => a + x.commits, 0) * 1000) / (s.length * interval);
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
}

/**
 * Throughput stalls: the first run of at least `minZeroIntervals` consecutive zero-commit
 * intervals after the fault at `faultT` starts no later than `withinMs` after it.
 */
export function checkStalled(samples: readonly WriterSample[], o: { faultT: number; withinMs: number; minZeroIntervals?: number }): Verdict<StallEvidence> {
  const minZero = o.minZeroIntervals ?? 5;
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
  const stallMs = best ? Math.max(0, best.t - o.faultT) : null;
  const ok = stallMs !== null && stallMs <= o.withinMs;
  return {
    check: 'throughput stalls',
    status: ok ? 'passed' : 'failed',
    summary: best
      ? `${best.n} zero-commit intervals from ${Math.round(stallMs!)} ms after the fault (bound ${o.withinMs} ms)`
      : `no run of ${minZero} zero-commit intervals after the fault at t=${Math.round(o.faultT)} ms`,
    evidence: { faultT: o.faultT, withinMs: o.withinMs, minZeroIntervals: minZero, firstZeroT: best?.t ?? null, stallMs, zeroIntervals: best?.n ?? 0 },
  };
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
      best = tps;
      break;
    }
  }
  const recoveryMs = recoveredT === null ? null : recoveredT - o.repairT;
  const ok = recoveryMs !== null && recoveryMs <= o.withinMs;
  return {
    check: 'throughput recovers',
    status: ok ? 'passed' : 'failed',
    summary:
      recoveryMs === null
        ? `TPS never reached ${fraction * 100}% of steady (${o.steadyTps.toFixed(1)}) after the repair; best ${best.toFixed(1)}`
        : `TPS back to ${best.toFixed(1)} (≥ ${fraction * 100}% of ${o.steadyTps.toFixed(1)}) ${Math.round(recoveryMs)} ms after the repair (bound ${o.withinMs} ms)`,
    evidence: { repairT: o.repairT, withinMs: o.withinMs, steadyTps: o.steadyTps, fraction, windowMs, recoveredT, recoveryMs, windowTps: best },
  };
}

export interface SustainedEvidence {
  fromT: number;
  toT: number;
  tps: number;
  steadyTps: number;
  fraction: number;
}

/** Writes go on: mean TPS over [fromT, toT) is at least `fraction` × `steadyTps`. */
export function checkSustained(samples: readonly WriterSample[], o: { fromT: number; toT: number; steadyTps: number; fraction?: number }): Verdict<SustainedEvidence> {
  const fraction = o.fraction ?? 0.5;
  const tps = meanTps(samples, o.fromT, o.toT);
  return {
    check: 'writes go on',
    status: o.toT - o.fromT >= 1000 && tps >= fraction * o.steadyTps ? 'passed' : 'failed',
    summary: `${tps.toFixed(1)} TPS over ${Math.round(o.toT - o.fromT)} ms, ${((100 * tps) / (o.steadyTps || 1)).toFixed(0)}% of steady ${o.steadyTps.toFixed(1)} (bar ${fraction * 100}%, at least 1 s)`,
    evidence: { fromT: o.fromT, toT: o.toT, tps, steadyTps: o.steadyTps, fraction },
  };
}

function intervalOf(samples: readonly WriterSample[]): number {
  return samples.length > 1 ? samples[1]!.t - samples[0]!.t : 100;
}
