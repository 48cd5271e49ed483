/**
 * Patroni's `synchronous_standby_names` read back (issue 18 §4): with `synchronous_mode` on, every
 * node's `SHOW synchronous_standby_names` and the primary's pg_stat_replication are sampled every
 * 500 ms while the sync standby dies, then the other replica, then `synchronous_mode_strict` is
 * switched on, then both come back. Every sample of the primary is checked against the model
 * (`checkModelAgreement`: sync_priority and sync_state are what PostgreSQL's rules give for the
 * setting Patroni wrote), and at each settled point the setting against what Patroni documents
 * it writes (sync-names.ts): the other replica's bare name, '' (standalone) without strict, '*'
 * with strict. Timings as in faults.docker.test.ts (ttl 10, loop_wait 2, retry_timeout 4).
 * Figures go to the log (`patroni-sync`) and docs/findings/2026-12-06-patroni-faults.md.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkModelAgreement } from '../../checks/model-agreement.ts';
import { Clock } from '../../clock.ts';
import { WAL_SENDERS_JSON } from '../../db/pg-node.ts';
import { docker, RUN_LABEL } from '../../docker.ts';
import type { ObserverSample } from '../../history/samples.ts';
import { log } from '../../logger.ts';
import type { FaultLog } from '../../nemesis/catalogue.ts';
import { type InjectedFault, injectManagedFault } from '../../nemesis/index.ts';
import { currentRun } from '../../run-id.ts';
import { pollUntil } from '../../wait.ts';
import { PatroniCluster } from './cluster.ts';
import { patroniSyncNamesProblem } from './sync-names.ts';

const SAMPLE_MS = 500;
let cluster: PatroniCluster;
const clock = new Clock();
const samples: ObserverSample[] = [];
/** Every node's setting at every sample: Patroni writes it on the leader; what the replicas show is recorded too. */
const shown: { t: number; node: string; value: string; primary: boolean }[] = [];
let sampling = true;
let sampler: Promise<void> | undefined;
const rec: FaultLog = { clock, fault: (_f, { at }) => at, heal: () => clock.now(), lastsToEnd: () => {} };

async function sampleOnce(): Promise<void> {
  const t = clock.now();
  const rows = await Promise.all(
    cluster.nodeNames.map(async (node) => {
      const out = await cluster
        .psql(
          node,
          `SELECT json_build_object('r', pg_is_in_recovery(), 'ssn', current_setting('synchronous_standby_names'),
             'sc', current_setting('synchronous_commit'), 'standbys', ${WAL_SENDERS_JSON})`,
        )
        .catch(() => undefined);
      return out
        ? { node, ...(JSON.parse(out) as { r: boolean; ssn: string; sc: string; standbys: ObserverSample['standbys'] }) }
        : undefined;
    }),
  );
  for (const r of rows) if (r) shown.push({ t, node: r.node, value: r.ssn, primary: !r.r });
  for (const r of rows)
    if (r && !r.r)
      samples.push({ t, primary: r.node, settings: { synchronousStandbyNames: r.ssn, synchronousCommit: r.sc }, standbys: r.standbys });
}

async function sampleLoop(): Promise<void> {
  while (sampling) {
    const started = clock.now();
    await sampleOnce().catch(() => {});
    await new Promise((r) => setTimeout(r, Math.max(0, SAMPLE_MS - (clock.now() - started))));
  }
}

/** Waits until the leader's setting and pg_stat_replication settle on what `ok` accepts; returns the value and ms since `since`. */
async function settled(what: string, since: number, ok: (value: string, sync: string[]) => boolean, timeoutMs = 60_000) {
  return pollUntil(
    async () => {
      const leader = await cluster.leader();
      if (!leader) return { done: false, seen: 'no leader' };
      const value = await cluster.syncStandbyNames(leader);
      const senders = await cluster.walSenders(leader);
      const sync = senders.filter((s) => s.syncState === 'sync').map((s) => s.name);
      return ok(value, sync)
        ? { done: true, value: { leader, value, sync, ms: Math.round(clock.now() - since) } }
        : { done: false, seen: `'${value}', sync: ${sync.join(',') || 'none'}` };
    },
    { what, timeoutMs, intervalMs: 250 },
  );
}

async function writeOnce(): Promise<boolean> {
  const c = new pg.Client({ ...cluster.connectionConfig(), query_timeout: 3000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.query('INSERT INTO sync_probe DEFAULT VALUES');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

beforeAll(async () => {
  cluster = await PatroniCluster.start({
    config: { bootstrap: { dcs: { ttl: 10, loop_wait: 2, retry_timeout: 4, synchronous_mode: true } } },
    haproxy: { interMs: 1000, fall: 3, rise: 2 },
  });
  await cluster.psql((await cluster.leader())!, 'CREATE TABLE sync_probe (t timestamptz DEFAULT now())');
  sampler = sampleLoop();
}, 240_000);

afterAll(async () => {
  sampling = false;
  await sampler;
  await cluster?.destroy();
  const left = await (await docker()).listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${currentRun().id}`] } });
  expect(left.filter((c) => c.Names.some((n) => n.includes(cluster?.id ?? '?')))).toEqual([]);
});

it('synchronous_mode: Patroni rewrites the setting as each sync standby dies, the model agrees at every sample', async () => {
  const figures: Record<string, unknown> = {};
  const t0 = clock.now();
  const first = await settled('a sync standby named and sync', t0, (v, sync) => sync.length === 1 && v === sync[0]);
  const leader = first.leader;
  const replicas = cluster.nodeNames.filter((n) => n !== leader);
  expect(patroniSyncNamesProblem(first.value, { strict: false, nodeCount: 1, candidates: replicas })).toBeUndefined();
  figures.first = first;

  const faults: InjectedFault[] = [];
  // 1. The sync standby dies: Patroni picks the other replica.
  const x = first.value;
  const y = replicas.find((n) => n !== x)!;
  let t = clock.now();
  faults.push(await injectManagedFault(cluster, rec, { kind: 'crash-host-loud', target: { node: x } }));
  const second = await settled(`${y} named and sync`, t, (v, sync) => v === y && sync.join() === y);
  expect(patroniSyncNamesProblem(second.value, { strict: false, nodeCount: 1, candidates: [y] })).toBeUndefined();
  figures.syncStandbyDied = second;
  // Patroni writes the setting first and its DCS /sync key after it (ha.py process_sync_replication, waiting 2 s for the
  // standby to be sync). Seen in run 20261206-131143-8c70: when y died within those 2 s the key stayed empty, and with no
  // candidate left Patroni saw nothing to change (picked == the key's []), leaving y's name and every commit waiting.
  // The documented path is the one after the key names y.
  await pollUntil(
    async () => {
      const m = (await cluster.view()).members.find((x) => x.role === 'sync_standby');
      return m?.name === y ? { done: true, value: true } : { done: false, seen: `sync_standby ${m?.name ?? 'none'}` };
    },
    { what: `${y} as sync_standby in Patroni's /sync key`, timeoutMs: 30_000, intervalMs: 250 },
  );

  // 2. The other dies too: without strict, Patroni empties the setting and the primary commits alone.
  t = clock.now();
  faults.push(await injectManagedFault(cluster, rec, { kind: 'crash-host-loud', target: { node: y } }));
  const alone = await settled("'' (standalone)", t, (v) => v === '');
  expect(patroniSyncNamesProblem(alone.value, { strict: false, nodeCount: 1, candidates: [] })).toBeUndefined();
  expect(await writeOnce()).toBe(true);
  figures.bothDied = alone;

  // 3. synchronous_mode_strict on: '*', and a commit waits for a standby that is not there.
  t = clock.now();
  await cluster.patronictl(['edit-config', '-s', 'synchronous_mode_strict=true', '--force']);
  const strict = await settled("'*' (strict)", t, (v) => v === '*');
  expect(patroniSyncNamesProblem(strict.value, { strict: true, nodeCount: 1, candidates: [] })).toBeUndefined();
  expect(await writeOnce()).toBe(false);
  figures.strict = strict;

  // 4. Both back (hosts booted, Patroni started): one of them named again and sync.
  t = clock.now();
  for (const f of faults) await f.heal();
  const back = await settled('a replica named and sync again', t, (v, sync) => sync.length === 1 && v === sync[0], 120_000);
  expect(patroniSyncNamesProblem(back.value, { strict: true, nodeCount: 1, candidates: replicas })).toBeUndefined();
  expect(await writeOnce()).toBe(true);
  figures.back = back;

  await new Promise((r) => setTimeout(r, 2000));
  const verdict = checkModelAgreement(samples, { intervalMs: SAMPLE_MS });
  const onReplicas = [...new Set(shown.filter((s) => !s.primary).map((s) => `${s.node}='${s.value}'`))];
  log().info({ ...figures, model: verdict.summary, samples: samples.length, onReplicas }, 'patroni-sync');
  expect(samples.length).toBeGreaterThan(20);
  expect(verdict.status, verdict.summary).toBe('passed');
}, 300_000);
