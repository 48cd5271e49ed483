/**
 * Timeline histories compared across nodes. Each promotion picks the next timeline ID its node
 * knows of and writes `0000000N.history`: every ancestor timeline and where it was left
 * (`parentTLI <tab> switchpoint LSN <tab> reason`; docs: continuous-archiving.html#BACKUP-TIMELINES).
 * Without a shared WAL archive, two nodes promoted one after the other can both pick N: the
 * first one's promotion cut short (it died right after choosing N), the second never saw its
 * history file. Their timelines N then start at different points, and pg_rewind, which compares
 * timeline IDs (pg_rewind.c: "source and target cluster are on the same timeline"), finds
 * nothing to rewind although their WAL forked: only a new base backup brings such a node back.
 */

/**
 * Where each timeline of a node's history starts, from its newest history file (which lists
 * every ancestor: a node cloned later may lack the older files): timeline 1 at `0/0`, each
 * later one at its parent's switch point.
 * @param histories timeline ID → history file text (`PgNode.timelineHistories()`); empty: timeline 1 only.
 * @returns timeline ID → start LSN.
 */
export function timelineStarts(histories: ReadonlyMap<number, string>): Map<number, string> {
  const newest = Math.max(0, ...histories.keys());
  const starts = new Map<number, string>([[1, '0/0']]);
  if (!newest) return starts;
  let previousEnd = '0/0';
  for (const line of histories.get(newest)!.split('\n')) {
    const m = /^\s*(\d+)\s+([0-9A-F]+\/[0-9A-F]+)/i.exec(line);
    if (!m) continue;
    starts.set(Number(m[1]), starts.get(Number(m[1])) ?? previousEnd);
    previousEnd = m[2]!.toUpperCase();
  }
  starts.set(newest, previousEnd);
  return starts;
}

/**
 * The timeline IDs both nodes' histories contain, starting at different points: where two
 * promotions chose the same ID. A timeline one node never followed is not compared.
 * @param a, b timeline ID → history file text (`PgNode.timelineHistories()`).
 * @returns the clashing IDs, ascending; empty when the histories agree where they overlap.
 */
export function clashingTimelines(a: ReadonlyMap<number, string>, b: ReadonlyMap<number, string>): number[] {
  const [sa, sb] = [timelineStarts(a), timelineStarts(b)];
  return [...sa.keys()].filter((tli) => sb.has(tli) && sb.get(tli) !== sa.get(tli)).sort((x, y) => x - y);
}
