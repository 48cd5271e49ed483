// The scenario author's API (package.json "exports" points here). Internals stay in their files.
export { checkModelAgreement, type Disagreement, type ModelAgreementEvidence } from './checks/model-agreement.ts';
export { checkNoAckedLost, type LostWritesEvidence } from './checks/lost-writes.ts';
export { checkRowHashes, type RowHashEvidence } from './checks/row-hash.ts';
export { checkLossAgainstPromise, type PromisedLossEvidence } from './checks/promised-loss.ts';
export { checkSplitBrain, type SplitBrainEvidence } from './checks/split-brain.ts';
export { checkSyncSequence, stepOf, type SyncSequenceEvidence, type SyncStep } from './checks/sync-state.ts';
export {
  checkRecovered,
  checkStalled,
  checkSustained,
  meanTps,
  type RecoveryEvidence,
  type StallEvidence,
  type SustainedEvidence,
} from './checks/throughput.ts';
export { verdictValue, type Verdict, type VerdictStatus } from './checks/verdict.ts';
export { Clock } from './clock.ts';
export type { ClusterOptions } from './db/bring-up.ts';
export { Cluster } from './db/cluster.ts';
export { byAdvancement, settingAfterPromotion, swapName, type StandbyPosition, type SyncPolicy } from './db/sync-policy.ts';
export { PgHost } from './db/host.ts';
export { DIVERGENCE_SYMPTOM, REWIND_REFUSAL, WAL_REMOVED } from './db/majors.ts';
export { BUILDABLE_MAJORS, defaultMajor, parseMajor, resolveImage, type PgImage } from './db/image.ts';
export { PGDATA, PgNode, type ConnectionInfo, type LsnKind, type ReplicationUser, type StopMode, type WalSenderRow } from './db/pg-node.ts';
export { ConfigError, ExecError, WaitTimeoutError } from './errors.ts';
export { writeOutage } from './checks/readings/commits.ts';
export { classify, describeSample, progressLine, sampleBatches, syncTransitions } from './load/sampling.ts';
export type {
  Batch,
  NodeHash,
  ObserverSample,
  Outcome,
  PresentBatch,
  StandbyRow,
  SyncTransition,
  WriteOutage,
  WriterSample,
} from './history/samples.ts';
export { ReplicationObserver } from './load/observer.ts';
export { LEDGER_TABLE, readNodeHash, readPresentBatches, ROWS_TABLE } from './load/workload.ts';
export { BatchWriter, type BatchWriterOptions, type WriteTarget } from './load/writer.ts';
export { log } from './logger.ts';
export { compareLsn, lsnDiff, lsnToBigInt, type Lsn } from './lsn.ts';
export { writablePrimary, type CommitRule } from './model/availability.ts';
export { compareWithModel, type ModelComparison, type ObservedWalSender } from './model/compare.ts';
export { durabilityPromise, type DurabilityPromise } from './model/durability.ts';
export { injectFault, resolveTarget, type FaultLog, type InjectedFault } from './nemesis/catalogue.ts';
export {
  describeFault,
  describeTarget,
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  type FaultParams,
  type FaultTarget,
  type Schedule,
  type ScheduledFault,
} from './history/fault.ts';
export {
  impairedNodes,
  writeAvailability,
  type FaultSpan,
  type JudgedOutage,
  type WriteAvailability,
  type WriteAvailabilityInput,
} from './checks/readings/write-availability.ts';
export { faultImpacts, impactByKind, type FaultImpact, type ImpactInput, type KindImpact } from './checks/readings/impact.ts';
export type { FailoverRecord } from './history/failover.ts';
export { Operator, type OperatorLog, type OperatorOptions } from './manager/builtin.ts';
export { Nemesis, type PlayedSchedule, type ScheduleLog } from './nemesis/runner.ts';
export { describeSchedule } from './nemesis/schedule/describe.ts';
export { generateSchedule, type ScheduleLimits } from './nemesis/schedule/generate.ts';
export { shrinkSchedule, type ShrinkResult } from './nemesis/schedule/shrink.ts';
export { validateSchedule } from './nemesis/schedule/validate.ts';
export {
  predict,
  type StandbyPrediction,
  type SyncInput,
  type SyncPrediction,
  type SynchronousCommit,
  type SyncState,
} from './model/sync-model.ts';
export { parseSyncStandbyNames, syncConfigWarnings, type SyncStandbyNames } from './model/sync-standby-names.ts';
export type { ScenarioEvent, ScenarioRecord } from './report/record.ts';
export { Recorder } from './run/recorder.ts';
export { scenario, type ScenarioContext, type ScenarioOptions } from './run/scenario.ts';
export { pollUntil, type PollOptions, type PollResult } from './wait.ts';
export { clusterOptionsOf, loadUserConfig, userConfig, writerOptionsOf, type UserConfig, type UserConfigFile } from './run/config.ts';
export {
  divergeAndFailOver,
  explainNotStreaming,
  promoteMostAdvanced,
  recordOutage,
  repointOthers,
  verifyConsistent,
  verifyRecovered,
  type Failover,
} from './run/steps.ts';
