import { describe, expect, it } from 'vitest';
import { describeEvidence } from './describe.ts';
import { checkFailovers } from './failovers.ts';
import { CHECK_IDS } from './verdict.ts';

const made = (from: string, to: string, decidedT = 1000) => ({ from, to, decidedT });
const sync = (from: string, to: string) => ({ from, to: [to], why: 'the sync standby in /sync' });

describe('checkFailovers', () => {
  it('passes the failover predicted: the crashed leader replaced by the sync standby', () => {
    const v = checkFailovers([made('pg0', 's1')], [sync('pg0', 's1')]);
    expect(v.status).toBe('passed');
    expect(v.evidence.differences).toEqual([]);
    expect(v.summary).toBe('as predicted: pg0 → s1 (the sync standby in /sync)');
  });

  it('passes no failover where none is predicted (a switchover, a standby loss)', () => {
    expect(checkFailovers([], []).status).toBe('passed');
  });

  it('fails a promotion of a standby the config does not allow (not the one in /sync)', () => {
    const v = checkFailovers([made('pg0', 's2')], [sync('pg0', 's1')]);
    expect(v.status).toBe('failed');
    expect(v.evidence.differences).toEqual(['failover 1 promoted s2, predicted s1 (the sync standby in /sync)']);
  });

  it('fails a failover where none was predicted, and one predicted but not made', () => {
    expect(checkFailovers([made('s1', 'pg0')], []).evidence.differences).toEqual(['failover 1 made (s1 → pg0), none predicted']);
    const none = checkFailovers([], [sync('pg0', 's1')]);
    expect(none.status).toBe('failed');
    expect(none.evidence.differences).toEqual(['failover 1 predicted (pg0 → s1), none made']);
  });

  it('fails a failover that replaced another primary than predicted', () => {
    expect(checkFailovers([made('s2', 's1')], [sync('pg0', 's1')]).evidence.differences).toEqual(['failover 1 replaced s2, predicted pg0']);
  });

  it('is described in the report by its id', () => {
    const v = checkFailovers([made('pg0', 's2')], [sync('pg0', 's1')]);
    expect(describeEvidence({ id: CHECK_IDS.failovers, check: v.check, evidence: v.evidence })).toBe(
      'made: pg0 → s2; predicted: pg0 → s1; 1 difference(s)',
    );
  });
});
