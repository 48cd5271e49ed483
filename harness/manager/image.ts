/**
 * The image of an HA manager for a PostgreSQL major: pgchaos's own image plus the manager's Debian
 * packages from the same suite, built offline by docker/build-manager-image.sh (FROM the local
 * pgchaos/postgres:NN, `apt-get install` from the suite's mirror; no registry). Each manager's
 * file says which packages, and which suites can run it (manager/patroni/image.ts,
 * manager/pg-auto-failover/image.ts, manager/repmgr/image.ts, manager/pgpool/image.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePgchaosImage, imageRepo, parseMajor, RECIPE_LABEL, streamLines, type PgImage } from '../db/image.ts';
import { docker } from '../docker.ts';
import { ConfigError } from '../errors.ts';
import { log } from '../logger.ts';
import { DOCKER_DIR } from '../paths.ts';

/** The managers build-manager-image.sh builds an image of (its first argument; `Dockerfile.<manager>.in`). */
export type ImagedManager = 'patroni' | 'pg_auto_failover' | 'repmgr' | 'pgpool';

/** What one Debian suite ships for a manager (apt-cache, checked 2026-12-06), and whether pgchaos runs and has tested it. */
export interface ManagerSuite {
  suite: string;
  ships: string;
  runs: boolean;
  tested: boolean;
}

/** A manager's image and the Debian package versions in it. */
export interface ManagerImage extends PgImage {
  /** `package=version` of the manager's packages and postgresql-NN (dpkg-query at build time). */
  versions: Record<string, string>;
}

/** The label build-manager-image.sh writes the versions into. */
export const VERSIONS_LABEL = 'org.pgchaos.manager-versions';

/**
 * Refuses a major whose Debian suite cannot run `label`'s cluster, before any container starts,
 * naming what the suite ships, `why` it does not do, and the majors that can.
 * @returns the major as a number. @throws ConfigError for a suite that does not run it, or a major with no suite.
 */
export function checkSuiteMajor(
  label: string,
  suites: Readonly<Record<number, ManagerSuite>>,
  majorText: number | string,
  why?: string,
): number {
  const major = parseMajor(majorText);
  const s = suites[major];
  const runnable = Object.entries(suites)
    .filter(([, v]) => v.runs)
    .map(([m, v]) => `${m} (${v.suite}: ${v.ships})`)
    .join(' or ');
  if (!s) throw new ConfigError(`no Debian suite ships PostgreSQL ${major} with ${label}`, `pick PostgreSQL ${runnable}`);
  if (!s.runs)
    throw new ConfigError(
      `Debian ${s.suite} (PostgreSQL ${major}) ships ${s.ships}${why ? `: ${why}` : ''}`,
      `pick PostgreSQL ${runnable}`,
    );
  if (!s.tested) log().warn({ major }, `${label} on PostgreSQL ${major} (${s.suite}: ${s.ships}) is not yet tested by pgchaos`);
  return major;
}

/**
 * `pgchaos/postgres-<manager>:NN` for a major its check accepted, built when missing (the base
 * image first). A stale image (another recipe) still runs, with a warning saying how to rebuild it.
 * @throws ConfigError when the build fails.
 */
export async function ensureManagerImage(manager: ImagedManager, major: number): Promise<ManagerImage> {
  const name = `${imageRepo()}-${manager}:${major}`;
  const rebuild = `bash docker/build-manager-image.sh ${manager} ${major}`;
  const d = await docker();
  let info = await d
    .getImage(name)
    .inspect()
    .catch(() => undefined);
  if (!info) {
    await ensurePgchaosImage(major);
    const started = Date.now();
    const r = await streamLines(
      'bash',
      [join(DOCKER_DIR, 'build-manager-image.sh'), manager, String(major)],
      { PGCHAOS_IMAGE_REPO: imageRepo() },
      (l) => log().info({ image: name }, l),
    );
    if (r.exitCode !== 0)
      throw new ConfigError(`building ${name} failed (exit ${r.exitCode}): ${r.last}`, `read the messages above, then run: ${rebuild}`);
    log().info({ image: name, ms: Date.now() - started }, `built ${name}`);
    info = await d.getImage(name).inspect();
  }
  const recipe = info.Config?.Labels?.[RECIPE_LABEL];
  const expected = managerRecipeHash(manager);
  // It still runs, as a stale pgchaos/postgres image does (db/image.ts): the warning says how to rebuild.
  if (recipe !== expected)
    log().warn(
      { image: name, recipe, expected },
      `${name} was built by another recipe than this pgchaos's docker/; to rebuild it: docker rmi ${name} && ${rebuild}`,
    );
  return {
    name,
    major,
    kind: 'pgchaos',
    binDir: `/usr/lib/postgresql/${major}/bin`,
    keepAlive: undefined,
    versions: parseVersions(info.Config?.Labels?.[VERSIONS_LABEL] ?? ''),
  };
}

/** Reads `patroni=3.0.2-1 etcd-server=3.4.23-4+b4 …` into a map. */
export function parseVersions(label: string): Record<string, string> {
  return Object.fromEntries(
    label
      .split(/\s+/)
      .filter((p) => p.includes('='))
      .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
  );
}

/**
 * The hash build-manager-image.sh labels a manager's image with (`org.pgchaos.recipe`): sha256 of
 * build-manager-image.sh then `Dockerfile.<manager>.in`, first 12 hex digits.
 */
export function managerRecipeHash(manager: ImagedManager, dir = DOCKER_DIR): string {
  return createHash('sha256')
    .update(readFileSync(join(dir, 'build-manager-image.sh')))
    .update(readFileSync(join(dir, `Dockerfile.${manager}.in`)))
    .digest('hex')
    .slice(0, 12);
}
