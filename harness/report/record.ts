import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { Verdict } from '../checks/verdict.ts';
import type { ObserverSample, SyncTransition, WriterSample } from '../load/history.ts';

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
  /** Faults only: when the fault was healed (ms on the scenario clock); absent = it lasted to the end. */
  until?: number;
  /** Faults only: the move that healed it. */
  healedBy?: string;
  detail?: Record<string, unknown>;
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

/** Everything one scenario leaves in `reports/<run>/scenarios/<id>.json`; the report is built from these. */
export interface ScenarioRecord extends RecordKey {
  /** `recordId(key)`: the file name (without .json) and the anchor in the report. */
  id: string;
  /** `interrupted`: the run was stopped (Ctrl-C, SIGTERM) while this scenario ran. */
  status: 'passed' | 'failed' | 'interrupted';
  error?: string;
  /** ISO 8601, UTC. */
  startedAt: string;
  durationMs: number;
  /** `SELECT version()` of the primary. */
  postgres?: string;
  /** Image the nodes ran, e.g. `pgchaos/postgres:15`. */
  image?: string;
  /** The settings the cluster started with (synchronous_standby_names, synchronous_commit, standbys, …). */
  cluster?: Record<string, unknown>;
  /** Shell command that reruns just this scenario on this major. */
  rerun: string;
  metrics: Record<string, unknown>;
  verdicts: Verdict[];
  events: ScenarioEvent[];
  writer?: { clients: number; batchRows: number; samples: WriterSample[] };
  observer?: { samples: ObserverSample[]; transitions: Record<string, SyncTransition[]> };
  /** Node name → server log path, relative to the run folder. */
  logs: Record<string, string>;
}

/** A file-name-safe form of a name. */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
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
    super(`the reports folder ${dir} is full (${code})`, 'free space there (pgchaos prune --keep 5 removes older runs) or write reports elsewhere: pgchaos run --out DIR');
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
