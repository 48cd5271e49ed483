/**
 * The commits a deposed primary acknowledged: batches begun after a manager promoted a new primary
 * that another node acknowledged. No promotion can have lost them, since none of them existed when
 * it was decided. They were taken by a second writable primary, the old one come back unfenced
 * (repmgr #766: repmgrd 5.3.3 has no fencing of a returned primary, only a "add hook for fencing?"
 * comment in repmgrd-physical.c `monitor_streaming_primary`) or one the manager never stopped.
 *
 * So their loss is judged apart from the promotions' (checks/promised-loss.ts): the nodes out at a
 * promotion, which may excuse what a promotion lost, say nothing about commits made after it.
 *
 * A deposed primary writes on a timeline that was in use before the promotion: it was never
 * promoted again. A node that acknowledges on a timeline first seen after the promotion was
 * promoted since, by a switchover (which the manager's failovers do not list) or by a failover
 * whose view came later than its promotion; it is no deposed primary. Every promotion starts a
 * new timeline (PostgreSQL's docs, "Timelines", continuous-archiving.html).
 *
 * Read from the writer's ledger and the manager's failovers; through a proxy too, since a ledger
 * names the backend that acknowledged (SqlNode.backendOf). Pure.
 */
import type { FailoverRecord } from '../../history/failover.ts';
import type { Batch, PresentBatch } from '../../history/samples.ts';

/** One batch a node other than the promoted primary acknowledged after the promotion. Times in ms on the scenario clock. */
export interface DeposedAck {
  /** `client:seq`, as checkNoAckedLost names batches. */
  batch: string;
  /** The node that acknowledged it. */
  node: string;
  /** The primary the manager had promoted when the batch began. */
  promoted: string;
  /** When that primary accepted writes (FailoverRecord.promotedT). */
  promotedT: number;
  /** The batch's end: when it was acknowledged. */
  ackT: number;
}

/** What deposed primaries acknowledged, and what of it the surviving history lacks. */
export interface DeposedAcks {
  /** Every such batch, in ack order. */
  acked: DeposedAck[];
  /** Those absent from the surviving history (`present`), in ack order, as `client:seq`. */
  lost: string[];
}

/**
 * Reads what deposed primaries acknowledged.
 * @param batches the writer's attempted batches, any order; only `acked` ones count.
 * @param failovers the manager's failovers, any order; each names the primary it promoted (`to`)
 *   and when that one accepted writes (`promotedT`).
 * @param present the batches the surviving primary holds (workload.ts readPresentBatches); a batch
 *   listed there is held, whole or not, as checkNoAckedLost counts it (a partial one is its to fail).
 * @returns a batch counts when it began at or after the latest `promotedT` not later than its start,
 *   a node other than that failover's `to` acknowledged it, and on a timeline some batch had been
 *   acknowledged on before that `promotedT`; none when there was no failover. A batch without a
 *   timeline (a ledger older than BATCH_SQL's) never counts: nothing says which history took it.
 */
export function deposedAcks(
  batches: readonly Batch[],
  failovers: readonly Pick<FailoverRecord, 'to' | 'promotedT'>[],
  present: readonly PresentBatch[],
): DeposedAcks {
  const promotions = [...failovers].sort((a, b) => a.promotedT - b.promotedT);
  const held = new Set(present.map((p) => `${p.client}:${p.seq}`));
  const acks = batches.filter((b) => b.outcome === 'acked' && b.timeline !== undefined);
  const timelinesBefore = (t: number) => new Set(acks.filter((a) => a.endT < t).map((a) => a.timeline));
  const before = new Map(promotions.map((f) => [f, timelinesBefore(f.promotedT)]));
  const acked: DeposedAck[] = [];
  for (const b of acks) {
    const last = promotions.filter((f) => f.promotedT <= b.startT).at(-1);
    if (!last || b.node === last.to || !before.get(last)!.has(b.timeline)) continue;
    acked.push({ batch: `${b.client}:${b.seq}`, node: b.node, promoted: last.to, promotedT: last.promotedT, ackT: b.endT });
  }
  acked.sort((a, b) => a.ackT - b.ackT);
  return { acked, lost: acked.filter((a) => !held.has(a.batch)).map((a) => a.batch) };
}
