/**
 * The loss an asynchronous config promises to bound, measured in bytes of WAL and judged against
 * that bound. Patroni's asynchronous mode (replication_modes.rst, "Asynchronous mode durability";
 * ha.py `is_lagging`) lets a replica race for leader only within `maximum_lag_on_failover` bytes
 * of the leader's last LSN in the DCS, so a failover "is worst case bounded by
 * maximum_lag_on_failover bytes of transaction log plus the amount that is written in the last
 * ttl seconds". checks/promised-loss.ts measures such a loss in batches and passes it (nothing was
 * promised about each commit); this check holds the config to the bound it does promise.
 *
 * How the bytes are measured, per timeline the lost batches were acknowledged on:
 * - where the final leader's history left that timeline (its newest `.history` file: the switch
 *   point of the promotion that deposed it, continuous-archiving.html#BACKUP-TIMELINES): everything
 *   the old primary wrote past that point is gone;
 * - the lost bytes: the last lost batch's LSN (the batch's `pg_current_wal_insert_lsn()`, BATCH_SQL)
 *   minus that switch point;
 * - the bound: `bytes` plus the WAL the old primary wrote in the last `plusWrittenInLastMs` of its
 *   acknowledged commits on that timeline (its last batch's LSN minus that of its last batch at
 *   least `plusWrittenInLastMs` earlier; all of its WAL on the timeline when it wrote for less).
 */
import { fmtCount } from './format.ts';
import type { Batch, PresentBatch } from '../history/samples.ts';
import { compareLsn, type Lsn, lsnDiff } from '../lsn.ts';
import type { LossBound } from '../model/durability.ts';
import { CHECK_IDS, type Verdict, type VerdictStatus } from './verdict.ts';

/** The loss on one old timeline, measured against the bound. LSNs as PostgreSQL prints them; bytes of WAL. */
export interface TimelineLoss {
  timeline: number;
  /** The nodes that acknowledged the lost batches on it. */
  nodes: string[];
  lostAcked: number;
  /** Where the final leader's history left this timeline; null when its history never followed it. */
  switchLsn: Lsn | null;
  /** The LSN of the last lost batch on the timeline. */
  lastLostLsn: Lsn;
  /** lastLostLsn − switchLsn, bytes; null when it cannot be measured (`unmeasuredWhy`). */
  lostBytes: number | null;
  /**
   * Why `lostBytes` is null: the final leader's history never followed this timeline; two nodes
   * acknowledged on this timeline ID (two promotions chose it: the history's switch point may be the
   * other one's, db/timeline-history.ts); or the lost batches lie before the switch point.
   */
  unmeasuredWhy?: string;
  /** WAL the old primary wrote in its last `plusWrittenInLastMs` of acknowledged commits on the timeline, bytes. */
  writtenInWindowBytes: number;
  /** bound.bytes + writtenInWindowBytes. */
  boundBytes: number;
}

export interface LossBoundEvidence {
  bound: LossBound;
  /** The node the batches were read on (the final leader) and its timeline. */
  node: string;
  timeline: number;
  ackedBatches: number;
  lostAcked: number;
  /** Per old timeline with lost batches. */
  timelines: TimelineLoss[];
  /** Lost batches the bytes cannot be measured for: no LSN or timeline recorded (a record of an older version). */
  unmeasured: number;
  /** Lost batches acknowledged on the final leader's own timeline: no failover explains them. */
  lostOnFinalTimeline: number;
}

/**
 * Every acknowledged batch missing on the final leader was lost within the bound:
 * - `failed` when a timeline's lost bytes exceed its bound, or a batch was lost on the leader's
 *   own timeline (no failover explains it);
 * - `unknown` when no batch was acknowledged, or a lost batch cannot be measured, and nothing
 *   failed: no LSN recorded; a timeline the leader's history never followed; a timeline ID two
 *   nodes acknowledged on (two promotions chose it, db/timeline-history.ts: the history's switch
 *   point may be the other one's; checks/split-brain.ts fails that); lost batches all before the
 *   switch point (this history does not explain them);
 * - `passed` otherwise, with the bytes lost and each bound in the evidence.
 * Pure.
 * @param node, timeline the final leader and the timeline it is on.
 * @param switchPoints timeline ID → LSN where the final leader's history left it (`timelineSwitchPoints`).
 */
export function checkLossWithinBound(
  batches: readonly Batch[],
  present: readonly PresentBatch[],
  leader: { node: string; timeline: number; switchPoints: ReadonlyMap<number, Lsn> },
  bound: LossBound,
): Verdict<LossBoundEvidence> {
  const key = (b: { client: number; seq: number }) => `${b.client}:${b.seq}`;
  const here = new Set(present.map(key));
  const acked = batches.filter((b) => b.outcome === 'acked');
  const lost = acked.filter((b) => !here.has(key(b)));
  const measurable = lost.filter((b) => b.lsn !== undefined && b.timeline !== undefined);
  // Lost on the leader's own tenure: no failover explains it. Another node's batches on the same
  // timeline ID are a second promotion that chose it, judged (unmeasured) with the old timelines.
  const onFinal = measurable.filter((b) => b.timeline === leader.timeline && b.node === leader.node);
  const byTimeline = new Map<number, Batch[]>();
  for (const b of measurable) if (!onFinal.includes(b)) byTimeline.set(b.timeline!, [...(byTimeline.get(b.timeline!) ?? []), b]);
  const timelines = [...byTimeline]
    .sort(([a], [b]) => a - b)
    .map(([timeline, gone]) => timelineLoss(timeline, gone, acked, leader.switchPoints.get(timeline) ?? null, bound));
  const beyond = timelines.some((t) => t.lostBytes !== null && t.lostBytes > t.boundBytes);
  const evidence: LossBoundEvidence = {
    bound,
    node: leader.node,
    timeline: leader.timeline,
    ackedBatches: acked.length,
    lostAcked: lost.length,
    timelines,
    unmeasured: lost.length - measurable.length,
    lostOnFinalTimeline: onFinal.length,
  };
  const unmeasured = evidence.unmeasured > 0 || timelines.some((t) => t.lostBytes === null);
  const status: VerdictStatus = beyond || onFinal.length ? 'failed' : acked.length === 0 || unmeasured ? 'unknown' : 'passed';
  return { id: CHECK_IDS.lossBound, check: 'loss within the promised bound', status, summary: summary(evidence, status), evidence };
}

function timelineLoss(timeline: number, gone: Batch[], acked: Batch[], switchLsn: Lsn | null, bound: LossBound): TimelineLoss {
  const lastLost = gone.reduce((a, b) => (compareLsn(b.lsn!, a.lsn!) > 0 ? b : a));
  // The lost batches' primary's acknowledged commits on this timeline, in the order it wrote them.
  const written = acked
    .filter((b) => b.timeline === timeline && b.node === lastLost.node && b.lsn !== undefined)
    .sort((a, b) => compareLsn(a.lsn!, b.lsn!));
  const last = written[written.length - 1]!;
  const before = written.filter((b) => b.endT <= last.endT - bound.plusWrittenInLastMs).pop() ?? written[0]!;
  const writtenInWindowBytes = Number(lsnDiff(last.lsn!, before.lsn!));
  const ackedBy = [...new Set(acked.filter((b) => b.timeline === timeline).map((b) => b.node))].sort();
  const bytes = switchLsn === null ? null : Number(lsnDiff(lastLost.lsn!, switchLsn));
  const unmeasuredWhy =
    ackedBy.length > 1
      ? `${ackedBy.join(' and ')} acknowledged on this timeline ID: two promotions chose it, and the switch point may be the other's`
      : switchLsn === null
        ? "the final leader's history never followed this timeline"
        : bytes! < 0
          ? 'the lost batches lie before the switch point: this history does not explain them'
          : undefined;
  return {
    timeline,
    nodes: [...new Set(gone.map((b) => b.node))].sort(),
    lostAcked: gone.length,
    switchLsn,
    lastLostLsn: lastLost.lsn!,
    lostBytes: unmeasuredWhy ? null : bytes,
    ...(unmeasuredWhy ? { unmeasuredWhy } : {}),
    writtenInWindowBytes,
    boundBytes: bound.bytes + writtenInWindowBytes,
  };
}

// Stryker disable all: prose for the report; the tests pin status and evidence.
function summary(e: LossBoundEvidence, status: VerdictStatus): string {
  if (e.ackedBatches === 0) return 'not enough evidence: no acknowledged batch to lose';
  if (e.lostOnFinalTimeline)
    return `${fmtCount(e.lostOnFinalTimeline)} acknowledged batches lost on ${e.node}'s own timeline ${e.timeline}: no failover explains them`;
  if (e.lostAcked === 0)
    return `no acknowledged batch lost on ${e.node} (bound ${fmtCount(e.bound.bytes)} bytes + the last ${e.bound.plusWrittenInLastMs} ms of WAL)`;
  const parts = e.timelines.map((t) =>
    t.lostBytes === null
      ? `timeline ${t.timeline} (${t.nodes.join(', ')}): ${fmtCount(t.lostAcked)} lost, bytes unmeasured: ${t.unmeasuredWhy}`
      : `timeline ${t.timeline} (${t.nodes.join(', ')}): ${fmtCount(t.lostAcked)} lost, ${fmtCount(t.lostBytes)} bytes past the switch point ${t.switchLsn}, bound ${fmtCount(t.boundBytes)} (${fmtCount(e.bound.bytes)} + ${fmtCount(t.writtenInWindowBytes)} written in the last ${e.bound.plusWrittenInLastMs} ms)`,
  );
  const head = status === 'failed' ? 'beyond the bound' : status === 'unknown' ? 'not measured' : 'within the bound';
  return `${head}: ${parts.join('; ')}${e.unmeasured ? `; ${fmtCount(e.unmeasured)} lost batches without an LSN` : ''}`;
}
// Stryker restore all

/** The loss-bound check's evidence in one line for the report. */
export function describeLossBoundEvidence(e: LossBoundEvidence): string {
  const t = e.timelines.map((x) => `tl ${x.timeline}: ${x.lostBytes ?? '?'} of ${x.boundBytes} bytes`).join(', ');
  return `on ${e.node} (tl ${e.timeline}): ${fmtCount(e.ackedBatches)} acknowledged, ${fmtCount(e.lostAcked)} lost${t ? `; ${t}` : ''}`;
}
