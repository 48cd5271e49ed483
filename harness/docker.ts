import type Dockerode from 'dockerode';
import { execa } from 'execa';
import { ConfigError } from './errors.ts';

// testcontainers' defaults do not work on an offline engine: Ryuk is an image to pull (the
// harness removes its own containers by label instead), and with /.dockerenv present it would
// start an alpine container to find the host address. Set before the client is created.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';

const { getContainerRuntimeClient } = await import('testcontainers');

/** Label carried by every container and network a run creates: its value is the run id. */
export const RUN_LABEL = 'pgchaos.run';
/** Label naming the pid of the process that created the object: a dead pid marks a crashed run's leftovers. */
export const OWNER_LABEL = 'pgchaos.owner-pid';

/** The labels for objects created by this process in run `runId`. */
export function runLabels(runId: string): Record<string, string> {
  return { [RUN_LABEL]: runId, [OWNER_LABEL]: String(process.pid) };
}

let client: Promise<Dockerode> | undefined;

/**
 * The Docker API client (dockerode, as testcontainers exposes it), created once per process.
 * The engine is first asked with `docker info`, which honours DOCKER_HOST: testcontainers
 * would otherwise fall back to another socket when the engine the user named is down.
 * @throws ConfigError when no engine answers, naming the script that starts one.
 */
export function docker(): Promise<Dockerode> {
  client ??= connect().catch((e: unknown) => {
    client = undefined;
    throw e;
  });
  return client;
}

async function connect(): Promise<Dockerode> {
  const info = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 10_000 });
  if (info.exitCode !== 0) {
    const why = String(info.stderr || info.shortMessage || '').split('\n').find((l) => l.trim()) ?? 'docker info failed';
    throw new ConfigError(
      `no Docker engine answers${process.env.DOCKER_HOST ? ` at DOCKER_HOST=${process.env.DOCKER_HOST}` : ''} (${why.trim()})`,
      'run `bash docker/engine.sh` (as root on Debian it installs and starts docker.io), or start your Docker engine',
    );
  }
  return (await getContainerRuntimeClient()).container.dockerode;
}

/**
 * Removes every container (with its anonymous volumes) and network labelled with run `runId`.
 * Safe to call more than once and concurrently with a run that is ending.
 * @returns how many containers and networks it removed.
 */
export async function sweepRun(runId: string): Promise<{ containers: number; networks: number }> {
  return sweep([`${RUN_LABEL}=${runId}`], () => true);
}

/**
 * Removes what crashed earlier runs left: pgchaos containers and networks whose creating
 * process is no longer alive on this machine. Objects of runs still going on are kept.
 */
export async function sweepOrphans(): Promise<{ containers: number; networks: number }> {
  return sweep([OWNER_LABEL], (labels) => !pidAlive(Number(labels[OWNER_LABEL])));
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function sweep(labelFilter: string[], pick: (labels: Record<string, string>) => boolean) {
  const d = await docker();
  const containers = (await d.listContainers({ all: true, filters: { label: labelFilter } })).filter((c) => pick(c.Labels));
  await Promise.all(containers.map((c) => d.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreGone)));
  const networks = (await d.listNetworks({ filters: { label: labelFilter } })).filter((n) => pick(n.Labels ?? {}));
  await Promise.all(networks.map((n) => d.getNetwork(n.Id).remove().catch(ignoreGone)));
  return { containers: containers.length, networks: networks.length };
}

function ignoreGone(e: { statusCode?: number }): void {
  // 404: already removed; 409: removal already in progress.
  if (e.statusCode !== 404 && e.statusCode !== 409) throw e;
}
