import { describe, expect, it } from 'vitest';
import { timelineSwitchPoints } from '../db/timeline-history.ts';
import type { Batch, PresentBatch } from '../history/samples.ts';
import { lsnToBigInt } from '../lsn.ts';
import { checkLossWithinBound } from './loss-bound.ts';
import { describeEvidence } from './describe.ts';

/** Patroni's default bound: 1 MiB plus the last ttl = 10 s of WAL. */
const bound = { bytes: 1_048_576, plusWrittenInLastMs: 10_000 };
/** An LSN `bytes` past 0/3000000. */
const at = (bytes: number) => {
  const v = lsnToBigInt('0/3000000') + BigInt(bytes);
  return `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;
};

/**
 * pg0 acknowledges one batch every 100 ms on timeline 1 for 20 s, each 10 000 bytes of WAL, then
 * s1 is promoted (timeline 2, switch point `switchBytes`) and acknowledges 10 more.
 */
function history(switchBytes: number) {
  const batches: Batch[] = [];
  for (let i = 0; i < 200; i++)
    batches.push({
      client: 1,
      seq: i + 1,
      node: 'pg0',
      startT: i * 100,
      endT: i * 100 + 5,
      outcome: 'acked',
      timeline: 1,
      lsn: at((i + 1) * 10_000),
    });
  for (let i = 0; i < 10; i++)
    batches.push({
      client: 1,
      seq: 201 + i,
      node: 's1',
      startT: 30_000 + i * 100,
      endT: 30_005 + i * 100,
      outcome: 'acked',
      timeline: 2,
      lsn: at(3_000_000 + i * 10_000),
    });
  // s1 holds what pg0 wrote up to the switch point, and its own batches.
  const present: PresentBatch[] = batches
    .filter((b) => b.timeline === 2 || Number(lsnToBigInt(b.lsn!) - lsnToBigInt('0/3000000')) <= switchBytes)
    .map((b) => ({ client: b.client, seq: b.seq, ledgerRows: 100, rows: 100 }));
  const switchPoints = timelineSwitchPoints(`1\t${at(switchBytes)}\tno recovery target specified\n`);
  return { batches, present, leader: { node: 's1', timeline: 2, switchPoints } };
}

describe('checkLossWithinBound', () => {
  it('passes a loss inside maximum_lag_on_failover plus the last ttl of WAL, with the bytes in the evidence', () => {
    // 30 batches past the switch point: 300 000 bytes; the last 10 s wrote 1 000 000.
    const h = history(1_700_000);
    const v = checkLossWithinBound(h.batches, h.present, h.leader, bound);
    expect(v.id).toBe('writes.loss-bound');
    expect(v.status).toBe('passed');
    expect(v.evidence.lostAcked).toBe(30);
    expect(v.evidence.timelines).toEqual([
      {
        timeline: 1,
        nodes: ['pg0'],
        lostAcked: 30,
        switchLsn: at(1_700_000),
        lastLostLsn: at(2_000_000),
        lostBytes: 300_000,
        writtenInWindowBytes: 1_000_000,
        boundBytes: 2_048_576,
      },
    ]);
    expect(v.summary).toMatch(/^within the bound: timeline 1 \(pg0\): 30 lost, 300,?000 bytes past the switch point/);
  });

  it('fails a loss past the bound: the promoted replica lagged more than maximum_lag_on_failover plus the last ttl', () => {
    // Switch point at the start: all 2 000 000 bytes lost, against 100 000 + the last 1 s (100 000).
    const h = history(0);
    const v = checkLossWithinBound(h.batches, h.present, h.leader, { bytes: 100_000, plusWrittenInLastMs: 1000 });
    expect(v.status).toBe('failed');
    expect(v.evidence.timelines[0]).toMatchObject({
      lostAcked: 200,
      lostBytes: 2_000_000,
      writtenInWindowBytes: 100_000,
      boundBytes: 200_000,
    });
    expect(v.summary).toMatch(/^beyond the bound/);
  });

  it('fails a batch lost on the leader’s own timeline: no failover explains it', () => {
    const h = history(2_000_000);
    const present = h.present.filter((p) => p.seq !== 205);
    const v = checkLossWithinBound(h.batches, present, h.leader, bound);
    expect(v.status).toBe('failed');
    expect(v.evidence.lostOnFinalTimeline).toBe(1);
  });

  it('is unknown when a lost batch’s timeline is not in the leader’s history, or it has no LSN', () => {
    const h = history(1_700_000);
    const noHistory = checkLossWithinBound(h.batches, h.present, { ...h.leader, switchPoints: new Map() }, bound);
    expect(noHistory.status).toBe('unknown');
    expect(noHistory.evidence.timelines[0]!.lostBytes).toBeNull();
    const old = h.batches.map(({ lsn: _lsn, ...b }) => b);
    const noLsn = checkLossWithinBound(old, h.present, h.leader, bound);
    expect(noLsn.status).toBe('unknown');
    expect(noLsn.evidence.unmeasured).toBe(30);
  });

  it('is unknown, not failed, when two promotions chose the lost batches’ timeline ID (async seed 3 of the Patroni soak)', () => {
    // After pg0 (timeline 1), s9 was promoted to timeline 2 and acknowledged 10 batches, lost; then
    // s1, promoted from timeline 1 too, also chose 2: its history's switch point says nothing of s9's branch.
    const h = history(2_000_000);
    const s9: Batch[] = Array.from({ length: 10 }, (_, i) => ({
      client: 2,
      seq: i + 1,
      node: 's9',
      startT: 21_000 + i * 10,
      endT: 21_005 + i * 10,
      outcome: 'acked',
      timeline: 2,
      lsn: at(2_100_000 + i * 10_000),
    }));
    const v = checkLossWithinBound([...h.batches, ...s9], h.present, h.leader, bound);
    expect(v.status).toBe('unknown');
    expect(v.evidence.lostOnFinalTimeline).toBe(0);
    expect(v.evidence.timelines).toHaveLength(1);
    expect(v.evidence.timelines[0]).toMatchObject({ timeline: 2, nodes: ['s9'], lostAcked: 10, lostBytes: null });
    expect(v.evidence.timelines[0]!.unmeasuredWhy).toMatch(/^s1 and s9 acknowledged on this timeline ID: two promotions chose it/);
  });

  it('is unknown with no acknowledged batch, and passes when nothing was lost', () => {
    const none = checkLossWithinBound([], [], { node: 's1', timeline: 1, switchPoints: new Map() }, bound);
    expect(none.status).toBe('unknown');
    expect(none.summary).toMatch(/^not enough evidence/);
    const h = history(2_000_000);
    const kept = checkLossWithinBound(h.batches, h.present, h.leader, bound);
    expect(kept.status).toBe('passed');
    expect(kept.evidence.timelines).toEqual([]);
  });

  it('is described in one line for the report', () => {
    const h = history(1_700_000);
    const v = checkLossWithinBound(h.batches, h.present, h.leader, bound);
    expect(describeEvidence(v)).toBe('on s1 (tl 2): 210 acknowledged, 30 lost; tl 1: 300000 of 2048576 bytes');
  });
});

describe('timelineSwitchPoints', () => {
  it('reads where each ancestor timeline was left from the newest history file', () => {
    const text = '1\t0/3000148\tno recovery target specified\n\n2\t0/5A000A0\tno recovery target specified\n';
    expect([...timelineSwitchPoints(text)]).toEqual([
      [1, '0/3000148'],
      [2, '0/5A000A0'],
    ]);
    expect(timelineSwitchPoints('').size).toBe(0);
  });
});
