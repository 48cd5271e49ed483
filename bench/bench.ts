/**
 * npm run bench — ratios against baselines measured in the same run:
 *  1. cluster ready time: Cluster.start() (from the run's template of the configuration, made by
 *     a first, separately timed start) vs. the floor: three hosts of the same image started on
 *     data directories made beforehand (bench/floor-cluster.sh: no initdb, no base backup, no
 *     copying), until both standbys stream as quorum; target ≤ 1.3. Also vs. the raw docker CLI
 *     doing all the work (bench/raw-cluster.sh: initdb, two pg_basebackups). Medians of ROUNDS
 *     rounds, the three taking turns in a rotating order.
 *  2. write throughput: BatchWriter vs. pgbench running the same batch SQL with the same
 *     clients against the same cluster, WINDOW_S-second windows in ABBA order after a
 *     warm-up window; target ≥ 0.95.
 *  3. HA managers (bench/managers.ts): each manager's first writable primary and failover as a
 *     client sees it, against the built-in manager's on the same image, ROUNDS rounds in turns
 *     (BENCH_MANAGERS=patroni,repmgr picks some; BENCH_MANAGERS=0 leaves the part out).
 * Figures are printed, never asserted: this is a measurement, not a test.
 */
import { execa } from 'execa';
import { performance } from 'node:perf_hooks';
import { setTimeout as holdFor } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Clock } from '../harness/clock.ts';
import { Cluster } from '../harness/db/cluster.ts';
import { sweepRun } from '../harness/docker.ts';
import { defaultMajor, resolveImage } from '../harness/db/image.ts';
import { removeTemplates } from '../harness/db/template.ts';
import { log } from '../harness/logger.ts';
import { currentRun } from '../harness/run-id.ts';
import { BatchWriter } from '../harness/load/writer.ts';
import { BATCH_SQL } from '../harness/load/workload.ts';
import { benchedManagers, benchManagers } from './managers.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 10);
const ABBA_BLOCKS = Number(process.env.BENCH_ABBA_BLOCKS ?? 2);
const CLIENTS = 8;
const BATCH_ROWS = 1000;
const RAW = fileURLToPath(new URL('raw-cluster.sh', import.meta.url));
const FLOOR = fileURLToPath(new URL('floor-cluster.sh', import.meta.url));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, d = 2) => n.toFixed(d);

async function timeHarness(): Promise<number> {
  const t0 = performance.now();
  const c = await Cluster.start();
  const ms = performance.now() - t0;
  await c.destroy();
  return ms;
}

async function timeRaw(image: string, runId: string, i: number): Promise<number> {
  const name = `pgchaos-${runId}-raw${i}`;
  const t0 = performance.now();
  await execa('bash', [RAW, image, name, runId], { stdio: 'inherit' });
  const ms = performance.now() - t0;
  await removeRawCluster(name);
  return ms;
}

async function removeRawCluster(name: string): Promise<void> {
  await execa('docker', ['rm', '-fv', `${name}-p`, `${name}-s1`, `${name}-s2`]);
  await execa('docker', ['network', 'rm', name]);
}

/** The floor's data directories (volumes `<vols>-master-*`), made once, untimed. */
async function prepareFloor(image: string, runId: string): Promise<string> {
  const vols = `pgchaos-${runId}-floor`;
  await execa('bash', [FLOOR, 'prepare', image, vols, runId], { stdio: 'inherit' });
  return vols;
}

/** One floor bring-up: fresh copies of the data directories (untimed), then the timed start. */
async function timeFloor(image: string, runId: string, vols: string, i: number): Promise<number> {
  const name = `pgchaos-${runId}-floor${i}`;
  await execa('bash', [FLOOR, 'copy', image, vols, `r${i}`, name, runId], { stdio: 'inherit' });
  const t0 = performance.now();
  await execa('bash', [FLOOR, 'run', image, name, runId, `${vols}-r${i}`], { stdio: 'inherit' });
  const ms = performance.now() - t0;
  await removeRawCluster(name);
  return ms;
}

/** Removes the run's volumes (the floor's data directories); the sweeps remove containers and networks only. */
async function removeVolumes(runId: string): Promise<void> {
  const ls = await execa('docker', ['volume', 'ls', '-q', '--filter', `label=pgchaos.run=${runId}`]);
  const names = ls.stdout.split('\n').filter(Boolean);
  if (names.length) await execa('docker', ['volume', 'rm', ...names]);
}

/** The writer's statement as a pgbench script: client ids above the writer's, a random seq for the ledger key. */
function pgbenchScript(): string {
  const sql = BATCH_SQL.replace(/\$1/g, '(:client_id + 1000)').replace(/\$2/g, ':seq').replace(/\$3/g, String(BATCH_ROWS));
  return `\\set seq random(1, 1000000000000)\n${sql.replace(/\n/g, ' ')};\n`;
}

/**
 * pgbench in a throw-away container on the host network, against the same published port the
 * writer uses; `-M prepared` as in write-up 004, and as the writer prepares its statement.
 */
async function pgbenchTps(cluster: Cluster, runId: string): Promise<number> {
  const conn = cluster.primary.connection();
  const r = await execa(
    'docker',
    [
      'run',
      '--rm',
      '-i',
      '--network',
      'host',
      '--label',
      `pgchaos.run=${runId}`,
      '-e',
      `PGPASSWORD=${conn.password}`,
      cluster.image.name,
      'sh',
      '-c',
      `cat > /tmp/batch.sql && pgbench -n -M prepared -f /tmp/batch.sql -c ${CLIENTS} -j ${CLIENTS} -T ${WINDOW_S} -h 127.0.0.1 -p ${conn.port} -U postgres postgres`,
    ],
    { input: pgbenchScript() },
  );
  const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout);
  if (!m) throw new Error(`no tps in pgbench output:\n${r.stdout}\n${r.stderr}`);
  return Number(m[1]);
}

/** Batches acknowledged per second over one window, counted exactly from the writer's ledger. */
async function writerTps(w: BatchWriter, clock: Clock): Promise<number> {
  w.start();
  const from = clock.now();
  await holdFor(WINDOW_S * 1000);
  const to = clock.now();
  await w.stop();
  const acked = w.ledger().filter((b) => b.outcome === 'acked' && b.endT >= from && b.endT < to).length;
  return (acked * 1000) / (to - from);
}

async function main(): Promise<void> {
  const managerNames = benchedManagers(process.env.BENCH_MANAGERS);
  process.env.PGCHAOS_LOG_LEVEL ??= 'warn';
  const run = currentRun();
  const image = await resolveImage(defaultMajor(), { build: true });
  try {
    // 1. Ready time. The first start makes the run's template of the configuration (timed on
    // its own); then the three bring-ups take turns, in a rotating order, so that each sees the
    // same machine state (other work, page cache) at every position.
    const vols = await prepareFloor(image.name, run.id);
    const first = await timeHarness();
    const times = { harness: [] as number[], floor: [] as number[], raw: [] as number[] };
    const kinds = ['floor', 'harness', 'raw'] as const;
    const timeOne = (kind: (typeof kinds)[number], i: number) =>
      kind === 'harness' ? timeHarness() : kind === 'floor' ? timeFloor(image.name, run.id, vols, i) : timeRaw(image.name, run.id, i);
    await timeOne('floor', -1); // warm-up: the first start of the floor's containers is not what we compare
    for (let i = 0; i < ROUNDS; i++) {
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[(i + k) % kinds.length]!;
        times[kind].push(await timeOne(kind, i));
      }
    }
    const { harness, floor, raw } = times;
    const readyRatio = median(harness) / median(floor);
    const rawRatio = median(harness) / median(raw);

    // 2. Throughput on one cluster, alternating windows.
    const cluster = await Cluster.start();
    const writer: number[] = [];
    const bench: number[] = [];
    try {
      const clock = new Clock();
      const w = new BatchWriter(cluster, clock, { clients: CLIENTS, batchRows: BATCH_ROWS, progress: false });
      await w.setup();
      // A discarded warm-up window takes the cluster past its first checkpoints (the first
      // window of a fresh cluster is faster); then ABBA order, so that the remaining drift as
      // the tables grow cancels out.
      // Every window starts right after a CHECKPOINT: otherwise the checkpoint that comes every
      // max_wal_size of WAL (~20 s here) falls into random windows and swings them by ±15 %.
      const measure = async <T>(fn: () => Promise<T>) => {
        await cluster.primary.safePsql('CHECKPOINT', { timeoutMs: 300_000 });
        return fn();
      };
      await measure(() => writerTps(w, clock));
      for (let i = 0; i < ABBA_BLOCKS; i++) {
        writer.push(await measure(() => writerTps(w, clock)));
        bench.push(await measure(() => pgbenchTps(cluster, run.id)));
        bench.push(await measure(() => pgbenchTps(cluster, run.id)));
        writer.push(await measure(() => writerTps(w, clock)));
      }
    } finally {
      await cluster.destroy();
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const tpsRatio = mean(writer) / mean(bench);

    // 3. The managers, after the throughput windows so their clusters do not share the machine with them.
    const managers = process.env.BENCH_MANAGERS === '0' ? null : await benchManagers(image.major, ROUNDS, managerNames);

    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
    const out = [
      `pgchaos bench (${image.name}, ${ROUNDS} ready rounds; ${CLIENTS} clients × ${BATCH_ROWS}-row batches, ${ABBA_BLOCKS} ABBA blocks of ${WINDOW_S} s windows)`,
      `cluster ready  Cluster.start():       median ${fmt(median(harness) / 1000)} s  [${harness.map((x) => fmt(x / 1000)).join(', ')}]  (first of the run, making the template: ${fmt(first / 1000)} s)`,
      `               floor (ready data):    median ${fmt(median(floor) / 1000)} s  [${floor.map((x) => fmt(x / 1000)).join(', ')}]`,
      `               ratio to floor ${fmt(readyRatio)} (target ≤ 1.30: ${verdict(readyRatio <= 1.3)})`,
      `               raw docker CLI (initdb + pg_basebackup): median ${fmt(median(raw) / 1000)} s  [${raw.map((x) => fmt(x / 1000)).join(', ')}]`,
      `               ratio to raw ${fmt(rawRatio)} (target ≤ 1.30: ${verdict(rawRatio <= 1.3)})`,
      `throughput     BatchWriter: ${fmt(mean(writer), 1)} tps  [${writer.map((x) => fmt(x, 1)).join(', ')}]`,
      `               pgbench:     ${fmt(mean(bench), 1)} tps  [${bench.map((x) => fmt(x, 1)).join(', ')}]`,
      `               ratio ${fmt(tpsRatio)} (target ≥ 0.95: ${verdict(tpsRatio >= 0.95)})`,
    ];
    if (managers) {
      const secs = (xs: number[]) => `median ${fmt(median(xs) / 1000)} s  [${xs.map((x) => fmt(x / 1000)).join(', ')}]`;
      const builtin = managers.builtin!;
      out.push(`managers       first writable primary, built-in: ${secs(builtin.firstWritable)}`);
      for (const n of managerNames) {
        const t = managers[n]!;
        out.push(
          `${' '.repeat(39)}${`${n}:`.padEnd(18)}${secs(t.firstWritable)}  ratio ${fmt(median(t.firstWritable) / median(builtin.firstWritable))}`,
        );
      }
      out.push(`               failover as a client sees it, built-in: ${secs(builtin.failover)}`);
      for (const n of managerNames) {
        const t = managers[n]!;
        out.push(`${' '.repeat(45)}${`${n}:`.padEnd(18)}${secs(t.failover)}  ratio ${fmt(median(t.failover) / median(builtin.failover))}`);
      }
    }
    process.stdout.write(`${out.join('\n')}\n`);
    log().info({ first, harness, floor, raw, readyRatio, rawRatio, writer, bench, tpsRatio, managers }, 'bench');
  } finally {
    await sweepRun(run.id);
    await removeTemplates(run.id);
    await removeVolumes(run.id);
  }
}

await main();
