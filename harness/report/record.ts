import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { WriteAvailability } from '../checks/readings/write-availability.ts';
import type { Fault, PlayedFault, Schedule, SkippedFault } from '../history/fault.ts';
import type { FaultImpact, KindImpact } from '../checks/readings/impact.ts';
import type { FailoverRecord } from '../history/failover.ts';
import type { ManagerRecord } from '../history/manager.ts';
import type { Verdict } from '../checks/verdict.ts';
import type { ObserverSample, SyncTransition, WriterSample } from '../history/samples.ts';

/**
 * What one scenario leaves in a run's folder, and how it is written: the report is built from
 * these records.
 */

/** Something that happened in a scenario at `t` (ms on the scenario clock). */
export interface ScenarioEvent {
  t: number;
  /** `fault`: injected failure; `move`: an operator's topology move or repair; `step`: anything else worth a line. */
  kind: 'fault' | 'move' | 'step';
  what: string;
  /** Faults only: the fault, as data (kind, target as planned, params); `what` is its description. */
  fault?: Fault;
  /** Faults only: the nodes it hit, by name. */
  nodes?: string[];
  /** Faults only: when its injection was done and the fault in effect (ms); `t` is when its injection began. */
  inEffectFrom?: number;
  /** Faults only: the story left it in effect to its end on purpose, and why (`until` is then absent). */
  lastsToEnd?: string;
  /** Faults only: when the fault was healed (ms on the scenario clock); absent = it lasted to the end. */
  until?: number;
  /** Faults only: the move that healed it. */
  healedBy?: string;
  detail?: Record<string, unknown>;
}

/**
 * What a scenario says about a metric of its own when it records it, so the report shows its unit
 * and `pgchaos compare` can judge it: e.g. `{ unit: 'ms', better: 'lower' }` (a rise is worse).
 * Without a `threshold`, `ms` and `tps` take the built-in timings' and throughput's defaults
 * (harness/report/metrics.ts), any other unit counts any worsening.
 */
export interface MetricDeclaration {
  /** `ms`, `tps`, `bytes`, `count`, … */
  unit: string;
  /** `lower`: a rise is worse; `higher`: a fall is worse; `none`: not compared. */
  better: 'lower' | 'higher' | 'none';
  description?: string;
  /** Regression threshold: worse by more than every bound given (relative to the baseline, absolute in `unit`). */
  threshold?: { relative?: number; absolute?: number };
}

/**
 * A metric's value: a number in its unit (ms, TPS, bytes, a count, a timeline), a boolean, a
 * short text (a node's name, an LSN, a log line), or null (not measured, or not comparable here).
 * Anything else belongs in a typed section of the record; `Recorder.metric` refuses it.
 */
export type MetricValue = number | string | boolean | null;

/** Whether `v` can be a metric's value (`MetricValue`). */
export function isMetricValue(v: unknown): v is MetricValue {
  return v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

/** One node at the end of a story: its timeline ID and the rows of the writer's table (null: not read). */
export interface NodeAtEnd {
  node: string;
  timeline: number | null;
  rows: number | null;
}

/** A promotion the story made (write-up 000 §11.3–4): what each standby had received, and what came of it. */
export interface PromotionRecord {
  /** The standby promoted. */
  promoted: string;
  /** Every standby compared (the promoted one first), with its `pg_last_wal_receive_lsn()` before the promotion. */
  standbys: Array<{ node: string; receiveLsn: string | null; replayLsn?: string | null }>;
  /** The promoted node's timeline history file (`<timeline>.history`), as read after the promotion. */
  history?: string;
}

/** One config of the standby-loss matrix: its standbys and settings. */
export interface LossMatrixConfig {
  standbys: string[];
  synchronousStandbyNames: string;
  synchronousCommit: string;
}

/** One step of the standby-loss matrix: a loss or a rejoin, what the model predicted and what was observed. */
export interface LossMatrixStep {
  step: string;
  predicted: string;
  observed: string | null;
  /** Mean TPS in the judged window. */
  tps: number | null;
  /** ms until TPS came back (a rejoin that ends a stall); null otherwise. */
  recoveryMs: number | null;
  /** The catchup step seen on the way back, e.g. `catchup/potential`. */
  catchup: string | null;
  /** ms from `pg_ctl start` to the walsender's state `streaming`; null when it never streamed. */
  streamingMs?: number | null;
  /** `name state/priority/sync_state` of every walsender, as shown and as predicted. */
  rows: string[];
}

/** The standby-loss matrix story's section: the config of the row and each step as judged. */
export interface LossMatrixRecord {
  config: LossMatrixConfig;
  steps: LossMatrixStep[];
}

/** What makes a record unique within a run: one scenario of one file on one major (and, later, one seed). */
export interface RecordKey {
  /** Scenario file, relative to the project root, e.g. `scenarios/failback-rewind.test.ts`. */
  file: string;
  /** The scenario's name (its vitest test name). */
  name: string;
  /** PostgreSQL major it ran on. */
  major: number;
  seed?: number;
}

/** How a scenario ended; records written before `skipped` existed have one of the other three. */
export type ScenarioStatus = 'passed' | 'failed' | 'interrupted' | 'skipped';

/** Every `ScenarioStatus`, in the order counts list them. */
export const SCENARIO_STATUSES: readonly ScenarioStatus[] = ['passed', 'failed', 'interrupted', 'skipped'];

/** Everything one scenario leaves in `reports/<run>/scenarios/<id>.json`; the report is built from these. */
export interface ScenarioRecord extends RecordKey {
  /** `recordId(key)`: the file name (without .json) and the anchor in the report. */
  id: string;
  /**
   * `interrupted`: the run was stopped (Ctrl-C, SIGTERM) while this scenario ran. `skipped`: it
   * never started, for `reason` (its image lacks a binary it needs, run/needs.ts): such a record
   * has no cluster, no verdict and no metric, and verifies nothing.
   */
  status: ScenarioStatus;
  error?: string;
  /** Status `skipped` only: why the story did not run, e.g. `it needs pg_rewind, which image … (PostgreSQL 15) lacks; …`. */
  reason?: string;
  /** ISO 8601, UTC. */
  startedAt: string;
  durationMs: number;
  /** `SELECT version()` of the primary. */
  postgres?: string;
  /** Image the nodes ran, e.g. `pgchaos/postgres:15`. */
  image?: string;
  /** The settings the cluster started with (synchronous_standby_names, synchronous_commit, standbys), and `atEnd` (primary and settings) when a move changed them. */
  cluster?: Record<string, unknown>;
  /**
   * The HA manager that made the moves, with its config and, when the story ran it through the
   * seam (ScenarioContext.startManager), its own views after each fault and move. Absent in
   * records written before managers were a choice: those ran the built-in.
   */
  manager?: ManagerRecord;
  /** Shell command that reruns just this scenario on this major. */
  rerun: string;
  /**
   * Scalar figures only, by name (`harness/report/metrics.ts` says each built-in one's unit and
   * which way is worse; `metricInfo` a scenario's own). What is not a scalar lives in a typed
   * section below (`nodesAtEnd`, `promotion`, `lostSample`, `lossMatrix`, `nemesis`).
   */
  metrics: Record<string, MetricValue>;
  /** Unit and direction the scenario declared for metrics of its own (`rec.metric(name, value, { unit, better })`). */
  metricInfo?: Record<string, MetricDeclaration>;
  verdicts: Verdict[];
  events: ScenarioEvent[];
  writer?: { clients: number; batchRows: number; samples: WriterSample[] };
  observer?: { samples: ObserverSample[]; transitions: Record<string, SyncTransition[]> };
  /** The nemesis story's schedule and what came of it (absent in other stories). */
  nemesis?: NemesisRecord;
  /** Each node at the story's end, after the final catch-up (run/steps.ts `verifyConsistent`). */
  nodesAtEnd?: NodeAtEnd[];
  /** The standbys' positions when the story promoted one, and the new timeline's history file. */
  promotion?: PromotionRecord;
  /** Up to 10 acknowledged batches missing from the final primary, as `client:seq` (a story that loses writes on purpose). */
  lostSample?: string[];
  /** The standby-loss matrix story's config and its steps (scenarios/standby-loss-matrix.test.ts). */
  lossMatrix?: LossMatrixRecord;
  /**
   * Non-scalar metrics of a record written before metrics were scalars, that no section above
   * took in (a user's own, say): kept so the report still shows them (as JSON).
   */
  legacyMetrics?: Record<string, unknown>;
  /** Node name → server log path, relative to the run folder. */
  logs: Record<string, string>;
}

/**
 * The nemesis story's section of its record: what it planned, what it played, what the operator
 * did and what each fault cost. Filled as the story goes: a story stopped early has the parts it
 * reached. Times are ms on the scenario clock.
 */
export interface NemesisRecord {
  /** The PRNG seed the schedule was drawn from (or the saved schedule's). */
  seed: number;
  /** The schedule as planned (targets by role: `primary`, the i-th standby). */
  schedule: Schedule;
  /** The faults injected, with the nodes they hit (names) and took out, and their spans. */
  injected?: PlayedFault[];
  /** The faults that could not be injected, with the reason. */
  skipped?: SkippedFault[];
  /** Each failover the operator made: when it detected, decided and promoted, and the standbys' LSNs it read. */
  failovers?: FailoverRecord[];
  /** Per failover, the nodes out when it was decided (checks/readings/out-at-promotion.ts). */
  outAtPromotion?: string[][];
  /** Per fault: how long commits stopped while it was in effect, and came back after its heal (reported, not judged). */
  impacts?: FaultImpact[];
  /** The same per fault kind. */
  byKind?: KindImpact[];
  /** Write outages judged against what could commit (reported, not judged). */
  writeAvailability?: WriteAvailability;
}

/**
 * The record of a story that never started (status `skipped`): its key, id and rerun command as
 * any record has them, `reason` (why it did not run), and nothing that running would have given
 * (no cluster, image, verdict, metric, event or log).
 * @param startedAt when it was skipped (ISO 8601, UTC).
 */
export function skippedRecord(key: RecordKey, reason: string, rerun: string, startedAt: string): ScenarioRecord {
  return {
    ...key,
    id: recordId(key),
    status: 'skipped',
    reason,
    startedAt,
    durationMs: 0,
    rerun,
    metrics: {},
    verdicts: [],
    events: [],
    logs: {},
  };
}

/** A file-name-safe form of a name. */
export function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * The record id of a key: `<file>--<scenario>--pg<major>[--seed<seed>]`, each part slugged
 * (`scenarios/` and `.test.ts` dropped from the file), e.g.
 * `failback-rewind--fast-stop-promote-rewind--pg15`. Unique per key; two scenarios of one name in
 * two files, or one scenario on two majors, never overwrite each other.
 */
export function recordId(k: RecordKey): string {
  const file = slug(k.file.replace(/^(\.\/)?scenarios\//, '').replace(/\.test\.[cm]?[jt]s$/, ''));
  return [file, slug(k.name), `pg${k.major}`, ...(k.seed !== undefined ? [`seed${k.seed}`] : [])].join('--');
}

/** Whether `e` says the disk is full: ENOSPC, or EDQUOT (a quota). */
export function isDiskFull(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** A report file could not be written because the disk of its folder is full (ENOSPC/EDQUOT). */
export class ReportsFullError extends ConfigError {
  override readonly name = 'ReportsFullError';
  constructor(
    /** The folder that is full. */
    readonly dir: string,
    readonly code: string,
  ) {
    super(
      `the reports folder ${dir} is full (${code})`,
      'free space there (pgchaos prune --keep 5 removes older runs) or write reports elsewhere: pgchaos run --out DIR',
    );
  }
}

const FULL = Symbol.for('pgchaos.reportsFull');

/**
 * Remembers, for the whole process, that the reports folder was found full (the first time
 * only). A process-wide symbol: vitest's global setup and the CLI's vitest child load this
 * module as two instances in one process.
 */
export function noteReportsFull(e: ReportsFullError): void {
  (globalThis as { [FULL]?: ReportsFullError })[FULL] ??= e;
}

/** The first `ReportsFullError` this process noted, if any. */
export function reportsFull(): ReportsFullError | undefined {
  return (globalThis as { [FULL]?: ReportsFullError })[FULL];
}

/**
 * Writes `path` atomically: a temporary file beside it, then a rename, so a full disk or an
 * interruption leaves the old file or none, never half a JSON document; the temporary file is
 * removed when the write fails.
 * @throws ReportsFullError when the disk is full; the write's own error otherwise.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    if (isDiskFull(e)) throw new ReportsFullError(dirname(path), e.code!);
    throw e;
  }
}

/** Writes `scenarios/<id>.json` under `runDir` (atomically); returns its path. */
export async function writeScenarioRecord(runDir: string, record: ScenarioRecord): Promise<string> {
  const dir = join(runDir, 'scenarios');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${record.id}.json`);
  await writeFileAtomic(path, JSON.stringify(record, null, 1));
  return path;
}
