/** Making a Docker engine answer before anything uses it. */
import { execa } from 'execa';
import { docker } from '../../harness/docker.ts';
import { ConfigError } from '../../harness/errors.ts';
import { ENGINE_SCRIPT } from '../../harness/paths.ts';

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
