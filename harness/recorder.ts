import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Verdict } from './checks/verdict.ts';
import { Clock } from './clock.ts';
import { log } from './logger.ts';
import type { ObserverSample, SyncTransition } from './observer.ts';
import type { WriterSample } from './writer.ts';

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

/**
 * A scenario's event log, metrics and verdicts on one clock. Faults and moves are also
 * logged as they happen, so a live run reads like the seed write-ups.
 */
export class Recorder {
  readonly clock = new Clock();
  readonly events: ScenarioEvent[] = [];
  readonly metrics: Record<string, unknown> = {};
  readonly verdicts: Verdict[] = [];

  constructor(
    readonly name: string,
    readonly file: string,
  ) {}

  /** Records an injected fault; returns its time. */
  fault(what: string, detail?: Record<string, unknown>): number {
    return this.event('fault', what, detail);
  }

  /** Records a topology move or repair (start, promote, rewind, repoint); returns its time. */
  move(what: string, detail?: Record<string, unknown>): number {
    return this.event('move', what, detail);
  }

  /** Records a step worth a line in the report; returns its time. */
  step(what: string, detail?: Record<string, unknown>): number {
    return this.event('step', what, detail);
  }

  /** Sets a metric for summary.json (figures in ms, TPS, counts, LSNs). */
  metric(name: string, value: unknown): void {
    this.metrics[name] = value;
  }

  /** Keeps a verdict for the report and returns it. */
  verdict<E>(v: Verdict<E>): Verdict<E> {
    this.verdicts.push(v);
    log()[v.ok ? 'info' : 'error'](`${v.ok ? 'PASS' : 'FAIL'} ${v.check}: ${v.summary}`);
    return v;
  }

  private event(kind: ScenarioEvent['kind'], what: string, detail?: Record<string, unknown>): number {
    const t = this.clock.now();
    this.events.push({ t, kind, what, ...(detail ? { detail } : {}) });
    log().info({ scenario: this.name, t: Math.round(t) }, `${kind}: ${what}`);
    return t;
  }
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
