import { fmtCount, fmtSeconds } from './format.ts';
import type { ObserverSample } from '../history/samples.ts';
import { compareWithModel } from '../model/compare.ts';
import type { SynchronousCommit } from '../model/sync-model.ts';
import { CHECK_IDS, type Verdict } from './verdict.ts';

/** One stretch of consecutive samples in which pg_stat_replication differed from the model. */
export interface Disagreement {
  /** First and last differing sample, ms on the scenario clock. */
  fromT: number;
  toT: number;
  /** toT - fromT plus one sampling interval: how long the difference lasted, at the sampler's resolution. */
  durationMs: number;
  /** The differences in the first sample of the stretch. */
  mismatches: string[];
}

export interface ModelAgreementEvidence {
  /** Successful samples with at least one walsender: the ones compared. */
  compared: number;
  /** Samples that agreed with the model. */
  agreed: number;
  maxTransientMs: number;
  /** Every stretch of disagreement (first 50), the longest deciding the verdict. */
  disagreements: Disagreement[];
}

/**
 * pg_stat_replication agrees with the model throughout a story: for every successful observer
 * sample, each walsender's sync_priority and sync_state are what predict() says for the
 * walsenders the primary showed (in slot order) under the settings in force at that sample.
 * A difference may last at most `maxTransientMs` (default 1000): pg_stat_get_wal_senders()
 * reads each walsender's state and the candidate list at slightly different moments, and a
 * walsender updates its priority only at its next loop after a reload (syncrep.c,
 * SyncRepInitConfig), so a single sample can catch a row between two states.
 * Durations are counted in sampler intervals (`intervalMs`, default 100: the observer's).
 * Unknown when no sample showed a walsender (nothing compared).
 */
export function checkModelAgreement(
  samples: readonly ObserverSample[],
  o: { maxTransientMs?: number; intervalMs?: number } = {},
): Verdict<ModelAgreementEvidence> {
  const maxTransientMs = o.maxTransientMs ?? 1000;
  const compared = samples.filter((s) => !s.error && s.settings && s.standbys.length > 0);
  // The sampler's interval (default the observer's 100 ms): a lone differing sample lasted that long.
  const interval = o.intervalMs ?? 100;
  const disagreements: Disagreement[] = [];
  let open: Disagreement | undefined;
  let agreed = 0;
  for (const s of compared) {
    const { mismatches } = compareWithModel(s.standbys, {
      synchronousStandbyNames: s.settings!.synchronousStandbyNames,
      synchronousCommit: s.settings!.synchronousCommit as SynchronousCommit,
    });
    if (mismatches.length === 0) {
      agreed++;
      open = undefined;
      continue;
    }
    if (open) {
      open.toT = s.t;
      open.durationMs = s.t - open.fromT + interval;
    } else {
      open = { fromT: s.t, toT: s.t, durationMs: interval, mismatches };
      disagreements.push(open);
    }
  }
  // Equivalent mutant: `>` for `>=` picks another stretch of the same length, deciding the same.
  // Stryker disable next-line EqualityOperator
  const longest = disagreements.reduce<Disagreement | undefined>((a, d) => (a && a.durationMs >= d.durationMs ? a : d), undefined);
  const status = compared.length === 0 ? 'unknown' : longest && longest.durationMs > maxTransientMs ? 'failed' : 'passed';
  return {
    id: CHECK_IDS.modelAgreement,
    check: 'pg_stat_replication agrees with the model',
    status,
    summary: summarize(compared.length, agreed, maxTransientMs, longest),
    evidence: { compared: compared.length, agreed, maxTransientMs, disagreements: disagreements.slice(0, 50) },
  };
}

// Stryker disable all: the sentence for the report; the verdict and evidence are decided above.
function summarize(compared: number, agreed: number, maxTransientMs: number, longest: Disagreement | undefined): string {
  if (compared === 0) return 'not enough evidence: no observer sample showed a walsender';
  const base = `${agreed} of ${compared} samples agree with the model`;
  if (!longest) return base;
  return `${base}; longest difference ${Math.round(longest.durationMs)} ms from t=${Math.round(longest.fromT)} ms (bound ${maxTransientMs} ms): ${longest.mismatches.join('; ')}`;
}
// Stryker restore all

/** The model-agreement check's evidence in one line for the report. */
export function describeModelAgreementEvidence(e: ModelAgreementEvidence): string {
  const worst = e.disagreements.reduce<Disagreement | null>((a, d) => (!a || d.durationMs > a.durationMs ? d : a), null);
  const longest = worst
    ? `, longest ${fmtCount(worst.durationMs)} ms at ${fmtSeconds(worst.fromT)} (${worst.mismatches.slice(0, 2).join('; ')})`
    : '';
  return `${e.agreed} of ${e.compared} samples agreed; ${e.disagreements.length} disagreement${e.disagreements.length === 1 ? '' : 's'}${longest}; transient bound ${fmtCount(e.maxTransientMs)} ms`;
}
