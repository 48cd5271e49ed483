/**
 * pg_auto_failover on the seam, first light on PostgreSQL 15 (bookworm: pg_auto_failover 2.0),
 * its default settings (number_sync_standbys raised to 1 by the monitor, priorities 50, every
 * node in the replication quorum). Clients use the formation's multi-host URI with
 * target_session_attrs=read-write (multi-host.ts), writing every 100 ms as an application would.
 *  1. bring-up: the time to the first write a client gets acknowledged; the view, the promise,
 *     and the synchronous_standby_names pg_autoctl wrote, read back against the promise;
 *  2. `pg_autoctl perform promotion` to s1: no failover recorded; its time as a client sees it;
 *  3. the primary's host killed: a failover read off the monitor's view; the time until a
 *     client's write is acknowledged by the new primary; the old host booted and its agent
 *     started: pg_auto_failover rejoins it (settled);
 *  4. the monitor killed (`dcs-kill` on the monitor): the primary keeps acknowledging writes,
 *     the view says the monitor does not answer; booted, it answers again.
 * Figures go to the log (`first-light`) and docs/findings/2026-12-06-pg-auto-failover-first-light.md.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Clock } from '../clock.ts';
import { log } from '../logger.ts';
import { pollUntil } from '../wait.ts';
import type { OperatorLog } from './builtin.ts';
import type { ClientEndpoint } from './manager.ts';
import { PgAutoFailoverManager } from './pg-auto-failover-manager.ts';

let manager: PgAutoFailoverManager;
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

const settled = (what: string) =>
  pollUntil(
    async () =>
      (await manager.settled().catch(() => false)) ? { done: true, value: true } : { done: false, seen: (await manager.view()).raw },
    { what, timeoutMs: 120_000, intervalMs: 500 },
  );

beforeAll(async () => {
  const t0 = Date.now();
  manager = await PgAutoFailoverManager.start({ pgMajor: 15, intervalMs: 500 }, rec);
  figures.formationReadyMs = Date.now() - t0;
  clients = manager.clients();
  figures.firstWritablePrimaryMs = (await outageUntilNewPrimary(undefined, t0, 30_000)).ms;
}, 300_000);

afterAll(async () => {
  log().info({ figures }, 'first-light: pg_auto_failover 2.0 on PostgreSQL 15');
  await manager?.destroy();
});

it('views the formation, promises what its settings say, and writes that setting', async () => {
  const v = await manager.view();
  expect(v.error).toBeUndefined();
  expect(v.primary).toBe('pg0');
  expect(v.rows.map((r) => [r.node, r.role]).sort()).toEqual([
    ['pg0', 'primary'],
    ['s1', 'standby'],
    ['s2', 'standby'],
  ]);
  expect(v.raw).toMatch(/Reported State/);
  expect(manager.describe()).toMatchObject({
    name: 'pg_auto_failover',
    versions: { 'pg-auto-failover-cli': expect.stringMatching(/^2\.0/) },
  });
  const p = manager.promise();
  expect(p).toMatchObject({ numberSyncStandbys: 1, survivesFailures: 1, confirmations: 1, expectedSyncNames: 'ANY 1 (s1, s2)' });
  expect(await manager.cluster.numberSyncStandbys()).toBe(1);
  // pg_autoctl names the standbys pgautofailover_standby_<node id>: read back in the promise's names.
  const ids = new Map((await manager.cluster.view()).nodes.map((n) => [`pgautofailover_standby_${n.nodeId}`, n.name]));
  const written = await manager.cluster.syncStandbyNames('pg0');
  const m = /^ANY (\d+) \((.*)\)$/.exec(written);
  expect(m, written).not.toBeNull();
  expect(
    `ANY ${m![1]} (${m![2]!
      .split(', ')
      .map((s) => ids.get(s))
      .sort()
      .join(', ')})`,
  ).toBe(p.expectedSyncNames);
  expect(clients.via).toBe('primary');
  expect(clients.describe).toMatch(/target_session_attrs=read-write/);
  await settled('a settled formation after bring-up');
});

it('switches over by pg_autoctl perform promotion, recording no failover', async () => {
  manager.start();
  const t0 = Date.now();
  const sw = await manager.switchover('s1');
  figures.switchoverCommandMs = Date.now() - t0;
  expect(sw).toMatchObject({ from: 'pg0', to: 's1' });
  const seen = await outageUntilNewPrimary('pg0', t0, 60_000);
  figures.switchoverAsClientSeesMs = seen.ms;
  expect(seen.node).toBe('s1');
  await settled('every node secondary after the switchover');
  expect(manager.failovers).toEqual([]);
}, 180_000);

it("reads a killed primary host's failover off the monitor's view; the old primary rejoins", async () => {
  const t0 = Date.now();
  await manager.cluster.node('s1').crash();
  const seen = await outageUntilNewPrimary('s1', t0, 180_000);
  figures.failoverAsClientSeesMs = seen.ms;
  figures.failedWritesDuringFailover = seen.failed;
  await pollUntil(
    async () => (manager.failovers.length ? { done: true, value: true } : { done: false, seen: (await manager.view()).raw }),
    {
      what: 'the manager to record the failover',
      timeoutMs: 30_000,
      intervalMs: 250,
    },
  );
  expect(manager.failovers).toHaveLength(1);
  const f = manager.failovers[0]!;
  expect(f).toMatchObject({ from: 's1', to: seen.node });
  expect(f.detectedT).toBeLessThanOrEqual(f.decidedT);
  expect(f.decidedT).toBeLessThanOrEqual(f.promotedT);
  figures.failover = { detectToPromoteMs: f.promotedT - f.detectedT, positions: f.positions };
  const t1 = Date.now();
  await manager.cluster.node('s1').ensureUp();
  await manager.cluster.agent('s1').start();
  await settled('the old primary rejoined as a secondary');
  figures.rejoinMs = Date.now() - t1;
  expect((await manager.view()).rows.find((r) => r.node === 's1')?.role).toBe('standby');
  expect(manager.failovers).toHaveLength(1);
}, 300_000);

it('keeps the primary taking writes while the monitor is down (monitor-kill)', async () => {
  const primary = (await manager.view()).primary!;
  await manager.cluster.dcsHost('monitor').crash();
  const down = await manager.view();
  expect(down.error).toBeTruthy();
  expect(await manager.cluster.leader()).toBeUndefined();
  const t0 = Date.now();
  const results: boolean[] = [];
  while (Date.now() - t0 < 10_000) {
    const r = await writeOnce();
    results.push(r.ok && r.node === primary);
    await new Promise((res) => setTimeout(res, 200));
  }
  figures.writesWhileMonitorDown = { acknowledged: results.filter(Boolean).length, of: results.length };
  expect(results.every(Boolean)).toBe(true);
  await manager.cluster.dcsHost('monitor').ensureUp();
  await settled('the monitor answering again, the formation settled');
  expect((await manager.view()).primary).toBe(primary);
  expect(manager.failovers).toHaveLength(1);
}, 180_000);
