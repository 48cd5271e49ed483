/**
 * The repmgr image of a PostgreSQL major (manager/image.ts): pgchaos's own image plus
 * postgresql-NN-repmgr (`repmgr`, `repmgrd` and the `repmgr` extension every node loads) and
 * repmgr-common from the same Debian suite. One image serves every node: repmgr has no monitor
 * and no DCS (its metadata lives in each node's `repmgr` database, replicated with the rest).
 */
import { checkSuiteMajor, ensureManagerImage, type ManagerImage, type ManagerSuite } from '../image.ts';

/**
 * What each Debian suite ships for repmgr (apt-cache madison inside pgchaos/postgres:15 with each
 * suite's lists, checked 2026-12-06): every suite has a package; bookworm's 5.3.3 is tested here.
 */
export const REPMGR_SUITES: Readonly<Record<number, ManagerSuite>> = {
  13: { suite: 'bullseye', ships: 'postgresql-13-repmgr 5.2.0-2, repmgr-common 5.2.0-2', runs: true, tested: false },
  15: { suite: 'bookworm', ships: 'postgresql-15-repmgr 5.3.3-2, repmgr-common 5.3.3-2', runs: true, tested: true },
  17: { suite: 'trixie', ships: 'postgresql-17-repmgr 5.5.0+debpgdg-1, repmgr-common 5.5.0+debpgdg-1', runs: true, tested: false },
};

/**
 * Checks that the major's Debian suite ships repmgr, before any container starts (13 and 17 run
 * with a warning that pgchaos has not tested them).
 * @returns the major as a number. @throws ConfigError for a major with no suite here (names 13, 15, 17).
 */
export function checkRepmgrMajor(majorText: number | string): number {
  return checkSuiteMajor('repmgr', REPMGR_SUITES, majorText);
}

/** A repmgr image and its Debian package versions (`postgresql-NN-repmgr`, `repmgr-common`, `postgresql-NN`). */
export type RepmgrImage = ManagerImage;

/**
 * `pgchaos/postgres-repmgr:NN`, built when missing (the base image first).
 * @throws ConfigError for a major `checkRepmgrMajor` refuses, or when the build fails.
 */
export async function ensureRepmgrImage(majorText: number | string): Promise<RepmgrImage> {
  return ensureManagerImage('repmgr', checkRepmgrMajor(majorText));
}
