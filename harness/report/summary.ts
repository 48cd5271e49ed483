import type { Verdict } from '../checks/verdict.ts';
import type { ScenarioRecord, ScenarioStatus } from './record.ts';

/**
 * The shapes of a run's `run.json` and `summary.json`: what the report, the matrix page,
 * `pgchaos compare` and the run index read; and a run's status and count line from its counts.
 * `summary.json` is the machine-readable face of a run; its `schema` changes when a field
 * changes meaning (a new status, `skipped`, and its count left schema 2 as it was: a summary
 * without them still reads).
 */

/** Where and how a run ran; written to `reports/<run>/run.json` when the run starts. */
export interface RunContext {
  run: string;
  /** ISO 8601, UTC. */
  startedAt: string;
  /** The command line as typed (argv after node), e.g. `pgchaos run --pg 13,15`. */
  command: string;
  /** pgchaos's version (package.json). */
  pgchaos: string;
  /** `git rev-parse HEAD` of the project the run ran in (the user's), `+dirty` when it had changes; null outside git. */
  git: string | null;
  /**
   * The machine; `loadAverage`: its 1-, 5- and 15-minute load averages (os.loadavg()) as the run
   * started, absent in runs before it was recorded. A run on a loaded machine measures the machine too.
   */
  host: { hostname: string; platform: string; cpus: number; node: string; docker: string | null; loadAverage?: number[] };
  /** PostgreSQL majors the run covers, in the order run. */
  majors: number[];
  /** The HA config under test (pgchaos.config.json + flags), without secrets. */
  config: Record<string, unknown>;
  /** Shard of a split run (`1/2`), when vitest --shard split it. */
  shard?: string;
}

/** A metric's entry in the dictionary of `summary.json`. */
export interface MetricInfo {
  /** `ms`, `tps`, `count`, `bytes`, `LSN`, `bool`, `text`, … */
  unit: string;
  description: string;
  /** Which way is a regression: `lower` = a rise is worse (outage ms), `higher` = a fall is worse (TPS); `none` = not compared. */
  better: 'lower' | 'higher' | 'none';
  /** Default regression threshold: a change beyond both is a regression (e.g. +20 % and +500 ms). */
  threshold?: { relative?: number; absolute?: number };
}

/** One scenario on one major in `summary.json`. */
export interface SummaryScenario
  extends Pick<
    ScenarioRecord,
    | 'id'
    | 'file'
    | 'name'
    | 'major'
    | 'seed'
    | 'status'
    | 'error'
    | 'reason'
    | 'startedAt'
    | 'durationMs'
    | 'postgres'
    | 'image'
    | 'rerun'
    | 'metrics'
  > {
  /** Every verdict with its structured evidence (bounds, windows, figures). */
  verdicts: Verdict[];
}

/** `reports/<run>/summary.json`. */
export interface Summary {
  schema: 2;
  run: string;
  context: RunContext | null;
  majors: number[];
  /**
   * `interrupted` when a scenario was, else `failed` when one failed, else `passed` when one
   * passed; `skipped` when every scenario was skipped (nothing was verified).
   */
  status: 'passed' | 'failed' | 'interrupted' | 'skipped';
  /** Scenarios per status; a summary written before `skipped` existed has none (read as 0). */
  counts: Record<ScenarioStatus, number>;
  scenarios: SummaryScenario[];
  /** Every metric name used in `scenarios[].metrics`, with unit and meaning. */
  metricDictionary: Record<string, MetricInfo>;
}

/**
 * A run's status from its scenarios' counts: `interrupted` over `failed` over `passed`; a run
 * where none passed, failed or was interrupted but some were skipped verified nothing: `skipped`.
 */
export function runStatus(counts: Summary['counts']): Summary['status'] {
  if (counts.interrupted > 0) return 'interrupted';
  if (counts.failed > 0) return 'failed';
  return counts.passed === 0 && counts.skipped > 0 ? 'skipped' : 'passed';
}

/** `2 passed, 1 failed`, then the interrupted and skipped when there are any. */
export function countsText(c: Summary['counts']): string {
  return `${c.passed} passed, ${c.failed} failed${c.interrupted ? `, ${c.interrupted} interrupted` : ''}${c.skipped ? `, ${c.skipped} skipped` : ''}`;
}
