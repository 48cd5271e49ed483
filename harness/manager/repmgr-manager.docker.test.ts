/**
 * repmgr on the seam, first light on PostgreSQL 15 (bookworm: repmgr 5.3.3), repmgr's default
 * timings (reconnect_attempts 6 × reconnect_interval 10 s), failover=automatic, priority 100 on
 * every node, asynchronous replication. Clients connect straight to the primary repmgr's view
 * holds, asking it again for every connection, writing every 100 ms as an application would.
 *  1. bring-up: the time to the first write a client gets acknowledged; the view (`repmgr cluster
 *     show`), the versions, the promise (asynchronous: nothing), SSH set up for a switchover (the
 *     switchover itself: scenarios/managed/repmgr-switchover.test.ts), one to the primary refused;
 *  2. the primary's host killed: the time until a client's write is acknowledged by a new
 *     primary; the failover read off the view, with the standbys' LSNs read when it lost the
 *     primary; the other standby follows the new primary.
 * Figures go to the log (`first-light`) and docs/findings/2026-12-06-repmgr-first-light.md.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Clock } from '../clock.ts';
import { log } from '../logger.ts';
import { pollUntil } from '../wait.ts';
import type { OperatorLog } from './builtin.ts';
import type { ClientEndpoint } from './manager.ts';
import { RepmgrManager } from './repmgr-manager.ts';

let manager: RepmgrManager;
let clients: ClientEndpoint;
const clock = new Clock();
const rec: OperatorLog = { clock, step: () => clock.now(), move: () => clock.now() };
const figures: Record<string, unknown> = {};
let value = 0;

/** One INSERT through the endpoint, in a fresh connection as after a lost one: the node that acknowledged it, else the error. */
async function writeOnce(): Promise<{ ok: true; node: string } | { ok: false; error: string }> {
  try {
    const node = await clients.currentPrimary();
    const c = node.client('pgchaos-first-light', { connectTimeoutMs: 2000, queryTimeoutMs: 3000 });
    try {
      await c.connect();
      await c.query('CREATE TABLE IF NOT EXISTS first_light (v bigint)');
      await c.query('INSERT INTO first_light VALUES ($1)', [value++]);
      return { ok: true, node: node.name };
    } finally {
      await c.end().catch(() => {});
    }
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** Writes every 100 ms from now until one is acknowledged by a node other than `old`: ms from `since`, failed writes, the node. */
async function outageUntilNewPrimary(old: string | undefined, since: number, timeoutMs: number) {
  let failed = 0;
  const node = await pollUntil(
    async () => {
      const r = await writeOnce();
      if (r.ok && r.node !== old) return { done: true, value: r.node };
      if (!r.ok) failed++;
      return { done: false, seen: r.ok ? `a write acknowledged by the old primary ${r.node}` : r.error };
    },
    { what: `a write acknowledged by a new primary (not ${old})`, timeoutMs, intervalMs: 100 },
  );
  return { ms: Date.now() - since, failed, node };
}

beforeAll(async () => {
  const t0 = Date.now();
  manager = await RepmgrManager.start({ pgMajor: 15, intervalMs: 500 }, rec);
  figures.clusterReadyMs = Date.now() - t0;
  clients = manager.clients();
  figures.firstWritablePrimaryMs = (await outageUntilNewPrimary(undefined, t0, 30_000)).ms;
}, 300_000);

afterAll(async () => {
  log().info({ figures }, 'first-light: repmgr 5.3.3 on PostgreSQL 15');
  await manager?.destroy();
});

it('views the cluster as repmgr cluster show prints it, promises nothing (async), has SSH for a switchover', async () => {
  const v = await manager.view();
  expect(v.error).toBeUndefined();
  expect(v.primary).toBe('pg0');
  expect(v.rows.map((r) => [r.node, r.role, r.state, r.timeline])).toEqual([
    ['pg0', 'primary', 'primary * running', 1],
    ['s1', 'standby', 'standby running ← pg0', 1],
    ['s2', 'standby', 'standby running ← pg0', 1],
  ]);
  expect(v.raw).toMatch(/^\(repmgr cluster show on pg0\)\n ID \| Name/);
  expect(manager.describe()).toMatchObject({
    name: 'repmgr',
    versions: { 'postgresql-15-repmgr': expect.stringMatching(/^5\.3\.3/) },
    config: { resolved: { failover: 'automatic', reconnect_attempts: 6, reconnect_interval: 10 } },
  });
  expect(manager.promise()).toMatchObject({ survivesFailures: 0, confirmations: 0, managesSyncNames: false, expectedSyncNames: '' });
  expect(await manager.cluster.psql('pg0', 'SHOW synchronous_standby_names')).toBe('');
  expect(clients.via).toBe('primary');
  expect(await manager.settled()).toBe(true);
  expect(manager.cluster.ssh).toBe(true);
  await expect(manager.switchover('pg0')).rejects.toThrow(/pg0 is already the primary/);
});

it("reads a killed primary host's failover off repmgr's view; the other standby follows", async () => {
  manager.start();
  await new Promise((r) => setTimeout(r, 1500)); // the loop has seen pg0 primary
  const t0 = Date.now();
  await manager.cluster.node('pg0').crash();
  const seen = await outageUntilNewPrimary('pg0', t0, 180_000);
  figures.failoverAsClientSeesMs = seen.ms;
  figures.failedWritesDuringFailover = seen.failed;
  await pollUntil(
    async () => (manager.failovers.length ? { done: true, value: true } : { done: false, seen: (await manager.view()).raw }),
    { what: 'the manager to record the failover', timeoutMs: 30_000, intervalMs: 250 },
  );
  expect(manager.failovers).toHaveLength(1);
  const f = manager.failovers[0]!;
  expect(f).toMatchObject({ from: 'pg0', to: seen.node });
  expect(f.detectedT).toBeLessThanOrEqual(f.decidedT);
  expect(f.decidedT).toBeLessThanOrEqual(f.promotedT);
  expect(f.positions.map((p) => p.name).sort()).toEqual(['s1', 's2']);
  figures.failover = { detectToPromoteMs: f.promotedT - f.detectedT, positions: f.positions };
  const other = seen.node === 's1' ? 's2' : 's1';
  await pollUntil(
    async () => {
      const v = await manager.view();
      const row = v.rows.find((r) => r.node === other);
      return row?.state === `standby running ← ${seen.node}` ? { done: true, value: true } : { done: false, seen: v.raw };
    },
    { what: `${other} to follow ${seen.node}`, timeoutMs: 60_000, intervalMs: 500 },
  );
  figures.followedMs = Date.now() - t0;
  const v = await manager.view();
  figures.viewAfterFailover = v.raw;
  expect(v.rows.find((r) => r.node === 'pg0')?.role).toBe('out');
  expect(manager.failovers).toHaveLength(1);
}, 300_000);
