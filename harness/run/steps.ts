/**
 * Steps several scenarios share, written as the write-ups describe them.
 */
import type { Cluster } from '../db/cluster.ts';
import { checkNoAckedLost } from '../checks/lost-writes.ts';
import { checkSplitBrain } from '../checks/split-brain.ts';
import { readPresentBatches } from '../load/workload.ts';
import { checkRowHashes } from '../checks/row-hash.ts';
import { checkRecovered, type RecoveryEvidence } from '../checks/throughput.ts';
import { verdictValue, type Verdict } from '../checks/verdict.ts';
import { readNodeHash } from '../load/workload.ts';
import type { ReplicationObserver } from '../load/observer.ts';
import type { PgNode } from '../db/pg-node.ts';
import { WAL_REMOVED } from '../db/majors.ts';
import { lsnDiff } from '../lsn.ts';
import type { ScenarioContext } from './scenario.ts';
import { predict } from '../model/sync-model.ts';
import { catchupDeadlineMs } from '../model/catchup.ts';
import type { Lsn } from '../lsn.ts';
import { pollUntil } from '../wait.ts';
import { expect } from 'vitest';
import type { BatchWriter } from '../load/writer.ts';
import { writeOutage } from '../checks/readings/commits.ts';
import { ROWS_TABLE } from '../load/workload.ts';

/**
 * The end of every story: stop the load, let every standby replay to the primary's LSN (and
 * record each node's timeline), then the same rows on every node (write-up 002's count(*) + sum(hashtext)), no acknowledged batch
 * missing on the primary (unknown-outcome batches may be there or not, but only whole), and
 * never two primaries acknowledging at once (checks/split-brain.ts). With `lossJudged` the caller
 * has judged lost batches against what the config promises (checks/promised-loss.ts): they are
 * recorded here, not failed. `observer` gives the catch-up deadline from what it saw last.
 * @throws WaitTimeoutError when a standby does not replay to the primary's LSN in time; failed
 *   checks are recorded (`ctx.verify`), not thrown.
 */
export async function verifyConsistent(
  { rec, verify }: ScenarioContext,
  cluster: Cluster,
  writer: BatchWriter,
  { observer, lossJudged = false }: { observer?: ReplicationObserver; lossJudged?: boolean } = {},
): Promise<void> {
  await writer.stop();
  const from = rec.clock.now();
  const lsn = await cluster.catchUpAll({
    timeoutMs: await streamingDeadlineMs(
      cluster,
      cluster.standbys.map((s) => s.name),
      { observer },
    ),
  });
  rec.metric('finalCatchupMs', Math.round(rec.clock.now() - from));
  rec.step('all standbys replayed the primary', { lsn });
  const timelines = await Promise.all(cluster.nodes.map((n) => n.timeline()));
  const hashes = await Promise.all(cluster.nodes.map((n) => readNodeHash(n, lsn)));
  rec.nodesAtEnd = cluster.nodes.map((n, i) => ({ node: n.name, timeline: timelines[i]!, rows: hashes[i]!.rows }));
  const hashCheck = checkRowHashes(hashes);
  rec.metric('hashesEqual', verdictValue(hashCheck));
  verify(hashCheck);
  const check = checkNoAckedLost(cluster.primary.name, writer.ledger(), await readPresentBatches(cluster.primary));
  // With the loss judged by the caller, only lost batches are excused: a phantom or torn batch still fails.
  const lost = lossJudged && !check.evidence.unexpected.length && !check.evidence.partial.length ? check : verify(check);
  rec.metric('ackedBatches', lost.evidence.ackedBatches);
  rec.metric('lostAcked', lost.evidence.lostAcked);
  rec.metric('unknownOutcome', lost.evidence.unknownOutcome);
  rec.metric('unknownCommitted', lost.evidence.unknownPresent);
  verify(checkSplitBrain(writer.ledger()));
}

/**
 * The write outage of a failover as the writer saw it: last commit acknowledged by the old
 * primary → first acknowledged by the new one. Fails the scenario if the writer never resumed.
 */
export function recordOutage({ rec }: ScenarioContext, writer: BatchWriter, from: PgNode, to: PgNode): void {
  const { outageMs } = writeOutage(writer.ledger(), from.name, to.name);
  expect(outageMs, `the writer resumed on ${to.name} after ${from.name}`).not.toBeNull();
  rec.metric('writeOutageMs', Math.round(outageMs!));
}

/**
 * Write-up 000 §11.3–4: compare pg_last_wal_receive_lsn() and pg_last_wal_replay_lsn() on the
 * standbys and promote the most advanced; record the positions, the new timeline and its history file.
 */
export async function promoteMostAdvanced({ rec }: ScenarioContext, cluster: Cluster): Promise<{ promoted: PgNode; others: PgNode[] }> {
  const { node: promoted, positions } = await cluster.mostAdvancedStandby();
  const others = positions.slice(1).map((p) => cluster.node(p.name));
  rec.step('compared standby LSNs', { positions });
  rec.metric('promotedNode', promoted.name);
  rec.metric('promotedReceiveLsn', positions[0]!.receiveLsn);
  rec.promotion = {
    promoted: promoted.name,
    standbys: positions.map((p) => ({ node: p.name, receiveLsn: p.receiveLsn, replayLsn: p.replayLsn })),
  };
  rec.move(`promote ${promoted.name}`);
  const setting = await cluster.promote(promoted);
  rec.step(`${promoted.name} is primary`, { synchronous_standby_names: setting.text });
  const timelineAfter = await promoted.timeline();
  rec.metric('timelineAfter', timelineAfter);
  rec.promotion.history = await promoted.historyFile(timelineAfter);
  return { promoted, others };
}

/** Write-up 000 §11.5: every other standby follows the new primary. */
export async function repointOthers(
  { rec }: ScenarioContext,
  cluster: Cluster,
  others: PgNode[],
  observer?: ReplicationObserver,
): Promise<void> {
  for (const other of others) {
    rec.move(`repoint ${other.name} to ${cluster.primary.name}`);
    await cluster.repoint(other);
  }
  await cluster.waitForStreaming({
    timeoutMs: await streamingDeadlineMs(
      cluster,
      others.map((o) => o.name),
      { observer },
    ),
    standbys: others,
  });
}

/**
 * The deadline for standbys to stream (again), ms, from the WAL each still has to replay
 * (model/catchup.ts): the primary's current flush LSN minus the standby's last replay LSN the
 * `observer` saw, or minus `since` (e.g. where pg_rewind found the servers diverged). A standby
 * never seen and no `since`: all WAL so far counts.
 * @param names the standbys that must stream.
 * @throws ExecError when the primary does not answer its flush LSN query.
 */
export async function streamingDeadlineMs(
  cluster: Cluster,
  names: string[],
  { observer, since }: { observer?: ReplicationObserver; since?: Lsn } = {},
): Promise<number> {
  const now = (await cluster.primary.lsn('flush')) ?? '0/0';
  const samples = observer?.samples() ?? [];
  // The replay LSN, not the flush LSN: a standby that received its backlog may still have most of it to replay.
  const lastReplay = (name: string): Lsn | undefined => {
    for (let i = samples.length - 1; i >= 0; i--) {
      const row = samples[i]!.standbys.find((r) => r.name === name && (r.replayLsn ?? r.flushLsn));
      if (row) return (row.replayLsn ?? row.flushLsn)!;
    }
    return undefined;
  };
  const behind = names.map((n) => lsnDiff(now, since ?? lastReplay(n) ?? '0/0'));
  return catchupDeadlineMs(behind.reduce((a, b) => (a > b ? a : b), 0n));
}

/**
 * Rethrows `e` (a wait for standbys to stream that failed) with the reason when a standby's log
 * has it: the primary recycled WAL segments the standby still needed (`WAL_REMOVED`), so it will
 * never stream again without a new base backup, however long the wait. @throws always.
 */
export async function explainNotStreaming(e: unknown, standbys: PgNode[]): Promise<never> {
  const lost: string[] = [];
  for (const s of standbys) {
    const line = (await s.logs()).split('\n').findLast((l) => WAL_REMOVED.test(l));
    if (line) lost.push(`${s.name}: ${line.match(WAL_REMOVED)![0]}`);
  }
  if (!lost.length || !(e instanceof Error)) throw e;
  throw new Error(
    `${e.message}\n  why: the primary recycled WAL a standby still needed (${lost.join('; ')}): it fell further behind than wal_keep_size and no replication slot held the WAL; it needs a new base backup`,
    { cause: e },
  );
}

/** Who is who after a failover. */
export interface Failover {
  oldPrimary: PgNode;
  promoted: PgNode;
  /** The standbys that followed the new primary. */
  others: PgNode[];
}

/**
 * Write-up 003 §四.5's trap, on purpose: the primary is cut off from its standbys while its
 * clients keep committing. Where the config makes commits wait (the model says), they wait on
 * SyncRep and are never acknowledged; the old primary ends up with WAL that no standby has
 * (checked, and recorded as divergedBytes). The most advanced standby is promoted (write-up 000
 * §11), the old primary is fenced (stopped, so clients leave it: write-up 003 §五, no two
 * primaries) and the other standbys follow the new primary. The old primary is left stopped,
 * forked from the new timeline, and reconnected to the network.
 */
export async function divergeAndFailOver(
  ctx: ScenarioContext,
  cluster: Cluster,
  writer: BatchWriter,
  observer: ReplicationObserver,
): Promise<Failover> {
  const { rec } = ctx;
  const oldPrimary = cluster.primary;
  rec.metric('timelineBefore', await oldPrimary.timeline());

  // isolate: the primary's traffic to and from every other node dropped; the harness still reaches it.
  const cut = await ctx.inject(cluster, { kind: 'isolate', target: 'primary' });
  // The writer's commits in flight may have reached a standby just before the cut, with only
  // their acknowledgements lost. A client committing now writes WAL that exists on the old
  // primary alone; it hangs on SyncRep until the fencing ends it, never acknowledged. It has no
  // ledger row: were it ever to survive, the lost-write check would report it.
  const lateCommit = oldPrimary
    .safePsql(`INSERT INTO ${ROWS_TABLE} (client, seq, n, payload) VALUES (0, 0, 0, 'committed on the cut-off primary')`, {
      timeoutMs: 300_000,
    })
    .catch(() => 'ended by the fencing');
  // With no standby connected, the model says whether commits wait (on SyncRep) or return.
  const { commitsWait } = predict({ ...cluster.syncSettings(), standbys: [] });
  const waiting = commitsWait
    ? await observer.waitFor(
        `the writer's commits and the late commit waiting on SyncRep on the cut-off primary`,
        (s) => s.primary === oldPrimary.name && (s.syncRepWaiters ?? 0) > writer.clients,
        10_000,
      )
    : undefined;
  const diverged = await pollUntil(
    async () => {
      const flush = (await oldPrimary.lsn('flush'))!;
      const received = await Promise.all(cluster.standbys.map(async (n) => (await n.lsn('receive'))!));
      const ahead = received.map((r) => lsnDiff(flush, r));
      return ahead.every((b) => b > 0n)
        ? { done: true, value: { flush, received, bytesAhead: Number(ahead.reduce((a, b) => (a < b ? a : b))) } }
        : { done: false, seen: `flush ${flush}, standbys received ${received.join(', ')}` };
    },
    { what: 'the cut-off primary to have WAL that no standby received', timeoutMs: 10_000 },
  );
  rec.step('the old primary has WAL no standby has', { syncRepWaiters: waiting?.syncRepWaiters ?? null, ...diverged });
  rec.metric('divergedBytes', diverged.bytesAhead);

  const { promoted, others } = await promoteMostAdvanced(ctx, cluster);

  rec.move('fence the old primary: pg_ctl stop -m immediate');
  await oldPrimary.stop('immediate');
  await lateCommit;
  await repointOthers(ctx, cluster, others, observer);
  await cut.heal();
  return { oldPrimary, promoted, others };
}

/**
 * Waits (polling the writer's samples) until TPS is back to `fraction` (default 0.5) of
 * `steadyTps` after the repair at `repairT` (ms on the scenario clock), or until the bound
 * `withinMs` has passed, then verifies `checkRecovered` on the samples.
 * @returns the verdict (its evidence has `recoveryMs`), recorded by `verify` (a failed one fails the story at its end).
 */
export async function verifyRecovered(
  { rec, verify }: ScenarioContext,
  writer: BatchWriter,
  o: { repairT: number; withinMs: number; steadyTps: number; fraction?: number },
): Promise<Verdict<RecoveryEvidence>> {
  const by = { fraction: 0.5, ...o };
  await pollUntil(
    async () => {
      const v = checkRecovered(writer.samples(), by);
      return v.evidence.recoveredT !== null || rec.clock.now() - o.repairT > o.withinMs + 1000
        ? { done: true, value: v }
        : { done: false, seen: v.summary };
    },
    { what: `TPS back to ${by.fraction * 100}% of steady`, timeoutMs: o.withinMs + 5000, intervalMs: 200 },
  );
  return verify(checkRecovered(writer.samples(), by));
}
