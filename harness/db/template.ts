/**
 * Cluster templates: an image holding a cleanly stopped primary's data directory, made once per
 * configuration and run, from which every later cluster of that configuration starts: its hosts
 * are containers of the template image, so each node's data directory is there from the start
 * (an image layer, copied on write), instead of initdb and pg_basebackup (seconds), or copying
 * tens of MB into every container (measured here: 0.4 s per node, about 1 s for three at once).
 *
 * Why a copy of a stopped primary is a valid primary *and* a valid standby: after a clean
 * shutdown the data directory is consistent on its own (docs: backup-file.html), and one started
 * with standby.signal replays from its last checkpoint and streams the rest from the primary it
 * names (docs: warm-standby.html), as a standby made from a cold backup does. So one data
 * directory serves every node, whatever the number or names of the standbys.
 *
 * What keys a template (`templateKey`): the base image (name and id), the major, postgresql.conf
 * without the settings each cluster writes itself, pg_hba.conf, data checksums, the replication
 * role and `TEMPLATE_FORMAT`. Anything else that changes what initdb or the first start write
 * must go into the key. Keys are per run: a template never outlives the run that made it.
 *
 * No secret is kept: the template's roles have the passwords of the cluster that made it, which
 * nobody uses again; every cluster sets its own (`PgNode.startFromTemplate`) before its standbys
 * connect, and the passfile is written after the template is made. Each cluster also writes its
 * own synchronous_standby_names and synchronous_commit (`PER_CLUSTER_SETTINGS`): the standby-loss
 * matrix's configurations share one template.
 *
 * Lifetime: the image carries the run's labels (`pgchaos.run`, owner pid and host, lease) and
 * `pgchaos.template`. Its owner is the process that lives as long as the run (see
 * `templateOwnerPid`), so vitest's worker processes, one per test file, share it.
 * `removeTemplates(run)` removes a run's templates at its end; `sweepTemplates()` (at every
 * cluster start, after the sweep of containers) removes those of runs that ended or crashed, by
 * the same rule as their containers (`ownership` in docker.ts).
 *
 * Parallel makers: two processes that miss the same template at once both make one, each under
 * its own tag (`findTemplate`); both are removed with the run's.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  docker,
  EXPIRES_LABEL,
  HOST_LABEL,
  localSweepContext,
  OWNER_LABEL,
  OWNER_START_LABEL,
  ownership,
  processStartTime,
  RUN_LABEL,
  runLabels,
  type SweepContext,
} from '../docker.ts';
import { log } from '../logger.ts';
import { renderConf, renderHba } from './ha-config.ts';
import type { PgImage } from './image.ts';

/** What a template is made of changes with this number; templates of another format are never found. */
export const TEMPLATE_FORMAT = 1;

/** Repository of template images; the tag is `<run>-<key>-<random>` (see `findTemplate`). */
export const TEMPLATE_REPO = 'pgchaos/template';

/** Label naming a template image's key (containers of the image inherit it: the template they were made from). */
export const TEMPLATE_LABEL = 'pgchaos.template';

/** Everything a template's data directory depends on. */
export interface TemplateKeyInput {
  image: PgImage;
  /** The engine's id of the base image (`sha256:…`): a rebuilt image under the same name is another template. */
  imageId: string;
  /** postgresql.conf lines written at initdb (all but the per-cluster settings). */
  conf: string;
  /** The whole pg_hba.conf. */
  hba: string;
  dataChecksums: boolean;
  replicationUser: string;
}

/** A short stable hash of everything a template depends on (16 hex digits). */
export function templateKey(i: TemplateKeyInput): string {
  const parts = [TEMPLATE_FORMAT, i.image.name, i.imageId, i.image.major, i.conf, i.hba, i.dataChecksums, i.replicationUser];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/** Settings each cluster writes on top of its template: they change from cluster to cluster (the matrix runs many), not what initdb makes. */
export const PER_CLUSTER_SETTINGS: readonly string[] = ['synchronous_standby_names', 'synchronous_commit'];

/** What a template is made with (`conf`, `hba`, checksums) and what each cluster adds to it (`clusterConf`). */
export interface TemplateShape {
  conf: string;
  clusterConf: string;
  hba: string;
  dataChecksums: boolean;
}

/**
 * Splits a cluster's settings between its template and itself (`PER_CLUSTER_SETTINGS`).
 * pg_hba.conf admits `samenet` (any address of a network the server is on: the cluster network,
 * whose subnet a template made on another network does not know) rather than a subnet.
 */
export function templateShape(
  settings: Record<string, string | number | boolean>,
  dataChecksums: boolean,
  replicationUser: string,
): TemplateShape {
  const own = Object.entries(settings).filter(([k]) => !PER_CLUSTER_SETTINGS.includes(k));
  const perCluster = Object.entries(settings).filter(([k]) => PER_CLUSTER_SETTINGS.includes(k));
  return {
    conf: renderConf(Object.fromEntries(own)),
    clusterConf: renderConf(Object.fromEntries(perCluster)),
    hba: renderHba('samenet', replicationUser),
    dataChecksums,
  };
}

/**
 * A boolean parameter's value as the server reads it (docs: config-setting.html: on, off, true,
 * false, yes, no, 1, 0, or a unique prefix of one); absent counts as on.
 */
export function settingIsOn(v: string | number | boolean | undefined): boolean {
  if (v === undefined) return true;
  return !/^(of|off|f|fa|fal|fals|false|n|no|0)$/i.test(String(v).trim());
}

/** A new name for a template image of `key` in run `runId`: each maker commits under its own tag (see `findTemplate`). */
export function newTemplateName(runId: string, key: string): string {
  return `${TEMPLATE_REPO}:${runId}-${key}-${randomBytes(3).toString('hex')}`;
}

/** What a template needs to know of the base image. */
export interface BaseImageFacts {
  /** The engine's id (`sha256:…`). */
  id: string;
  /** The volumes the image declares (`VOLUME`): a commit leaves their contents out. */
  volumes: string[];
}

/** The base image's id and declared volumes. */
export async function inspectBaseImage(name: string): Promise<BaseImageFacts> {
  const info = await (await docker()).getImage(name).inspect();
  return { id: info.Id, volumes: Object.keys(info.Config?.Volumes ?? {}) };
}

/**
 * Whether `path` lies in one of `volumes` (official postgres images declare
 * /var/lib/postgresql/data, 18 and later /var/lib/postgresql): a template image cannot carry
 * what is there, since `docker commit` leaves volumes out.
 */
export function inVolume(path: string, volumes: readonly string[]): boolean {
  const norm = (p: string) => p.replace(/\/+$/, '') || '/';
  return volumes.map(norm).some((v) => norm(path) === v || norm(path).startsWith(v === '/' ? '/' : `${v}/`));
}

/**
 * The template image of `key` in run `runId`, if one was made. Two processes that miss the same
 * template at once both make one, each under its own tag, and each starts its own cluster from
 * its own (a cluster's standbys must share its primary's system identifier); later clusters take
 * the first by name. A commit tags an image only once it is complete: no reader sees half a
 * template.
 * @returns its name, or undefined.
 */
export async function findTemplate(runId: string, key: string): Promise<string | undefined> {
  const prefix = `${TEMPLATE_REPO}:${runId}-${key}-`;
  const images = await (await docker()).listImages({ filters: { label: [`${TEMPLATE_LABEL}=${key}`, `${RUN_LABEL}=${runId}`] } });
  return images
    .flatMap((i) => i.RepoTags ?? [])
    .filter((t) => t.startsWith(prefix))
    .sort()[0];
}

/**
 * The pid that owns a run's templates: the process that lives as long as the run. Inside a
 * vitest worker (a child forked by vitest, one per test file) that is vitest itself, the parent,
 * whose global teardown ends the run; elsewhere (the CLI's own process, a script, the bench)
 * this process. With a worker's own pid, the next test file's sweep would remove the template as
 * soon as the worker that made it exits.
 */
export function templateOwnerPid(
  env: NodeJS.ProcessEnv = process.env,
  forked = typeof process.send === 'function',
  pids = { pid: process.pid, ppid: process.ppid },
): number {
  return env.VITEST_POOL_ID !== undefined && forked ? pids.ppid : pids.pid;
}

/** The labels of a template image of run `runId`: the run's, owned by `templateOwnerPid()`, and its key. */
export function templateLabels(runId: string, key: string): Record<string, string> {
  const labels = runLabels(runId);
  const owner = templateOwnerPid();
  const start = processStartTime(owner); // the owner's, not this process's: with the pid it names the owner for good
  return {
    [RUN_LABEL]: labels[RUN_LABEL]!,
    [OWNER_LABEL]: String(owner),
    ...(start ? { [OWNER_START_LABEL]: start } : {}),
    [HOST_LABEL]: labels[HOST_LABEL]!,
    [EXPIRES_LABEL]: labels[EXPIRES_LABEL]!,
    [TEMPLATE_LABEL]: key,
  };
}

/**
 * Commits container `container` (its server cleanly stopped) as the template image `name`, with
 * `labels` (they replace the container's own of the same names).
 * @returns the image's name.
 */
export async function commitTemplate(container: string, name: string, labels: Record<string, string>): Promise<string> {
  const [repo, tag] = [name.slice(0, name.lastIndexOf(':')), name.slice(name.lastIndexOf(':') + 1)];
  // One LABEL instruction, values as Dockerfile strings (JSON's quoting is one).
  const change = `LABEL ${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ')}`;
  const started = Date.now();
  await (await docker()).getContainer(container).commit({ repo, tag, changes: change, pause: true });
  log().debug({ template: name, ms: Date.now() - started }, 'cluster template made');
  return name;
}

/** A template image as listed by the engine. */
interface TemplateImage {
  id: string;
  /** Its tag, or the id when untagged. */
  ref: string;
  labels: Record<string, string>;
  createdMs: number;
}

async function listTemplates(filter: string[]): Promise<TemplateImage[]> {
  const images = await (await docker()).listImages({ filters: { label: [TEMPLATE_LABEL, ...filter] } });
  return images.map((i) => ({
    id: i.Id,
    ref: (i.RepoTags ?? []).find((t) => t.startsWith(`${TEMPLATE_REPO}:`)) ?? i.Id,
    labels: i.Labels ?? {},
    createdMs: i.Created * 1000,
  }));
}

/** Removes images; one still used by a container (409) or already gone (404) is left to a later sweep. @returns how many were removed. */
async function removeImages(images: readonly TemplateImage[]): Promise<number> {
  const d = await docker();
  const removed = await Promise.all(
    images.map((i) =>
      d
        .getImage(i.ref)
        .remove()
        .then(
          () => 1,
          (e: { statusCode?: number }) => {
            if (e.statusCode !== 404 && e.statusCode !== 409) throw e;
            return 0;
          },
        ),
    ),
  );
  return removed.reduce<number>((a, b) => a + b, 0);
}

/**
 * Removes the template images of runs that ended or crashed: this host's whose owner process is
 * gone, other hosts' whose lease has passed (`ownership`, as for containers). Call it after the
 * sweep of containers, which frees the images those used.
 * @returns how many it removed.
 */
export async function sweepTemplates(ctx: SweepContext = localSweepContext()): Promise<number> {
  return removeImages((await listTemplates([])).filter((i) => ownership(i.labels, i.createdMs, ctx).sweep));
}

/**
 * Removes every template image of run `runId` (at its end, after its containers: `sweepRun`).
 * @returns how many it removed.
 */
export async function removeTemplates(runId: string): Promise<number> {
  return removeImages(await listTemplates([`${RUN_LABEL}=${runId}`]));
}
