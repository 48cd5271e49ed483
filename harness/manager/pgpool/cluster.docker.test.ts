/**
 * A pgpool-II 4.3.5 cluster on PostgreSQL 15 brought up (cluster.ts): pgpool shows pg0 the
 * primary and both standbys up and streaming; a client connecting through pgpool's port writes,
 * and the write reaches pg0 (inet_server_addr through pgpool is pg0's address).
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { log } from '../../logger.ts';
import { PgpoolCluster } from './cluster.ts';
import { SSH_KEY } from './scripts.ts';
import { describeView, primaryOf } from './view.ts';

let cluster: PgpoolCluster;
let readyMs = 0;

beforeAll(async () => {
  const t0 = Date.now();
  cluster = await PgpoolCluster.start();
  readyMs = Date.now() - t0;
}, 240_000);

afterAll(async () => {
  await cluster?.destroy();
});

it('pgpool shows pg0 primary and s1, s2 streaming standbys; a client writes through pgpool to pg0', async () => {
  const { view, text } = await cluster.viewWithText();
  log().info({ readyMs, text, versions: cluster.image.versions }, 'pgpool cluster: ready');
  expect(primaryOf(view), describeView(view)).toBe('pg0');
  expect(view.nodes.map((n) => [n.role, n.status === 'up' || n.status === 'waiting'])).toEqual([
    ['primary', true],
    ['standby', true],
    ['standby', true],
  ]);
  const c = new pg.Client(cluster.connectionConfig());
  c.on('error', () => {});
  await c.connect();
  try {
    await c.query('CREATE TABLE smoke (t timestamptz); INSERT INTO smoke VALUES (now())');
    const r = await c.query<{ a: string }>('SELECT host(inet_server_addr()) AS a');
    expect(r.rows[0]!.a).toBe(await cluster.node('pg0').address());
  } finally {
    await c.end().catch(() => {});
  }
  expect(await cluster.psql('s1', "SELECT pg_is_in_recovery(), current_setting('primary_conninfo') LIKE '%application_name=s1%'")).toBe(
    't|t',
  );
  expect(await cluster.psql('pg0', "SELECT extname FROM pg_extension WHERE extname = 'pgpool_recovery'")).toBe('pgpool_recovery');
  // The samples' passwordless SSH as postgres, which follow_primary.sh and online recovery use: pgpool → each node, node → node.
  const ssh = (to: string) =>
    `ssh -T -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i ${SSH_KEY} postgres@${cluster.id}-${to} hostname`;
  expect((await cluster.pgpool.exec(['sh', '-c', ssh('s2')])).trim()).toMatch(/./);
  expect((await cluster.node('pg0').exec(['sh', '-c', ssh('s1')])).trim()).toMatch(/./);
}, 60_000);
