/**
 * Never two primaries acknowledging writes at the same time (Jepsen's "split brain"; the write-up's
 * fencing concern), read off the writer's ledger: each acknowledged batch names the node that
 * acknowledged it and the timeline that node wrote it on.
 *
 * A standby that is promoted picks a new timeline ID, one above the newest it knows of
 * (StartupXLOG: findNewestTimeLine() + 1, timeline.c; continuous-archiving.html#BACKUP-TIMELINES),
 * and pg_walfile_name() of the primary's insert LSN names it (the writer reads it there). So a failback A (timeline 1) → B (2) → A (3) gives
 * three tenures that follow one another, while two primaries show as either
 * - two nodes acknowledging during the same interval (the old primary was not fenced), or
 * - two nodes acknowledging on the same timeline ID: two promotions from one history (two
 *   standbys both promoted to timeline 2), even if their acknowledgements never interleaved.
 */
import { fmtCount, fmtSeconds } from './format.ts';
import type { Batch } from '../history/samples.ts';
import { CHECK_IDS, type Verdict, type VerdictStatus } from './verdict.ts';

/** One acknowledgement, as evidence. */
export interface Ack {
  /** endT of the batch: when the client got the acknowledgement, ms on the scenario clock. */
  t: number;
  node: string;
  timeline: number;
  /** `client:seq`. */
  batch: string;
}

/** A node's tenure as primary on one timeline: its first and last acknowledgement (endT, ms on the scenario clock). */
export interface PrimarySpan {
  node: string;
  timeline: number;
  firstT: number;
  lastT: number;
  /** Acknowledged batches in the span. */
  acks: number;
}

/** Two spans that cannot both be one primary's history. */
export interface SplitBrainConflict {
  /** `overlap`: both nodes acknowledged during the same interval; `same-timeline`: two nodes acknowledged on one timeline ID. */
  reasons: Array<'overlap' | 'same-timeline'>;
  /** The span that started first, then the other. */
  spans: [PrimarySpan, PrimarySpan];
  /**
   * The first acknowledgements that interleave, in time order. Overlap: the earlier node's last
   * ack at or before the later node's first, that first ack, and the earlier node's next ack
   * after it (A, B, A). Same timeline without overlap: the hand-over, the earlier node's last ack
   * and the later node's first.
   */
  acks: Ack[];
}

export interface SplitBrainEvidence {
  ackedBatches: number;
  /** Acknowledged batches that carry no timeline: any makes the verdict unknown. */
  withoutTimeline: number;
  /** Every (node, timeline) span, by firstT. */
  spans: PrimarySpan[];
  /** Every conflicting pair of spans (first 20), earliest first. */
  conflicts: SplitBrainConflict[];
}

/**
 * One primary at a time: groups the acknowledged batches by (node, timeline), each group's span
 * being [first ack endT, last ack endT], and fails when two spans of different nodes overlap or
 * two different nodes acknowledged on the same timeline ID.
 *
 * Overlap is strict: each span starts before the other ends (so a one-ack span strictly inside
 * another overlaps it, and spans that only touch, one's last ack at the same ms as the other's
 * first, do not). Times are endT, when the client got the acknowledgement; the commit itself
 * happened somewhere in [startT, endT]. Limits: an acknowledgement delayed on its way back from
 * an old primary that was fenced just after committing can land after the new primary's first
 * ack and look like an overlap (a false alarm bounded by that batch's latency); and two primaries
 * whose acknowledgements never interleave, each on its own timeline, are not seen (this writer
 * then wrote to only one of them at a time).
 *
 * `unknown` when no batch was acknowledged, or when any acknowledged batch carries no timeline
 * (a failback cannot be told from two primaries without it).
 */
export function checkSplitBrain(batches: readonly Batch[]): Verdict<SplitBrainEvidence> {
  const acked = batches.filter((b) => b.outcome === 'acked');
  const withoutTimeline = acked.filter((b) => !Number.isInteger(b.timeline)).length;
  const groups = withoutTimeline > 0 ? [] : groupAcks(acked);
  const spans = groups.map(spanOf);
  const conflicts = findConflicts(groups).slice(0, 20);
  const status: VerdictStatus = acked.length === 0 || withoutTimeline > 0 ? 'unknown' : conflicts.length > 0 ? 'failed' : 'passed';
  const evidence = { ackedBatches: acked.length, withoutTimeline, spans, conflicts };
  return { id: CHECK_IDS.onePrimary, check: 'one primary at a time', status, summary: summary(evidence, status), evidence };
}

/** The acks of one (node, timeline), in time order. */
type Group = { node: string; timeline: number; acks: Ack[] };

/** Acked batches (all with a timeline) grouped by (node, timeline), each group's acks sorted by time, groups by first ack. */
function groupAcks(acked: readonly Batch[]): Group[] {
  const groups = new Map<string, Group>();
  for (const b of acked) {
    const key = JSON.stringify([b.node, b.timeline]);
    const group = groups.get(key) ?? { node: b.node, timeline: b.timeline!, acks: [] };
    group.acks.push({ t: b.endT, node: b.node, timeline: b.timeline!, batch: `${b.client}:${b.seq}` });
    groups.set(key, group);
  }
  const out = [...groups.values()];
  for (const g of out) g.acks.sort((a, b) => a.t - b.t);
  return out.sort(byStart);
}

/** By first ack (Array.prototype.sort is stable: ties keep ledger order). */
function byStart(a: Group, b: Group): number {
  return a.acks[0]!.t - b.acks[0]!.t;
}

const last = (g: Group): Ack => g.acks[g.acks.length - 1]!;

function spanOf(g: Group): PrimarySpan {
  return { node: g.node, timeline: g.timeline, firstT: g.acks[0]!.t, lastT: last(g).t, acks: g.acks.length };
}

/** Strict overlap: each span starts before the other ends (spans that only touch do not overlap). */
function overlaps(a: Group, b: Group): boolean {
  return a.acks[0]!.t < last(b).t && b.acks[0]!.t < last(a).t;
}

/** Every pair of groups of different nodes that overlap or share a timeline, by the later one's first ack. */
function findConflicts(groups: readonly Group[]): SplitBrainConflict[] {
  const out: Array<SplitBrainConflict & { at: number }> = [];
  groups.forEach((early, i) => {
    for (const late of groups.slice(i + 1)) {
      if (early.node === late.node) continue;
      const reasons: SplitBrainConflict['reasons'] = [];
      if (overlaps(early, late)) reasons.push('overlap');
      if (early.timeline === late.timeline) reasons.push('same-timeline');
      if (reasons.length === 0) continue;
      out.push({ reasons, spans: [spanOf(early), spanOf(late)], acks: interleaving(early, late), at: late.acks[0]!.t });
    }
  });
  return out.sort((a, b) => a.at - b.at).map(({ at: _at, ...c }) => c);
}

/** The first acks that interleave (see SplitBrainConflict.acks). */
function interleaving(early: Group, late: Group): Ack[] {
  const start = late.acks[0]!;
  const before = early.acks.filter((a) => a.t <= start.t).at(-1);
  const after = early.acks.find((a) => a.t > start.t);
  return [before, start, after].filter((a): a is Ack => a !== undefined);
}

// Stryker disable all: prose for the report; the tests pin status and evidence, and the phrases
// that name the missing evidence.
function summary(e: SplitBrainEvidence, status: VerdictStatus): string {
  if (e.ackedBatches === 0) return 'not enough evidence: no acknowledged batch, so no primary was seen acknowledging';
  if (e.withoutTimeline > 0) {
    return `not enough evidence: ${e.withoutTimeline} of ${e.ackedBatches} acknowledged batches carry no timeline, so a failback cannot be told from two primaries`;
  }
  if (status === 'passed') return `one primary at a time: ${e.spans.map(describeSpan).join(', then ')}`;
  const c = e.conflicts[0]!;
  const what = c.reasons.includes('overlap')
    ? 'both acknowledged writes during the same interval'
    : 'both acknowledged writes on one timeline ID';
  return (
    `two primaries: ${describeSpan(c.spans[0])} and ${describeSpan(c.spans[1])} ${what} ` +
    `(${c.acks.map((a) => `${a.node}/tl${a.timeline} at ${Math.round(a.t)} ms`).join(', ')}); ${e.conflicts.length} conflicting pair(s)`
  );
}

function describeSpan(s: PrimarySpan): string {
  return `${s.node} on timeline ${s.timeline} (${s.acks} acks, ${Math.round(s.firstT)}–${Math.round(s.lastT)} ms)`;
}
// Stryker restore all

/** The one-primary check's evidence in one line for the report. */
export function describeSplitBrainEvidence(e: SplitBrainEvidence): string {
  const spans = e.spans
    .map((x) => `${x.node} on timeline ${x.timeline} (${fmtCount(x.acks)} acks, ${fmtSeconds(x.firstT)}–${fmtSeconds(x.lastT)})`)
    .join(', then ');
  return `${fmtCount(e.ackedBatches)} acknowledged batches (${e.withoutTimeline} without a timeline): ${spans || 'no span'}; ${e.conflicts.length} conflict${e.conflicts.length === 1 ? '' : 's'}`;
}
