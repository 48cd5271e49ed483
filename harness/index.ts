/**
 * pgchaos: the scenario author's API (`import { scenario } from 'pgchaos'`). A story starts a
 * cluster, a writer and an observer from its context, injects faults from the catalogue, makes
 * the write-ups' moves (run/steps.ts) and verifies; the checks, the nemesis, the model and the
 * managers have their own entry points:
 *   pgchaos/checks   the verdicts (check*) and the pure readings of a run's history
 *   pgchaos/nemesis  seeded fault schedules: generate, validate, play, shrink
 *   pgchaos/model    what PostgreSQL's rules predict (sync_state, what a config promises)
 *   pgchaos/manager  the defenders: the built-in failover operator
 * Internals stay in their files; the built-in stories use only these entry points, as users do.
 */
export { ConfigError, ExecError, WaitTimeoutError } from './errors.ts';
export { pollUntil, type PollOptions, type PollResult } from './wait.ts';
export { compareLsn, lsnDiff, type Lsn } from './lsn.ts';
export { log } from './logger.ts';
// ManagedHaManager: what ctx.startManaged() returns (a manager other than the built-in, with its cluster for ctx.inject).
export { scenario, type ManagedHaManager, type ScenarioContext, type ScenarioOptions } from './run/scenario.ts';
export type { Recorder } from './run/recorder.ts';
export { userConfig, WAL_MOUNT_MB, type UserConfig } from './run/config.ts';
export {
  divergeAndFailOver,
  explainNotStreaming,
  promoteMostAdvanced,
  recordOutage,
  repointOthers,
  streamingDeadlineMs,
  verifyConsistent,
  verifyRecovered,
  type Failover,
} from './run/steps.ts';
export {
  awaitFailover,
  clientFailovers,
  deposedAfterBoot,
  steadyWrites,
  syncStandby,
  verifyFailoverSeen,
  verifyManagedConsistent,
  viewsAsEvidence,
  type ClientFailover,
  type ManagedEnd,
  type ManagedEndResult,
  type SteadyWrites,
} from './run/managed-steps.ts';
export type { Cluster } from './db/cluster.ts';
export type { ClusterOptions } from './db/bring-up.ts';
export type { PgNode, StopMode } from './db/pg-node.ts';
export type { SqlNode } from './db/sql-node.ts';
export { DIVERGENCE_SYMPTOM, REWIND_REFUSAL, WAL_REMOVED } from './db/majors.ts';
export type { BatchWriter, BatchWriterOptions } from './load/writer.ts';
export type { ReplicationObserver } from './load/observer.ts';
export { readPresentBatches } from './load/workload.ts';
export { FAULT_KINDS, type Fault, type FaultKind, type FaultTarget } from './history/fault.ts';
export type { InjectedFault } from './nemesis/catalogue.ts';
export type { Verdict, VerdictStatus } from './checks/verdict.ts';
export type { ScenarioRecord } from './report/record.ts';
