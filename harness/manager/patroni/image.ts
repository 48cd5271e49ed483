/**
 * The Patroni image of a PostgreSQL major: pgchaos's own image plus patroni, python3-etcd,
 * python3-psycopg2, etcd-server and haproxy from the same Debian suite, built offline by
 * docker/build-manager-image.sh (FROM the local pgchaos/postgres:NN, `apt-get install` from the
 * suite's mirror; no registry). One image serves every member: etcd, Patroni nodes, HAProxy.
 */
import { docker } from '../../docker.ts';
import { ConfigError } from '../../errors.ts';
import { log } from '../../logger.ts';
import { DOCKER_DIR } from '../../paths.ts';
import { ensurePgchaosImage, imageRepo, parseMajor, RECIPE_LABEL, streamLines, type PgImage } from '../../db/image.ts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What each Debian suite ships for a Patroni cluster (apt-cache madison, checked 2026-12-06), and
 * whether pgchaos runs it: Patroni 3 is needed (`--validate-config` judges the merged config, the
 * etcd3 client speaks etcd's v3 API) and etcd 3.4 or later.
 */
export const PATRONI_SUITES: Readonly<Record<number, { suite: string; ships: string; runs: boolean; tested: boolean }>> = {
  13: { suite: 'bullseye', ships: 'patroni 2.0.2, etcd-server 3.3.25, haproxy 2.2.9', runs: false, tested: false },
  15: { suite: 'bookworm', ships: 'patroni 3.0.2, etcd-server 3.4.23, haproxy 2.6.12', runs: true, tested: true },
  17: { suite: 'trixie', ships: 'patroni 4.0.7, etcd-server 3.5.16, haproxy 3.0.11', runs: true, tested: false },
};

/**
 * Refuses a major whose Debian suite cannot run pgchaos's Patroni cluster, before any container
 * starts, naming what the suite ships and the majors that can.
 * @returns the major as a number. @throws ConfigError for 13 (bullseye: patroni 2.0.2, etcd 3.3) and majors with no suite.
 */
export function checkPatroniMajor(majorText: number | string): number {
  const major = parseMajor(majorText);
  const s = PATRONI_SUITES[major];
  const runnable = Object.entries(PATRONI_SUITES)
    .filter(([, v]) => v.runs)
    .map(([m, v]) => `${m} (${v.suite}: ${v.ships})`)
    .join(' or ');
  if (!s) throw new ConfigError(`no Debian suite ships PostgreSQL ${major} with Patroni`, `pick PostgreSQL ${runnable}`);
  if (!s.runs)
    throw new ConfigError(
      `Debian ${s.suite} (PostgreSQL ${major}) ships ${s.ships}: pgchaos's Patroni needs patroni 3 or later and etcd 3.4 or later`,
      `pick PostgreSQL ${runnable}`,
    );
  if (!s.tested) log().warn({ major }, `Patroni on PostgreSQL ${major} (${s.suite}: ${s.ships}) is not yet tested by pgchaos`);
  return major;
}

/** A Patroni image and the Debian package versions in it. */
export interface PatroniImage extends PgImage {
  /** `package=version` of patroni, python3-etcd, python3-psycopg2, etcd-server, haproxy and postgresql-NN (dpkg-query at build time). */
  versions: Record<string, string>;
}

/** The label build-manager-image.sh writes the versions into. */
export const VERSIONS_LABEL = 'org.pgchaos.manager-versions';

/**
 * `pgchaos/postgres-patroni:NN`, built when missing (the base image first; about 30 s on top of it).
 * @throws ConfigError for a major `checkPatroniMajor` refuses, or when the build fails.
 */
export async function ensurePatroniImage(majorText: number | string): Promise<PatroniImage> {
  const major = checkPatroniMajor(majorText);
  const name = `${imageRepo()}-patroni:${major}`;
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
      [join(DOCKER_DIR, 'build-manager-image.sh'), 'patroni', String(major)],
      { PGCHAOS_IMAGE_REPO: imageRepo() },
      (l) => log().info({ image: name }, l),
    );
    if (r.exitCode !== 0)
      throw new ConfigError(
        `building ${name} failed (exit ${r.exitCode}): ${r.last}`,
        `read the messages above, then run: bash docker/build-manager-image.sh patroni ${major}`,
      );
    log().info({ image: name, ms: Date.now() - started }, `built ${name}`);
    info = await d.getImage(name).inspect();
  }
  const recipe = info.Config?.Labels?.[RECIPE_LABEL];
  if (recipe !== patroniRecipeHash()) {
    // It still runs, as a stale pgchaos/postgres image does (db/image.ts): the warning says how to rebuild.
    log().warn(
      { image: name, recipe, expected: patroniRecipeHash() },
      `${name} was built by another recipe than this pgchaos's docker/; to rebuild it: docker rmi ${name} && bash docker/build-manager-image.sh patroni ${major}`,
    );
  }
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
 * The hash build-manager-image.sh labels the Patroni image with (`org.pgchaos.recipe`): sha256 of
 * build-manager-image.sh then Dockerfile.patroni.in, first 12 hex digits.
 */
export function patroniRecipeHash(dir = DOCKER_DIR): string {
  return createHash('sha256')
    .update(readFileSync(join(dir, 'build-manager-image.sh')))
    .update(readFileSync(join(dir, 'Dockerfile.patroni.in')))
    .digest('hex')
    .slice(0, 12);
}
