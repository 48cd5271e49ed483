import { describe, expect, it } from 'vitest';
import { describeEvidence } from './describe.ts';
import { CHECK_IDS, verdictId } from './verdict.ts';

describe('describeEvidence', () => {
  it("finds the describer by id, not by the evidence's shape", () => {
    const lost = {
      node: 's2',
      ackedBatches: 3873,
      lostAcked: 3,
      lost: ['3:412'],
      unknownOutcome: 8,
      unknownPresent: 2,
      unexpected: [],
      partial: [],
    };
    expect(describeEvidence({ id: CHECK_IDS.noAckedLost, check: 'x', evidence: lost })).toBe(
      'on s2: 3,873 acknowledged, 3 lost (3:412); 8 unknown outcome, 2 of them committed; 0 unexpected, 0 partial',
    );
    const seq = { standby: 's1', expected: ['absent'], observed: [{ t: 1500, step: 'absent' }], matched: [0] };
    expect(describeEvidence({ id: `${CHECK_IDS.syncSequence}:s1`, check: 'x', evidence: seq })).toBe(
      'expected absent; observed absent (1.50 s)',
    );
  });
  it('describes the promised-loss evidence as itself (it read "on undefined: … undefined unknown outcome" as lost-writes evidence)', () => {
    const e = {
      ackedBatches: 10344,
      lostAcked: 1061,
      lost: ['7:760'],
      failuresAtOnce: 1,
      hostCrashed: true,
      survivesFailures: 1,
      confirmations: 1,
      holdsOn: 'flush',
      vacuous: false,
      promised: true,
      why: '',
    };
    const line = describeEvidence({ id: CHECK_IDS.promisedLoss, check: 'no promised acknowledged commit lost', evidence: e });
    expect(line).toBe(
      '10,344 acknowledged, 1,061 lost (7:760); 1 node(s) out at once against the config survives 1; a host crashed; promised',
    );
    expect(line).not.toContain('undefined');
  });
  it('a record written before ids is described through its check name', () => {
    const seq = { standby: 's1', expected: ['absent'], observed: [], matched: [] };
    expect(describeEvidence({ check: 'sync_state sequence of s1', evidence: seq })).toBe('expected absent; observed nothing');
  });
  it('an unknown check, or evidence its describer cannot read, is described by its scalar fields', () => {
    expect(describeEvidence({ id: 'my-app.reads', check: 'reads', evidence: { a: 1, b: 'x', c: { deep: 1 } } })).toBe('a 1; b x');
    expect(describeEvidence({ id: CHECK_IDS.noAckedLost, check: 'x', evidence: { node: 's1', ackedBatches: 2 } })).toBe(
      'node s1; ackedBatches 2',
    );
  });
});

describe('verdictId', () => {
  it('is the id, or for an old record the id its check name stood for', () => {
    expect(verdictId({ id: 'throughput.stall', check: 'anything' })).toBe('throughput.stall');
    expect(verdictId({ check: 'throughput stalls' })).toBe(CHECK_IDS.stall);
    expect(verdictId({ check: 'sync_state sequence of s2' })).toBe('replication.sync-sequence:s2');
    expect(verdictId({ check: 'a check of my own' })).toBe('a check of my own');
  });
});
