import { execa } from 'execa';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { sweepOrphans, sweepRun } from '../docker.ts';
import { resolveImage } from '../db/image.ts';
import { log } from '../logger.ts';
import { ENGINE_SCRIPT } from '../paths.ts';
import { writeReport } from '../report/report.ts';
import { currentRun } from '../run.ts';
import { userConfig } from './config.ts';


/**
 * vitest global setup of the container projects: makes the engine answer (docker/engine.sh),
 * sweeps what crashed runs left, builds the image if missing (outside any test's timeout).
 * Teardown removes anything still labelled with this run; the scenarios project's also writes the report.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const run = currentRun();
  const engine = await execa('bash', [ENGINE_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'], reject: false });
  if (engine.exitCode !== 0) throw new Error('no Docker engine: see the message above (docker/engine.sh)');
  const swept = await sweepOrphans();
  if (swept.containers + swept.networks > 0) log().warn(swept, 'removed leftovers of crashed earlier runs');
  // The image the run's first major needs: the user's own (checked, never built) or pgchaos's.
  const config = userConfig();
  const major = config.pg[0]!;
  await resolveImage(major, { build: !config.images[major], ...(config.images[major] ? { image: config.images[major] } : {}) });
  return async () => {
    await sweepRun(run.id);
    if (project.name !== 'scenarios') return; // one report per run, written once its scenarios ended
    const summary = await writeReport(run.dir);
    if (summary) {
      const failed = summary.scenarios.filter((s) => s.status !== 'passed').length;
      process.stderr.write(`\npgchaos: ${summary.scenarios.length - failed} scenarios passed, ${failed} failed — report: ${run.dir}/index.html (${join(dirname(run.dir), 'latest')})\n`);
    }
  };
}
