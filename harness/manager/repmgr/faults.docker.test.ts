/**
 * Faults of repmgr's own part, repmgrd, and a node fault, injected through the catalogue
 * (nemesis/managed.ts `injectManagedFault`) into a repmgr 5.3.3 cluster on PostgreSQL 15, its
 * retries shortened to 3 × 2 s:
 * - `kill9-agent` on the primary: repmgrd gone while PostgreSQL runs. Nothing on the primary
 *   depends on it: writes stay acknowledged, no standby is promoted (their repmgrd still see the
 *   primary); `repmgr service status` says repmgrd is not running; the heal starts it again;
 * - `freeze-agent` on both standbys, then the primary's host crashed: no repmgrd is left to
 *   notice, so no standby is promoted for 20 s (unfrozen, one would be in about 7 s,
 *   cluster.docker.test.ts); thawed, they elect and promote s1;
 * - the old primary's host booted (the heal of `crash-host-loud`: PostgreSQL and repmgrd started,
 *   as a boot would): repmgr 5.3.3 does not fence it (repmgr #766 reproduces). For 30 s it stays
 *   out of recovery and acknowledges writes sent to it: two writable primaries. The new primary's
 *   `repmgr cluster show` lists it `! running` (record inactive); its own lists itself primary and
 *   the new one `! running as primary`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Clock } from '../../clock.ts';
import type { FaultLog } from '../../nemesis/catalogue.ts';
import { injectManagedFault } from '../../nemesis/managed.ts';
import { log } from '../../logger.ts';
import { pollUntil } from '../../wait.ts';
import { RepmgrCluster } from './cluster.ts';
import { describeView, parseClusterShow, primaryOf } from './view.ts';

let cluster: RepmgrCluster;
const clock = new Clock();
const rec: FaultLog = { clock, fault: (_f, { at }) => at, heal: () => clock.now(), lastsToEnd: () => {} };

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

/** `repmgr service status` on `node`: repmgrd's column per node, as repmgr prints it. */
async function serviceStatus(node: string): Promise<string> {
  return cluster.node(node).exec(['sh', '-c', 'repmgr -f /etc/repmgr/repmgr.conf service status 2>&1; true'], { timeoutMs: 15_000 });
}

beforeAll(async () => {
  cluster = await RepmgrCluster.start({ config: { reconnect_attempts: 3, reconnect_interval: 2 } });
}, 240_000);

afterAll(async () => {
  await cluster?.destroy();
});

it('kill9-agent on the primary: writes acknowledged, no failover, repmgrd reported not running; the heal starts it', async () => {
  const injected = await injectManagedFault(cluster, rec, { kind: 'kill9-agent', target: 'primary' });
  expect(injected.nodes).toEqual(['pg0']);
  const w = await writesTo('pg0', 15_000);
  const status = await serviceStatus('s1');
  log().info({ writes: w, status }, 'repmgr-faults: kill9-agent on the primary');
  expect(w.acknowledged).toBe(w.of);
  expect(primaryOf(await cluster.view())).toBe('pg0');
  expect(status).toMatch(/\| pg0 +\| primary +\| \* running +\| +\| not running /);
  await injected.heal();
  await pollUntil(
    async () => {
      const s = await serviceStatus('s1');
      return /\| pg0 +\| primary +\| \* running +\| +\| running /.test(s) ? { done: true, value: true } : { done: false, seen: s };
    },
    { what: "pg0's repmgrd running again", timeoutMs: 30_000, intervalMs: 1000 },
  );
}, 120_000);

it('freeze-agent on both standbys, primary host crashed: no promotion while frozen; thawed, s1 promoted; the old one, booted, is not fenced', async () => {
  await cluster.waitForReady(60_000);
  const frozen = [
    await injectManagedFault(cluster, rec, { kind: 'freeze-agent', target: { node: 's1' } }),
    await injectManagedFault(cluster, rec, { kind: 'freeze-agent', target: { node: 's2' } }),
  ];
  const crash = await injectManagedFault(cluster, rec, { kind: 'crash-host-loud', target: 'primary' });
  expect(crash.nodes).toEqual(['pg0']);
  const t0 = Date.now();
  const seen: string[] = [];
  while (Date.now() - t0 < 20_000) {
    const v = await cluster.view();
    seen.push(describeView(v));
    expect(primaryOf(v), describeView(v)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 2000));
  }
  log().info({ seen: seen.at(-1) }, 'repmgr-faults: frozen standbys, primary down 20 s');
  const thawedAt = Date.now();
  for (const f of frozen) await f.heal();
  const promoted = await pollUntil(
    async () => {
      const v = await cluster.view();
      const p = primaryOf(v);
      return p ? { done: true, value: p } : { done: false, seen: describeView(v) };
    },
    { what: 'a standby promoted after the thaw', timeoutMs: 60_000, intervalMs: 500 },
  );
  log().info({ promoted, thawToPromotedMs: Date.now() - thawedAt }, 'repmgr-faults: thawed');
  expect(promoted).toBe('s1');

  // The old primary's host boots: PostgreSQL and repmgrd start as a boot starts them. repmgrd
  // finds the node "still primary" (check_primary_status) from its own stale metadata: no fencing.
  await crash.heal();
  const t1 = Date.now();
  const inRecovery: string[] = [];
  while (Date.now() - t1 < 30_000) {
    inRecovery.push(await cluster.psql('pg0', 'SELECT pg_is_in_recovery()').catch((e: Error) => `error: ${e.message.slice(0, 120)}`));
    await new Promise((r) => setTimeout(r, 5000));
  }
  const [fromS1, fromPg0] = await Promise.all([cluster.clusterShow('s1'), cluster.clusterShow('pg0')]);
  const w = await writesTo('pg0', 3000);
  log().info({ inRecovery, writesToOldPrimary: w, fromS1: fromS1.text, fromPg0: fromPg0.text }, 'repmgr-faults: old primary back');
  expect(inRecovery.every((r) => r === 'f')).toBe(true);
  expect(w.acknowledged).toBe(w.of);
  expect(primaryOf(parseClusterShow(fromS1.text, 's1'))).toBe('s1');
  expect(parseClusterShow(fromS1.text, 's1').nodes.find((n) => n.name === 'pg0')?.status).toBe('! running');
  expect(primaryOf(parseClusterShow(fromPg0.text, 'pg0'))).toBe('pg0');
}, 240_000);
