import { execa } from 'execa';
import { docker, RUN_LABEL } from '../docker.ts';
import { currentRun } from '../run.ts';
import { ConfigError } from '../errors.ts';
import { log } from '../logger.ts';
import { BUILD_IMAGE_SCRIPT } from '../paths.ts';

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

/**
 * Resolves a major to a local image, never pulling: an official `postgres:NN` when present,
 * else `pgchaos/postgres:NN`, built offline from Debian's packages when `build` allows it
 * (about a minute; a progress line goes to stderr).
 * `image` names the user's own image for this major instead (never pulled either).
 * @throws ConfigError for an unknown major, a user image that is not present, or when no image is present and none can be built
 *   (the message names the command that builds it).
 */
export async function resolveImage(majorText: number | string, opts: { build: boolean; image?: string }): Promise<PgImage> {
  const major = parseMajor(majorText);
  const foreign = (name: string, kind: 'official' | 'user'): PgImage => ({
    name,
    major,
    kind,
    binDir: `/usr/lib/postgresql/${major}/bin`,
    // Such an image's entrypoint would run postgres itself; a shell loop keeps the host up
    // instead and, as PID 1, reaps the postmaster after pg_ctl stop.
    keepAlive: { entrypoint: ['sh', '-c'], command: ["trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"] },
  });
  if (opts.image) {
    if (!(await imageExists(opts.image))) {
      throw new ConfigError(`your image ${opts.image} for PostgreSQL ${major} is not on this Docker engine`, `pull or build it first (docker pull ${opts.image}), or remove it from "images" to use pgchaos's own`);
    }
    return foreign(opts.image, 'user');
  }
  // Tests only: a repository that is certainly absent, whatever images this machine has built.
  const repo = process.env.PGCHAOS_IMAGE_REPO;
  if (!repo && (await imageExists(`postgres:${major}`))) return foreign(`postgres:${major}`, 'official');
  const name = `${repo ?? 'pgchaos/postgres'}:${major}`;
  const ours: PgImage = { name, major, kind: 'pgchaos', binDir: `/usr/lib/postgresql/${major}/bin`, keepAlive: undefined };
  if (await imageExists(name)) return ours;
  if (!(major in BUILDABLE_MAJORS)) {
    throw new ConfigError(
      `no image for PostgreSQL ${major}: neither postgres:${major} nor ${name} is present, and Debian ships no suite with postgresql-${major}`,
      `load a postgres:${major} image (docker load -i ...), or pick one of ${Object.keys(BUILDABLE_MAJORS).join(', ')}`,
    );
  }
  if (!opts.build) {
    throw new ConfigError(`image ${name} is missing`, `build it with: npx pgchaos image ${major}   (or: bash docker/build-image.sh ${major})`);
  }
  const started = Date.now();
  log().info({ image: name }, `building ${name} from Debian ${BUILDABLE_MAJORS[major]} packages`);
  const r = await execa('bash', [BUILD_IMAGE_SCRIPT, String(major)], { stdio: ['ignore', 'inherit', 'inherit'], reject: false });
  if (r.exitCode !== 0) {
    throw new ConfigError(`building ${name} failed (exit ${r.exitCode})`, `read the messages above, then run: bash docker/build-image.sh ${major}`);
  }
  log().info({ image: name, ms: Date.now() - started }, `built ${name}`);
  return ours;
}

/** Binaries the harness runs inside a node, and what needs each. */
const NEEDED: Record<string, string> = {
  initdb: 'every cluster (the primary is made by initdb)',
  pg_ctl: 'every cluster (servers are started and stopped by pg_ctl)',
  postgres: 'every cluster',
  psql: 'every cluster (the harness runs SQL with psql)',
  pg_basebackup: 'every cluster (standbys are made by pg_basebackup)',
  pg_rewind: 'failback by pg_rewind',
  iptables: 'network partitions (disconnect/reconnect)',
};
/** Without these no cluster can start at all. */
const ESSENTIAL = ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_basebackup'];

/** What an image holds, found by running it once: see `probeImage`. */
export interface ImageProbe {
  /** `postgres --version`, e.g. `postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)`. */
  version: string;
  /** Every server parameter name it knows (`postgres --describe-config`), lower case. */
  parameters: ReadonlySet<string>;
  /** Needed binaries it lacks, with what cannot run without each (pg_rewind, iptables). */
  missing: Array<{ binary: string; neededFor: string }>;
}

const probes = new Map<string, Promise<ImageProbe>>();

/**
 * Runs the image once (`docker run --rm` as user postgres, its binDir first on PATH) to list
 * the binaries the harness needs, the server's version and its parameter names. Cached per
 * image for the process.
 * @throws ConfigError when the image cannot run as user postgres, when an essential binary is
 *   missing (initdb, pg_ctl, postgres, psql, pg_basebackup), or when its server is not the
 *   major it was given for.
 */
export function probeImage(image: PgImage): Promise<ImageProbe> {
  let p = probes.get(image.name);
  if (!p) {
    p = runProbe(image);
    probes.set(image.name, p);
    p.catch(() => probes.delete(image.name));
  }
  return p;
}

async function runProbe(image: PgImage): Promise<ImageProbe> {
  const script = `for b in ${Object.keys(NEEDED).join(' ')}; do command -v "$b" >/dev/null || echo "missing:$b"; done
    postgres --version | sed 's/^/version:/'
    postgres --describe-config | cut -f1 | sed 's/^/param:/'`;
  const r = await execa('docker', ['run', '--rm', '--user', 'postgres', '--label', `${RUN_LABEL}=${currentRun().id}`, '-e', `PATH=${hostPath(image)}`, '--entrypoint', 'sh', image.name, '-c', script], {
    reject: false,
    timeout: 60_000,
  });
  const lines = r.stdout.split('\n');
  const version = lines.find((l) => l.startsWith('version:'))?.slice(8).trim();
  if (r.exitCode !== 0 || !version) {
    throw new ConfigError(`image ${image.name} cannot run PostgreSQL as user postgres: ${(r.stderr || r.stdout).trim().split('\n').at(-1) ?? `exit ${r.exitCode}`}`, 'use an image with PostgreSQL installed and a postgres user (e.g. an official postgres:NN image)');
  }
  const missing = lines.filter((l) => l.startsWith('missing:')).map((l) => ({ binary: l.slice(8), neededFor: NEEDED[l.slice(8)]! }));
  const fatal = missing.filter((m) => ESSENTIAL.includes(m.binary));
  if (fatal.length) {
    throw new ConfigError(`image ${image.name} lacks ${fatal.map((m) => m.binary).join(', ')}, needed by ${fatal[0]!.neededFor}`, `install PostgreSQL ${image.major}'s server and client binaries in it, or put them on PATH or in ${image.binDir}`);
  }
  const major = Number(/\(PostgreSQL\) (\d+)/.exec(version)?.[1]);
  if (major !== image.major) throw new ConfigError(`image ${image.name} runs ${version}, not PostgreSQL ${image.major}`, `give it for major ${major} instead, or use an image of PostgreSQL ${image.major}`);
  return { version, parameters: new Set(lines.filter((l) => l.startsWith('param:')).map((l) => l.slice(6).toLowerCase())), missing };
}

/** PATH inside every host: the image's PostgreSQL binaries first. */
export function hostPath(image: PgImage): string {
  return `${image.binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
}
