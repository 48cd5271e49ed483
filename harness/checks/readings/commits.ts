/**
 * Readings of the writer's history that the checks and the other readings (impact, write
 * availability) stand on: the runs of intervals without a commit, and the write outage of a
 * failover. Pure.
 */
import type { FailoverRecord } from '../../history/failover.ts';
import type { Batch, WriteOutage, WriterSample } from '../../history/samples.ts';

/**
 * The runs of consecutive intervals without a commit, as sample indexes [from, to): `to` is
 * past the run's last interval. In order; [] when every interval has a commit.
 */
export function commitGaps(samples: readonly WriterSample[]): { from: number; to: number }[] {
  const gaps: { from: number; to: number }[] = [];
  for (let i = 0; i < samples.length; ) {
    if (samples[i]!.commits > 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < samples.length && samples[j]!.commits === 0) j++;
    gaps.push({ from: i, to: j });
    i = j;
  }
  return gaps;
}

/** The outage between the last commit acknowledged by node `from` and the first acknowledged by node `to` after it. */
export function writeOutage(batches: readonly Batch[], from: string, to: string): WriteOutage {
  let lastOldT: number | null = null;
  // Stryker disable next-line LogicalOperator: `&&` is equivalent (times on the scenario clock are >= 0, and Math.max(null, t) is t).
  for (const b of batches) if (b.outcome === 'acked' && b.node === from) lastOldT = Math.max(lastOldT ?? b.endT, b.endT);
  let firstNewT: number | null = null;
  for (const b of batches) {
    if (b.outcome === 'acked' && b.node === to && b.endT > (lastOldT ?? -Infinity)) firstNewT = Math.min(firstNewT ?? b.endT, b.endT);
  }
  return { lastOldT, firstNewT, outageMs: lastOldT !== null && firstNewT !== null ? firstNewT - lastOldT : null };
}

/**
 * When a client saw writes come back after failover `f`: the earliest end of a batch acknowledged
 * by `f.to` that ended at or after `f.decidedT` (ms on the scenario clock), or null when none did.
 * A node that was primary before (a failback) counts only from this decision on.
 */
export function writesBackT(batches: readonly Batch[], f: Pick<FailoverRecord, 'to' | 'decidedT'>): number | null {
  let first: number | null = null;
  for (const b of batches) if (b.outcome === 'acked' && b.node === f.to && b.endT >= f.decidedT) first = Math.min(first ?? b.endT, b.endT);
  return first;
}
