import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { noteReportsFull, ReportsFullError } from '../report/record.ts';
import { currentRun, type Run } from '../run-id.ts';
import { SETUP_ERROR_FILE } from './count-reporter.ts';
import { userConfig } from './config.ts';
import { writeRunContext } from './context.ts';
import { finishRun, prepareRun } from './lifecycle.ts';
import { provideImageLacks } from './needs.ts';

/** How this vitest run was started, as a shell line (npm's script name when npm started it). */
function commandLine(): string {
  const script = process.env.npm_lifecycle_event;
  return script ? `npm run ${script}` : ['vitest', ...process.argv.slice(2)].join(' ');
}

/**
 * vitest global setup of the container projects: the run's preparation (lifecycle.ts: engine,
 * sweep of crashed runs, images built if missing outside any test's timeout, the config checked
 * on them), then the run header (run.json).
 * Teardown removes anything still labelled with this run; the scenarios project's also writes the report.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const run = currentRun();
  try {
    return await prepare(project, run);
  } catch (e) {
    // The JUnit file must say the run failed (count-reporter.ts reads this), not look green with 0 tests.
    await mkdir(run.dir, { recursive: true });
    await writeFile(join(run.dir, SETUP_ERROR_FILE), (e as Error).stack ?? String(e));
    throw e;
  }
}

async function prepare(project: TestProject, run: Run): Promise<() => Promise<void>> {
  const config = userConfig();
  const { lacks } = await prepareRun(config, run);
  provideImageLacks(project, lacks);
  await writeRunContext(run, config, process.env.PGCHAOS_COMMAND ?? commandLine());
  return async () => {
    // One report per run, written once its scenarios ended (the scenarios project's teardown).
    // A full disk: what was written stays; the CLI says so once, at the end, with its own exit code.
    const { summary } = await finishRun(run, { report: project.name === 'scenarios' }).catch((e: unknown) => {
      if (!(e instanceof ReportsFullError)) throw e;
      noteReportsFull(e);
      return { summary: undefined };
    });
    if (summary) {
      const k = summary.counts;
      const counts =
        summary.status === 'skipped'
          ? `no scenario ran, ${k.skipped} skipped`
          : `${k.passed} scenarios passed, ${k.failed} failed${k.interrupted ? `, ${k.interrupted} interrupted` : ''}${k.skipped ? `, ${k.skipped} skipped` : ''}`;
      process.stderr.write(`\npgchaos: ${counts} — report: ${run.dir}/index.html (${join(dirname(run.dir), 'latest')})\n`);
    }
  };
}
