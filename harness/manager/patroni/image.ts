/**
 * The Patroni image of a PostgreSQL major (manager/image.ts): pgchaos's own image plus patroni,
 * python3-etcd, python3-psycopg2, etcd-server and haproxy from the same Debian suite. One image
 * serves every member: etcd, Patroni nodes, HAProxy.
 */
import { checkSuiteMajor, ensureManagerImage, type ManagerImage, type ManagerSuite } from '../image.ts';

/**
 * What each Debian suite ships for a Patroni cluster (apt-cache madison, checked 2026-12-06), and
 * whether pgchaos runs it: Patroni 3 is needed (`--validate-config` judges the merged config, the
 * etcd3 client speaks etcd's v3 API) and etcd 3.4 or later.
 */
export const PATRONI_SUITES: Readonly<Record<number, ManagerSuite>> = {
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
  return checkSuiteMajor('Patroni', PATRONI_SUITES, majorText, "pgchaos's Patroni needs patroni 3 or later and etcd 3.4 or later");
}

/** A Patroni image and the Debian package versions in it (patroni, python3-etcd, python3-psycopg2, etcd-server, haproxy, postgresql-NN). */
export type PatroniImage = ManagerImage;

/**
 * `pgchaos/postgres-patroni:NN`, built when missing (the base image first; about 30 s on top of it).
 * @throws ConfigError for a major `checkPatroniMajor` refuses, or when the build fails.
 */
export async function ensurePatroniImage(majorText: number | string): Promise<PatroniImage> {
  return ensureManagerImage('patroni', checkPatroniMajor(majorText));
}
