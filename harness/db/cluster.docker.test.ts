/**
 * Cluster membership and settings on a real cluster: `*` with three standbys becomes ready with
 * the model's rows; synchronous_standby_names changes while it runs; a dead node leaves the
 * cluster and the end-of-story steps work on the survivors.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { docker } from '../docker.ts';
import { readNodeHash } from '../load/workload.ts';
import { Cluster } from './cluster.ts';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.start({ standbys: ['s1', 's2', 's3'], synchronousStandbyNames: '*' });
}, 180_000);

afterAll(async () => {
  await cluster?.destroy();
});

it("is ready under '*' with three standbys: one sync, two potential, all priority 1", async () => {
  const rows = await cluster.primary.walSenders();
  expect(rows.map((r) => r.syncPriority)).toEqual([1, 1, 1]);
  expect(rows.map((r) => r.syncState).sort()).toEqual(['potential', 'potential', 'sync']);
  // The sync one is the first walsender slot (ties broken by slot order).
  expect(rows[0]!.syncState).toBe('sync');
});

it('changes synchronous_standby_names while running, and its readiness follows the model', async () => {
  await cluster.setSynchronousStandbyNames('ANY 2 (s1, s2, s3)');
  expect(cluster.sync.text).toBe('ANY 2 (s1, s2, s3)');
  const rows = await cluster.waitForStreaming({ timeoutMs: 30_000 });
  expect(rows.map((r) => `${r.syncPriority}/${r.syncState}`)).toEqual(['1/quorum', '1/quorum', '1/quorum']);
});

it('lets a dead standby leave: its host is removed, catch-up and hashes run on the survivors', async () => {
  const s3 = cluster.node('s3');
  await s3.host.crash();
  await cluster.remove(s3);
  expect(cluster.nodes.map((n) => n.name)).toEqual(['primary', 's1', 's2']);
  const d = await docker();
  expect((await d.listContainers({ all: true, filters: { name: [s3.hostname] } })).length).toBe(0);
  await cluster.primary.safePsql(
    'CREATE TABLE pgchaos_rows (client int, seq bigint, n int, payload text); CREATE TABLE pgchaos_ledger (client int, seq bigint, nrows int)',
  );
  await cluster.primary.safePsql("INSERT INTO pgchaos_rows VALUES (1, 1, 1, 'x')");
  const lsn = await cluster.catchUpAll({ timeoutMs: 30_000 });
  const hashes = await Promise.all(cluster.nodes.map((n) => readNodeHash(n, lsn)));
  expect(new Set(hashes.map((h) => `${h.rows}|${h.rowsHash}`)).size).toBe(1);
  expect(hashes[0]!.rows).toBe(1);
  await expect(cluster.remove(cluster.primary)).rejects.toThrow(/is the primary/);
}, 120_000);
