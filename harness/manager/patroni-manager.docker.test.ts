/**
 * Patroni on the seam, on PostgreSQL 15: PatroniManager (patroni-manager.ts) over a
 * PatroniCluster with synchronous_mode_strict. Its view is Patroni's /cluster; it settles; a
 * switchover by patronictl is no failover; a killed leader is, read off Patroni's view.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Clock } from '../clock.ts';
import { pollUntil } from '../wait.ts';
import type { OperatorLog } from './builtin.ts';
import { PatroniManager } from './patroni-manager.ts';

let manager: PatroniManager;
const clock = new Clock();
const rec: OperatorLog = { clock, step: () => clock.now(), move: () => clock.now() };

beforeAll(async () => {
  manager = await PatroniManager.start(
    { pgMajor: 15, config: { bootstrap: { dcs: { synchronous_mode: true, synchronous_mode_strict: true } } }, intervalMs: 500 },
    rec,
  );
}, 240_000);

afterAll(async () => {
  await manager?.destroy();
});

const settled = (what: string) =>
  pollUntil(
    async () =>
      (await manager.settled().catch(() => false)) ? { done: true, value: true } : { done: false, seen: (await manager.view()).raw },
    { what, timeoutMs: 90_000, intervalMs: 500 },
  );

/** The sync standby Patroni names (it does so on a loop, `loop_wait`, after a bring-up or a switchover). */
const syncStandby = (what: string) =>
  pollUntil(
    async () => {
      const now = await manager.view();
      const row = now.rows.find((r) => r.state === 'sync_standby running');
      return row ? { done: true, value: row.node } : { done: false, seen: now.raw };
    },
    { what, timeoutMs: 60_000, intervalMs: 500 },
  );

it("views Patroni's cluster, switches over by patronictl (no failover), and reads a killed leader's failover off the view", async () => {
  const v = await manager.view();
  expect(v.error).toBeUndefined();
  expect(v.primary).not.toBeNull();
  expect(v.rows.filter((r) => r.role === 'primary').map((r) => r.node)).toEqual([v.primary]);
  expect(v.rows.filter((r) => r.role === 'standby')).toHaveLength(2);
  expect(manager.promise()).toMatchObject({ survivesFailures: 3, confirmations: 1 });
  expect(manager.clients().via).toBe('proxy');
  await settled('a settled Patroni cluster after bring-up');

  manager.start();
  // In synchronous mode Patroni switches over only to the sync standby.
  const sync = await syncStandby('Patroni to name a sync standby after bring-up');
  const sw = await manager.switchover(sync);
  expect(sw).toMatchObject({ from: v.primary, to: sync });
  await settled('every replica streaming after the switchover');
  expect(manager.failovers).toEqual([]);
  // Killed before Patroni names the new leader's sync standby (its next loop), no replica may take
  // over in strict mode: measured once, 90 s without a leader. So the kill waits for one.
  await syncStandby(`Patroni to name ${sync}'s sync standby after the switchover`);

  await manager.cluster.node(sync).kill();
  const f = await pollUntil(
    async () =>
      manager.failovers.length ? { done: true, value: manager.failovers[0]! } : { done: false, seen: (await manager.view()).raw },
    { what: 'a failover read off Patroni’s view after the leader was killed', timeoutMs: 90_000, intervalMs: 500 },
  );
  expect(f.from).toBe(sync);
  expect(f.to).not.toBe(sync);
  expect(f.decidedT).toBeGreaterThanOrEqual(f.detectedT);
}, 300_000);
