import type { Verdict } from '../checks/verdict.ts';
import type { ScenarioRecord } from './record.ts';

/**
 * The shapes of a run's `run.json` and `summary.json`: what the report, the matrix page,
 * `pgchaos compare` and the run index read. `summary.json` is the machine-readable face of a
 * run; its `schema` changes when a field changes meaning.
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
  host: { hostname: string; platform: string; cpus: number; node: string; docker: string | null };
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
    'id' | 'file' | 'name' | 'major' | 'seed' | 'status' | 'error' | 'startedAt' | 'durationMs' | 'postgres' | 'image' | 'rerun' | 'metrics'
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
  status: 'passed' | 'failed' | 'interrupted';
  counts: { passed: number; failed: number; interrupted: number };
  scenarios: SummaryScenario[];
  /** Every metric name used in `scenarios[].metrics`, with unit and meaning. */
  metricDictionary: Record<string, MetricInfo>;
}
