/**
 * Cluster templates on a real engine: the first cluster of a configuration makes the run's
 * template, later ones start from it with their own passwords, standby names and per-cluster
 * settings; a setting initdb writes makes another template; two starts that miss a template at
 * once each make their own; the template carries no secret;
 * `fromTemplate: false` starts the write-ups' way; the run's end removes its templates.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { docker, runLabels } from '../docker.ts';
import { currentRun } from '../run-id.ts';
import type { ClusterOptions } from './bring-up.ts';
import { Cluster } from './cluster.ts';
import type { PgNode } from './pg-node.ts';
import { removeTemplates, TEMPLATE_REPO } from './template.ts';

// A configuration no other test has: this file's first cluster makes its template.
const own = { settings: { cluster_name: `tpl_${randomBytes(4).toString('hex')}` } } satisfies ClusterOptions;
const clusters: Cluster[] = [];

async function start(opts: ClusterOptions): Promise<Cluster> {
  const c = await Cluster.start(opts);
  clusters.push(c);
  return c;
}

/** Whether image `name` is on the engine. */
async function imageExists(name: string): Promise<boolean> {
  return (await docker())
    .getImage(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/** The image a node's host was made of. */
async function imageOf(node: PgNode): Promise<string> {
  return (await (await docker()).getContainer(node.hostname).inspect()).Config.Image;
}

/** Runs `SELECT 1` over TCP as the superuser with `password`: the harness's own clients connect this way. */
async function canConnect(node: PgNode, password: string): Promise<boolean> {
  const c = new pg.Client({ ...node.connection(), password, connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  try {
    await c.connect();
    return (await c.query('SELECT 1 AS one')).rows[0]?.one === 1;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

afterAll(async () => {
  await Promise.all(clusters.map((c) => c.destroy()));
});

let template = '';

it('makes the template with the first cluster of a configuration, and starts the next from it with its own passwords', async () => {
  const first = await start(own);
  const [p1, s1] = [first.primary, first.node('s1')];
  expect(await imageOf(p1)).toBe(first.image.name); // made the template
  template = await imageOf(s1);
  expect(template.startsWith(`${TEMPLATE_REPO}:${currentRun().id}-`)).toBe(true);
  expect(await imageExists(template)).toBe(true);

  const second = await start(own);
  for (const n of second.nodes) expect(await imageOf(n)).toBe(template);
  expect((await second.primary.walSenders()).map((r) => r.name).sort()).toEqual(['s1', 's2']);
  expect(await second.node('s1').safePsql("SELECT current_setting('primary_conninfo')")).toMatch(
    new RegExp(`host=${second.primary.hostname} .*application_name=s1$`),
  );
  // Its own passwords, on the primary and (replayed) on a standby; the first cluster's do not open it.
  const password = second.primary.connection().password;
  expect(password).not.toBe(p1.connection().password);
  expect(await canConnect(second.primary, password)).toBe(true);
  expect(await canConnect(second.node('s2'), password)).toBe(true);
  expect(await canConnect(second.primary, p1.connection().password)).toBe(false);
  expect(second.replication.password).not.toBe(first.replication.password);
}, 120_000);

it('serves clusters that differ in standbys, synchronous_standby_names and synchronous_commit', async () => {
  const c = await start({
    ...own,
    standbys: ['s1', 's2', 's3'],
    synchronousStandbyNames: 'FIRST 2 (s1, s2, s3)',
    synchronousCommit: 'remote_apply',
  });
  for (const n of c.nodes) expect(await imageOf(n)).toBe(template);
  expect((await c.primary.walSenders()).map((r) => `${r.name}:${r.syncState}`).sort()).toEqual(['s1:sync', 's2:sync', 's3:potential']);
  expect(await c.primary.safePsql('SHOW synchronous_standby_names')).toBe('FIRST 2 (s1, s2, s3)');
  expect(await c.node('s3').safePsql('SHOW synchronous_commit')).toBe('remote_apply');
  await c.primary.safePsql('CREATE TABLE t AS SELECT 1 AS x');
  await c.node('s3').pollQueryUntil('SELECT count(*) FROM t', { expected: '1', timeoutMs: 10_000 });
}, 120_000);

it('makes another template when a setting initdb writes differs', async () => {
  const c = await start({ settings: { ...own.settings, wal_log_hints: false } });
  const other = await imageOf(c.node('s1'));
  expect(other).not.toBe(template);
  expect(await c.node('s1').safePsql('SHOW wal_log_hints')).toBe('off');
}, 120_000);

it('lets two starts that miss the same template at once each make one and start from its own', async () => {
  const fresh = { settings: { cluster_name: `tpl_${randomBytes(4).toString('hex')}` } } satisfies ClusterOptions;
  const [a, b] = await Promise.all([start(fresh), start(fresh)]);
  const [ta, tb] = [await imageOf(a.node('s1')), await imageOf(b.node('s1'))];
  expect(ta).not.toBe(tb);
  // Each cluster's standbys share its primary's system identifier: they stream (start() checked it).
  const third = await start(fresh);
  expect([ta, tb]).toContain(await imageOf(third.primary));
}, 180_000);

it('carries no secret: no passfile in the template', async () => {
  const d = await docker();
  const probe = await d.createContainer({ Image: template, Labels: runLabels(currentRun().id), HostConfig: { NetworkMode: 'none' } });
  try {
    const passfile = await probe.getArchive({ path: '/var/lib/postgresql/.pgpass' }).then(
      () => 'present',
      (e: { statusCode?: number }) => String(e.statusCode),
    );
    expect(passfile).toBe('404');
    // The data directory is there, cleanly shut down.
    expect(await probe.getArchive({ path: '/var/lib/postgresql/data/global/pg_control' }).then(() => 'present')).toBe('present');
    await expect(probe.getArchive({ path: '/var/lib/postgresql/data/postmaster.pid' })).rejects.toMatchObject({ statusCode: 404 });
  } finally {
    await probe.remove({ force: true });
  }
});

it("starts the write-ups' way without a template when asked", async () => {
  const c = await start({ ...own, fromTemplate: false });
  for (const n of c.nodes) expect(await imageOf(n)).toBe(c.image.name);
  expect(await canConnect(c.node('s1'), c.primary.connection().password)).toBe(true);
}, 120_000);

it("removes the run's templates once their clusters are gone", async () => {
  await Promise.all(clusters.splice(0).map((c) => c.destroy()));
  expect(await removeTemplates(currentRun().id)).toBeGreaterThanOrEqual(4);
  expect(await imageExists(template)).toBe(false);
}, 60_000);
