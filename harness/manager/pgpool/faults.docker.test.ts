/**
 * Faults of pgpool-II's own part, pgpool itself, and a node fault, injected through the catalogue
 * (nemesis/managed.ts `injectManagedFault`) into a pgpool-II 4.3.5 cluster on PostgreSQL 15 with
 * pgchaos's default settings (health check every 1 s, 2 retries 1 s apart, 5 s timeout):
 * - `kill-proxy`: pgpool's host killed, so pgpool is gone: no client can connect through its
 *   port while PostgreSQL runs on (a direct connection to pg0 still writes); the heal boots the
 *   host, whose command starts pgpool again, and clients connect and write through it;
 * - `crash-host-loud` on the primary: pgpool's health check detaches pg0, failover_command
 *   promotes the live node with the smallest id (s1, node 1: runtime-config-failover.html, `%m`),
 *   follow_primary_command rewinds s2 to follow it and attaches it; clients write through pgpool
 *   to s1, and SHOW pool_nodes shows pg0 down;
 * - the old primary's host booted (the heal: PostgreSQL starts as a primary, as a boot starts
 *   it): pgpool keeps it `down` (its role primary in PostgreSQL, `pg_role primary`), so no client
 *   through pgpool writes to it.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Clock } from '../../clock.ts';
import { log } from '../../logger.ts';
import type { FaultLog } from '../../nemesis/catalogue.ts';
import { injectManagedFault } from '../../nemesis/managed.ts';
import { pollUntil } from '../../wait.ts';
import { PgpoolCluster } from './cluster.ts';
import { describeView, nodeName, primaryOf } from './view.ts';

let cluster: PgpoolCluster;
const clock = new Clock();
const rec: FaultLog = { clock, fault: (_f, { at }) => at, heal: () => clock.now(), lastsToEnd: () => {} };

/** One INSERT through pgpool on a fresh connection: the backend that took it (its address), or the error. */
async function writeThroughPgpool(): Promise<{ ok: true; address: string } | { ok: false; error: string }> {
  const c = new pg.Client({ ...cluster.connectionConfig(), connectionTimeoutMillis: 2000, query_timeout: 3000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.query('CREATE TABLE IF NOT EXISTS fault_probe (t timestamptz); INSERT INTO fault_probe VALUES (now())');
    const r = await c.query<{ a: string }>('SELECT host(inet_server_addr()) AS a');
    return { ok: true, address: r.rows[0]!.a };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  } finally {
    await c.end().catch(() => {});
  }
}

/** Writes through pgpool every 200 ms for `ms`: how many were acknowledged, of how many, and the last error. */
async function writesThrough(ms: number): Promise<{ acknowledged: number; of: number; lastError?: string }> {
  const t0 = Date.now();
  let acknowledged = 0;
  let of = 0;
  let lastError: string | undefined;
  while (Date.now() - t0 < ms) {
    of++;
    const w = await writeThroughPgpool();
    if (w.ok) acknowledged++;
    else lastError = w.error;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { acknowledged, of, ...(lastError ? { lastError } : {}) };
}

beforeAll(async () => {
  cluster = await PgpoolCluster.start();
}, 240_000);

afterAll(async () => {
  await cluster?.destroy();
});

it('kill-proxy: no client connects through pgpool while PostgreSQL runs on; after the heal clients write through it again', async () => {
  expect((await writeThroughPgpool()).ok).toBe(true);
  const injected = await injectManagedFault(cluster, rec, { kind: 'kill-proxy', target: 'primary' });
  expect(injected.nodes).toEqual(['pgpool']);
  const w = await writesThrough(5000);
  const direct = await cluster.psql('pg0', 'INSERT INTO fault_probe VALUES (now()) RETURNING 1');
  log().info({ writes: w, direct }, 'pgpool-faults: pgpool killed');
  expect(w.acknowledged).toBe(0);
  expect(w.of).toBeGreaterThan(3);
  expect(direct).toBe('1');
  const healedAt = Date.now();
  await injected.heal();
  const back = await pollUntil(
    async () => {
      const r = await writeThroughPgpool();
      return r.ok ? { done: true, value: r } : { done: false, seen: r.error };
    },
    { what: 'a write through pgpool after its host booted', timeoutMs: 30_000, intervalMs: 250 },
  );
  log().info({ msToWrite: Date.now() - healedAt }, 'pgpool-faults: pgpool back');
  expect(back.address).toBe(await cluster.node('pg0').address());
  expect(primaryOf(await cluster.view())).toBe('pg0');
}, 120_000);

it("crash-host-loud on the primary: pgpool fails over to s1 (smallest live id), s2 follows; the booted old primary stays down in pgpool's view", async () => {
  await cluster.waitForReady(60_000);
  const crash = await injectManagedFault(cluster, rec, { kind: 'crash-host-loud', target: 'primary' });
  expect(crash.nodes).toEqual(['pg0']);
  const t0 = Date.now();
  const first = await pollUntil(
    async () => {
      const r = await writeThroughPgpool();
      return r.ok ? { done: true, value: r } : { done: false, seen: r.error };
    },
    { what: 'a write through pgpool after the primary crashed', timeoutMs: 60_000, intervalMs: 200 },
  );
  const failoverMs = Date.now() - t0;
  expect(first.address).toBe(await cluster.node('s1').address());
  // follow_primary.sh rewinds s2 to s1 and attaches it; pg0 stays down (its host is gone).
  await pollUntil(
    async () => {
      const v = await cluster.view();
      const senders = await cluster.walSenders('s1').catch(() => []);
      const s2 = v.nodes.find((n) => nodeName(n) === 's2');
      return primaryOf(v) === 's1' && s2?.status === 'up' && senders.some((x) => x.name === 's2' && x.state === 'streaming')
        ? { done: true, value: v }
        : { done: false, seen: `${describeView(v)}; s1 sends to ${senders.map((x) => `${x.name} ${x.state}`).join(', ') || 'none'}` };
    },
    { what: 's2 attached and streaming from s1', timeoutMs: 90_000, intervalMs: 500 },
  );
  const { view, text } = await cluster.viewWithText();
  log().info({ failoverMs, followedMs: Date.now() - t0, text }, 'pgpool-faults: primary crashed');
  expect(view.nodes.map((n) => [nodeName(n), n.role, n.status])).toEqual([
    ['pg0', 'standby', 'down'],
    ['s1', 'primary', 'up'],
    ['s2', 'standby', 'up'],
  ]);

  // The old primary's host boots: PostgreSQL starts as the primary its data directory says it is.
  await crash.heal();
  await new Promise((r) => setTimeout(r, 5000));
  const inRecovery = await cluster.psql('pg0', 'SELECT pg_is_in_recovery()');
  const w = await writesThrough(3000);
  const after = await cluster.viewWithText();
  log().info({ inRecovery, writes: w, text: after.text }, 'pgpool-faults: old primary booted');
  expect(inRecovery).toBe('f');
  expect(w.acknowledged).toBe(w.of);
  expect(primaryOf(after.view), describeView(after.view)).toBe('s1');
  expect(after.view.nodes[0]).toMatchObject({ status: 'down' });
}, 240_000);
