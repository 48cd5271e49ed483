/**
 * What each fault did to the writes, read off the writer's samples (100 ms intervals): how long
 * commits stopped while it was in effect, and how long after its heal they came back. Reported
 * per fault and per kind; not a verdict. Faults may overlap: an outage is the writes' while this
 * fault was in effect, whichever fault caused it, so per-kind figures are upper bounds.
 */
import type { WriterSample } from '../../history/samples.ts';
import { commitGaps } from './commits.ts';
import type { FaultKind } from '../../history/fault.ts';

/** One injected fault, as the runner reports it (`PlayedSchedule.injected`). */
export interface ImpactInput {
  what: string;
  kind: FaultKind;
  /** Injection and heal, ms on the scenario clock; `healT` undefined when it never healed. */
  faultT: number;
  healT?: number;
}

/** One fault's effect on the writes. */
export interface FaultImpact {
  what: string;
  kind: FaultKind;
  /** Longest run of intervals without a commit that starts while the fault is in effect, ms (0: commits never stopped). */
  outageMs: number;
  /**
   * From the heal until the first interval with commits from which the next second averages
   * `fraction` of the steady rate, ms; 0
   * when they never fell below it; null when they did not come back within the samples.
   */
  recoveryMs: number | null;
}

/** Per kind: how many faults, and the median and largest outage and recovery (ms; recovery null when none recovered). */
export interface KindImpact {
  kind: string;
  faults: number;
  outageMedianMs: number;
  outageMaxMs: number;
  recoveryMedianMs: number | null;
  recoveryMaxMs: number | null;
  /** Faults whose writes had not come back when the samples end. */
  notRecovered: number;
}

/**
 * Each fault's outage and recovery (see `FaultImpact`), against `steadyTps` (batches/s measured
 * before the first fault); `fraction` of it counts as back (default 0.5, the story's bar).
 * @returns one entry per fault, in the order given; [] without samples.
 */
export function faultImpacts(
  samples: readonly WriterSample[],
  faults: readonly ImpactInput[],
  steadyTps: number,
  fraction = 0.5,
): FaultImpact[] {
  if (samples.length < 2) return [];
  const interval = samples[1]!.t - samples[0]!.t;
  const window = Math.max(1, Math.round(1000 / interval));
  const meanAt = (i: number) => (samples.slice(i, i + window).reduce((a, s) => a + s.commits, 0) * 1000) / (window * interval);
  const gaps = commitGaps(samples);
  return faults.map((f) => {
    const end = f.healT ?? Infinity;
    // The longest run without a commit that starts while the fault is in effect.
    const during = gaps.filter((g) => samples[g.from]!.t >= f.faultT && samples[g.from]!.t <= end);
    const outage = Math.max(0, ...during.map((g) => (g.to - g.from) * interval));
    let recoveryMs: number | null = null;
    // Stryker disable next-line ConditionalExpression: equivalent; without a heal no sample has s.t >= undefined, so recovery stays null.
    if (f.healT !== undefined) {
      const from = samples.findIndex((s) => s.t >= f.healT!);
      // Back: the first interval with commits from which the next second averages `fraction` of steady.
      const back =
        from < 0
          ? -1
          : samples.findIndex((s, i) => i >= from && s.commits > 0 && i + window <= samples.length && meanAt(i) >= fraction * steadyTps);
      if (back >= 0) recoveryMs = Math.round(samples[back]!.t - samples[from]!.t);
    }
    return { what: f.what, kind: f.kind, outageMs: Math.round(outage), recoveryMs };
  });
}

/** `faultImpacts` grouped by kind, kinds in order of first appearance. */
export function impactByKind(impacts: readonly FaultImpact[]): KindImpact[] {
  const kinds = [...new Set(impacts.map((i) => i.kind))];
  return kinds.map((kind) => {
    const of = impacts.filter((i) => i.kind === kind);
    const outages = of.map((i) => i.outageMs);
    const recovered = of.map((i) => i.recoveryMs).filter((r): r is number => r !== null);
    return {
      kind,
      faults: of.length,
      outageMedianMs: median(outages)!,
      outageMaxMs: Math.max(...outages),
      recoveryMedianMs: median(recovered),
      recoveryMaxMs: recovered.length ? Math.max(...recovered) : null,
      notRecovered: of.length - recovered.length,
    };
  });
}

function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}
