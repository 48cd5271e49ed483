/**
 * pgchaos/checks: every check returns a `Verdict` (passed, failed or unknown, with a stable id
 * and typed evidence); the readings are pure functions of a run's history that checks and
 * stories build on. Pass a verdict to `ctx.verify` to record it.
 */
export { CHECK_IDS, verdictValue, type Verdict, type VerdictStatus } from './verdict.ts';
export { checkIdOf, type CheckId, type EvidenceById } from './describe.ts';
export { checkFailovers, type FailoversEvidence, type PredictedFailover } from './failovers.ts';
export { checkNoAckedLost, type LostWritesEvidence } from './lost-writes.ts';
export { checkLossAgainstPromise, type PromisedLossEvidence } from './promised-loss.ts';
export { checkLossWithinBound, type LossBoundEvidence, type TimelineLoss } from './loss-bound.ts';
export { checkModelAgreement, type Disagreement, type ModelAgreementEvidence } from './model-agreement.ts';
export { checkRowHashes, type RowHashEvidence } from './row-hash.ts';
export { checkSplitBrain, type SplitBrainEvidence } from './split-brain.ts';
export { checkNotStuck, type ManagerView, type StuckEvidence } from './stuck.ts';
export { checkSyncSequence, type SyncSequenceEvidence } from './sync-state.ts';
export {
  checkRecovered,
  checkStalled,
  checkSustained,
  meanTps,
  type RecoveryEvidence,
  type StallEvidence,
  type SustainedEvidence,
} from './throughput.ts';
export { writeOutage, writesBackT } from './readings/commits.ts';
export { deposedAcks, type DeposedAck, type DeposedAcks } from './readings/deposed-acks.ts';
export { deposedWindows, type DeposedWindow } from './readings/deposed-window.ts';
export { faultImpacts, impactByKind, type FaultImpact, type KindImpact } from './readings/impact.ts';
export { lossExposure, type LossExposure, type LossExposureInput } from './readings/loss-exposure.ts';
export { writeAvailability, type WriteAvailability, type WriteAvailabilityInput } from './readings/write-availability.ts';
