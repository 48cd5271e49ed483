/**
 * The end of every story under an HA manager other than the built-in (issue 18 §4), through the
 * seam (manager/manager.ts) only: pgchaos reads, the manager has made every move. Like
 * run/steps.ts `verifyConsistent`, but the cluster is the manager's: its nodes are read directly
 * (`manager.node(name)`), the primary is the one its view names, and what the config promises
 * comes from the manager (`manager.promise()`, e.g. model/patroni-promise.ts).
 *
 * The writer's ledger names the server that acknowledged each batch even through a proxy
 * (db/sql-node.ts `backendOf`: HAProxy's connections are named by `inet_server_addr()`), so the
 * one-primary check and the deposed-window reading see which node took each commit.
 */
import { setTimeout as holdFor } from 'node:timers/promises';
import { checkFailovers, type PredictedFailover } from '../checks/failovers.ts';
import { checkLossWithinBound } from '../checks/loss-bound.ts';
import { checkNoAckedLost, type LostWritesEvidence } from '../checks/lost-writes.ts';
import { checkModelAgreement } from '../checks/model-agreement.ts';
import { checkLossAgainstPromise } from '../checks/promised-loss.ts';
import { writeOutage, writesBackT } from '../checks/readings/commits.ts';
import { deposedAcks } from '../checks/readings/deposed-acks.ts';
import { deposedWindows, type DeposedWindow } from '../checks/readings/deposed-window.ts';
import { checkRowHashes } from '../checks/row-hash.ts';
import { checkSplitBrain } from '../checks/split-brain.ts';
import { checkNotStuck, type ManagerView as StuckView } from '../checks/stuck.ts';
import { meanTps } from '../checks/throughput.ts';
import { verdictValue } from '../checks/verdict.ts';
import { TIMELINE_SQL } from '../db/sql-node.ts';
import { historyFileSql, timelineSwitchPoints } from '../db/timeline-history.ts';
import type { FailoverRecord } from '../history/failover.ts';
import type { ManagerView } from '../history/manager.ts';
import type { Batch } from '../history/samples.ts';
import type { ReplicationObserver } from '../load/observer.ts';
import type { BatchWriter } from '../load/writer.ts';
import { readNodeHash, readPresentBatches } from '../load/workload.ts';
import { type HaManager, viewTable } from '../manager/manager.ts';
import { catchupDeadlineMs } from '../model/catchup.ts';
import { compareLsn, type Lsn, lsnDiff } from '../lsn.ts';
import type { ScenarioEvent } from '../report/record.ts';
import { pollUntil } from '../wait.ts';
import type { ScenarioContext } from './scenario.ts';

/** What the story's history exposed, and the window writes must come back in. Times are ms on the scenario clock. */
export interface ManagedEnd {
  /**
   * When the last heal began (or, with no fault, the story's last move, e.g. a switchover): a
   * batch must be acknowledged within `recoveryMs` after it (checks/stuck.ts).
   */
  lastHealT: number;
  /** The recovery window, ms. */
  recoveryMs: number;
  /** Most nodes down at once in the story (checkLossAgainstPromise's `failuresAtOnce`), an integer ≥ 0. */
  failuresAtOnce: number;
  /** A node's host (its operating system) crashed (crash-host-*): remote_write does not survive that. Default false. */
  hostCrashed?: boolean;
  /** Deadline for the manager to settle after the writer stopped, ms (default `recoveryMs`). */
  settleTimeoutMs?: number;
}

/** A failover as the client saw it: the manager's record with when writes came back and the write outage around it. */
export interface ClientFailover extends FailoverRecord {
  /** End of the first batch `to` acknowledged after the decision (commits.ts `writesBackT`), ms; null when none was. */
  writesBackT: number | null;
  /** Last batch `from` acknowledged before the decision → first `to` acknowledged after it, ms; null when either is missing. */
  outageMs: number | null;
}

/** What the end found, for the story's own figures. */
export interface ManagedEndResult {
  /** The primary the manager's view named at the end. */
  primary: string;
  /** Each failover the manager recorded, as the client saw it. */
  failovers: ClientFailover[];
  /** Each timeline switch in the ledger with the old history's commits after it (checks/readings/deposed-window.ts). */
  windows: DeposedWindow[];
  /** The lost-write check's evidence on the primary (judged against the promise, see verifyManagedConsistent). */
  lost: LostWritesEvidence;
}

/**
 * The end of a managed story, each verdict recorded by `ctx.verify` (a failed one fails the story
 * at its end), the figures as metrics:
 * 1. waits (up to the window) for a batch acknowledged after `end.lastHealT`, stops the writer;
 * 2. not stuck (checks/stuck.ts): a commit within the window, the manager's views as evidence;
 * 3. one primary at a time (checks/split-brain.ts) on the ledger;
 * 4. waits until `manager.settled()` (a leader, every other node streaming from it);
 * 5. waits until every standby replayed the leader's flush LSN (read directly, `manager.node`);
 *    records each node's timeline and rows (`rec.nodesAtEnd`);
 * 6. equal row hashes on every node (checks/row-hash.ts);
 * 7. no acknowledged batch lost on the leader where the manager's config promises it
 *    (checks/promised-loss.ts, as the nemesis story judges it), the batches a deposed primary
 *    acknowledged after one of `manager.failovers` judged apart (readings/deposed-acks.ts,
 *    recorded as a step when there are any); a phantom or torn batch fails
 *    whatever the promise (checks/lost-writes.ts); where the config bounds a failover's loss
 *    instead (`promise.lossBound`, Patroni's async mode), the bytes lost within it (checks/loss-bound.ts);
 * 8. the deposed primary's write window of every failover (readings/deposed-window.ts) and each
 *    failover as the client saw it (`writesBackT`, the write outage), recorded.
 * @throws WaitTimeoutError naming what was awaited and what was last seen, when the manager does
 *   not settle or a standby does not replay in time (the verdicts of 2–3 are recorded first, and
 *   7 on the leader the manager's view names then, if it names one).
 */
export async function verifyManagedConsistent(
  ctx: ScenarioContext,
  manager: HaManager,
  writer: BatchWriter,
  end: ManagedEnd,
): Promise<ManagedEndResult> {
  const { rec, verify } = ctx;
  const deadline = end.lastHealT + end.recoveryMs;
  // The stuck check can only fail if the writer kept trying to the window's end, or wrote again before it.
  await pollUntil(
    async () =>
      ackedAfter(writer.ledger(), end.lastHealT) || rec.clock.now() >= deadline ? { done: true, value: null } : { done: false, seen: '' },
    { what: 'a commit after the last heal', timeoutMs: Math.max(0, deadline - rec.clock.now()) + 5000, intervalMs: 200 },
  );
  await writer.stop();
  const writerStoppedT = rec.clock.now();
  const ledger = writer.ledger();
  const stuck = verify(
    checkNotStuck(ledger, {
      lastHealT: end.lastHealT,
      recoveryMs: end.recoveryMs,
      writerStoppedT,
      views: viewsAsEvidence(rec.manager?.views ?? [], rec.events),
    }),
  );
  if (stuck.evidence.msToWritable !== null)
    rec.metric('writableAfterHealMs', Math.round(stuck.evidence.msToWritable), { unit: 'ms', better: 'lower' });
  verify(checkSplitBrain(ledger));
  const failovers = clientFailovers(ledger, manager.failovers);
  rec.metric('failovers', failovers.length);
  const outages = failovers.map((f) => f.outageMs).filter((v): v is number => v !== null);
  if (outages.length) rec.metric('failoverOutageMs', Math.round(Math.max(...outages)), { unit: 'ms', better: 'lower' });

  const settleFrom = rec.clock.now();
  const promise = manager.promise();
  const judgeLoss = async (leader: string) => {
    const node = manager.node(leader);
    const present = await readPresentBatches(node);
    const lost = checkNoAckedLost(leader, ledger, present);
    // What a returned old primary acknowledged after a promotion is judged apart (repmgr #766).
    const deposed = deposedAcks(ledger, manager.failovers, present);
    if (deposed.acked.length)
      rec.step('acknowledged by a deposed primary after a promotion', {
        acked: deposed.acked.slice(0, 20),
        lost: deposed.lost.slice(0, 20),
      });
    verify(
      checkLossAgainstPromise(lost.evidence, promise, end.failuresAtOnce, {
        hostCrashed: end.hostCrashed ?? false,
        lostAfterPromotion: deposed.lost,
      }),
    );
    if (promise.lossBound) {
      // The config bounds what a failover may lose (Patroni's async mode): measured in bytes of WAL
      // past where the leader's history left each old timeline.
      const timeline = Number(await node.safePsql(TIMELINE_SQL));
      const history = timeline > 1 ? await node.safePsql(historyFileSql(timeline)) : '';
      const switchPoints = timelineSwitchPoints(history);
      const bound = verify(checkLossWithinBound(ledger, present, { node: leader, timeline, switchPoints }, promise.lossBound));
      const bytes = bound.evidence.timelines.map((t) => t.lostBytes ?? 0);
      rec.metric('lostWalBytes', Math.max(0, ...bytes), { unit: 'bytes', better: 'lower' });
    }
    // Lost batches are the promise's to judge; a phantom or torn batch fails whatever it promises.
    if (lost.evidence.unexpected.length || lost.evidence.partial.length) verify(lost);
    rec.metric('ackedBatches', lost.evidence.ackedBatches);
    rec.metric('lostAcked', lost.evidence.lostAcked);
    rec.metric('unknownOutcome', lost.evidence.unknownOutcome);
    rec.metric('unknownCommitted', lost.evidence.unknownPresent);
    return { present, lost };
  };
  try {
    await pollUntil(
      async () =>
        (await manager.settled()) ? { done: true, value: true } : { done: false, seen: describeManagerView(await manager.view()) },
      {
        what: `${manager.name} to settle (a leader, every other node running and streaming from it)`,
        timeoutMs: end.settleTimeoutMs ?? end.recoveryMs,
        intervalMs: 500,
      },
    );
  } catch (e) {
    // A cluster that never settles still has a leader to judge the loss on, when its view names one:
    // every acknowledged batch must be there, settled or not (the built-in story judges loss first too).
    const leader = (await manager.view()).primary;
    if (leader) await judgeLoss(leader).catch(() => undefined);
    throw e;
  }
  rec.metric('settledAfterWriterMs', Math.round(rec.clock.now() - settleFrom), { unit: 'ms', better: 'lower' });
  const view = await manager.view();
  if (!view.primary) throw new Error(`${manager.name} settled, then its view named no primary: ${describeManagerView(view)}`);
  const primary = manager.node(view.primary);
  const standbys = manager.nodeNames.filter((n) => n !== view.primary).map((n) => manager.node(n));

  const lsn = (await primary.safePsql('SELECT pg_current_wal_flush_lsn()')) as Lsn;
  const replayOf = async (n: (typeof standbys)[number]) => ((await n.safePsql('SELECT pg_last_wal_replay_lsn()')) || '0/0') as Lsn;
  const behind = await Promise.all(standbys.map(async (s) => lsnDiff(lsn, await replayOf(s).catch(() => '0/0' as Lsn))));
  const catchupFrom = rec.clock.now();
  await pollUntil(
    async () => {
      const replayed = await Promise.all(standbys.map(async (s) => ({ node: s.name, lsn: await replayOf(s) })));
      return replayed.every((r) => compareLsn(r.lsn, lsn) >= 0)
        ? { done: true, value: replayed }
        : { done: false, seen: `leader ${view.primary} flushed ${lsn}; replayed ${replayed.map((r) => `${r.node} ${r.lsn}`).join(', ')}` };
    },
    {
      what: `every standby to replay the leader ${view.primary}'s flush LSN ${lsn}`,
      timeoutMs: catchupDeadlineMs(behind.reduce((a, b) => (a > b ? a : b), 0n)),
      intervalMs: 200,
    },
  );
  rec.metric('finalCatchupMs', Math.round(rec.clock.now() - catchupFrom));
  rec.step('all standbys replayed the leader', { leader: view.primary, lsn });

  const nodes = [primary, ...standbys];
  const timelines = await Promise.all(nodes.map(async (n) => Number(await n.safePsql(TIMELINE_SQL))));
  const hashes = await Promise.all(nodes.map((n) => readNodeHash(n, lsn)));
  rec.nodesAtEnd = nodes.map((n, i) => ({ node: n.name, timeline: timelines[i]!, rows: hashes[i]!.rows }));
  const hashCheck = verify(checkRowHashes(hashes));
  rec.metric('hashesEqual', verdictValue(hashCheck));

  const { present, lost } = await judgeLoss(view.primary);

  const windows = deposedWindows(ledger, present);
  rec.step('deposed primary write windows', { windows: windows.map((w) => ({ ...w, acked: w.acked.slice(0, 20) })) });
  if (windows.length) {
    rec.metric('deposedWindowMs', Math.round(Math.max(...windows.map((w) => w.windowMs))), { unit: 'ms', better: 'lower' });
    rec.metric(
      'deposedAcked',
      windows.reduce((n, w) => n + w.acked.length, 0),
      { unit: 'count', better: 'lower' },
    );
    rec.metric(
      'deposedLost',
      windows.reduce((n, w) => n + (w.lost?.length ?? 0), 0),
      { unit: 'count', better: 'lower' },
    );
  }
  rec.step('failovers as the client saw them', { failovers });
  return { primary: view.primary, failovers, windows, lost: lost.evidence };
}

/**
 * The standby the manager's view names synchronous, once it names one: Patroni's `sync_standby`
 * role (the member its DCS `/sync` key holds, replication_modes.rst), which under
 * `synchronous_mode` is the only one it may promote.
 * @throws WaitTimeoutError with the last view when none is named within `timeoutMs` (default 30 000).
 */
export async function syncStandby(manager: HaManager, timeoutMs = 30_000): Promise<string> {
  return pollUntil(
    async () => {
      const v = await manager.view();
      const sync = v.rows.find((r) => r.role === 'standby' && r.state.startsWith('sync_standby'));
      return sync ? { done: true, value: sync.node } : { done: false, seen: describeManagerView(v) };
    },
    { what: `${manager.name} to name a sync standby`, timeoutMs, intervalMs: 250 },
  );
}

/** What a managed story's steady writes started, and the throughput they ran at. */
export interface SteadyWrites<T> {
  /** The observer of the manager's primary, through the manager's clients. */
  observer: ReplicationObserver;
  /** The writer, 100 tps of 100-row batches, through the manager's clients. */
  writer: BatchWriter;
  /** Mean TPS from 1 s after the writes started to the end of the hold. */
  steadyTps: number;
  /** What `meanwhile` returned. */
  meanwhile: T;
}

/**
 * The first act of every managed story ("steady writes", as the write-ups open): starts the
 * manager's moves (`manager.start()`), an observer every `observeMs` and a writer (100 tps,
 * 100-row batches), both connected as the manager's users connect (`manager.clients()`); records
 * the step (with `detail`), runs `meanwhile` (e.g. Patroni's `syncStandby`), then holds `holdMs`
 * (default 4000) and records `steadyTps`, measured from 1 s after the step.
 */
export async function steadyWrites<T = undefined>(
  ctx: ScenarioContext,
  manager: HaManager,
  o: { observeMs: number; holdMs?: number; detail?: Record<string, unknown>; meanwhile?: () => Promise<T> },
): Promise<SteadyWrites<T>> {
  const { rec } = ctx;
  manager.start();
  const observer = ctx.startObserver(manager.clients(), o.observeMs);
  const writer = await ctx.startWriter(manager.clients(), { rateTps: 100, batchRows: 100 });
  const steadyFrom = rec.step('steady writes', o.detail) + 1000;
  const meanwhile = (await o.meanwhile?.()) as T;
  await holdFor(o.holdMs ?? 4000);
  const steadyTps = meanTps(writer.samples(), steadyFrom, rec.clock.now());
  rec.metric('steadyTps', Math.round(steadyTps));
  return { observer, writer, steadyTps, meanwhile };
}

/**
 * The deposed primary once its host booted again, as the manager leaves it (repmgr #766: repmgrd
 * resumes a booted old primary as a primary; pgpool keeps it detached): waits `afterMs` for the
 * manager's first moves there, then records whether it runs as a primary, with the manager's view
 * as evidence: the step, and the metric `deposedRunsAsPrimary` (1 when it is out of recovery).
 * @returns true when it is in recovery, false when it runs as a primary, undefined when it does not answer.
 */
export async function deposedAfterBoot(
  { rec }: ScenarioContext,
  manager: HaManager,
  node: string,
  o: { afterMs: number; why: string },
): Promise<boolean | undefined> {
  await holdFor(o.afterMs);
  const inRecovery = await manager
    .node(node)
    .safePsql('SELECT pg_is_in_recovery()', { timeoutMs: 5000 })
    .then(
      (t) => t === 't',
      () => undefined,
    );
  const view = await manager.view();
  rec.step(`${node} booted: ${inRecovery === false ? 'running as a primary' : inRecovery ? 'in recovery' : 'not answering'}`, {
    view: view.raw,
  });
  rec.metric('deposedRunsAsPrimary', inRecovery === false ? 1 : 0, {
    unit: 'count',
    better: 'lower',
    description: `1 when the booted old primary is out of recovery ${o.afterMs / 1000} s after its boot (${o.why})`,
  });
  return inRecovery;
}

/**
 * The last verdicts of a failover story, after `verifyManagedConsistent`: the first failover as
 * the client saw it, from the fault at `faultT` to writes back (`failoverAsClientSeesMs`, when
 * they came back); the observer's samples (taken every `observeMs`) against the model
 * (checks/model-agreement.ts); the manager's failovers against the `predicted` ones
 * (checks/failovers.ts). Each verdict recorded by `ctx.verify`.
 */
export function verifyFailoverSeen(
  { rec, verify }: ScenarioContext,
  manager: HaManager,
  end: ManagedEndResult,
  o: { faultT: number; observer: ReplicationObserver; observeMs: number; predicted: PredictedFailover[] },
): void {
  const seen = end.failovers[0];
  if (seen && seen.writesBackT !== null)
    rec.metric('failoverAsClientSeesMs', Math.round(seen.writesBackT - o.faultT), { unit: 'ms', better: 'lower' });
  verify(checkModelAgreement(o.observer.samples(), { intervalMs: o.observeMs }));
  verify(checkFailovers(manager.failovers, o.predicted));
}

/**
 * The manager's failover number `index` (default 0: its first) once it has recorded it, e.g. after a
 * crash of the primary's host.
 * @throws WaitTimeoutError naming `what` with the manager's last view (its table) when none is recorded within `timeoutMs`.
 */
export async function awaitFailover(manager: HaManager, what: string, timeoutMs: number, index = 0): Promise<FailoverRecord> {
  return pollUntil(
    async () => {
      const f = manager.failovers[index];
      return f ? { done: true, value: f } : { done: false, seen: viewTable((await manager.view()).rows) };
    },
    { what, timeoutMs, intervalMs: 250 },
  );
}

/** True when a batch was acknowledged after `t` (ms). */
function ackedAfter(batches: readonly Batch[], t: number): boolean {
  return batches.some((b) => b.outcome === 'acked' && b.endT > t);
}

/**
 * Each failover the manager recorded as the client saw it: `writesBackT` (the first batch the
 * new primary acknowledged after the decision) and the write outage, from the last batch the old
 * primary acknowledged before the decision to then. Needs a ledger whose batches name the server
 * that acknowledged them (SqlNode.backendOf through a proxy). Pure.
 */
export function clientFailovers(batches: readonly Batch[], failovers: readonly FailoverRecord[]): ClientFailover[] {
  return failovers.map((f) => {
    const back = writesBackT(batches, f);
    const { lastOldT } = writeOutage(
      batches.filter((b) => b.endT <= f.decidedT),
      f.from,
      f.to,
    );
    return { ...f, writesBackT: back, outageMs: back !== null && lastOldT !== null ? back - lastOldT : null };
  });
}

/**
 * The manager's recorded views as the stuck check's evidence: each with the event it was read
 * after (the fault's or move's words, `what`) and the view as a table like `patronictl list`, or
 * why it could not be read. Pure.
 */
export function viewsAsEvidence(views: readonly ManagerView[], events: readonly Pick<ScenarioEvent, 't' | 'what'>[]): StuckView[] {
  return views.map((v) => ({
    t: v.t,
    at: v.after === undefined ? 'read' : (events.find((e) => e.t === v.after)?.what ?? `event at ${Math.round(v.after)} ms`),
    view: describeManagerView(v),
  }));
}

/**
 * A view in one line of evidence (the report prints evidence as a line; the record's manager
 * section keeps each view's table): its primary, then each node's state, timeline and lag, e.g.
 * `primary s1; pg0 replica running tl 1 lag 4718592 B, s1 leader running tl 2`; or why it could not be read.
 */
function describeManagerView(v: ManagerView): string {
  if (v.error) return `no view: ${v.error}`;
  const row = (r: ManagerView['rows'][number]) =>
    `${r.node} ${r.state}${r.timeline !== null ? ` tl ${r.timeline}` : ''}${r.lagBytes ? ` lag ${r.lagBytes} B` : ''}`;
  return `primary ${v.primary ?? 'none'}${v.rows.length ? `; ${v.rows.map(row).join(', ')}` : ''}`;
}
