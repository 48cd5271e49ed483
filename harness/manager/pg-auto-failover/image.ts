/**
 * The pg_auto_failover image of a PostgreSQL major: pgchaos's own image plus pg-auto-failover-cli
 * (`pg_autoctl`) and postgresql-NN-auto-failover (the `pgautofailover` extension the monitor loads),
 * from the same Debian suite, built offline by docker/build-manager-image.sh (FROM the local
 * pgchaos/postgres:NN; no registry). One image serves the monitor and every Postgres node.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker } from '../../docker.ts';
import { ensurePgchaosImage, imageRepo, parseMajor, RECIPE_LABEL, streamLines } from '../../db/image.ts';
import { ConfigError } from '../../errors.ts';
import { log } from '../../logger.ts';
import { DOCKER_DIR } from '../../paths.ts';
import { parseVersions, VERSIONS_LABEL, type PatroniImage } from '../patroni/image.ts';

/**
 * What each Debian suite ships for pg_auto_failover (apt-cache policy, checked 2026-12-06):
 * bullseye has no package at all; bookworm ships 2.0 (tested here); trixie a newer one.
 */
export const PG_AUTO_FAILOVER_SUITES: Readonly<Record<number, { suite: string; ships: string; runs: boolean; tested: boolean }>> = {
  13: {
    suite: 'bullseye',
    ships: 'no pg_auto_failover package (no pg-auto-failover-cli, no postgresql-13-auto-failover)',
    runs: false,
    tested: false,
  },
  15: { suite: 'bookworm', ships: 'pg-auto-failover-cli 2.0-2+b1, postgresql-15-auto-failover 2.0-2+b1', runs: true, tested: true },
  17: { suite: 'trixie', ships: 'pg-auto-failover-cli and postgresql-17-auto-failover', runs: true, tested: false },
};

/**
 * Refuses a major whose Debian suite ships no pg_auto_failover, before any container starts,
 * naming what exists and the majors that can run it.
 * @returns the major as a number. @throws ConfigError for 13 (bullseye ships none) and majors with no suite.
 */
export function checkPgAutoFailoverMajor(majorText: number | string): number {
  const major = parseMajor(majorText);
  const s = PG_AUTO_FAILOVER_SUITES[major];
  const runnable = Object.entries(PG_AUTO_FAILOVER_SUITES)
    .filter(([, v]) => v.runs)
    .map(([m, v]) => `${m} (${v.suite}: ${v.ships})`)
    .join(' or ');
  if (!s) throw new ConfigError(`no Debian suite ships PostgreSQL ${major} with pg_auto_failover`, `pick PostgreSQL ${runnable}`);
  if (!s.runs) throw new ConfigError(`Debian ${s.suite} (PostgreSQL ${major}) ships ${s.ships}`, `pick PostgreSQL ${runnable}`);
  if (!s.tested) log().warn({ major }, `pg_auto_failover on PostgreSQL ${major} (${s.suite}) is not yet tested by pgchaos`);
  return major;
}

/** A pg_auto_failover image and its Debian package versions (`pg-auto-failover-cli`, `postgresql-NN-auto-failover`, `postgresql-NN`). */
export type PgAutoFailoverImage = PatroniImage;

/**
 * `pgchaos/postgres-pg_auto_failover:NN`, built when missing (the base image first).
 * @throws ConfigError for a major `checkPgAutoFailoverMajor` refuses, or when the build fails.
 */
export async function ensurePgAutoFailoverImage(majorText: number | string): Promise<PgAutoFailoverImage> {
  const major = checkPgAutoFailoverMajor(majorText);
  const name = `${imageRepo()}-pg_auto_failover:${major}`;
  const d = await docker();
  let info = await d
    .getImage(name)
    .inspect()
    .catch(() => undefined);
  if (!info) {
    await ensurePgchaosImage(major);
    const r = await streamLines(
      'bash',
      [join(DOCKER_DIR, 'build-manager-image.sh'), 'pg_auto_failover', String(major)],
      { PGCHAOS_IMAGE_REPO: imageRepo() },
      (l) => log().info({ image: name }, l),
    );
    if (r.exitCode !== 0)
      throw new ConfigError(
        `building ${name} failed (exit ${r.exitCode}): ${r.last}`,
        `read the messages above, then run: bash docker/build-manager-image.sh pg_auto_failover ${major}`,
      );
    info = await d.getImage(name).inspect();
  }
  if (info.Config?.Labels?.[RECIPE_LABEL] !== pgAutoFailoverRecipeHash())
    log().warn(
      { image: name },
      `${name} was built by another recipe than this pgchaos's docker/; to rebuild it: docker rmi ${name} && bash docker/build-manager-image.sh pg_auto_failover ${major}`,
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

/** sha256 of build-manager-image.sh then Dockerfile.pg_auto_failover.in, first 12 hex digits: the image's `org.pgchaos.recipe`. */
export function pgAutoFailoverRecipeHash(dir = DOCKER_DIR): string {
  return createHash('sha256')
    .update(readFileSync(join(dir, 'build-manager-image.sh')))
    .update(readFileSync(join(dir, 'Dockerfile.pg_auto_failover.in')))
    .digest('hex')
    .slice(0, 12);
}
