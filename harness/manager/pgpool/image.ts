/**
 * The pgpool-II image of a PostgreSQL major (manager/image.ts): pgchaos's own image plus pgpool2
 * (`pgpool`, the `pcp_*` commands, `pg_md5`), postgresql-NN-pgpool2 (the `pgpool_recovery`
 * extension online recovery calls on the primary: pgpool-II 4.3 docs, "Installing
 * pgpool_recovery") and OpenSSH (pgpool's sample scripts reach the nodes by passwordless SSH:
 * /usr/share/doc/pgpool2/examples/scripts/*.sample) from the same Debian suite. One image serves
 * the database nodes and the pgpool node.
 */
import { checkSuiteMajor, ensureManagerImage, type ManagerImage, type ManagerSuite } from '../image.ts';

/**
 * What each Debian suite ships for pgpool-II (apt-cache madison against each suite's lists,
 * checked 2026-12-06). pgchaos's pgpool.conf needs pgpool-II ≥ 4.2 (`backend_clustering_mode`,
 * `follow_primary_command`; 4.2 release notes): bullseye's 4.1.4 has neither.
 */
export const PGPOOL_SUITES: Readonly<Record<number, ManagerSuite>> = {
  13: { suite: 'bullseye', ships: 'pgpool2 4.1.4-3, postgresql-13-pgpool2 4.1.4-3', runs: false, tested: false },
  15: { suite: 'bookworm', ships: 'pgpool2 4.3.5-1+deb12u1, postgresql-15-pgpool2 4.3.5-1+deb12u1', runs: true, tested: true },
  17: { suite: 'trixie', ships: 'pgpool2 4.6.1-2, postgresql-17-pgpool2 4.6.1-2', runs: true, tested: false },
};

/**
 * Checks that the major's Debian suite ships a pgpool-II pgchaos can configure, before any
 * container starts (17 runs with a warning that pgchaos has not tested it).
 * @returns the major as a number. @throws ConfigError for 13 (pgpool2 4.1.4: no
 *   backend_clustering_mode) or a major with no suite, naming 15 and 17.
 */
export function checkPgpoolMajor(majorText: number | string): number {
  return checkSuiteMajor(
    'pgpool-II',
    PGPOOL_SUITES,
    majorText,
    "pgpool-II 4.1's pgpool.conf has no backend_clustering_mode or follow_primary_command (4.2), which pgchaos writes",
  );
}

/** A pgpool image and its Debian package versions (`pgpool2`, `postgresql-NN-pgpool2`, `openssh-*`, `postgresql-NN`). */
export type PgpoolImage = ManagerImage;

/**
 * `pgchaos/postgres-pgpool:NN`, built when missing (the base image first).
 * @throws ConfigError for a major `checkPgpoolMajor` refuses, or when the build fails.
 */
export async function ensurePgpoolImage(majorText: number | string): Promise<PgpoolImage> {
  return ensureManagerImage('pgpool', checkPgpoolMajor(majorText));
}
