/**
 * The standby-loss matrix — write-ups 004 (§8, §9) and 000 (§10), for any HA config.
 *
 * Write-up 004 kills one standby of `ANY 1 (s1, s2)` (writes go on), then the second (every commit
 * waits on SyncRep, TPS 0), then starts them again (catchup, then streaming / quorum, TPS
 * back). Here the same story runs for a config, with every expectation taken from the model
 * (harness/model/sync-model.ts) instead of the write-up's literals:
 *
 * 1. steady writes; pg_stat_replication shows the sync_priority and sync_state the model predicts;
 * 2. pass 1: lose standbys in priority order, each by a host crash; pass 2: in reverse order,
 *    each by `pg_ctl stop -m fast`. After every loss the survivors show the model's rows, and
 *    commits go on (TPS ≥ half of steady) or stall (TPS 0, every writer on SyncRep) as the model
 *    predicts. A pass ends at the first stall (further losses cannot stall it more);
 * 3. the lost standbys start again, last lost first: each rejoins (absent → streaming with the
 *    model's sync_state) and, where the model says the stall ends, TPS comes back;
 * 4. every observer sample of the story agreed with the model; no acknowledged write lost, equal
 *    row hashes on every node.
 *
 * It runs once per config: the user's (pgchaos.config.json or flags) when it sets the standbys,
 * synchronous_standby_names or synchronous_commit, else the six built-in configs below.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import {
  type BatchWriter,
  type Cluster,
  explainNotStreaming,
  type InjectedFault,
  type PgNode,
  type ReplicationObserver,
  scenario,
  type ScenarioContext,
  streamingDeadlineMs,
  userConfig,
  verifyConsistent,
  verifyRecovered,
} from '../harness/index.ts';
import { checkModelAgreement, checkStalled, checkSustained, checkSyncSequence, meanTps } from '../harness/checks/index.ts';
import { compareWithModel, predict, type SynchronousCommit, type SyncPrediction } from '../harness/model/index.ts';

/** One row of the matrix: a config under test. */
interface MatrixConfig {
  standbys: string[];
  synchronousStandbyNames: string;
  synchronousCommit: SynchronousCommit;
}

/** The built-in configs: the write-up's, the priority form, quorum and priority of two among three, `*`, and async. */
const BUILT_IN: MatrixConfig[] = [
  { standbys: ['s1', 's2'], synchronousStandbyNames: 'ANY 1 (s1, s2)', synchronousCommit: 'on' },
  { standbys: ['s1', 's2'], synchronousStandbyNames: 'FIRST 1 (s1, s2)', synchronousCommit: 'on' },
  { standbys: ['s1', 's2', 's3'], synchronousStandbyNames: 'ANY 2 (s1, s2, s3)', synchronousCommit: 'on' },
  { standbys: ['s1', 's2', 's3'], synchronousStandbyNames: 'FIRST 2 (s1, s2, s3)', synchronousCommit: 'on' },
  { standbys: ['s1', 's2', 's3'], synchronousStandbyNames: '2 (*)', synchronousCommit: 'on' },
  { standbys: ['s1', 's2'], synchronousStandbyNames: '', synchronousCommit: 'on' },
];

const config = userConfig();
const configs: MatrixConfig[] = config.haGiven
  ? [{ standbys: config.standbys, synchronousStandbyNames: config.sync.text, synchronousCommit: config.synchronousCommit }]
  : BUILT_IN;

/** Steady writes measured before the first loss, after a second of warm-up, ms. */
const STEADY_MS = 3000;
/** Window after a loss in which writes that go on are judged, ms. */
const GO_ON_MS = 3000;
/** Bound on the stall's onset after a loss, ms (the write-up saw it at once). */
const STALL_WITHIN_MS = 2000;
/** Bound on TPS coming back after the standby that ends a stall is started, ms. */
const RECOVER_WITHIN_MS = 10_000;
/**
 * The writer's rate, batches per second, under a config whose commits wait for no standby
 * (unless the user sets one). Nothing then holds the primary back to what a standby can
 * replay: PostgreSQL promises async standbys keep up only "assuming the standby is powerful
 * enough to keep up with the load" (warm-standby.html#STREAMING-REPLICATION). Measured on
 * 2 cores, unthrottled: PostgreSQL 13 committed 550–900 batches/s (50–120 MB/s of WAL) while a
 * standby received ~55 MB/s and replayed ~40 MB/s; the gap passed wal_keep_size (2 GB) within
 * a minute and the primary recycled WAL the restarted standby still needed, so it could not
 * stream again without a new base backup. 15 and 17 committed ~420 and ~370 batches/s and just
 * kept up. At 200 batches/s (~22 MB/s of WAL) every major's standbys keep up, so the story
 * judges the model (sync_state, writes going on), not this machine's replay speed.
 */
const ASYNC_RATE_TPS = 200;

for (const c of configs) {
  const label = `${c.synchronousStandbyNames === '' ? "'' (async)" : c.synchronousStandbyNames} with ${c.standbys.join(', ')}, synchronous_commit ${c.synchronousCommit}`;
  scenario(`standby-loss matrix: ${label}`, async (ctx) => {
    const { rec, startCluster, startWriter, startObserver, inject } = ctx;
    const cluster = await startCluster({
      standbys: c.standbys,
      synchronousStandbyNames: c.synchronousStandbyNames,
      synchronousCommit: c.synchronousCommit,
    });
    const lossMatrix: { config: MatrixConfig; steps: MatrixStep[] } = { config: c, steps: [] };
    rec.lossMatrix = lossMatrix;
    const observer = startObserver(cluster);
    const everyStandby = { ...cluster.syncSettings(), standbys: cluster.standbys.map((s) => ({ name: s.name })) };
    const backPressure = predict(everyStandby).commitsWait;
    const writer = await startWriter(cluster, backPressure || ctx.config.writer.rateTps !== undefined ? {} : { rateTps: ASYNC_RATE_TPS });

    // write-up 004 §7: steady writes, every standby streaming as the model predicts.
    const steadyFrom = rec.step('steady writes') + 1000;
    await holdFor(STEADY_MS + 1000);
    const steadyTps = meanTps(writer.samples(), steadyFrom, rec.clock.now());
    rec.metric('steadyTps', Math.round(steadyTps));
    const initial = await modelRows(ctx, cluster, observer, cluster.standbys);
    const byPriority = priorityOrder(initial);
    rec.step('standbys as the model predicts', { rows: initial });
    if (predict(everyStandby).commitsStall) {
      // Valid, but no set of these standbys can release a commit (e.g. FIRST 3 (s1, s2)): the
      // model says every commit waits from the start. That is the whole story of such a config.
      await judgeStallFromStart(ctx, writer, observer);
      return;
    }

    const steps: MatrixStep[] = [];
    /** When each standby was started again, to find when it reached streaming. */
    const rejoins = new Map<MatrixStep, { node: string; startT: number }>();
    for (const pass of [
      { order: byPriority, fault: 'crash' as const },
      { order: [...byPriority].reverse(), fault: 'stop' as const },
    ]) {
      // write-up 004 §7 before every pass: the standbys replay what the primary wrote, as in steady state.
      // A standby that rejoined in pass 1 streams once it has *received* the backlog; replaying it
      // (350 MB on PostgreSQL 13, measured) keeps it so busy that commits waiting for its flush
      // run at half speed, and the next loss would be judged against a cluster still recovering.
      const caughtUpAt = await cluster.catchUpAll({
        timeoutMs: await streamingDeadlineMs(
          cluster,
          cluster.standbys.map((s) => s.name),
          { observer },
        ),
      });
      rec.step('every standby replayed the primary: steady state', { lsn: caughtUpAt });
      const lost: PgNode[] = [];
      const faultOf = new Map<PgNode, InjectedFault>();
      let stalled = false;
      for (const name of pass.order) {
        const node = cluster.node(name);
        const survivors = cluster.standbys.filter((s) => s !== node && !lost.includes(s));
        const prediction = predict({ ...cluster.syncSettings(), standbys: survivors.map((s) => ({ name: s.name })) });
        const fault = await inject(
          cluster,
          { kind: pass.fault === 'crash' ? 'crash-host-loud' : 'stop-fast', target: { node: name } },
          { predicted: prediction.commitsStall ? 'stall' : 'writes go on' },
        );
        const what = pass.fault === 'crash' ? `crash ${name}'s host` : `pg_ctl stop -m fast ${name}`;
        const faultT = fault.faultT;
        faultOf.set(node, fault);
        lost.push(node);
        const rows = await modelRows(ctx, cluster, observer, survivors, mustStream(prediction));
        stalled = prediction.commitsStall;
        steps.push(await judgeLoss(ctx, writer, observer, { what, faultT, steadyTps, stall: stalled, rows }));
        if (stalled) break;
      }
      // write-up 000 §10: the lost standbys come back, the last lost first.
      for (const node of [...lost].reverse()) {
        const rejoined = cluster.standbys.filter((s) => !lost.includes(s) || s === node);
        const prediction = predict({ ...cluster.syncSettings(), standbys: rejoined.map((s) => ({ name: s.name })) });
        const startT = await faultOf.get(node)!.heal(); // (the host boots,) pg_ctl start
        lost.splice(lost.indexOf(node), 1);
        const rows = await modelRows(ctx, cluster, observer, rejoined, mustStream(prediction));
        const row = rows.find((r) => r.name === node.name)!;
        const transitions = observer.transitions(node.name);
        const since = transitions.slice(
          Math.max(
            0,
            transitions.findLastIndex((t) => t.t <= startT),
          ),
        ); // from the state it was in when started
        const sequence = ctx.verify(checkSyncSequence(node.name, since, ['absent', `${row.state}/${row.syncState}`]));
        const catchup = sequence.evidence.observed.find((o) => o.step.startsWith('catchup/'))?.step ?? null;
        let recoveryMs: number | null = null;
        if (stalled && !prediction.commitsStall) {
          recoveryMs = (await verifyRecovered(ctx, writer, { repairT: startT, withinMs: RECOVER_WITHIN_MS, steadyTps })).evidence
            .recoveryMs;
          stalled = false;
        }
        const step: MatrixStep = {
          step: `start ${node.name}`,
          predicted: prediction.commitsStall ? 'stall' : 'writes go on',
          observed: null,
          tps: null,
          recoveryMs,
          catchup,
          streamingMs: null,
          rows: rows.map(showRow),
        };
        steps.push(step);
        rejoins.set(step, { node: node.name, startT });
      }
    }
    lossMatrix.steps = steps;
    // Not only at the moments above: every 100 ms sample of the story agrees with the model.
    ctx.verify(checkModelAgreement(observer.samples()));
    await verifyConsistent(ctx, cluster, writer, { observer });
    // The story ends with every standby streaming as the model predicts; a standby that was
    // still in catchup when its rejoin was judged (no commit waited for it) gets its time to
    // streaming here.
    await modelRows(ctx, cluster, observer, cluster.standbys);
    for (const [step, { node, startT }] of rejoins) step.streamingMs = streamingMsAfter(observer, node, startT);
    lossMatrix.steps = steps;
  });
}

/** From `startT` to the first sample after it in which `standby`'s walsender was streaming, ms; null when it never was. */
function streamingMsAfter(observer: ReplicationObserver, standby: string, startT: number): number | null {
  const at = observer.transitions(standby).find((t) => t.t >= startT && t.state === 'streaming')?.t;
  return at === undefined ? null : Math.round(at - startT);
}

/** One line of the matrix result: what happened, what the model predicted, what was observed. */
interface MatrixStep {
  step: string;
  predicted: 'stall' | 'writes go on';
  observed: 'stall' | 'writes go on' | 'neither' | null;
  /** Mean TPS in the judged window. */
  tps: number | null;
  recoveryMs: number | null;
  /** The catchup step seen on the way back, e.g. `catchup/potential`, if the 100 ms sampler caught one. */
  catchup: string | null;
  /** From `pg_ctl start` to the walsender's state `streaming`, ms (measured at the story's end); null when it never streamed. */
  streamingMs?: number | null;
  /** `name state/priority/sync_state` of every walsender, as shown and as predicted. */
  rows: string[];
}

/**
 * Whether the standbys must be streaming (not only connected) before a step is judged. With no
 * synchronous standby ('' : the model requires none) no commit waits for them, and PostgreSQL
 * does not promise that a standby catches up while an unthrottled writer runs (measured here:
 * PostgreSQL 13 stayed in catchup for minutes under an async writer at ~600 TPS, 15 and 17 caught
 * up): they must be connected with the model's sync_state; when each reached streaming is
 * recorded, and the story's end waits for it with the writer stopped.
 */
function mustStream(p: SyncPrediction): boolean {
  return p.required > 0;
}

/**
 * Waits until the primary's walsenders are exactly `standbys`, all streaming (or, unless
 * `mustStream`, at least in catchup), with the sync_priority and sync_state the model predicts (as sampled by the observer, the evidence the
 * report shows). @returns those rows.
 */
async function modelRows({ rec }: ScenarioContext, cluster: Cluster, observer: ReplicationObserver, standbys: PgNode[], mustStream = true) {
  const want = standbys
    .map((s) => s.name)
    .sort()
    .join(',');
  const sample = await observer
    .waitFor(
      `walsenders ${want || '(none)'} ${mustStream ? 'streaming' : 'connected'} as the model predicts for '${cluster.sync.text}'`,
      (s) => {
        const names = s.standbys
          .map((r) => r.name)
          .sort()
          .join(',');
        const connected = s.standbys.every((r) =>
          mustStream ? r.state === 'streaming' : r.state === 'streaming' || r.state === 'catchup',
        );
        return names === want && connected && compareWithModel(s.standbys, cluster.syncSettings()).mismatches.length === 0;
      },
      await streamingDeadlineMs(
        cluster,
        standbys.map((s) => s.name),
        { observer },
      ),
    )
    .catch((e: unknown) => explainNotStreaming(e, standbys));
  rec.step('pg_stat_replication as predicted', { rows: sample.standbys.map(showRow) });
  return sample.standbys;
}

function showRow(r: { name: string; state: string; syncPriority: number; syncState: string }): string {
  return `${r.name} ${r.state}/${r.syncPriority}/${r.syncState}`;
}

/** Standbys by sync_priority (1 first, 0 = async last), ties in walsender slot order as syncrep.c breaks them. */
function priorityOrder(rows: ReadonlyArray<{ name: string; syncPriority: number }>): string[] {
  const key = (p: number) => (p === 0 ? Number.MAX_SAFE_INTEGER : p);
  return rows
    .map((r, slot) => ({ ...r, slot }))
    .sort((a, b) => key(a.syncPriority) - key(b.syncPriority) || a.slot - b.slot)
    .map((r) => r.name);
}

/** After a loss: the stall the model predicts (TPS 0, every writer on SyncRep), or writes going on at half of steady or more. */
async function judgeLoss(
  { rec, verify }: ScenarioContext,
  writer: BatchWriter,
  observer: ReplicationObserver,
  o: {
    what: string;
    faultT: number;
    steadyTps: number;
    stall: boolean;
    rows: ReadonlyArray<{ name: string; state: string; syncPriority: number; syncState: string }>;
  },
): Promise<MatrixStep> {
  if (o.stall) {
    await observer.waitFor(
      `all ${writer.clients} writer backends waiting on SyncRep`,
      (s) => (s.syncRepWaiters ?? 0) >= writer.clients,
      5000,
    );
    await holdFor(1000); // a stall is several intervals of 0 TPS, as pgbench shows it
  } else {
    await holdFor(Math.max(0, o.faultT + GO_ON_MS - rec.clock.now())); // the load runs through the judged window
  }
  const window = { fromT: o.faultT, toT: o.faultT + GO_ON_MS };
  // What happened, independent of the prediction: the last second's TPS and SyncRep waiters
  // tell a stall; the window's mean TPS tells writes going on.
  const now = rec.clock.now();
  const lastSecondTps = meanTps(writer.samples(), now - 1000, now);
  const tps = o.stall ? lastSecondTps : meanTps(writer.samples(), window.fromT, window.toT);
  const waiters = observer.latest()?.syncRepWaiters ?? 0;
  const observed = lastSecondTps === 0 && waiters >= writer.clients ? 'stall' : tps >= 0.5 * o.steadyTps ? 'writes go on' : 'neither';
  rec.step(`after ${o.what}: ${observed}`, { tps: Math.round(tps), syncRepWaiters: waiters });
  if (o.stall) verify(checkStalled(writer.samples(), { faultT: o.faultT, withinMs: STALL_WITHIN_MS }));
  else verify(checkSustained(writer.samples(), { ...window, steadyTps: o.steadyTps, fraction: 0.5 }));
  return {
    step: o.what,
    predicted: o.stall ? 'stall' : 'writes go on',
    observed,
    tps: Math.round(tps),
    recoveryMs: null,
    catchup: null,
    rows: o.rows.map(showRow),
  };
}

/**
 * Every commit waits from the start: no batch is ever acknowledged and every writer backend waits
 * on SyncRep. (checkStalled needs commits before a fault; here there is no fault and no commit.)
 */
async function judgeStallFromStart({ rec, verify }: ScenarioContext, writer: BatchWriter, observer: ReplicationObserver): Promise<void> {
  const fromT = rec.clock.now();
  const waiting = await observer.waitFor(
    `all ${writer.clients} writer backends waiting on SyncRep`,
    (s) => (s.syncRepWaiters ?? 0) >= writer.clients,
    10_000,
  );
  await holdFor(Math.max(0, fromT + GO_ON_MS - rec.clock.now()));
  const acked = writer.ledger().filter((b) => b.outcome === 'acked').length;
  rec.lossMatrix!.steps = [
    {
      step: 'start',
      predicted: 'stall',
      observed: acked === 0 ? 'stall' : 'writes go on',
      tps: meanTps(writer.samples(), fromT, rec.clock.now()),
      recoveryMs: null,
      catchup: null,
      rows: [],
    },
  ];
  verify({
    id: 'standby-loss.stall-from-start',
    check: 'every commit waits from the start',
    status: acked === 0 && (waiting.syncRepWaiters ?? 0) >= writer.clients ? 'passed' : 'failed',
    summary: `${acked} batches acknowledged in ${Math.round(rec.clock.now() - fromT)} ms, ${waiting.syncRepWaiters} backends waiting on SyncRep (${writer.clients} writers)`,
    evidence: { acked, syncRepWaiters: waiting.syncRepWaiters, windowMs: rec.clock.now() - fromT },
  });
}
