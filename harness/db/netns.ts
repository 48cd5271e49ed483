/**
 * Network faults from outside the node: iptables runs in a short-lived helper container that
 * joins the node's network namespace (`NetworkMode: container:<id>`, CAP_NET_ADMIN), so a
 * partition works whatever image the node runs (official postgres:NN images have no iptables,
 * and a user's image need not run anything as root).
 *
 * One helper per call (create, start, wait, remove), not one kept per host: a helper kept
 * running stays in the namespace it joined, and a host that is killed and booted again gets a
 * new one (measured: the old helper's rules would silently land in the dead namespace).
 * Measured on 2 cores, four iptables rules: about 170 ms per call from a helper, 110 ms by
 * `docker exec` inside a node that has iptables, 80 ms by exec in a helper kept running (one
 * call to cut, one to heal).
 *
 * Used for every image, not only those without iptables: one code path, exercised by every
 * partition story on pgchaos's own image too; nodes need no NET_ADMIN; 60 ms more per call is
 * nothing next to the seconds a partition lasts. The helper's image is the node's own when it
 * has iptables, so pgchaos's images need no other.
 */
import type Dockerode from 'dockerode';
import { docker, runLabels } from '../docker.ts';
import { ConfigError, ExecError } from '../errors.ts';
import { BUILDABLE_MAJORS, ensurePgchaosImage, imageRepo, probeImage, type PgImage } from './image.ts';

/** Env naming the image the helper runs (it needs `sh` and `iptables`), instead of pgchaos's. */
export const NET_IMAGE_ENV = 'PGCHAOS_NET_IMAGE';

/** Label on every helper container: the node whose namespace it works in. */
export const NETNS_LABEL = 'pgchaos.netns-of';

/** Which container's namespace a helper joins, and for whom (labels, messages). */
export interface NetnsTarget {
  /** Engine id of the node's container (the host); it must be running. */
  containerId: string;
  /** Node name, for the helper's label and the error message. */
  node: string;
  /** Run id: the helper carries the run's labels, so a sweep removes one a crash left. */
  runId: string;
  /** The node's image, which may serve as the helper's image itself. */
  image: PgImage;
}

/**
 * Runs `script` with `sh -e` as root in the target's network namespace, from a helper
 * container removed afterwards, killed after `o.timeoutMs` (default 30 000).
 * @returns the helper's output. @throws ExecError (naming the node) when the script fails or
 *   times out; ConfigError when no image with iptables is on the engine.
 */
export async function runInNetns(target: NetnsTarget, script: string, o: { timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const d = await docker();
  const image = await helperImage(target.image);
  const helper = await d.createContainer({
    Image: image,
    Entrypoint: ['sh', '-ec'],
    Cmd: [script],
    User: 'root',
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    Labels: { ...runLabels(target.runId), [NETNS_LABEL]: target.node },
    HostConfig: { NetworkMode: `container:${target.containerId}`, CapAdd: ['NET_ADMIN'] },
  });
  try {
    await helper.start();
    const status = await waitFor(helper, timeoutMs);
    const output = await outputOf(helper);
    const what = `${script.split('\n')[0]} … (from a helper container in its network namespace)`;
    if (status === undefined) throw new ExecError(target.node, `${what} (timed out after ${timeoutMs / 1000} s)`, 124, output);
    if (status !== 0) throw new ExecError(target.node, what, status, output);
    return output;
  } finally {
    await helper.remove({ force: true }).catch(() => {});
  }
}

const chosen = new Map<string, Promise<string>>();

/**
 * The image a helper runs for nodes of `nodeImage`, found once per process:
 *  1. the one named by env PGCHAOS_NET_IMAGE;
 *  2. the node's own image when it is pgchaos's or has iptables (no other image needed);
 *  3. any local pgchaos image (`pgchaos/postgres:*`, built with iptables and iproute2);
 *  4. with `build`, pgchaos's image built offline (the node's major when Debian has it, else 15).
 * A fault never builds (a minute inside a scenario would wreck its timings): call this with
 * `build` before the scenarios start (`prepareNetFaults`).
 * @throws ConfigError when none is present and none may be built, naming the command that builds one.
 */
export function helperImage(nodeImage: PgImage, build = false): Promise<string> {
  let p = chosen.get(nodeImage.name);
  if (!p) {
    p = chooseHelperImage(nodeImage, process.env[NET_IMAGE_ENV], build);
    chosen.set(nodeImage.name, p);
    p.catch(() => chosen.delete(nodeImage.name));
  }
  return p;
}

/**
 * Makes sure network faults can run on nodes of `nodeImage` before any scenario starts: finds
 * the helper's image, building pgchaos's when none is present (about a minute).
 * @returns the helper's image. @throws ConfigError when it cannot be built.
 */
export function prepareNetFaults(nodeImage: PgImage): Promise<string> {
  return helperImage(nodeImage, true);
}

async function chooseHelperImage(nodeImage: PgImage, named: string | undefined, build: boolean): Promise<string> {
  if (named) return named;
  if (nodeImage.kind === 'pgchaos' || (await probeImage(nodeImage)).iptables) return nodeImage.name;
  const d = await docker();
  const repos = [...new Set([imageRepo(), 'pgchaos/postgres'])];
  const images = await d.listImages({ filters: { reference: repos.map((r) => `${r}:*`) } });
  const tag = images
    .flatMap((i) => i.RepoTags ?? [])
    .filter((t) => repos.some((r) => t.startsWith(`${r}:`)))
    .sort()
    .at(-1);
  if (tag) return tag;
  const major = nodeImage.major in BUILDABLE_MAJORS ? nodeImage.major : 15;
  if (build) return (await ensurePgchaosImage(major)).name;
  throw new ConfigError(
    `network faults on ${nodeImage.name} need iptables, which it lacks, and no pgchaos image (which has it) is on this engine to run it from a helper container`,
    `build one: npx pgchaos image --build ${major} (about a minute), load one (npx pgchaos image --load DIR), or name an image with sh and iptables in ${NET_IMAGE_ENV}`,
  );
}

/** The helper's exit code, or undefined when it ran past `timeoutMs` (it is then killed). */
async function waitFor(c: Dockerode.Container, timeoutMs: number): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    const r = await Promise.race([c.wait() as Promise<{ StatusCode: number }>, late]);
    if (r === undefined) await c.kill().catch(() => {});
    return r?.StatusCode;
  } finally {
    clearTimeout(timer);
  }
}

/** The helper's stdout and stderr (the engine's multiplexed log: 8-byte frame headers). */
async function outputOf(c: Dockerode.Container): Promise<string> {
  const buf = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  const parts: Buffer[] = [];
  for (let i = 0; i + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
