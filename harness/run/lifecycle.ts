/**
 * The life of a run around its scenarios, written once for both ways a run starts: `pgchaos run`
 * (bin/cli/run.ts, before it starts vitest) and vitest's global setup (global-setup.ts, for
 * `npm test` and inside the CLI's vitest child).
 *
 *   prepareRun: a Docker engine that answers, the leftovers of crashed runs swept, each major's
 *     image found or built, and the config checked against that image (parameter names from its
 *     pg_settings, values with `postgres --check`) — all before any scenario starts, so a bad
 *     input is one error rather than one per scenario.
 *   finishRun: every container, network and volume labelled with the run removed, its template
 *     images too, its log folders closed, and (when asked) its report written.
 */
import { execa } from 'execa';
import { checkParameterNames } from '../db/ha-config.ts';
import { probeImage, resolveImage, type PgImage } from '../db/image.ts';
import { prepareNetFaults } from '../db/netns.ts';
import { removeTemplates } from '../db/template.ts';
import { closeLogFolders } from '../cleanup.ts';
import { docker, sweepOrphans, sweepRun, type Removed } from '../docker.ts';
import { ConfigError } from '../errors.ts';
import { log } from '../logger.ts';
import { ENGINE_SCRIPT } from '../paths.ts';
import { writeReport } from '../report/report.ts';
import type { Summary } from '../report/summary.ts';
import type { Run } from '../run-id.ts';
import { validatePatroniConfig } from '../manager/patroni/cluster.ts';
import { ensurePatroniImage } from '../manager/patroni/image.ts';
import { checkConfigOnImage, type UserConfig } from './config.ts';
import { noteImageLacks, type ImageLacks } from './needs.ts';

/**
 * Set to the run id once `prepareRun` checked that run's config on its images (the CLI, before
 * starting vitest): the vitest child's global setup then skips the `postgres --check` container.
 */
export const PREPARED_ENV = 'PGCHAOS_PREPARED_RUN';

/**
 * Makes sure a Docker engine answers. An engine named by DOCKER_HOST is asked once and, when
 * it does not answer, is an error at once (it is not this machine's to start: docker/engine.sh
 * would wait for a local dockerd and then blame it). Otherwise docker/engine.sh starts the
 * local engine when it can (as root on Debian it installs docker.io).
 * @throws ConfigError naming DOCKER_HOST, or saying engine.sh could not start one.
 */
export async function ensureEngine(): Promise<void> {
  try {
    await docker();
    return;
  } catch (e) {
    if (process.env.DOCKER_HOST || !(e instanceof ConfigError)) throw e;
  }
  const r = await execa('bash', [ENGINE_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'], reject: false });
  if (r.exitCode !== 0) {
    throw new ConfigError(
      'no Docker engine answers, and none could be started here (the lines above say why)',
      'start your Docker engine (or set DOCKER_HOST to one that answers), then run again; `pgchaos doctor` checks',
    );
  }
  await docker();
}

/** What `prepareRun` found: the image of each major of the config, and what each lacks. */
export interface PreparedRun {
  /** One per major of `config.pg`, in that order. */
  images: PgImage[];
  /** Per major, the binary its image lacks and the stories that need it skip (needs.ts). */
  lacks: ImageLacks;
}

/**
 * Everything a run needs before its first scenario, in this order: the engine, a sweep of
 * crashed runs' leftovers, then per major of the config: its image (the user's own, checked and
 * never built; else pgchaos's, built when missing), the config's parameter names against the
 * image's pg_settings, the values with `postgres --check` in one throwaway container (skipped
 * when `PREPARED_ENV` names `run`: the CLI did it), what the image lacks, and the partitions'
 * helper image; under manager patroni, the patroni.yml judged by Patroni's `--validate-config`.
 * @throws ConfigError (exit 2 at the CLI) for no engine, an image that cannot be found or built,
 *   a misspelt parameter or a value the server refuses, a patroni.yml Patroni refuses; nothing
 *   of the run's has started then.
 */
export async function prepareRun(config: UserConfig, run: Run): Promise<PreparedRun> {
  await ensureEngine();
  const swept = await sweepOrphans();
  if (swept.containers + swept.networks > 0) log().warn(swept, 'removed leftovers of crashed earlier runs');
  const checked = process.env[PREPARED_ENV] === run.id;
  const images: PgImage[] = [];
  const lacks: ImageLacks = {};
  for (const major of config.pg) {
    const own = config.images[major];
    const image = await resolveImage(major, { build: !own, pull: config.pull, ...(own ? { image: own } : {}) });
    const probe = await probeImage(image);
    if (!checked) {
      checkParameterNames(config.settings, probe.parameters, major);
      await checkConfigOnImage(config, image);
    }
    // A binary only some stories need (pg_rewind): named once here, and those stories skipped.
    const lack = noteImageLacks(lacks, image, probe);
    if (lack && !checked) log().warn({ image: image.name }, lack);
    // Patroni judges the user's patroni.yml now, not the first managed story (and so not once per story).
    if (config.manager === 'patroni' && !checked) await checkPatroniOnImage(config, major);
    // Partitions run iptables from a helper container: found or built now, not inside a scenario.
    await prepareNetFaults(image);
    images.push(image);
  }
  process.env[PREPARED_ENV] = run.id;
  return { images, lacks };
}

/**
 * Under manager patroni: the Patroni image of `major` found or built, and the config's patroni.yml
 * (else Patroni's defaults) judged by `patroni --validate-config` as a node would get it, in one
 * throwaway container (PatroniCluster.start's own check, `validatePatroniConfig`).
 * @throws ConfigError naming the patroni.yml, the field Patroni refused and the fix.
 */
async function checkPatroniOnImage(config: UserConfig, major: number): Promise<void> {
  const image = await ensurePatroniImage(major);
  try {
    await validatePatroniConfig(image, config.patroni?.config ?? {});
  } catch (e) {
    if (e instanceof ConfigError && config.patroni) throw new ConfigError(`${config.patroni.file}: ${e.problem}`, e.fix);
    throw e;
  }
}

/** What `finishRun` did. */
export interface FinishedRun {
  /** What the sweep removed. */
  swept: Removed;
  /** The report's summary, when one was written. */
  summary?: Summary;
}

/**
 * The end of a run, whatever ended it (its last scenario, Ctrl-C, a dead parent): removes every
 * container, network and volume labelled with the run and its template images, closes its log
 * folders (0755: their containers, which wrote there, are gone), then writes the report of
 * `run.dir` when `report` and it holds records (the scenarios' records say `interrupted` where they were cut short).
 * @throws ReportsFullError (report/record.ts) when the reports folder filled up; what was written stays.
 */
export async function finishRun(run: Run, { report }: { report: boolean }): Promise<FinishedRun> {
  const swept = await sweepRun(run.id);
  await removeTemplates(run.id);
  await closeLogFolders(run.dir);
  if (!report) return { swept };
  const summary = await writeReport(run.dir);
  return summary ? { swept, summary } : { swept };
}
