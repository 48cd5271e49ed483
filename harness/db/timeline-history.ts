/**
 * Timeline histories compared across nodes. Each promotion picks the next timeline ID its node
 * knows of and writes `0000000N.history`: the parent timelines and where each was left
 * (`parentTLI <tab> switchpoint LSN <tab> reason`; docs: continuous-archiving.html#BACKUP-TIMELINES).
 * Without a shared WAL archive, two nodes promoted one after the other can both pick N: the
 * first one's promotion cut short (it died right after choosing N), the second never saw its
 * history file. Their histories then differ under one ID, and pg_rewind, which compares
 * timeline IDs (pg_rewind.c: "source and target cluster are on the same timeline"), finds
 * nothing to rewind although their WAL forked: only a new base backup brings such a node back.
 */

/**
 * The timeline IDs both nodes have a history file for, with different contents: where two
 * promotions chose the same ID.
 * @param a, b timeline ID → history file text (`PgNode.timelineHistories()`).
 * @returns the clashing IDs, ascending; empty when the histories agree where both have one.
 */
export function clashingTimelines(a: ReadonlyMap<number, string>, b: ReadonlyMap<number, string>): number[] {
  return [...a.keys()].filter((tli) => b.has(tli) && normalize(b.get(tli)!) !== normalize(a.get(tli)!)).sort((x, y) => x - y);
}

/** A history file's entries, each `parentTLI switchpoint`: the reason text and blank lines do not make a different history. */
function normalize(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))
    .filter((l) => /^\d+ [0-9A-F]+\/[0-9A-F]+$/i.test(l))
    .join('\n');
}
