import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { docker } from '../docker.ts';
import { ConfigError } from '../errors.ts';
import { log } from '../logger.ts';

/** PostgreSQL majors whose server packages a Debian suite ships, so pgchaos can build them offline. */
export const BUILDABLE_MAJORS: Readonly<Record<number, string>> = { 13: 'bullseye', 15: 'bookworm', 17: 'trixie' };

/** A runnable node image for one PostgreSQL major. */
export interface PgImage {
  /** Image reference, e.g. `pgchaos/postgres:15` or `postgres:15`. */
  name: string;
  major: number;
  /** `pgchaos`: built by docker/build-image.sh (tini keeps the host alive); `official`: a local `postgres:NN`. */
  kind: 'pgchaos' | 'official';
  /** Where initdb, pg_ctl, pg_basebackup and pg_rewind live inside the image. */
  binDir: string;
  /** Command that keeps the container (the host) up while PostgreSQL starts and stops inside it. */
  keepAlive: { entrypoint: string[]; command: string[] } | undefined;
}

const BUILD_SCRIPT = fileURLToPath(new URL('../../docker/build-image.sh', import.meta.url));

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
 * @throws ConfigError for an unknown major, or when no image is present and none can be built
 *   (the message names the command that builds it).
 */
export async function resolveImage(majorText: number | string, opts: { build: boolean }): Promise<PgImage> {
  const major = parseMajor(majorText);
  if (await imageExists(`postgres:${major}`)) {
    return {
      name: `postgres:${major}`,
      major,
      kind: 'official',
      binDir: `/usr/lib/postgresql/${major}/bin`,
      // The official image's entrypoint would run postgres itself; a shell loop keeps the host
      // up instead and, as PID 1, reaps the postmaster after pg_ctl stop.
      keepAlive: { entrypoint: ['bash', '-c'], command: ["trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"] },
    };
  }
  const name = `pgchaos/postgres:${major}`;
  const ours: PgImage = { name, major, kind: 'pgchaos', binDir: `/usr/lib/postgresql/${major}/bin`, keepAlive: undefined };
  if (await imageExists(name)) return ours;
  if (!(major in BUILDABLE_MAJORS)) {
    throw new ConfigError(
      `no image for PostgreSQL ${major}: neither postgres:${major} nor ${name} is present, and Debian ships no suite with postgresql-${major}`,
      `load a postgres:${major} image (docker load -i ...), or pick one of ${Object.keys(BUILDABLE_MAJORS).join(', ')}`,
    );
  }
  if (!opts.build) {
    throw new ConfigError(`image ${name} is missing`, `build it with: npm run image -- ${major}   (or: bash docker/build-image.sh ${major})`);
  }
  const started = Date.now();
  log().info({ image: name }, `building ${name} from Debian ${BUILDABLE_MAJORS[major]} packages`);
  const r = await execa('bash', [BUILD_SCRIPT, String(major)], { stdio: ['ignore', 'inherit', 'inherit'], reject: false });
  if (r.exitCode !== 0) {
    throw new ConfigError(`building ${name} failed (exit ${r.exitCode})`, `read the messages above, then run: bash docker/build-image.sh ${major}`);
  }
  log().info({ image: name, ms: Date.now() - started }, `built ${name}`);
  return ours;
}
