import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

/**
 * Where runs write their reports: env PGCHAOS_REPORTS_DIR, else `reports/` in the working
 * directory — the user's project, not pgchaos's own folder inside node_modules. `pgchaos run --out`
 * sets the run folder itself (PGCHAOS_RUN_DIR).
 */
export function reportsDir(): string {
  return resolve(process.env.PGCHAOS_REPORTS_DIR ?? 'reports');
}

/** One run of pgchaos: its id labels every container and network; its folder receives the report. */
export interface Run {
  /** e.g. `20261122-031502-7f3a` (UTC time, then random). */
  id: string;
  /** `<reports>/<id>`, absolute. */
  dir: string;
}

/** A new run id: sortable by start time, unique on the machine. */
export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${randomBytes(2).toString('hex')}`;
}

/**
 * The run this process belongs to: the one named by PGCHAOS_RUN_ID / PGCHAOS_RUN_DIR (set by
 * the CLI or the scenarios' global setup, inherited by vitest workers), else a new one in
 * `reportsDir()`, which is then exported to the environment so child processes join it. The
 * folder is created by whoever first writes into it.
 */
export function currentRun(): Run {
  const id = (process.env.PGCHAOS_RUN_ID ??= newRunId());
  const dir = (process.env.PGCHAOS_RUN_DIR ??= join(reportsDir(), id));
  return { id, dir };
}
