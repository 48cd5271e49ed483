/**
 * The deposed primary's write window (issue 18 §4): per failover, how long the old primary still
 * acknowledged commits after the new one took writes, and whether those commits were lost.
 * CloudNativePG #11280 is the case it is made for: an isolated primary kept committing for
 * ~185 s. Under a manager whose lock lives in a DCS (Patroni) a primary cut off from the DCS
 * goes on committing until its own loop demotes it (`retry_timeout`, then `ttl`), while a
 * replica may already hold the lock and take writes: a client that still reaches the old
 * primary (misrouted, or connected before the cut) writes on a history the cluster left.
 *
 * Read from the writer's ledger alone, by timeline: every acknowledged batch carries the timeline
 * its primary wrote it on (load/workload.ts BATCH_SQL), and every promotion starts a new
 * timeline (PostgreSQL's docs, "Timelines", continuous-archiving.html). So a failover is the
 * first acknowledgement on a timeline above every one acknowledged before it, whatever path the
 * client took (the node a ledger names is the one that acknowledged, through a proxy too:
 * SqlNode.backendOf; the timeline says which history took the commit). Pure.
 */
import type { Batch, PresentBatch } from '../../history/samples.ts';

/** One failover as the ledger shows it, and the old history's commits after it. Times in ms on the scenario clock. */
export interface DeposedWindow {
  /** The timeline the old primary wrote on. */
  oldTimeline: number;
  /** The new primary's timeline: the first ack on it is when the new one took writes. */
  newTimeline: number;
  /** The nodes (as the writers named them) that acknowledged on the old timeline after `newFirstAckT`; [] when none. */
  oldNodes: string[];
  /** The nodes that acknowledged the new timeline's first commit. */
  newNode: string;
  /** End of the first batch acknowledged on `newTimeline`. */
  newFirstAckT: number;
  /** End of the last batch acknowledged on `oldTimeline` or older, at any time; null when none was. */
  oldLastAckT: number | null;
  /** `oldLastAckT - newFirstAckT` when positive, else 0: how long two histories took commits at once, ms. */
  windowMs: number;
  /** Batches acknowledged on an older timeline after `newFirstAckT`, as `client/seq`, in ack order. */
  acked: string[];
  /** Those of `acked` absent from the surviving history (`present`), in ack order; null when `present` was not given. */
  lost: string[] | null;
}

/**
 * Every failover in `batches` (several writers' ledgers may be merged; their (client, seq) must
 * not collide) with its deposed window.
 * @param batches attempted batches, any order; only `acked` ones with a `timeline` count.
 * @param present the batches the surviving primary holds at the end (workload.ts
 *   readPresentBatches); omitted: `lost` is null.
 * @returns one entry per timeline switch, oldest first; [] when every ack was on one timeline.
 */
export function deposedWindows(batches: readonly Batch[], present?: readonly PresentBatch[]): DeposedWindow[] {
  const acks = batches.filter((b) => b.outcome === 'acked' && b.timeline !== undefined).sort((a, b) => a.endT - b.endT);
  const kept = present && new Set(present.filter((p) => p.ledgerRows !== null).map((p) => `${p.client}/${p.seq}`));
  const windows: DeposedWindow[] = [];
  let highest: number | undefined;
  for (const b of acks) {
    const tl = b.timeline!;
    if (highest === undefined) highest = tl;
    if (tl <= highest) continue;
    const old = highest;
    highest = tl;
    const before = acks.filter((a) => a.timeline! < tl);
    const late = before.filter((a) => a.endT > b.endT);
    const oldLastAckT = before.length ? Math.max(...before.map((a) => a.endT)) : null;
    const acked = late.map((a) => `${a.client}/${a.seq}`);
    windows.push({
      oldTimeline: old,
      newTimeline: tl,
      oldNodes: [...new Set(late.map((a) => a.node))].sort(),
      newNode: b.node,
      newFirstAckT: b.endT,
      oldLastAckT,
      windowMs: oldLastAckT === null ? 0 : Math.max(0, oldLastAckT - b.endT),
      acked,
      lost: kept ? acked.filter((k) => !kept.has(k)) : null,
    });
  }
  return windows;
}
