import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { docker, RUN_LABEL } from '../docker.ts';
import { currentRun } from '../run-id.ts';
import { ConfigError } from '../errors.ts';
import { log } from '../logger.ts';
import { BUILD_IMAGE_SCRIPT, DOCKER_DIR } from '../paths.ts';

/** PostgreSQL majors whose server packages a Debian suite ships, so pgchaos can build them offline. */
export const BUILDABLE_MAJORS: Readonly<Record<number, string>> = { 13: 'bullseye', 15: 'bookworm', 17: 'trixie' };

/** A runnable node image for one PostgreSQL major. */
export interface PgImage {
  /** Image reference, e.g. `pgchaos/postgres:15` or `postgres:15`. */
  name: string;
  major: number;
  /** `pgchaos`: built by docker/build-image.sh (tini keeps the host alive); `official`: a local `postgres:NN`; `user`: the user's own image for this major. */
  kind: 'pgchaos' | 'official' | 'user';
  /** Where initdb, pg_ctl, pg_basebackup and pg_rewind live inside the image (put first on every host's PATH). */
  binDir: string;
  /** Command that keeps the container (the host) up while PostgreSQL starts and stops inside it. */
  keepAlive: { entrypoint: string[]; command: string[] } | undefined;
}

/** The major to use when none is given: env PGCHAOS_PG_MAJOR, else 15 (Debian bookworm's). */
export function defaultMajor(): number | string {
  return process.env.PGCHAOS_PG_MAJOR ?? 15;
}

/**
 * Checks that `major` names a PostgreSQL version pgchaos can run: 12 or later (standby.signal
 * replaced recovery.conf in 12), written as a bare major such as 15 or "15".
 * @returns it as a number. @throws ConfigError otherwise.
 */
export function parseMajor(major: number | string): number {
  const n = Number(major);
  if (!/^\d+$/.test(String(major).trim()) || n < 12 || n > 18) {
    throw new ConfigError(
      `unknown PostgreSQL major version ${JSON.stringify(String(major))}`,
      `use a major from 12 to 18 (pgchaos builds ${Object.keys(BUILDABLE_MAJORS).join(', ')} offline; others need a local postgres:NN image), e.g. PGCHAOS_PG_MAJOR=15`,
    );
  }
  return n;
}

/** Repository of pgchaos's own images: env PGCHAOS_IMAGE_REPO (tests: a repository certainly absent), else `pgchaos/postgres`. */
export function imageRepo(): string {
  return process.env.PGCHAOS_IMAGE_REPO ?? 'pgchaos/postgres';
}

/**
 * Whether pgchaos may pull an official `postgres:NN` from a registry when no local image fits:
 * `explicit` (`--no-pull`, a config's `pull`) when given, else env PGCHAOS_PULL (`never`, `no`,
 * `false`, `0` turn it off, for air-gapped runs; `missing`, `yes`, `true`, `1` or empty allow it),
 * else yes.
 * @throws ConfigError for any other PGCHAOS_PULL value.
 */
export function pullAllowed(explicit?: boolean, env = process.env.PGCHAOS_PULL): boolean {
  if (explicit !== undefined) return explicit;
  const v = (env ?? '').trim().toLowerCase();
  if (['never', 'no', 'false', '0', 'off'].includes(v)) return false;
  if (['', 'missing', 'yes', 'true', '1', 'on'].includes(v)) return true;
  throw new ConfigError(
    `PGCHAOS_PULL=${JSON.stringify(env)} is neither "never" nor "missing"`,
    'set PGCHAOS_PULL=never to forbid pulling postgres:NN (air-gapped runs), or unset it to allow it',
  );
}

/** What the image decision asks of the engine; injected in unit tests. */
export interface ImageEngine {
  /** Whether an image is on the engine. */
  exists(name: string): Promise<boolean>;
  /** Pulls `name` from its registry: `{ pulled: false, reason }` when no registry answers or it has no such image. */
  pull(name: string): Promise<{ pulled: true } | { pulled: false; reason: string }>;
  /** Builds pgchaos's image `name` for `major` offline. @throws ConfigError when the build fails. */
  build(major: number, name: string): Promise<void>;
}

/** How to resolve a major to an image. */
export interface ResolveOptions {
  /** Build pgchaos's image offline when nothing else fits (about a minute). */
  build: boolean;
  /** The user's own image for this major: used as is, never pulled. */
  image?: string;
  /** Pull `postgres:NN` when nothing local fits; default `pullAllowed()` (env PGCHAOS_PULL, else yes). */
  pull?: boolean;
}

/**
 * Resolves a major to a runnable image (see `decideImage` for the order), on this engine.
 * @throws ConfigError for an unknown major, a user image that is not present, or when no image
 *   is present, none can be pulled and none can be built (the message names the fix).
 */
export async function resolveImage(majorText: number | string, opts: ResolveOptions): Promise<PgImage> {
  const major = parseMajor(majorText);
  const image = await decideImage(major, { ...opts, pull: pullAllowed(opts.pull), repo: imageRepo() }, engineImages());
  if (image.kind === 'pgchaos') await warnIfStale(image.name);
  return image;
}

/**
 * Decides which image runs `major`, asking `engine` as little as possible:
 *  1. the user's image for it, when named (never pulled: it is theirs to provide);
 *  2. a local official `postgres:NN`;
 *  3. a local `pgchaos/postgres:NN` (built or loaded earlier: no registry needed);
 *  4. `postgres:NN` pulled from a registry, once, when pulling is allowed;
 *  5. `pgchaos/postgres:NN` built offline from Debian's packages (13, 15, 17), when `build`.
 * With `repo` other than pgchaos/postgres (tests), 2 and 4 are skipped: whatever this machine
 * holds or can reach, only that repository counts.
 * @throws ConfigError when none applies, naming what was tried and the fix.
 */
export async function decideImage(
  major: number,
  o: ResolveOptions & { pull: boolean; repo: string },
  engine: ImageEngine,
): Promise<PgImage> {
  if (o.image) {
    if (!(await engine.exists(o.image))) {
      throw new ConfigError(
        `your image ${o.image} for PostgreSQL ${major} is not on this Docker engine`,
        `pull or load it first (docker pull ${o.image}; pgchaos never pulls an image you name), or remove it from "images" to use pgchaos's own`,
      );
    }
    return foreignImage(o.image, major, 'user');
  }
  const official = `postgres:${major}`;
  const testRepo = o.repo !== 'pgchaos/postgres';
  if (!testRepo && (await engine.exists(official))) return foreignImage(official, major, 'official');
  const name = `${o.repo}:${major}`;
  const ours: PgImage = { name, major, kind: 'pgchaos', binDir: `/usr/lib/postgresql/${major}/bin`, keepAlive: undefined };
  if (await engine.exists(name)) return ours;
  let notPulled = testRepo ? '' : ', and pulling is off (PGCHAOS_PULL=never or --no-pull)';
  if (!testRepo && o.pull) {
    const r = await engine.pull(official);
    if (r.pulled) return foreignImage(official, major, 'official');
    notPulled = `, and pulling it failed (${r.reason})`;
    log().info({ image: official }, `could not pull ${official}: ${r.reason}`);
  }
  if (!(major in BUILDABLE_MAJORS)) {
    throw new ConfigError(
      `no image for PostgreSQL ${major}: neither ${official} nor ${name} is present${notPulled}, and Debian ships no suite with postgresql-${major}`,
      `load a ${official} image (docker load -i FILE)${notPulled.includes('pulling is off') ? ', allow pulling it (unset PGCHAOS_PULL)' : ''}, name your own in "images", or pick one of ${Object.keys(BUILDABLE_MAJORS).join(', ')}`,
    );
  }
  if (!o.build) {
    throw new ConfigError(
      `image ${name} is missing`,
      `build it with: npx pgchaos image ${major}   (or: bash docker/build-image.sh ${major})`,
    );
  }
  await engine.build(major, name);
  return ours;
}

/**
 * pgchaos's own image for `major` (`pgchaos/postgres:NN`), built offline when missing; never an
 * official image, never pulled. For what needs pgchaos's image itself: the helper of network
 * faults, the image cache, `pgchaos image --build`.
 * @throws ConfigError when Debian has no suite for `major`, or the build fails.
 */
export async function ensurePgchaosImage(major: number): Promise<PgImage> {
  const name = `${imageRepo()}:${major}`;
  if (!(await imageExists(name))) {
    if (!(major in BUILDABLE_MAJORS))
      throw new ConfigError(
        `pgchaos cannot build an image of PostgreSQL ${major}: Debian ships no suite with postgresql-${major}`,
        `pick one of ${Object.keys(BUILDABLE_MAJORS).join(', ')}`,
      );
    await buildImage(major, name);
  }
  return { name, major, kind: 'pgchaos', binDir: `/usr/lib/postgresql/${major}/bin`, keepAlive: undefined };
}

/** An image whose entrypoint would run postgres itself (official, user): the host is kept up by a shell loop instead. */
function foreignImage(name: string, major: number, kind: 'official' | 'user'): PgImage {
  return {
    name,
    major,
    kind,
    binDir: `/usr/lib/postgresql/${major}/bin`,
    // A shell loop keeps the host up instead of the entrypoint and, as PID 1, reaps the
    // postmaster after pg_ctl stop.
    keepAlive: { entrypoint: ['sh', '-c'], command: ["trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"] },
  };
}

/** The Docker engine behind `decideImage`: a pull is attempted once per image and process. */
function engineImages(): ImageEngine {
  return { exists: imageExists, pull: (name) => pullOnce(name), build: buildImage };
}

async function imageExists(name: string): Promise<boolean> {
  const d = await docker();
  try {
    await d.getImage(name).inspect();
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw e;
  }
}

const pulls = new Map<string, Promise<{ pulled: true } | { pulled: false; reason: string }>>();

/**
 * Pulls `name` once per process: an engine with no registry answers in well under a second
 * (measured: 0.08 s, a DNS failure), but every cluster of a run would ask it again.
 */
export function pullOnce(
  name: string,
  pull: (name: string) => Promise<void> = pullImage,
): Promise<{ pulled: true } | { pulled: false; reason: string }> {
  let p = pulls.get(name);
  if (!p) {
    p = pull(name).then(
      () => ({ pulled: true as const }),
      (e: unknown) => ({ pulled: false as const, reason: firstLine((e as Error).message) }),
    );
    pulls.set(name, p);
  }
  return p;
}

/** Forgets earlier pull attempts (tests). */
export function forgetPulls(): void {
  pulls.clear();
}

/** Interval between "still pulling" lines, ms. */
const PROGRESS_MS = 10_000;

/**
 * `docker pull name` through the engine's API, with a progress line every 10 s (megabytes
 * downloaded so far).
 * @throws the engine's error when no registry answers or it has no such image.
 */
async function pullImage(name: string): Promise<void> {
  const d = await docker();
  const started = Date.now();
  log().info({ image: name }, `pulling ${name} from its registry (PGCHAOS_PULL=never forbids it) ...`);
  const bytes = new Map<string, number>();
  const ticker = setInterval(() => {
    const mb = [...bytes.values()].reduce((a, b) => a + b, 0) / 1e6;
    log().info({ image: name }, `still pulling ${name} (${Math.round((Date.now() - started) / 1000)} s, ${mb.toFixed(0)} MB downloaded)`);
  }, PROGRESS_MS);
  try {
    const stream = await d.pull(name);
    await new Promise<void>((resolve, reject) => {
      d.modem.followProgress(
        stream,
        (err: Error | null, out: Array<{ error?: string }>) => {
          const failed = err ?? out.find((o) => o.error);
          if (failed) reject(failed instanceof Error ? failed : new Error(failed.error));
          else resolve();
        },
        (e: { id?: string; progressDetail?: { current?: number } }) => {
          if (e.id && e.progressDetail?.current) bytes.set(e.id, e.progressDetail.current);
        },
      );
    });
  } finally {
    clearInterval(ticker);
  }
  log().info({ image: name, ms: Date.now() - started }, `pulled ${name} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * Builds pgchaos's image offline (docker/build-image.sh: debootstrap, docker import, a small
 * Dockerfile; about a minute). Every line the script prints goes to the log as it comes (on a
 * terminal too), including its "still building (N s, step …)" lines every 10 s, so a long
 * build is never silent.
 * @throws ConfigError when the build fails, with the script's last line.
 */
export async function buildImage(major: number, name: string): Promise<void> {
  const started = Date.now();
  log().info({ image: name }, `building ${name} from Debian ${BUILDABLE_MAJORS[major] ?? '?'} packages (about a minute)`);
  const repo = name.slice(0, name.lastIndexOf(':'));
  const r = await streamLines('bash', [BUILD_IMAGE_SCRIPT, String(major)], { PGCHAOS_IMAGE_REPO: repo }, (line) =>
    log().info({ image: name }, line),
  );
  if (r.exitCode !== 0) {
    throw new ConfigError(
      `building ${name} failed (exit ${r.exitCode}): ${r.last || 'no output'}`,
      `read the messages above, then run: bash docker/build-image.sh ${major}`,
    );
  }
  log().info({ image: name, ms: Date.now() - started }, `built ${name}`);
}

/**
 * Runs `file args` (stdin closed, `env` added to this process's) and hands each non-empty line
 * it prints, stdout and stderr interleaved, to `onLine` as soon as it is printed.
 * @returns its exit code and last line.
 */
export async function streamLines(
  file: string,
  args: string[],
  env: Record<string, string>,
  onLine: (line: string) => void,
): Promise<{ exitCode: number; last: string }> {
  const child = execa(file, args, { stdin: 'ignore', all: true, buffer: false, reject: false, env });
  let last = '';
  for await (const line of child.iterable({ from: 'all' })) {
    if (!line.trim()) continue;
    last = line;
    onLine(line);
  }
  const r = await child;
  return { exitCode: r.exitCode ?? 1, last };
}

/** Image label holding the hash of the docker/ recipe that built a pgchaos image (see image-cache.ts). */
export const RECIPE_LABEL = 'org.pgchaos.recipe';

/**
 * The hash of the recipe that builds pgchaos's images: sha256 of build-image.sh then
 * Dockerfile.in, first 12 hex digits. build-image.sh computes the same and labels the image with it.
 */
export function recipeHash(dir = DOCKER_DIR): string {
  return createHash('sha256')
    .update(readFileSync(join(dir, 'build-image.sh')))
    .update(readFileSync(join(dir, 'Dockerfile.in')))
    .digest('hex')
    .slice(0, 12);
}

const warnedStale = new Set<string>();

/**
 * Logs a warning, once per image and process, when a local pgchaos image was built by another
 * recipe than this pgchaos's docker/ (an older pgchaos). It still runs: the warning says how to
 * rebuild, and `pgchaos image --save` refuses to cache it.
 */
async function warnIfStale(name: string): Promise<void> {
  if (warnedStale.has(name)) return;
  warnedStale.add(name);
  const info = await (await docker()).getImage(name).inspect();
  const recipe = info.Config?.Labels?.[RECIPE_LABEL];
  if (recipe !== recipeHash()) {
    log().warn(
      { image: name, recipe: recipe ?? null, current: recipeHash() },
      `${name} was built by ${recipe ? `recipe ${recipe}` : 'an older pgchaos'}, not by this pgchaos's docker/ (${recipeHash()}); to rebuild it: docker rmi ${name} && npx pgchaos image ${name.split(':').at(-1)}`,
    );
  }
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? s
  );
}

/** Binaries the harness runs inside a node, and what needs each. */
const NEEDED: Record<string, string> = {
  initdb: 'every cluster (the primary is made by initdb)',
  pg_ctl: 'every cluster (servers are started and stopped by pg_ctl)',
  postgres: 'every cluster',
  psql: 'every cluster (the harness runs SQL with psql)',
  pg_basebackup: 'every cluster (standbys are made by pg_basebackup)',
  pg_rewind: 'failback by pg_rewind',
};
/** Without these no cluster can start at all. */
const ESSENTIAL = ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_basebackup'];

/**
 * What a story may need of an image beyond what every cluster needs: a binary the image may lack
 * (`probeImage` lists it in `missing`). A story declares it (`ScenarioOptions.needs`) and is
 * skipped, with the reason, on an image without it.
 */
export type ImageNeed = 'pg_rewind';

/** What an image holds, found by running it once: see `probeImage`. */
export interface ImageProbe {
  /** `postgres --version`, e.g. `postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)`. */
  version: string;
  /**
   * Every server parameter name it knows, lower case: the names in `pg_settings` of a server of
   * the image (a throwaway data directory, one single-user query), which include the 27 of
   * PostgreSQL 15's that `postgres --describe-config` leaves out as not-in-sample
   * (`application_name`, `ignore_invalid_pages`, `wal_consistency_checking`, …), and the
   * read-only ones (`block_size`), whose setting the server itself refuses by name. Falls back
   * to `--describe-config` alone when no server can be made in the image (`parametersFrom`).
   */
  parameters: ReadonlySet<string>;
  /** Where `parameters` came from. */
  parametersFrom: 'pg_settings' | 'describe-config';
  /** Needed binaries it lacks, with what cannot run without each (pg_rewind: only essential ones throw). */
  missing: Array<{ binary: ImageNeed; neededFor: string }>;
  /**
   * Whether it has iptables. Not needed (network faults run iptables from a helper container,
   * netns.ts), but such an image can serve as that helper itself.
   */
  iptables: boolean;
}

const probes = new Map<string, Promise<ImageProbe>>();

/**
 * Runs the image once (`docker run --rm` as user postgres, its binDir first on PATH) to list
 * the binaries the harness needs, the server's version and its parameter names. Cached per
 * image for the process, and per image id on this machine (`PROBE_CACHE_DIR`): an id names the
 * image's content, so what it holds never changes, and each vitest worker of a run (one per
 * scenario file) would otherwise probe again (1.7 s with pg_settings).
 * @throws ConfigError when the image cannot run as user postgres, when an essential binary is
 *   missing (initdb, pg_ctl, postgres, psql, pg_basebackup), or when its server is not the
 *   major it was given for.
 */
export function probeImage(image: PgImage): Promise<ImageProbe> {
  let p = probes.get(image.name);
  if (!p) {
    p = probeOnce(image);
    probes.set(image.name, p);
    p.catch(() => probes.delete(image.name));
  }
  return p;
}

/** Where probes are kept between processes, per user: `<tmpdir>/pgchaos-image-probes-<user>/`. */
export const PROBE_CACHE_DIR = join(tmpdir(), `pgchaos-image-probes-${userInfo().username}`);

/** Changes whenever a probe reads something else: older cache files are then not found. */
const PROBE_FORMAT = 2;

/** The cache file of the image whose engine id is `imageId` (`sha256:…`). */
export function probeCacheFile(imageId: string, dir = PROBE_CACHE_DIR): string {
  return join(dir, `v${PROBE_FORMAT}-${imageId.replace(/^sha256:/, '').slice(0, 32)}.json`);
}

/** A probe kept in `file`, or undefined when there is none (or it cannot be read). */
export async function readCachedProbe(file: string): Promise<ImageProbe | undefined> {
  try {
    const j = JSON.parse(await readFile(file, 'utf8')) as Omit<ImageProbe, 'parameters'> & { parameters: string[] };
    return { ...j, parameters: new Set(j.parameters) };
  } catch {
    return undefined;
  }
}

/** Keeps `probe` in `file`, written whole or not at all (a temporary file renamed); a failure to write is only a lost shortcut. */
export async function writeCachedProbe(file: string, probe: ImageProbe): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(tmp, JSON.stringify({ ...probe, parameters: [...probe.parameters] }));
    await rename(tmp, file);
  } catch (e) {
    log().debug({ file, error: (e as Error).message }, 'could not keep the image probe');
  }
}

async function probeOnce(image: PgImage): Promise<ImageProbe> {
  const file = probeCacheFile((await (await docker()).getImage(image.name).inspect()).Id);
  const cached = await readCachedProbe(file);
  if (cached) return cached;
  const probe = await runProbe(image);
  await writeCachedProbe(file, probe);
  return probe;
}

/**
 * Runs `script` with `sh -c` as the postgres user in a throwaway container of `image` (labelled
 * with the run, removed when it ends), `input` on its standard input. Never throws for the
 * script's own failure: the caller reads the exit code and output.
 * @param o.timeoutMs deadline of the whole container, ms (default 60 000).
 */
export async function shInImage(image: PgImage, script: string, o: { input?: string; timeoutMs?: number } = {}) {
  const stdin = o.input === undefined ? [] : ['-i'];
  const args = [
    'run',
    '--rm',
    ...stdin,
    '--user',
    'postgres',
    '--label',
    `${RUN_LABEL}=${currentRun().id}`,
    '-e',
    `PATH=${hostPath(image)}`,
    '--entrypoint',
    'sh',
    image.name,
    '-c',
    script,
  ];
  return execa('docker', args, { ...(o.input === undefined ? {} : { input: o.input }), reject: false, timeout: o.timeoutMs ?? 60_000 });
}

async function runProbe(image: PgImage): Promise<ImageProbe> {
  const script = `for b in ${Object.keys(NEEDED).join(' ')}; do command -v "$b" >/dev/null || echo "missing:$b"; done
    command -v iptables >/dev/null && echo has:iptables
    postgres --version | sed 's/^/version:/'
    postgres --describe-config | cut -f1 | sed 's/^/param:/'
    ${SETTINGS_SCRIPT}`;
  const r = await shInImage(image, script);
  const lines = r.stdout.split('\n');
  const version = lines
    .find((l) => l.startsWith('version:'))
    ?.slice(8)
    .trim();
  if (r.exitCode !== 0 || !version) {
    throw new ConfigError(
      `image ${image.name} cannot run PostgreSQL as user postgres: ${(r.stderr || r.stdout).trim().split('\n').at(-1) ?? `exit ${r.exitCode}`}`,
      'use an image with PostgreSQL installed and a postgres user (e.g. an official postgres:NN image)',
    );
  }
  const absent = lines.filter((l) => l.startsWith('missing:')).map((l) => ({ binary: l.slice(8), neededFor: NEEDED[l.slice(8)]! }));
  const fatal = absent.filter((m) => ESSENTIAL.includes(m.binary));
  if (fatal.length) {
    throw new ConfigError(
      `image ${image.name} lacks ${fatal.map((m) => m.binary).join(', ')}, needed by ${fatal[0]!.neededFor}`,
      `install PostgreSQL ${image.major}'s server and client binaries in it, or put them on PATH or in ${image.binDir}`,
    );
  }
  const major = Number(/\(PostgreSQL\) (\d+)/.exec(version)?.[1]);
  if (major !== image.major)
    throw new ConfigError(
      `image ${image.name} runs ${version}, not PostgreSQL ${image.major}`,
      `give it for major ${major} instead, or use an image of PostgreSQL ${image.major}`,
    );
  const missing = absent as Array<{ binary: ImageNeed; neededFor: string }>; // the essential ones threw above
  return { version, ...probedParameters(lines), missing, iptables: lines.includes('has:iptables') };
}

/**
 * Lists `pg_settings` (as `setting:NAME` lines) of a server of the image: initdb of a throwaway
 * data directory without fsync, then one query in single-user mode (no port, no socket).
 * Measured on pgchaos/postgres:15 (15.18): 0.6 s for initdb, 0.05 s for the query; 354 names,
 * against 307 from `postgres --describe-config`. Of the 47 more, 20 are read-only (context
 * internal: `postgres --check` answers 'parameter "block_size" cannot be changed') and 27 are
 * not-in-sample, each of which `postgres --check` took in postgresql.conf with its reset value
 * (application_name, ignore_invalid_pages, wal_consistency_checking, trace_recovery_messages, …).
 */
const SETTINGS_SCRIPT = `d=$(mktemp -d) && initdb -N -D "$d/data" >/dev/null 2>&1 &&
    echo 'SELECT name FROM pg_settings' | postgres --single -D "$d/data" postgres 2>/dev/null | sed -n 's/^[[:space:]]*1: name = "\\([^"]*\\)".*/setting:\\1/p'
    rm -rf "$d"`;

/**
 * The parameter names of a probe's output lines: `setting:` lines (pg_settings) with the
 * `param:` lines (describe-config), or the `param:` lines alone when the image made no server.
 */
export function probedParameters(lines: readonly string[]): Pick<ImageProbe, 'parameters' | 'parametersFrom'> {
  const names = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length).trim().toLowerCase());
  const settings = names('setting:');
  return { parameters: new Set([...names('param:'), ...settings]), parametersFrom: settings.length ? 'pg_settings' : 'describe-config' };
}

/** PATH inside every host: the image's PostgreSQL binaries first. */
export function hostPath(image: PgImage): string {
  return `${image.binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
}
