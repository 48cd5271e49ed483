/**
 * The pg_auto_failover image of a PostgreSQL major (manager/image.ts): pgchaos's own image plus
 * pg-auto-failover-cli (`pg_autoctl`) and postgresql-NN-auto-failover (the `pgautofailover`
 * extension the monitor loads) from the same Debian suite. One image serves the monitor and every
 * Postgres node.
 */
import { checkSuiteMajor, ensureManagerImage, type ManagerImage, type ManagerSuite } from '../image.ts';

/**
 * What each Debian suite ships for pg_auto_failover (apt-cache policy, checked 2026-12-06):
 * bullseye has no package at all; bookworm ships 2.0 (tested here); trixie a newer one.
 */
export const PG_AUTO_FAILOVER_SUITES: Readonly<Record<number, ManagerSuite>> = {
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
  return checkSuiteMajor('pg_auto_failover', PG_AUTO_FAILOVER_SUITES, majorText);
}

/** A pg_auto_failover image and its Debian package versions (`pg-auto-failover-cli`, `postgresql-NN-auto-failover`, `postgresql-NN`). */
export type PgAutoFailoverImage = ManagerImage;

/**
 * `pgchaos/postgres-pg_auto_failover:NN`, built when missing (the base image first).
 * @throws ConfigError for a major `checkPgAutoFailoverMajor` refuses, or when the build fails.
 */
export async function ensurePgAutoFailoverImage(majorText: number | string): Promise<PgAutoFailoverImage> {
  return ensureManagerImage('pg_auto_failover', checkPgAutoFailoverMajor(majorText));
}
