import { describe, expect, it } from 'vitest';
import type { Batch, Outcome } from '../history/samples.ts';
import { checkSplitBrain } from './split-brain.ts';

/** A batch acknowledged by `node` on `timeline` at `endT` (ms); startT 5 ms earlier. */
let seq = 0;
const ack = (node: string, timeline: number | undefined, endT: number, outcome: Outcome = 'acked'): Batch => ({
  client: 1,
  seq: ++seq,
  node,
  startT: endT - 5,
  endT,
  outcome,
  ...(timeline === undefined ? {} : { timeline }),
});
/** `n` acks by `node` on `timeline`, every `step` ms from `fromT`. */
const tenure = (node: string, timeline: number, fromT: number, n: number, step = 10): Batch[] =>
  Array.from({ length: n }, (_, i) => ack(node, timeline, fromT + i * step));

describe('checkSplitBrain', () => {
  it('passes on one primary, then a failover, then a failback: A(tl1) → B(tl2) → A(tl3)', () => {
    const v = checkSplitBrain([...tenure('A', 1, 0, 10), ...tenure('B', 2, 200, 10), ...tenure('A', 3, 400, 10)]);
    expect(v.check).toBe('one primary at a time');
    expect(v.status).toBe('passed');
    expect(v.evidence.spans).toEqual([
      { node: 'A', timeline: 1, firstT: 0, lastT: 90, acks: 10 },
      { node: 'B', timeline: 2, firstT: 200, lastT: 290, acks: 10 },
      { node: 'A', timeline: 3, firstT: 400, lastT: 490, acks: 10 },
    ]);
    expect(v.evidence.conflicts).toEqual([]);
    expect(v.summary).toContain('A on timeline 1');
  });
  it('passes with acks in any order in the ledger, and ignores failed and unknown batches', () => {
    const batches = [...tenure('B', 2, 200, 3), ...tenure('A', 1, 0, 3)].reverse();
    // A batch of A that failed or was of unknown outcome while B was primary is no acknowledgement.
    const v = checkSplitBrain([...batches, ack('A', undefined, 210, 'failed'), ack('A', undefined, 220, 'unknown')]);
    expect(v.status).toBe('passed');
    expect(v.evidence.ackedBatches).toBe(6);
    expect(v.evidence.spans.map((s) => [s.node, s.firstT, s.lastT])).toEqual([
      ['A', 0, 20],
      ['B', 200, 220],
    ]);
  });
  it('spans that only touch (last ack of one at the same ms as the first of the other) do not overlap', () => {
    expect(checkSplitBrain([...tenure('A', 1, 0, 3), ...tenure('B', 2, 20, 3)]).status).toBe('passed');
    // A lone ack at the same ms as the first of the other node touches it too, whichever comes first in the ledger.
    expect(checkSplitBrain([ack('A', 1, 100), ...tenure('B', 2, 100, 3)]).status).toBe('passed');
    expect(checkSplitBrain([...tenure('B', 2, 100, 3), ack('A', 1, 100)]).status).toBe('passed');
  });
  it('fails when two nodes acknowledge during the same interval, with the interleaving acks A, B, A', () => {
    // A on timeline 1 was not fenced: it goes on acknowledging after B, promoted to 2, started.
    const v = checkSplitBrain([...tenure('A', 1, 0, 10), ...tenure('B', 2, 55, 10)]);
    expect(v.status).toBe('failed');
    expect(v.evidence.conflicts).toHaveLength(1);
    const c = v.evidence.conflicts[0]!;
    expect(c.reasons).toEqual(['overlap']);
    expect(c.spans).toEqual([
      { node: 'A', timeline: 1, firstT: 0, lastT: 90, acks: 10 },
      { node: 'B', timeline: 2, firstT: 55, lastT: 145, acks: 10 },
    ]);
    expect(c.acks.map((a) => [a.node, a.timeline, a.t])).toEqual([
      ['A', 1, 50],
      ['B', 2, 55],
      ['A', 1, 60],
    ]);
    // Each ack names its batch as client:seq, the key of the writer's ledger.
    expect(c.acks.every((a) => /^1:\d+$/.test(a.batch))).toBe(true);
    expect(v.summary).toContain('two primaries');
  });
  it('never sets a node against itself: acks of one node read on two timelines around its promotion are one primary', () => {
    // s1's batches straddle its promotion: the timeline read with each may be the old or the new one.
    expect(checkSplitBrain([...tenure('s1', 1, 0, 5), ...tenure('s1', 2, 25, 5)]).status).toBe('passed');
  });
  it("fails on one ack of the old primary inside the new one's tenure", () => {
    const v = checkSplitBrain([...tenure('B', 2, 100, 10), ack('A', 1, 0), ack('A', 1, 150)]);
    expect(v.status).toBe('failed');
    expect(v.evidence.conflicts[0]!.reasons).toEqual(['overlap']);
    expect(v.evidence.conflicts[0]!.acks.map((a) => [a.node, a.t])).toEqual([
      ['A', 0],
      ['B', 100],
      ['A', 150],
    ]);
    // A single ack of A strictly inside B's span, with no other ack of A.
    const lone = checkSplitBrain([...tenure('B', 2, 100, 10), ack('A', 1, 150)]);
    expect(lone.status).toBe('failed');
    expect(lone.evidence.conflicts[0]!.spans.map((s) => s.node)).toEqual(['B', 'A']);
    expect(lone.evidence.conflicts[0]!.acks.map((a) => [a.node, a.t])).toEqual([
      ['B', 150],
      ['A', 150],
      ['B', 160],
    ]);
  });
  it('fails when two nodes acknowledged on one timeline ID, even one after the other (two promotions from one history)', () => {
    const v = checkSplitBrain([...tenure('A', 1, 0, 3), ...tenure('B', 2, 100, 3), ...tenure('C', 2, 200, 3)]);
    expect(v.status).toBe('failed');
    const c = v.evidence.conflicts[0]!;
    expect(c.reasons).toEqual(['same-timeline']);
    expect(c.spans.map((s) => [s.node, s.timeline])).toEqual([
      ['B', 2],
      ['C', 2],
    ]);
    expect(c.acks.map((a) => [a.node, a.t])).toEqual([
      ['B', 120],
      ['C', 200],
    ]);
  });
  it('names both reasons when two standbys promoted to timeline 2 acknowledge at the same time, and lists every pair', () => {
    const v = checkSplitBrain([...tenure('A', 1, 0, 3), ...tenure('B', 2, 100, 5), ...tenure('C', 2, 115, 5), ...tenure('A', 1, 125, 1)]);
    expect(v.status).toBe('failed');
    expect(v.evidence.conflicts.map((c) => [c.spans[0].node, c.spans[1].node, c.reasons])).toEqual([
      // A on timeline 1 (0–125 ms) overlaps both; pairs come by the later span's first ack (B at 100, C at 115).
      ['A', 'B', ['overlap']],
      ['A', 'C', ['overlap']],
      ['B', 'C', ['overlap', 'same-timeline']],
    ]);
  });
  it("lists conflicts earliest first (by the later span's first ack), the first 20 of them", () => {
    // Ledger order: A-D (timeline 1 twice, visible at 60) is met before B-C (overlap, visible at 40).
    const v = checkSplitBrain([
      ...tenure('A', 1, 0, 2),
      ack('B', 2, 20),
      ack('B', 2, 45),
      ...tenure('C', 3, 40, 2),
      ...tenure('D', 1, 60, 2),
    ]);
    expect(v.evidence.conflicts.map((c) => [c.spans[0].node, c.spans[1].node, c.reasons])).toEqual([
      ['B', 'C', ['overlap']],
      ['A', 'D', ['same-timeline']],
    ]);
    // Seven nodes acknowledging on timeline 2 one after the other: 21 pairs.
    const many = checkSplitBrain(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((node, i) => ack(node, 2, i * 10)));
    expect(many.status).toBe('failed');
    expect(many.evidence.conflicts).toHaveLength(20);
    expect(many.evidence.spans).toHaveLength(7);
  });
  it('is unknown with no acknowledged batch, and says so', () => {
    for (const batches of [[], [ack('A', undefined, 10, 'failed'), ack('A', undefined, 20, 'unknown')]]) {
      const v = checkSplitBrain(batches);
      expect(v.status).toBe('unknown');
      expect(v.evidence.ackedBatches).toBe(0);
      expect(v.summary).toContain('no acknowledged batch');
    }
  });
  it('is unknown when acknowledged batches carry no timeline (a failback cannot be told from two primaries), and says how many', () => {
    const v = checkSplitBrain([...tenure('A', 1, 0, 3), ack('A', undefined, 40), ack('B', undefined, 50)]);
    expect(v.status).toBe('unknown');
    expect(v.evidence.withoutTimeline).toBe(2);
    expect(v.evidence.spans).toEqual([]);
    expect(v.evidence.conflicts).toEqual([]);
    expect(v.summary).toContain('2 of 5 acknowledged batches carry no timeline');
    // Even when the acks would interleave: without timelines A's two tenures cannot be told apart.
    const noTimelines = checkSplitBrain([ack('A', undefined, 0), ack('B', undefined, 10), ack('A', undefined, 20)]);
    expect(noTimelines.status).toBe('unknown');
  });
});
