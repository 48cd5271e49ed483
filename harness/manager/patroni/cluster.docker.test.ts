/**
 * Patroni's first light on PostgreSQL 15 (bookworm: patroni 3.0.2, etcd 3.4.23, haproxy 2.6):
 * a cluster brought up Patroni's way with `synchronous_mode: true` and Patroni's other defaults
 * (ttl 30, loop_wait 10, retry_timeout 10), clients through HAProxy checking `/primary`.
 *  1. a leader and two streaming replicas; a write through HAProxy;
 *  2. Patroni writes synchronous_standby_names: one replica `sync` (replication_modes.rst);
 *  3. the leader's container killed: the time until HAProxy reaches a new writable primary, as
 *     a client polling every 100 ms sees it; the new leader was the sync standby;
 *  4. `patronictl switchover` to the remaining replica: the same measure.
 * Figures go to the log (`first-light`) and docs/findings/2026-12-06-patroni-first-light.md.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../db/cluster.ts';
import { docker, RUN_LABEL } from '../../docker.ts';
import { log } from '../../logger.ts';
import { currentRun } from '../../run-id.ts';
import { pollUntil } from '../../wait.ts';
import { PatroniCluster } from './cluster.ts';
import { leaderOf } from './view.ts';

let cluster: PatroniCluster;
const figures: Record<string, unknown> = {};
/** When start() returned, epoch ms. */
let readyAt = 0;

/** One INSERT through `config` in a fresh connection: the server's address when it committed, else the error. */
async function writeOnce(config: pg.ClientConfig, value: number): Promise<{ ok: true; server: string } | { ok: false; error: string }> {
  const c = new pg.Client(config);
  c.on('error', () => {});
  try {
    await c.connect();
    const r = await c.query<{ addr: string }>('INSERT INTO first_light VALUES ($1) RETURNING host(inet_server_addr()) AS addr', [value]);
    return { ok: true, server: r.rows[0]!.addr };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * Writes through HAProxy every 100 ms from now until a write commits on a server other than
 * `oldAddr`, as an application retrying its writes would.
 * @returns ms from `since` to that commit, how many writes failed meanwhile, and the server.
 */
async function outageUntilNewPrimary(oldAddr: string, since: number, timeoutMs: number) {
  let failed = 0;
  let value = 1_000_000 + since;
  const server = await pollUntil(
    async () => {
      const r = await writeOnce(cluster.connectionConfig(), value++);
      if (r.ok && r.server !== oldAddr) return { done: true, value: r.server };
      if (!r.ok) failed++;
      return { done: false, seen: r.ok ? `a write committed on the old primary ${r.server}` : r.error };
    },
    { what: `a write through HAProxy committed on a new primary (not ${oldAddr})`, timeoutMs, intervalMs: 100 },
  );
  return { ms: Date.now() - since, failed, server };
}

/** ms from `since` until Patroni's /cluster shows a running leader other than `old`. */
async function newLeaderSeen(old: string, since: number, timeoutMs: number): Promise<number> {
  await pollUntil(
    async () => {
      const view = await cluster.view();
      const l = leaderOf(view);
      return l && l !== old ? { done: true, value: l } : { done: false, seen: JSON.stringify(view.members) };
    },
    { what: `Patroni's view of a new leader (not ${old})`, timeoutMs, intervalMs: 200 },
  );
  return Date.now() - since;
}

async function nameOf(addr: string): Promise<string> {
  for (const m of cluster.nodes) if ((await m.running()) && (await m.address()) === addr) return m.name;
  throw new Error(`no running node has address ${addr}`);
}

beforeAll(async () => {
  const started = Date.now();
  cluster = await PatroniCluster.start({ config: { bootstrap: { dcs: { synchronous_mode: true } } } });
  figures.readyMs = Date.now() - started;
  readyAt = Date.now();
  // The first writable primary as a client sees it: HAProxy marks the leader up after `rise` checks.
  await pollUntil(
    async () => {
      const c = new pg.Client(cluster.connectionConfig());
      c.on('error', () => {});
      try {
        await c.connect();
        await c.query('CREATE TABLE IF NOT EXISTS first_light (v bigint)');
        return { done: true, value: undefined };
      } finally {
        await c.end().catch(() => {});
      }
    },
    { what: 'a write through HAProxy', timeoutMs: 30_000, intervalMs: 100 },
  );
  figures.firstWritableMs = Date.now() - started;
  figures.versions = cluster.image.versions;
}, 240_000);

afterAll(async () => {
  log().info(figures, 'first-light');
  await cluster?.destroy();
  const left = await (await docker()).listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${currentRun().id}`] } });
  expect(left.filter((c) => c.Names.some((n) => n.includes(cluster?.id ?? '?')))).toEqual([]);
});

describe('a Patroni cluster on PostgreSQL 15', () => {
  it('has a leader and two streaming replicas, and takes writes through HAProxy', async () => {
    const view = await cluster.view();
    const leader = leaderOf(view)!;
    expect(view.members.map((m) => m.name)).toEqual(['pg0', 's1', 's2']);
    expect(view.members.every((m) => m.state === 'running')).toBe(true);
    const senders = await cluster.walSenders(leader);
    expect(senders.map((s) => s.state)).toEqual(['streaming', 'streaming']);
    expect(await cluster.restStatus(leader, '/primary')).toBe(200);
    for (const r of view.members.filter((m) => m.name !== leader)) expect(await cluster.restStatus(r.name, '/primary')).toBe(503);
    const w = await writeOnce(cluster.connectionConfig(), 1);
    expect(w).toEqual({ ok: true, server: await cluster.node(leader).address() });
  });

  it('under synchronous_mode, Patroni names one standby in synchronous_standby_names and it is sync', async () => {
    const leader = leaderOf(await cluster.view())!;
    const sync = await pollUntil(
      async () => {
        const names = await cluster.psql(leader, 'SHOW synchronous_standby_names');
        const senders = await cluster.walSenders(leader);
        const view = await cluster.view();
        const syncRow = senders.find((s) => s.syncState === 'sync');
        const member = view.members.find((m) => m.role === 'sync_standby');
        // The member's own REST API learns of the DCS's /sync key on its next HA loop (loop_wait, 10 s).
        const rest = member ? await cluster.restStatus(member.name, '/sync') : 0;
        if (syncRow && names === syncRow.name && member?.name === syncRow.name && rest === 200) return { done: true, value: names };
        return {
          done: false,
          seen: `synchronous_standby_names '${names}', walsenders ${JSON.stringify(senders)}, sync_standby ${member?.name}, its /sync ${rest}`,
        };
      },
      {
        what: "Patroni's sync standby in synchronous_standby_names, sync in pg_stat_replication, /cluster and its own /sync",
        timeoutMs: 30_000,
        intervalMs: 250,
      },
    );
    // Any node may win the first leader race (pg0 need not be the leader): the sync one is another.
    expect(cluster.nodes.map((m) => m.name).filter((n) => n !== leader)).toContain(sync);
    figures.syncStandby = { name: sync, msAfterReady: Date.now() - readyAt };
  });

  it('a killed leader: HAProxy reaches a new writable primary, the former sync standby', async () => {
    const view = await cluster.view();
    const leader = leaderOf(view)!;
    const sync = view.members.find((m) => m.role === 'sync_standby')!.name;
    const oldAddr = await cluster.node(leader).address();
    const killedAt = Date.now();
    await cluster.node(leader).kill();
    const [out, leaderMs] = await Promise.all([
      outageUntilNewPrimary(oldAddr, killedAt, 120_000),
      newLeaderSeen(leader, killedAt, 120_000),
    ]);
    figures.failover = { killed: leader, ...out, patroniLeaderMs: leaderMs, newPrimary: await nameOf(out.server) };
    expect(await nameOf(out.server)).toBe(sync);
    expect(leaderOf(await cluster.view())).toBe(sync);
  });

  it('patronictl switchover moves the leader to the remaining replica, and HAProxy follows', async () => {
    const leader = await pollUntil(
      async () => {
        const view = await cluster.view();
        const l = leaderOf(view);
        const replica = view.members.find((m) => m.name !== l && m.state === 'running' && m.role === 'sync_standby');
        return l && replica ? { done: true, value: { l, replica: replica.name } } : { done: false, seen: JSON.stringify(view.members) };
      },
      { what: 'a leader and a running sync standby to switch over to', timeoutMs: 60_000, intervalMs: 250 },
    );
    const oldAddr = await cluster.node(leader.l).address();
    const started = Date.now();
    const [out, seen, leaderMs] = await Promise.all([
      cluster.switchover(leader.l, leader.replica),
      outageUntilNewPrimary(oldAddr, started, 60_000),
      newLeaderSeen(leader.l, started, 60_000),
    ]);
    figures.switchover = { from: leader.l, to: leader.replica, ...seen, patroniLeaderMs: leaderMs, patronictl: out.trim().split('\n')[0] };
    expect(await nameOf(seen.server)).toBe(leader.replica);
  });
});

describe('the built-in cluster on the same image, for comparison', () => {
  it('comes up (initdb and pg_basebackup, no template) and takes a write', async () => {
    const started = Date.now();
    const builtin = await Cluster.start({ fromTemplate: false });
    try {
      figures.builtinReadyMs = Date.now() - started;
      await builtin.primary.safePsql('CREATE TABLE first_light (v bigint); INSERT INTO first_light VALUES (1)');
      figures.builtinFirstWritableMs = Date.now() - started;
    } finally {
      await builtin.destroy();
    }
    expect(figures.builtinFirstWritableMs).toBeGreaterThan(0);
  });
});
