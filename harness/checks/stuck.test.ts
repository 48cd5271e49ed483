import { describe, expect, it } from 'vitest';
import type { Batch } from '../history/samples.ts';
import { describeEvidence } from './describe.ts';
import { checkNotStuck } from './stuck.ts';

const b = (endT: number, outcome: Batch['outcome'] = 'acked'): Batch => ({
  client: 1,
  seq: endT,
  node: 'haproxy',
  startT: endT - 5,
  endT,
  outcome,
});
const views = [
  { t: 1000, at: 'fault dcs-quorum-loss primary', view: 'pg0 leader running tl1; s1 replica running' },
  { t: 9000, at: 'heal dcs-quorum-loss primary', view: 'pg0 replica running tl1; s1 replica running' },
  { t: 20_000, at: 'recovery', view: 'pg0 replica running tl1; s1 replica running' },
];

describe('checkNotStuck', () => {
  it('passes when a commit comes within the window after the last heal', () => {
    const v = checkNotStuck([b(500), b(9500, 'failed'), b(12_000)], { lastHealT: 9000, recoveryMs: 5000, writerStoppedT: 12_100, views });
    expect(v.status).toBe('passed');
    expect(v.evidence).toMatchObject({ firstAckT: 12_000, msToWritable: 3000, writerStoppedT: 12_100 });
    expect(v.summary).toBe('writable 3.00 s after the last heal (window 5.00 s)');
  });

  it("fails with the manager's own views when the writer kept trying past the window, even with no batch sent", () => {
    const v = checkNotStuck([b(500), b(9500, 'failed')], {
      lastHealT: 9000,
      recoveryMs: 5000,
      writerStoppedT: 21_000,
      views,
    });
    expect(v.status).toBe('failed');
    expect(v.evidence.views.map((x) => x.at)).toEqual(['heal dcs-quorum-loss primary', 'recovery']);
    expect(v.summary).toBe(
      "stuck: no commit after the last heal (window 5.00 s); the manager's last view (recovery): pg0 replica running tl1; s1 replica running",
    );
    expect(describeEvidence(v)).toBe(
      'no commit after the last heal; window 5.00 s; manager: heal dcs-quorum-loss primary: pg0 replica running tl1; s1 replica running | recovery: pg0 replica running tl1; s1 replica running',
    );
  });

  it('fails when the first commit came after the window', () => {
    const v = checkNotStuck([b(9500, 'failed'), b(16_000)], { lastHealT: 9000, recoveryMs: 5000, writerStoppedT: 16_000 });
    expect(v.status).toBe('failed');
    expect(v.summary).toBe('stuck: the first commit 7.00 s after it (window 5.00 s)');
  });

  it('is unknown when the writer stopped before the window ended', () => {
    expect(checkNotStuck([b(500), b(10_000, 'failed')], { lastHealT: 9000, recoveryMs: 5000, writerStoppedT: 13_999 }).status).toBe(
      'unknown',
    );
    expect(checkNotStuck([], { lastHealT: 9000, recoveryMs: 5000, writerStoppedT: 14_000 }).status).toBe('failed');
  });

  it('counts a commit exactly at the deadline, and none before the heal', () => {
    expect(checkNotStuck([b(8000), b(14_000)], { lastHealT: 9000, recoveryMs: 5000, writerStoppedT: 14_000 }).status).toBe('passed');
    expect(checkNotStuck([b(9000), b(14_001)], { lastHealT: 9000, recoveryMs: 5000, writerStoppedT: 15_000 }).status).toBe('failed');
  });
});
