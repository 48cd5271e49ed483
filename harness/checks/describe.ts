/**
 * Each shipped check's evidence in one line, found by the verdict's id (not by the shape of its
 * evidence): the report prints it under the verdict's summary. A verdict pgchaos does not know
 * (a scenario author's own) is described by its scalar fields.
 */
import { describeFailoversEvidence, type FailoversEvidence } from './failovers.ts';
import { describeLossBoundEvidence, type LossBoundEvidence } from './loss-bound.ts';
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

/** A shipped check's id (`CHECK_IDS`), without a standby's `:<name>`. */
export type CheckId = (typeof CHECK_IDS)[keyof typeof CHECK_IDS];

/**
 * The evidence each shipped check records, by id: what its verdict's `evidence` holds when the
 * record was written by this version. Readers of records (the report's describers and chart
 * overlays) are typed by it, so a renamed evidence field is a compile error there, not a blank.
 */
export interface EvidenceById {
  'throughput.stall': StallEvidence;
  'throughput.recover': RecoveryEvidence;
  'throughput.sustained': SustainedEvidence;
  'writes.no-acked-lost': LostWritesEvidence;
  'writes.promised-loss': PromisedLossEvidence;
  'writes.loss-bound': LossBoundEvidence;
  'writes.one-primary': SplitBrainEvidence;
  'rows.hash-equal': RowHashEvidence;
  'replication.model-agreement': ModelAgreementEvidence;
  'replication.sync-sequence': SyncSequenceEvidence;
  'writes.not-stuck': StuckEvidence;
  'manager.failovers': FailoversEvidence;
}

/** The shipped check id a verdict id stands for (`replication.sync-sequence:s1` → `replication.sync-sequence`), or undefined. */
export function checkIdOf(v: { id?: unknown; check: string }): CheckId | undefined {
  const base = verdictId(v).split(':')[0]!;
  return (Object.values(CHECK_IDS) as string[]).includes(base) ? (base as CheckId) : undefined;
}

/** Describers by check id, each typed by its evidence. */
const DESCRIBERS: { [K in CheckId]: (evidence: EvidenceById[K]) => string } = {
  [CHECK_IDS.stall]: describeStallEvidence,
  [CHECK_IDS.recover]: describeRecoveryEvidence,
  [CHECK_IDS.sustained]: describeSustainedEvidence,
  [CHECK_IDS.noAckedLost]: describeLostWritesEvidence,
  [CHECK_IDS.promisedLoss]: describePromisedLossEvidence,
  [CHECK_IDS.lossBound]: describeLossBoundEvidence,
  [CHECK_IDS.onePrimary]: describeSplitBrainEvidence,
  [CHECK_IDS.rowHashes]: describeRowHashEvidence,
  [CHECK_IDS.modelAgreement]: describeModelAgreementEvidence,
  [CHECK_IDS.syncSequence]: describeSyncSequenceEvidence,
  [CHECK_IDS.notStuck]: describeStuckEvidence,
  [CHECK_IDS.failovers]: describeFailoversEvidence,
};

/**
 * The figures a verdict was decided on, in one line. A shipped check's describer, by id; for any
 * other verdict, or evidence a describer cannot read (a record from another version), up to 8 of
 * its scalar fields (`name value; …`).
 */
export function describeEvidence(v: Pick<Verdict, 'check' | 'evidence'> & { id?: unknown }): string {
  const id = checkIdOf(v);
  if (id && v.evidence !== null && typeof v.evidence === 'object') {
    try {
      return (DESCRIBERS[id] as (e: unknown) => string)(v.evidence);
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
