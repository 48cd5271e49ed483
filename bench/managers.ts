/**
 * Bench part 3 (issue 18 §7): each HA manager on the same image, as a client sees it.
 *  - first writable primary: from the manager's start call until a write through the manager's
 *    client endpoint (`clients()`: the primary directly for the built-in, HAProxy for Patroni) is
 *    acknowledged. The built-in cluster starts from the run's template (bench part 1 made it);
 *    Patroni runs initdb and clones its replicas with pg_basebackup, as it does in production.
 *  - failover: the primary's host crashed (`docker kill`) until a write through the same endpoint
 *    is acknowledged again (the built-in operator promotes the most advanced standby; Patroni after
 *    its leader key expires, `ttl`).
 * Each round brings each manager's cluster up once, in turns; the ratio is Patroni's median over
 * the built-in's. Patroni runs with this file's config (synchronous_mode_strict, ttl 10 s,
 * loop_wait 2 s, retry_timeout 4 s: short enough that a round takes a minute).
 */
import { performance } from 'node:perf_hooks';
import { Clock } from '../harness/clock.ts';
import type { SqlNode } from '../harness/db/sql-node.ts';
import { BuiltinManager } from '../harness/manager/builtin.ts';
import type { HaManager } from '../harness/manager/manager.ts';
import { PatroniManager } from '../harness/manager/patroni-manager.ts';
import { pollUntil } from '../harness/wait.ts';

/** The config Patroni runs with here: Patroni's no-loss settings, timings shortened for the bench. */
export const BENCH_PATRONI_CONFIG = {
  bootstrap: { dcs: { ttl: 10, loop_wait: 2, retry_timeout: 4, synchronous_mode: true, synchronous_mode_strict: true } },
};

/** A manager's figures over the rounds, ms. */
export interface ManagerTimes {
  firstWritable: number[];
  failover: number[];
}

const rec = (clock: Clock) => ({ clock, step: () => clock.now(), move: () => clock.now() });

/** One write in a fresh connection through the endpoint: true when acknowledged. */
async function writes(target: SqlNode): Promise<boolean> {
  return target
    .safePsql('CREATE TABLE IF NOT EXISTS bench_probe (t timestamptz); INSERT INTO bench_probe VALUES (now())', { timeoutMs: 3000 })
    .then(
      () => true,
      () => false,
    );
}

/** ms from `t0` until a write through the manager's clients is acknowledged, polling every 100 ms (deadline 180 s). */
async function untilWritable(m: HaManager, t0: number, what: string): Promise<number> {
  await pollUntil(
    async () =>
      (await writes(await m.clients().currentPrimary())) ? { done: true, value: true } : { done: false, seen: (await m.view()).raw },
    { what, timeoutMs: 180_000, intervalMs: 100 },
  );
  return performance.now() - t0;
}

/** One round of one manager: bring-up to first write, then a crashed primary host to the next write; the cluster removed. */
async function round(name: 'builtin' | 'patroni', major: number, into: ManagerTimes): Promise<void> {
  const clock = new Clock();
  const t0 = performance.now();
  const m =
    name === 'builtin'
      ? await BuiltinManager.start({ pgMajor: major }, rec(clock))
      : await PatroniManager.start({ pgMajor: major, config: BENCH_PATRONI_CONFIG }, rec(clock));
  try {
    into.firstWritable.push(await untilWritable(m, t0, `a first write through ${name}'s clients`));
    m.start();
    const primary = (await m.view()).primary;
    if (!primary) throw new Error(`${name} names no primary after its start`);
    const t1 = performance.now();
    if (m instanceof BuiltinManager) await m.cluster.node(primary).host.crash();
    else await (m as PatroniManager).cluster.node(primary).crash();
    into.failover.push(await untilWritable(m, t1, `a write through ${name}'s clients after ${primary}'s host crashed`));
  } finally {
    await m.stop().catch(() => {});
    if (m instanceof BuiltinManager) await m.cluster.destroy();
    else await (m as PatroniManager).destroy();
  }
}

/** `rounds` rounds, the managers taking turns in a rotating order. */
export async function benchManagers(major: number, rounds: number): Promise<Record<'builtin' | 'patroni', ManagerTimes>> {
  const times = { builtin: { firstWritable: [], failover: [] }, patroni: { firstWritable: [], failover: [] } } as Record<
    'builtin' | 'patroni',
    ManagerTimes
  >;
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? (['builtin', 'patroni'] as const) : (['patroni', 'builtin'] as const);
    for (const name of order) await round(name, major, times[name]);
  }
  return times;
}
