import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { sweepOrphans, sweepRun } from '../docker.ts';
import { probeImage, resolveImage } from '../db/image.ts';
import { prepareNetFaults } from '../db/netns.ts';
import { removeTemplates } from '../db/template.ts';
import { closeLogFolders } from '../cleanup.ts';
import { log } from '../logger.ts';
import { ENGINE_SCRIPT } from '../paths.ts';
import { noteReportsFull, ReportsFullError } from '../report/record.ts';
import { writeReport } from '../report/report.ts';
import { currentRun, type Run } from '../run-id.ts';
import { SETUP_ERROR_FILE } from './count-reporter.ts';
import { userConfig } from './config.ts';
import { writeRunContext } from './context.ts';
import { noteImageLacks, provideImageLacks, type ImageLacks } from './needs.ts';

/** How this vitest run was started, as a shell line (npm's script name when npm started it). */
function commandLine(): string {
  const script = process.env.npm_lifecycle_event;
  return script ? `npm run ${script}` : ['vitest', ...process.argv.slice(2)].join(' ');
}

/**
 * vitest global setup of the container projects: makes the engine answer (docker/engine.sh),
 * sweeps what crashed runs left, builds the images of the config's majors if missing (outside
 * any test's timeout), and writes the run header (run.json).
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
  const engine = await execa('bash', [ENGINE_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'], reject: false });
  if (engine.exitCode !== 0) throw new Error('no Docker engine: see the message above (docker/engine.sh)');
  const swept = await sweepOrphans();
  if (swept.containers + swept.networks > 0) log().warn(swept, 'removed leftovers of crashed earlier runs');
  // The image every major of the run needs: the user's own (checked, never built) or pgchaos's.
  const config = userConfig();
  const lacks: ImageLacks = {};
  for (const major of config.pg) {
    const image = await resolveImage(major, {
      build: !config.images[major],
      pull: config.pull,
      ...(config.images[major] ? { image: config.images[major] } : {}),
    });
    // A binary only some stories need (pg_rewind): named once here, and those stories skipped (needs.ts).
    const lack = noteImageLacks(lacks, image, await probeImage(image));
    if (lack) log().warn({ image: image.name }, lack);
    await prepareNetFaults(image); // the partitions' helper image, found or built now rather than inside a scenario
  }
  provideImageLacks(project, lacks);
  await writeRunContext(run, config, process.env.PGCHAOS_COMMAND ?? commandLine());
  return async () => {
    await sweepRun(run.id);
    await removeTemplates(run.id);
    await closeLogFolders(run.dir); // its containers, which wrote there, are gone
    if (project.name !== 'scenarios') return; // one report per run, written once its scenarios ended
    // A full disk: what was written stays; the CLI says so once, at the end, with its own exit code.
    const summary = await writeReport(run.dir).catch((e: unknown) => {
      if (!(e instanceof ReportsFullError)) throw e;
      noteReportsFull(e);
      return null;
    });
    if (summary) {
      const k = summary.counts;
      const interrupted = k.interrupted ? `, ${k.interrupted} interrupted` : '';
      process.stderr.write(
        `\npgchaos: ${k.passed} scenarios passed, ${k.failed} failed${interrupted} — report: ${run.dir}/index.html (${join(dirname(run.dir), 'latest')})\n`,
      );
    }
  };
}
