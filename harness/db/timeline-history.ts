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

/**
 * Where each ancestor timeline of a node's history was left: the switch point of the promotion
 * that ended it (one line per ancestor in the newest history file, `parentTLI <tab> switchpoint
 * <tab> reason`; continuous-archiving.html#BACKUP-TIMELINES). WAL a primary wrote on that
 * timeline past its switch point is not in this node's history.
 * @param newestHistory the text of the node's current timeline's history file ('' on timeline 1).
 * @returns timeline ID → switch point LSN (upper case), for every ancestor; empty on timeline 1.
 */
export function timelineSwitchPoints(newestHistory: string): Map<number, string> {
  const points = new Map<number, string>();
  for (const line of newestHistory.split('\n')) {
    const m = /^\s*(\d+)\s+([0-9A-F]+\/[0-9A-F]+)/i.exec(line);
    if (m) points.set(Number(m[1]), m[2]!.toUpperCase());
  }
  return points;
}

/**
 * SQL that reads `timeline`'s history file from pg_wal, '' when it is absent (timeline 1 has
 * none): `pg_read_file(…, missing_ok)`, which needs a superuser or pg_read_server_files.
 */
export function historyFileSql(timeline: number): string {
  const name = `pg_wal/${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
  return `SELECT coalesce(pg_read_file('${name}', 0, 65536, true), '')`;
}
