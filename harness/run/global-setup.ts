import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { sweepOrphans, sweepRun } from '../docker.ts';
import { defaultMajor, resolveImage } from '../db/image.ts';
import { log } from '../logger.ts';
import { writeReport } from '../report/report.ts';
import { currentRun } from '../run.ts';

const ENGINE_SCRIPT = fileURLToPath(new URL('../../docker/engine.sh', import.meta.url));

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
  await resolveImage(defaultMajor(), { build: true });
  return async () => {
    await sweepRun(run.id);
    if (project.name !== 'scenarios') return; // one report per run, written once its scenarios ended
    const summary = await writeReport(run.dir);
    if (summary) {
      const failed = summary.scenarios.filter((s) => s.status !== 'passed').length;
      process.stderr.write(`\npgchaos: ${summary.scenarios.length - failed} scenarios passed, ${failed} failed — report: ${run.dir}/index.html (reports/latest)\n`);
    }
  };
}
