/**
 * Faults of pg_auto_failover's own parts, injected through the catalogue (nemesis/managed.ts
 * `injectManagedFault`) into a formation with its default settings, on PostgreSQL 15:
 * - `kill9-agent` / `freeze-agent` on the primary: pg_autoctl gone or stopped while PostgreSQL
 *   runs. The monitor counts a node unhealthy only when it stops reporting *and* its health
 *   check fails (node_metadata.c `IsUnhealthy`), so no failover follows: the primary keeps
 *   acknowledging writes for longer than the unhealthy timeout (20 s by default);
 * - `dcs-kill` on the monitor (the formation's one DCS member): the primary keeps acknowledging
 *   writes; the heal boots the monitor's host, whose command runs pg_autoctl again.
 * Each heal is the catalogue's; the formation settles after it with the same primary.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Clock } from '../../clock.ts';
import type { Fault } from '../../history/fault.ts';
import { describeFault } from '../../history/fault.ts';
import { log } from '../../logger.ts';
import type { FaultLog } from '../../nemesis/catalogue.ts';
import { injectManagedFault } from '../../nemesis/managed.ts';
import { pollUntil } from '../../wait.ts';
import { PgAutoFailoverCluster } from './cluster.ts';
import { describeView, primaryOf } from './view.ts';

let cluster: PgAutoFailoverCluster;
const clock = new Clock();
const rec: FaultLog = {
  clock,
  fault: (_f, { at }) => at,
  heal: () => clock.now(),
  lastsToEnd: () => {},
};

/** Writes straight to `node` every 200 ms for `ms`: how many were acknowledged, of how many. */
async function writesTo(node: string, ms: number): Promise<{ acknowledged: number; of: number }> {
  const t0 = Date.now();
  let acknowledged = 0;
  let of = 0;
  while (Date.now() - t0 < ms) {
    of++;
    acknowledged += await cluster
      .psql(node, 'CREATE TABLE IF NOT EXISTS fault_probe (t timestamptz); INSERT INTO fault_probe VALUES (now())')
      .then(
        () => 1,
        () => 0,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
  return { acknowledged, of };
}

const settled = (what: string) =>
  pollUntil(
    async () => {
      const primary = await cluster.waitForReady(1000).catch(() => undefined);
      return primary ? { done: true, value: primary } : { done: false, seen: describeView(await cluster.view()) };
    },
    { what, timeoutMs: 90_000, intervalMs: 500 },
  );

beforeAll(async () => {
  cluster = await PgAutoFailoverCluster.start({ pgMajor: 15 });
}, 240_000);

afterAll(async () => {
  await cluster?.destroy();
});

for (const kind of ['kill9-agent', 'freeze-agent'] as const) {
  it(`${kind} on the primary: no failover, writes acknowledged past the unhealthy timeout`, async () => {
    const primary = primaryOf(await cluster.view())!;
    const f: Fault = { kind, target: 'primary' };
    const injected = await injectManagedFault(cluster, rec, f);
    expect(injected.nodes).toEqual([primary]);
    const w = await writesTo(primary, 30_000);
    const v = await cluster.view();
    log().info({ fault: describeFault(f), writes: w, view: describeView(v) }, 'pg_auto_failover-fault');
    expect(w.acknowledged).toBe(w.of);
    expect(v.nodes.filter((n) => n.assigned === 'prepare_promotion' || n.assigned === 'stop_replication')).toEqual([]);
    await injected.heal();
    expect(await settled(`the formation settled after healing ${kind}`)).toBe(primary);
  }, 180_000);
}

it('dcs-kill on the monitor: the primary keeps acknowledging writes; the booted monitor answers again', async () => {
  const primary = primaryOf(await cluster.view())!;
  const injected = await injectManagedFault(cluster, rec, { kind: 'dcs-kill', target: 'primary' });
  expect(injected.nodes).toEqual(['monitor']);
  expect(await cluster.dcsLeader()).toBeUndefined();
  const w = await writesTo(primary, 15_000);
  log().info({ fault: 'dcs-kill monitor', writes: w }, 'pg_auto_failover-fault');
  expect(w.acknowledged).toBe(w.of);
  const t0 = Date.now();
  await injected.heal();
  expect(await settled('the formation settled after the monitor was booted')).toBe(primary);
  log().info({ fault: 'dcs-kill monitor', healToSettledMs: Date.now() - t0 }, 'pg_auto_failover-fault');
  expect(await cluster.dcsLeader()).toBe('monitor');
}, 180_000);
