/**
 * Each shipped check's evidence in one line, found by the verdict's id (not by the shape of its
 * evidence): the report prints it under the verdict's summary. A verdict pgchaos does not know
 * (a scenario author's own) is described by its scalar fields.
 */
import { describeLostWritesEvidence, type LostWritesEvidence } from './lost-writes.ts';
import { describeModelAgreementEvidence, type ModelAgreementEvidence } from './model-agreement.ts';
import { describePromisedLossEvidence, type PromisedLossEvidence } from './promised-loss.ts';
import { describeRowHashEvidence, type RowHashEvidence } from './row-hash.ts';
import { describeSplitBrainEvidence, type SplitBrainEvidence } from './split-brain.ts';
import { describeStuckEvidence, type StuckEvidence } from './stuck.ts';
import { describeSyncSequenceEvidence, type SyncSequenceEvidence } from './sync-state.ts';
import {
  describeRecoveryEvidence,
  describeStallEvidence,
  describeSustainedEvidence,
  type RecoveryEvidence,
  type StallEvidence,
  type SustainedEvidence,
} from './throughput.ts';
import { CHECK_IDS, verdictId, type Verdict } from './verdict.ts';

/** Describers by check id (`replication.sync-sequence:s1` is found under `replication.sync-sequence`). */
const DESCRIBERS: Record<string, (evidence: never) => string> = {
  [CHECK_IDS.stall]: (e: StallEvidence) => describeStallEvidence(e),
  [CHECK_IDS.recover]: (e: RecoveryEvidence) => describeRecoveryEvidence(e),
  [CHECK_IDS.sustained]: (e: SustainedEvidence) => describeSustainedEvidence(e),
  [CHECK_IDS.noAckedLost]: (e: LostWritesEvidence) => describeLostWritesEvidence(e),
  [CHECK_IDS.promisedLoss]: (e: PromisedLossEvidence) => describePromisedLossEvidence(e),
  [CHECK_IDS.onePrimary]: (e: SplitBrainEvidence) => describeSplitBrainEvidence(e),
  [CHECK_IDS.rowHashes]: (e: RowHashEvidence) => describeRowHashEvidence(e),
  [CHECK_IDS.modelAgreement]: (e: ModelAgreementEvidence) => describeModelAgreementEvidence(e),
  [CHECK_IDS.syncSequence]: (e: SyncSequenceEvidence) => describeSyncSequenceEvidence(e),
  [CHECK_IDS.notStuck]: (e: StuckEvidence) => describeStuckEvidence(e),
};

/**
 * The figures a verdict was decided on, in one line. A shipped check's describer, by id; for any
 * other verdict, or evidence a describer cannot read (a record from another version), up to 8 of
 * its scalar fields (`name value; …`).
 */
export function describeEvidence(v: Pick<Verdict, 'check' | 'evidence'> & { id?: unknown }): string {
  const describer = DESCRIBERS[verdictId(v).split(':')[0]!];
  if (describer && v.evidence !== null && typeof v.evidence === 'object') {
    try {
      return describer(v.evidence as never);
    } catch {
      // Evidence of another shape under a known id (an older record): its scalars, below.
    }
  }
  if (v.evidence === null || typeof v.evidence !== 'object') return String(v.evidence);
  return Object.entries(v.evidence)
    .filter(([, x]) => x === null || ['string', 'number', 'boolean'].includes(typeof x))
    .slice(0, 8)
    .map(([k, x]) => `${k} ${typeof x === 'number' ? Math.round(x).toLocaleString('en-US') : String(x)}`)
    .join('; ');
}
