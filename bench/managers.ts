/**
 * Bench part 3 (issue 18 §7): each HA manager on the same image, as a client sees it.
 *  - first writable primary: from the manager's start call until a write through the manager's
 *    client endpoint (`clients()`: the primary directly for the built-in and repmgr, HAProxy for
 *    Patroni, the multi-host URI's read-write host for pg_auto_failover, pgpool's port for
 *    pgpool-II) is acknowledged. The built-in cluster starts from the run's template (bench part 1
 *    made it); each manager brings its cluster up its own way (Patroni and pg_autoctl run initdb
 *    and clone with pg_basebackup, repmgr clones with `repmgr standby clone`, pgchaos's pgpool
 *    cluster as pgpool's example-cluster does: initdb, pg_basebackup, then pgpool), as it does in
 *    production.
 *  - failover: the primary's host crashed (`docker kill`) until a write through the same endpoint
 *    is acknowledged again (the built-in operator promotes the most advanced standby; Patroni after
 *    its leader key expires, `ttl`; pg_auto_failover after the monitor's health checks fail;
 *    repmgrd after `reconnect_attempts` × `reconnect_interval`; pgpool when its health check or a
 *    child's failed connection (`failover_on_backend_error`) detaches the node, then its
 *    failover_command's `pg_promote()`).
 * Each round brings each manager's cluster up once, in turns (the order rotates); each ratio is a
 * manager's median over the built-in's. Patroni runs with this file's config (synchronous_mode_strict,
 * ttl 10 s, loop_wait 2 s, retry_timeout 4 s: short enough that a round takes a minute);
 * pg_auto_failover, repmgr and pgpool with what `pgchaos run --manager NAME` runs without a config
 * (pgpool: manager/pgpool/config.ts's defaults, asynchronous replication).
 */
import { performance } from 'node:perf_hooks';
import { Clock } from '../harness/clock.ts';
import type { SqlNode } from '../harness/db/sql-node.ts';
import { BuiltinManager } from '../harness/manager/builtin.ts';
import type { HaManager } from '../harness/manager/manager.ts';
import { PatroniManager } from '../harness/manager/patroni-manager.ts';
import { PgAutoFailoverManager } from '../harness/manager/pg-auto-failover-manager.ts';
import { PgpoolManager } from '../harness/manager/pgpool-manager.ts';
import { RepmgrManager } from '../harness/manager/repmgr-manager.ts';
import type { ManagedCluster } from '../harness/nemesis/managed.ts';
import { pollUntil } from '../harness/wait.ts';

/** The config Patroni runs with here: Patroni's no-loss settings, timings shortened for the bench. */
export const BENCH_PATRONI_CONFIG = {
  bootstrap: { dcs: { ttl: 10, loop_wait: 2, retry_timeout: 4, synchronous_mode: true, synchronous_mode_strict: true } },
};

/** The managers part 3 can bring up beside the built-in one, as `--manager` names them. */
export const BENCHED_MANAGERS = ['patroni', 'pg_auto_failover', 'repmgr', 'pgpool'] as const;
export type BenchedManager = (typeof BENCHED_MANAGERS)[number];

/** A manager's figures over the rounds, ms. */
export interface ManagerTimes {
  firstWritable: number[];
  failover: number[];
}

const rec = (clock: Clock) => ({ clock, step: () => clock.now(), move: () => clock.now() });

/** A manager brought up, with what the round needs of it: the crash of a node's host, and its removal. */
interface Started {
  manager: HaManager;
  crash(node: string): Promise<void>;
  destroy(): Promise<void>;
}

/** A managed manager as `Started`: its cluster's hosts crash through the catalogue's `nodeHost`. */
const managed = (m: HaManager & { cluster: ManagedCluster; destroy(): Promise<void> }): Started => ({
  manager: m,
  crash: (node) => m.cluster.nodeHost(node).crash(),
  destroy: () => m.destroy(),
});

/** Brings `name`'s cluster up on `major` with the bench's config for it. */
async function bringUp(name: 'builtin' | BenchedManager, major: number, clock: Clock): Promise<Started> {
  switch (name) {
    case 'builtin': {
      const m = await BuiltinManager.start({ pgMajor: major }, rec(clock));
      return { manager: m, crash: (node) => m.cluster.node(node).host.crash(), destroy: () => m.cluster.destroy() };
    }
    case 'patroni':
      return managed(await PatroniManager.start({ pgMajor: major, config: BENCH_PATRONI_CONFIG }, rec(clock)));
    case 'pg_auto_failover':
      return managed(await PgAutoFailoverManager.start({ pgMajor: major }, rec(clock)));
    case 'repmgr':
      return managed(await RepmgrManager.start({ pgMajor: major }, rec(clock)));
    case 'pgpool':
      return managed(await PgpoolManager.start({ pgMajor: major }, rec(clock)));
  }
}

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
    async () => {
      const primary = await m
        .clients()
        .currentPrimary()
        .catch(() => undefined);
      return primary && (await writes(primary)) ? { done: true, value: true } : { done: false, seen: (await m.view()).raw };
    },
    { what, timeoutMs: 180_000, intervalMs: 100 },
  );
  return performance.now() - t0;
}

/** One round of one manager: bring-up to first write, then a crashed primary host to the next write; the cluster removed. */
async function round(name: 'builtin' | BenchedManager, major: number, into: ManagerTimes): Promise<void> {
  const t0 = performance.now();
  const started = await bringUp(name, major, new Clock());
  const m = started.manager;
  try {
    into.firstWritable.push(await untilWritable(m, t0, `a first write through ${name}'s clients`));
    m.start();
    const primary = (await m.view()).primary;
    if (!primary) throw new Error(`${name} names no primary after its start`);
    const t1 = performance.now();
    await started.crash(primary);
    into.failover.push(await untilWritable(m, t1, `a write through ${name}'s clients after ${primary}'s host crashed`));
  } finally {
    await m.stop().catch(() => {});
    await started.destroy();
  }
}

/**
 * `rounds` rounds of the built-in manager and each of `names`, taking turns in a rotating order.
 * @returns each manager's times, ms, keyed by name (`builtin` always there).
 * @throws as the managers' start (an image missing its package: ConfigError; WaitTimeoutError).
 */
export async function benchManagers(
  major: number,
  rounds: number,
  names: readonly BenchedManager[],
): Promise<Record<string, ManagerTimes>> {
  const all = ['builtin', ...names] as const;
  const times: Record<string, ManagerTimes> = Object.fromEntries(all.map((n) => [n, { firstWritable: [], failover: [] }]));
  for (let i = 0; i < rounds; i++) {
    const order = all.map((_, j) => all[(i + j) % all.length]!);
    for (const name of order) await round(name, major, times[name]!);
  }
  return times;
}

/**
 * The managers `BENCH_MANAGERS` names (comma-separated; default every benched manager; `0`: none).
 * @throws Error naming the benched managers for a name that is not one.
 */
export function benchedManagers(env: string | undefined): BenchedManager[] {
  if (env === '0') return [];
  if (env === undefined || env.trim() === '') return [...BENCHED_MANAGERS];
  return env.split(',').map((raw) => {
    const n = raw.trim();
    if (!(BENCHED_MANAGERS as readonly string[]).includes(n))
      throw new Error(`BENCH_MANAGERS names ${n}, not a benched manager: use some of ${BENCHED_MANAGERS.join(', ')}, or 0 for none`);
    return n as BenchedManager;
  });
}
