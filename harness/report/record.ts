import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  detail?: Record<string, unknown>;
}

/** Everything one scenario leaves in `reports/<run>/scenarios/<slug>.json`; the report is built from these. */
export interface ScenarioRecord {
  name: string;
  file: string;
  status: 'passed' | 'failed';
  error?: string;
  startedAt: string;
  durationMs: number;
  /** `SELECT version()` of the primary. */
  postgres?: string;
  metrics: Record<string, unknown>;
  verdicts: Verdict[];
  events: ScenarioEvent[];
  writer?: { clients: number; batchRows: number; samples: WriterSample[] };
  observer?: { samples: ObserverSample[]; transitions: Record<string, SyncTransition[]> };
  /** Node name → server log path, relative to the run folder. */
  logs: Record<string, string>;
}

/** A file-name-safe form of a scenario name. */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Writes `scenarios/<slug>.json` under `runDir`; returns its path. */
export async function writeScenarioRecord(runDir: string, record: ScenarioRecord): Promise<string> {
  const dir = join(runDir, 'scenarios');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${slug(record.name)}.json`);
  await writeFile(path, JSON.stringify(record, null, 1));
  return path;
}
