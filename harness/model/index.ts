/**
 * pgchaos/model: what PostgreSQL's rules predict, from the setting alone: each standby's
 * sync_state and whether commits wait (syncrep.c, proven on PostgreSQL's own 007 test), what a
 * config promises about acknowledged commits, and which primary can take writes.
 */
export { parseSyncStandbyNames, syncStandbyNames, type SyncStandbyNames } from './sync-standby-names.ts';
export {
  predict,
  type StandbyPrediction,
  type SyncInput,
  type SyncPrediction,
  type SyncState,
  type SynchronousCommit,
  type WalSenderInput,
} from './sync-model.ts';
export { compareWithModel, type ModelComparison, type ObservedWalSender } from './compare.ts';
export { durabilityPromise, type DurabilityPromise, type LossBound } from './durability.ts';
export { writablePrimary, type CommitRule } from './availability.ts';
export { patroniPromise, type PatroniPromise, type PatroniReplicationSettings } from './patroni-promise.ts';
