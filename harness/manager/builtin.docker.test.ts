/**
 * The operator against a failure a nemesis seed found (seed 2, kinds with wal-full, PostgreSQL
 * 15): s2 was down a while; the primary dies; s1, ahead, starts promoting, chooses timeline 2
 * and is killed; the operator promotes s2, which chooses timeline 2 as well (it never saw s1's
 * history file) at an earlier switch point. pg_rewind of s1 from s2 then says "no rewind
 * required" and s1 could never stream again ("requested starting point … is ahead of the WAL
 * flush position"). The operator must see the clash in the history files and re-clone s1.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Clock } from '../clock.ts';
import { Cluster } from '../db/cluster.ts';
import { WAL_REMOVED } from '../db/majors.ts';
import { pollUntil, type PollResult } from '../wait.ts';
import { injectFault, type FaultLog } from '../nemesis/catalogue.ts';
import { Operator, type OperatorLog } from './builtin.ts';

let cluster: Cluster;
const clock = new Clock();
const moves: { what: string; detail?: Record<string, unknown> }[] = [];
const rec: OperatorLog = {
  clock,
  step: () => clock.now(),
  move: (what, detail) => (moves.push({ what, ...(detail ? { detail } : {}) }), clock.now()),
};

/** Runs an operator on `c` until it has every node back and every standby streaming (90 s), then stops it. */
async function operateUntilSettled(c: Cluster, log: OperatorLog, moves: readonly { what: string }[], what: string): Promise<void> {
  const operator = new Operator(c, log);
  operator.start();
  try {
    await pollUntil(
      async () =>
        (await operator.settled().catch(() => false))
          ? { done: true, value: true }
          : { done: false, seen: moves.map((m) => m.what).join('; ') || 'no move yet' },
      {
        what,
        timeoutMs: 90_000,
        intervalMs: 500,
      },
    );
  } finally {
    await operator.stop();
  }
}

beforeAll(async () => {
  cluster = await Cluster.start({ settings: { wal_retrieve_retry_interval: '1s' } });
  await cluster.primary.safePsql('CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g');
  await cluster.catchUpAll({ timeoutMs: 30_000 });
}, 180_000);

afterAll(async () => {
  await cluster?.destroy();
});

it('re-clones a standby whose promotion was cut short after it chose the timeline the next promotion chose too', async () => {
  const [s1, s2] = [cluster.node('s1'), cluster.node('s2')];
  // As in the seed: s2 was down a while, so s1 is ahead when the primary dies (ANY 1 committed on s1 alone).
  await s2.stop('fast');
  await cluster.primary.safePsql('INSERT INTO t SELECT g FROM generate_series(1001, 2000) g');
  await cluster.primary.stop('immediate');
  await s2.start();
  const offset = await s1.logOffset();
  await s1.safePsql('SELECT pg_promote(false)');
  // Killed once it wrote its history file and accepts writes (the log's "selected new timeline"
  // comes before the file: killed then, it would still be a plain standby of timeline 1).
  await s1.waitForLog(/selected new timeline ID: 2/, { offset, timeoutMs: 10_000 });
  await s1.waitForLog(/database system is ready to accept connections/, { offset, timeoutMs: 10_000 });
  await s1.kill9();

  await operateUntilSettled(cluster, rec, moves, 'the operator to fail over and bring every node back');
  expect(cluster.primary).toBe(s2);
  expect(await s2.timeline()).toBe(2);
  const reclone = moves.find((m) => m.what.startsWith('re-clone s1'));
  expect(String(reclone?.detail?.why), JSON.stringify(moves.map((m) => m.what))).toMatch(
    /timeline 2 is not the primary's timeline of that ID/,
  );
  // s1 follows s2's timeline 2 now, and holds s2's rows (s2 never had the 1000 rows s1 alone received: two failures lose them).
  await s2.safePsql('INSERT INTO t VALUES (0)');
  await cluster.catchUpAll({ timeoutMs: 30_000 });
  expect(await s1.safePsql('SELECT count(*) FROM t')).toBe('1001');
}, 180_000);

it('fails over again when the new primary dies while the old one is being rejoined', async () => {
  // A standby's start waits for the primary's WAL: the rejoin must not hold the loop for the
  // 120 s a start may wait (soak seed 2: 122 s without a failover).
  const c = await Cluster.start({ settings: { wal_retrieve_retry_interval: '1s' } });
  const seen: string[] = [];
  const log: OperatorLog = { clock, step: (what) => (seen.push(what), clock.now()), move: (what) => (seen.push(what), clock.now()) };
  const operator = new Operator(c, log);
  operator.start();
  try {
    await c.primary.stop('immediate');
    await pollUntil(
      async () =>
        seen.some((w) => w.startsWith('pg_rewind primary'))
          ? { done: true, value: true }
          : { done: false, seen: seen.join('; ') || 'no move yet' },
      {
        what: 'the operator to fail over and start rejoining the old primary',
        timeoutMs: 60_000,
        intervalMs: 100,
      },
    );
    const second = c.primary;
    const t0 = Date.now();
    await second.stop('immediate');
    await pollUntil(async () => (c.primary !== second ? { done: true, value: true } : { done: false, seen: seen.slice(-4).join('; ') }), {
      what: `a failover away from ${second.name}`,
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    expect(Date.now() - t0, seen.join('; ')).toBeLessThan(60_000);
  } finally {
    await operator.stop();
    await c.destroy();
  }
}, 240_000);

/** A poll step: done once `cond` holds, else showing the latest of `moves`. */
function when(cond: () => boolean, moves: readonly string[]): () => Promise<PollResult<true>> {
  return async () => (cond() ? { done: true, value: true } : { done: false, seen: moves.slice(-4).join('; ') || 'no move yet' });
}

/** The operator's defaults (builtin.ts), which the two bounds below are made of, ms. */
const FAIL_AFTER_MS = 3000;
const CHECK_TIMEOUT_MS = 2000;
/** Beyond detection, what giving a move up, fencing and promoting take here (measured 1–2 s), with room, ms. */
const FAILOVER_MS = 4000;

it('fails over within failAfterMs + a few seconds when the primary dies while a rejoining standby waits for its WAL', async () => {
  // Soak seed 2: the new primary stopped while the rewound old primary started; the start waits
  // for WAL only that primary had, and the operator waited out the start's 40 s deadline,
  // holding the topology, before it failed over.
  const c = await Cluster.start({ settings: { wal_retrieve_retry_interval: '1s' } });
  const seen: string[] = [];
  const log: OperatorLog = { clock, step: (what) => (seen.push(what), clock.now()), move: (what) => (seen.push(what), clock.now()) };
  const operator = new Operator(c, log);
  let load: Promise<void> | undefined;
  try {
    const first = c.primary;
    await first.safePsql('CREATE TABLE t (g int)');
    // The next primary sends no WAL to anyone (its replication connections refused): the rewound
    // node's start waits for WAL only that primary has, as in the soak, where it died before
    // sending it. pg_rewind reads the primary over an ordinary connection.
    for (const s of c.standbys) await s.sh(`sed -i '1i host replication all all reject' "$PGDATA/pg_hba.conf"`);
    await Promise.all(c.standbys.map((s) => s.safePsql('SELECT pg_reload_conf()')));
    operator.start();
    await first.stop('immediate');
    await pollUntil(
      when(() => c.primary !== first, seen),
      { what: 'the first failover', timeoutMs: 60_000, intervalMs: 100 },
    );
    const second = c.primary;
    // WAL written without a pause through the rewind (one transaction, never committed, that ends
    // when its server stops): the rewound node's minimum recovery point, the primary's insert
    // position when pg_rewind ends, is past the WAL pg_rewind copied.
    load = second
      .safePsql(
        `DO $$ BEGIN WHILE clock_timestamp() < now() + interval '100 s' LOOP
           INSERT INTO t SELECT generate_series(1, 50); PERFORM pg_sleep(0.002); END LOOP; END $$`,
        { timeoutMs: 110_000 },
      )
      .then(
        () => {},
        () => {},
      );
    const rewound = () => seen.some((w) => w.startsWith(`pg_rewind ${first.name}`));
    await pollUntil(when(rewound, seen), { what: `the operator to rewind ${first.name} and start it`, timeoutMs: 60_000, intervalMs: 50 });
    const t0 = Date.now();
    await second.stop('immediate');
    await pollUntil(
      when(() => c.primary !== second, seen),
      { what: `a failover from ${second.name}`, timeoutMs: 90_000, intervalMs: 100 },
    );
    const tookMs = Date.now() - t0;
    console.log(`second failover ${tookMs} ms after ${second.name} stopped; moves: ${seen.join('; ')}`);
    // A stopped server refuses at once: failAfterMs of refused checks, then fence and promote.
    expect(tookMs, seen.join('; ')).toBeLessThan(FAIL_AFTER_MS + FAILOVER_MS);
    expect(c.primary).not.toBe(first);
  } finally {
    await load;
    await operator.stop();
    await c.destroy();
  }
}, 240_000);

it('fails over within failAfterMs + the check deadline + a few seconds when the postmaster freezes under a reconcile query', async () => {
  // A frozen postmaster accepts no connection and refuses none: the operator's reconcile query
  // (pg_stat_replication on the primary) hung for its deadline before the health checks began.
  // The fault lands exactly as that query begins, as it did in the soak.
  const c = await Cluster.start();
  const seen: string[] = [];
  const log: OperatorLog = { clock, step: (what) => (seen.push(what), clock.now()), move: (what) => (seen.push(what), clock.now()) };
  const faults: FaultLog = { clock, fault: (_f, { at }) => at, heal: () => clock.now(), lastsToEnd: () => {} };
  const first = c.primary;
  const walSenders = first.walSenders.bind(first);
  let frozenAt: number | undefined;
  first.walSenders = async (o) => {
    if (frozenAt === undefined) {
      frozenAt = Date.now();
      await injectFault(c, faults, { kind: 'freeze-postmaster', target: 'primary' });
    }
    return walSenders(o);
  };
  const operator = new Operator(c, log);
  operator.start();
  try {
    await pollUntil(
      when(() => c.primary !== first, seen),
      {
        what: `a failover away from the frozen ${first.name}`,
        timeoutMs: 90_000,
        intervalMs: 100,
      },
    );
    const tookMs = Date.now() - frozenAt!;
    console.log(`failover ${tookMs} ms after the freeze began; moves: ${seen.join('; ')}`);
    expect(tookMs, seen.join('; ')).toBeLessThan(FAIL_AFTER_MS + CHECK_TIMEOUT_MS + FAILOVER_MS);
    // The choice came after the declaration and before the promotion, with the positions it read
    // (recorded once the failover's last move is done: stop waits for it).
    await operator.stop();
    const [f] = operator.failovers;
    expect(f!.detectedT).toBeLessThan(f!.decidedT);
    expect(f!.decidedT).toBeLessThan(f!.promotedT);
    expect(f!.positions.map((p) => p.name).sort()).toEqual(['s1', 's2']);
  } finally {
    await operator.stop();
    await c.destroy();
  }
}, 240_000);

it('re-clones a standby whose WAL the primary has removed (no slot, no archive)', async () => {
  // Soak seed 6: s2, frozen and crashed over and over, came back needing WAL the new primary had
  // recycled; repointing it again and again could never help.
  const c = await Cluster.start({ settings: { wal_retrieve_retry_interval: '1s', wal_keep_size: '0' } });
  const seen: { what: string; detail?: Record<string, unknown> }[] = [];
  const log: OperatorLog = {
    clock,
    step: (what) => (seen.push({ what }), clock.now()),
    move: (what, detail) => (seen.push({ what, detail }), clock.now()),
  };
  try {
    const s2 = c.node('s2');
    await s2.stop('fast');
    // Past s2's segment: switch and checkpoint until the segment it will ask for is gone.
    for (let i = 0; i < 4; i++)
      await c.primary.safePsql(
        'CREATE TABLE IF NOT EXISTS t (g int); INSERT INTO t SELECT generate_series(1, 1000); SELECT pg_switch_wal(); CHECKPOINT;',
      );
    const offset = await s2.logOffset();
    await s2.start();
    await s2.waitForLog(WAL_REMOVED, { offset, timeoutMs: 20_000 });
    await operateUntilSettled(c, log, seen, 'the operator to re-clone s2 and s2 to stream');
    const reclone = seen.find((m) => m.what.startsWith('re-clone s2'));
    expect(String(reclone?.detail?.why), JSON.stringify(seen.map((m) => m.what))).toMatch(/removed WAL it still needs/);
    await c.catchUpAll({ timeoutMs: 30_000 });
    expect(await s2.safePsql('SELECT count(*) FROM t')).toBe('4000');
  } finally {
    await c.destroy();
  }
}, 240_000);
