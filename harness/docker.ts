import type Dockerode from 'dockerode';
import { execa } from 'execa';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { relative } from 'node:path';
import { ConfigError } from './errors.ts';
import { ENGINE_SCRIPT } from './paths.ts';

// testcontainers' defaults do not work on an offline engine: Ryuk is an image to pull (the
// harness removes its own containers by label instead), and with /.dockerenv present it would
// start an alpine container to find the host address. Set before the client is created.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';

const { getContainerRuntimeClient } = await import('testcontainers');

/** Label carried by every container and network a run creates: its value is the run id. */
export const RUN_LABEL = 'pgchaos.run';
/** Label naming the pid of the process that created the object, meaningful only on its owner host. */
export const OWNER_LABEL = 'pgchaos.owner-pid';
/**
 * Label with that process's start time (clock ticks after boot, /proc/<pid>/stat field 22): with the pid it names one
 * process for good, where a pid alone may since belong to another (pids are reused). Absent outside Linux.
 */
export const OWNER_START_LABEL = 'pgchaos.owner-start';
/** Label naming where that pid lives (`hostIdentity()`): one engine may serve several machines or containers. */
export const HOST_LABEL = 'pgchaos.owner-host';
/** Label with the ISO time after which any host may remove the object as abandoned (its lease). */
export const EXPIRES_LABEL = 'pgchaos.expires';
/** Label on a container that holds a node's WAL volume (db/wal-mount.ts): the node's name. */
export const WAL_KEEPER_LABEL = 'pgchaos.wal-keeper-of';

/** Default lease of a run's objects, hours (env PGCHAOS_LEASE_HOURS): after it, another host's sweep may remove them. */
export const DEFAULT_LEASE_HOURS = 12;

/**
 * How long objects created now stay off-limits to other hosts' sweeps: env PGCHAOS_LEASE_HOURS
 * (default 12). A run that lasts longer on a shared engine needs a longer lease.
 */
export function leaseMs(): number {
  const h = Number(process.env.PGCHAOS_LEASE_HOURS ?? DEFAULT_LEASE_HOURS);
  return (Number.isFinite(h) && h > 0 ? h : DEFAULT_LEASE_HOURS) * 3_600_000;
}

let identity: string | undefined;

/**
 * Where a pid means something: the hostname (for people), the kernel's boot id (a different
 * machine, VM or boot) and the pid namespace (a different container on the same kernel).
 * Two processes with the same identity see the same pids; with different ones, a pid label
 * says nothing about liveness. Outside Linux only the hostname is known.
 */
export function hostIdentity(): string {
  if (identity) return identity;
  const parts = [hostname()];
  try {
    parts.push(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    parts.push(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '?');
  } catch {
    /* not Linux: the hostname alone */
  }
  return (identity = parts.join('/'));
}

/**
 * When process `pid` started: field 22 of /proc/<pid>/stat (clock ticks after boot), as a string.
 * @returns undefined when it is not running or this is not Linux.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses; the fields after its last ')' start at field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The labels for objects created by this process in run `runId`. */
export function runLabels(runId: string, now = Date.now()): Record<string, string> {
  const start = processStartTime(process.pid);
  return {
    [RUN_LABEL]: runId,
    [OWNER_LABEL]: String(process.pid),
    ...(start ? { [OWNER_START_LABEL]: start } : {}),
    [HOST_LABEL]: hostIdentity(),
    [EXPIRES_LABEL]: new Date(now + leaseMs()).toISOString(),
  };
}

/** What a sweep makes of one labelled object. */
export interface Ownership {
  /**
   * `live`: its owner process runs on this host; `crashed`: its owner process on this host is gone;
   * `foreign`: another host's, within its lease; `expired`: another host's (or unknown), lease passed.
   */
  state: 'live' | 'crashed' | 'foreign' | 'expired';
  /** Whether a sweep of crashed runs removes it (`crashed` and `expired`). */
  sweep: boolean;
  /** A sentence for `pgchaos doctor`. */
  why: string;
}

/** What `ownership` needs to know about the sweeping process. */
export interface SweepContext {
  /** `hostIdentity()` of the sweeping process. */
  host: string;
  /** Now, epoch ms. */
  now: number;
  /** Lease assumed for objects that carry no expiry label (made by pgchaos before 0.1.0), ms. */
  leaseMs: number;
  /** Whether a pid is alive in the sweeping process's pid namespace. */
  pidAlive(pid: number): boolean;
  /** `processStartTime`: when the process now holding `pid` started, undefined when unknown. */
  pidStart(pid: number): string | undefined;
}

/**
 * Decides whether an object a pgchaos run created is a crashed run's leftover. A pid is only
 * asked about on the host that recorded it: on a shared engine (a mounted socket, a DinD
 * sidecar) another machine's live cluster has pids that are "dead" here. There, the owner is
 * alive only if its pid runs and started when the label says (`pgchaos.owner-start`): a pid
 * reused by another process does not keep an orphan forever. An object of this host without a
 * start time (older pgchaos, not Linux) is trusted to a live pid only until its lease ends.
 * Another host's objects are left alone until their lease (`pgchaos.expires`, else creation +
 * `leaseMs`) has passed.
 * @param createdMs when the engine created it (epoch ms), for objects without an expiry label.
 */
export function ownership(labels: Record<string, string>, createdMs: number, ctx: SweepContext): Ownership {
  const pid = Number(labels[OWNER_LABEL]);
  const host = labels[HOST_LABEL];
  const labelled = Date.parse(labels[EXPIRES_LABEL] ?? '');
  const expires = Number.isFinite(labelled) ? labelled : createdMs + ctx.leaseMs;
  if (host === ctx.host) {
    const gone = { state: 'crashed', sweep: true, why: `its process ${labels[OWNER_LABEL] ?? '?'} on this host is gone` } as const;
    if (!(Number.isInteger(pid) && pid > 0 && ctx.pidAlive(pid))) return gone;
    const started = labels[OWNER_START_LABEL];
    const now = ctx.pidStart(pid);
    if (started !== undefined && now !== undefined && now !== started)
      return { ...gone, why: `${gone.why} (pid ${pid} now belongs to a process started later)` };
    if (started === undefined && Number.isFinite(expires) && expires <= ctx.now) {
      return {
        state: 'expired',
        sweep: true,
        why: `its lease ended ${new Date(expires).toISOString()}, and pid ${pid}, with no start time recorded, may be another process by now`,
      };
    }
    return { state: 'live', sweep: false, why: `its process ${pid} on this host is running` };
  }
  const whose = host ? `host ${host}` : 'an unknown host (no owner-host label)';
  const until = Number.isFinite(expires) ? new Date(expires).toISOString() : 'never';
  if (Number.isFinite(expires) && expires <= ctx.now)
    return { state: 'expired', sweep: true, why: `made by ${whose}; its lease ended ${until}` };
  return { state: 'foreign', sweep: false, why: `made by ${whose}, leased until ${until}` };
}

let client: Promise<Dockerode> | undefined;

/**
 * The Docker API client (dockerode, as testcontainers exposes it), created once per process.
 * The engine is first asked with `docker info`, which honours DOCKER_HOST: testcontainers
 * would otherwise fall back to another socket when the engine the user named is down.
 * @throws ConfigError when no engine answers: naming DOCKER_HOST when it is set (a remote
 *   engine is not pgchaos's to start), else the script that starts a local one.
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
  if (info.exitCode !== 0) throw noEngine(String(info.stderr || info.shortMessage || ''));
  return (await getContainerRuntimeClient()).container.dockerode;
}

/** The error for "no engine answers", from `docker info`'s complaint. */
export function noEngine(complaint: string, dockerHost = process.env.DOCKER_HOST): ConfigError {
  const why =
    complaint
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? 'docker info failed';
  if (dockerHost) {
    return new ConfigError(
      `no Docker engine answers at DOCKER_HOST=${dockerHost} (${why})`,
      "start that engine or correct DOCKER_HOST; or unset DOCKER_HOST to use this machine's own engine (pgchaos starts it when it can)",
    );
  }
  const rel = relative(process.cwd(), ENGINE_SCRIPT);
  const script = rel.startsWith('..') ? ENGINE_SCRIPT : rel;
  return new ConfigError(
    `no Docker engine answers (${why})`,
    `run \`bash ${script}\` (as root on Debian it installs and starts docker.io), or start your Docker engine`,
  );
}

/**
 * Removes every container (with its anonymous volumes), volume and network labelled with run `runId`.
 * Safe to call more than once and concurrently with a run that is ending.
 * @returns how many containers and networks it removed.
 */
export async function sweepRun(runId: string): Promise<Removed> {
  const objects = await listObjects([`${RUN_LABEL}=${runId}`]);
  return removeObjects(objects);
}

/** How many objects of each kind a sweep removed. */
export interface Removed {
  containers: number;
  networks: number;
  /** WAL volumes (db/wal-mount.ts), the only volumes a run names with its labels. */
  volumes: number;
}

/** A container, network or volume some pgchaos run created, with what a sweep makes of it. */
export interface PgchaosObject {
  kind: 'container' | 'network' | 'volume';
  id: string;
  name: string;
  run: string;
  labels: Record<string, string>;
  createdMs: number;
  ownership: Ownership;
  /** A container frozen (`docker pause`, a freeze fault): it must be thawed before it can be removed. */
  paused?: boolean;
}

/** The sweep context of this process. */
export function localSweepContext(now = Date.now()): SweepContext {
  return { host: hostIdentity(), now, leaseMs: leaseMs(), pidAlive, pidStart: processStartTime };
}

/**
 * Every container and network carrying an owner label (every object a run created), or those
 * matching `labelFilter`, with its ownership as this process sees it.
 */
export async function listObjects(
  labelFilter: string[] = [OWNER_LABEL],
  ctx: SweepContext = localSweepContext(),
): Promise<PgchaosObject[]> {
  const d = await docker();
  const filters = { label: labelFilter };
  const [containers, networks, volumes] = await Promise.all([
    d.listContainers({ all: true, filters }),
    d.listNetworks({ filters }),
    d.listVolumes({ filters }),
  ]);
  const of = (kind: PgchaosObject['kind'], id: string, name: string, labels: Record<string, string>, createdMs: number): PgchaosObject => ({
    kind,
    id,
    name,
    run: labels[RUN_LABEL] ?? '?',
    labels,
    createdMs,
    ownership: ownership(labels, createdMs, ctx),
  });
  return [
    ...containers.map((c) => ({
      ...of('container', c.Id, (c.Names[0] ?? c.Id).replace(/^\//, ''), c.Labels ?? {}, c.Created * 1000),
      paused: c.State === 'paused',
    })),
    ...networks.map((n) => of('network', n.Id, n.Name, n.Labels ?? {}, Date.parse(n.Created ?? ''))),
    ...(volumes.Volumes ?? []).map((v) =>
      of('volume', v.Name, v.Name, v.Labels ?? {}, Date.parse((v as { CreatedAt?: string }).CreatedAt ?? '')),
    ),
  ];
}

/**
 * Removes what crashed earlier runs left: this host's objects whose creating process is gone,
 * and other hosts' objects whose lease has passed. Live runs, here or on another host sharing
 * the engine, are kept.
 */
export async function sweepOrphans(): Promise<Removed> {
  return removeObjects((await listObjects()).filter((o) => o.ownership.sweep));
}

/**
 * Removes containers first (with their anonymous volumes), then networks and volumes. WAL
 * keepers go once the other containers are gone: the engine keeps a volume a container still
 * mounts (db/wal-mount.ts), and a removal already in progress elsewhere (409) is not yet done.
 */
export async function removeObjects(objects: readonly PgchaosObject[]): Promise<Removed> {
  const d = await docker();
  const containers = objects.filter((o) => o.kind === 'container');
  // A paused container cannot be killed here (cgroup v1 freezer): the removal would hang. Thaw it first.
  const remove = (cs: PgchaosObject[]) =>
    Promise.all(
      cs.map(async (c) => {
        if (c.paused)
          await d
            .getContainer(c.id)
            .unpause()
            .catch(() => {});
        await d.getContainer(c.id).remove({ force: true, v: true }).catch(ignoreGone);
      }),
    );
  const hosts = containers.filter((c) => !(WAL_KEEPER_LABEL in c.labels));
  await remove(hosts);
  await Promise.all(hosts.map((c) => gone(d.getContainer(c.id))));
  await remove(containers.filter((c) => WAL_KEEPER_LABEL in c.labels));
  const networks = objects.filter((o) => o.kind === 'network');
  // A keeper's volume went with it (404 here); one whose keeper a crash took first is removed now.
  const volumes = objects.filter((o) => o.kind === 'volume');
  await Promise.all([
    ...networks.map((n) => d.getNetwork(n.id).remove().catch(ignoreGone)),
    ...volumes.map((v) => d.getVolume(v.id).remove().catch(ignoreGone)),
  ]);
  return { containers: containers.length, networks: networks.length, volumes: volumes.length };
}

/** Resolves once `c` is removed (404), or after 15 s. */
async function gone(c: Dockerode.Container): Promise<void> {
  for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    if (
      !(await c.inspect().then(
        () => true,
        () => false,
      ))
    )
      return;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ignoreGone(e: { statusCode?: number }): void {
  // 404: already removed; 409: removal already in progress.
  if (e.statusCode !== 404 && e.statusCode !== 409) throw e;
}
