import { describe, expect, it } from 'vitest';
import type { Batch, PresentBatch } from '../history/samples.ts';
import { durabilityPromise } from '../model/durability.ts';
import { patroniPromise } from '../model/patroni-promise.ts';
import { checkNoAckedLost } from './lost-writes.ts';
import { failuresSeen } from './readings/out-at-promotion.ts';
import { checkLossAgainstPromise } from './promised-loss.ts';

const quorum1 = durabilityPromise(
  { synchronousStandbyNames: 'ANY 1 (s1, s2)', synchronousCommit: 'on', standbys: ['s1', 's2'] },
  'most-advanced',
);
const async = durabilityPromise({ synchronousStandbyNames: '', synchronousCommit: 'on', standbys: ['s1', 's2'] }, 'most-advanced');
const remoteWrite = durabilityPromise(
  { synchronousStandbyNames: 'ANY 1 (s1, s2)', synchronousCommit: 'remote_write', standbys: ['s1', 's2'] },
  'most-advanced',
);

/** checkNoAckedLost's evidence for acked batches 1..acked of client 1, of which `present` are on the node. */
const measured = (acked: number, present: number) => {
  const batches: Batch[] = Array.from({ length: acked }, (_, i) => ({
    client: 1,
    seq: i + 1,
    node: 'primary',
    startT: 0,
    endT: 1,
    outcome: 'acked',
  }));
  const rows: PresentBatch[] = Array.from({ length: present }, (_, i) => ({ client: 1, seq: i + 1, ledgerRows: 1000, rows: 1000 }));
  return checkNoAckedLost('s1', batches, rows).evidence;
};

describe('checkLossAgainstPromise', () => {
  it('passes when the promise covers the failures and nothing acknowledged was lost', () => {
    const v = checkLossAgainstPromise(measured(10, 10), quorum1, 1);
    expect(v.check).toBe('no promised acknowledged commit lost');
    expect(v.status).toBe('passed');
    expect(v.evidence).toMatchObject({
      ackedBatches: 10,
      lostAcked: 0,
      lost: [],
      failuresAtOnce: 1,
      survivesFailures: 1,
      promised: true,
      why: quorum1.why,
    });
  });
  it('FAILS on an acknowledged batch lost where the config promises none, with the lost ids and why', () => {
    const v = checkLossAgainstPromise(measured(10, 8), quorum1, 1);
    expect(v.status).toBe('failed');
    expect(v.evidence).toMatchObject({
      lostAcked: 2,
      lost: ['1:9', '1:10'],
      promised: true,
      survivesFailures: 1,
      confirmations: 1,
      holdsOn: 'flush',
    });
    expect(v.evidence.why).toBe(quorum1.why);
    expect(v.summary).toContain('1:9, 1:10');
    // With no failure at all, even an async config loses nothing acknowledged.
    expect(checkLossAgainstPromise(measured(10, 9), async, 0).status).toBe('failed');
  });
  it('measures, does not fail, loss the promise does not cover: async, or more nodes down than it survives', () => {
    const a = checkLossAgainstPromise(measured(10, 7), async, 1);
    expect(a.status).toBe('passed');
    expect(a.evidence).toMatchObject({ lostAcked: 3, promised: false, survivesFailures: 0 });
    expect(a.summary).toContain('not promised: 3 acknowledged batches lost (measured)');
    expect(a.evidence.why).toContain('1 node was down at once, more than the 0 the config survives');
    expect(a.evidence.why).toContain(async.why);
    const twoDown = checkLossAgainstPromise(measured(10, 9), quorum1, 2);
    expect(twoDown.status).toBe('passed');
    expect(twoDown.evidence).toMatchObject({ lostAcked: 1, promised: false });
    expect(twoDown.summary).toContain('not promised: 1 acknowledged batches lost (measured)');
    expect(twoDown.evidence.why).toContain('2 nodes were down at once, more than the 1 the config survives');
  });
  it('takes the whole evidence of checkNoAckedLost as is, listing the first 100 lost', () => {
    const v = checkLossAgainstPromise(measured(150, 0), quorum1, 1);
    expect(v.status).toBe('failed');
    expect(v.evidence.lostAcked).toBe(150);
    expect(v.evidence.lost).toHaveLength(100);
  });
  it('remote_write: a PostgreSQL crash is covered, a host crash is not', () => {
    expect(checkLossAgainstPromise(measured(10, 9), remoteWrite, 1).status).toBe('failed');
    const host = checkLossAgainstPromise(measured(10, 9), remoteWrite, 1, { hostCrashed: true });
    expect(host.status).toBe('passed');
    expect(host.evidence).toMatchObject({ promised: false, hostCrashed: true, holdsOn: 'write' });
    expect(host.evidence.why).toContain('remote_write does not survive an operating-system crash');
    // A host crash under a flushing config is still covered.
    expect(checkLossAgainstPromise(measured(10, 9), quorum1, 1, { hostCrashed: true }).status).toBe('failed');
  });
  it('is unknown when no batch was acknowledged, promised or not, and says so', () => {
    for (const [promise, failures] of [
      [quorum1, 1],
      [async, 2],
    ] as const) {
      const v = checkLossAgainstPromise(measured(0, 0), promise, failures);
      expect(v.status).toBe('unknown');
      expect(v.summary).toContain('no acknowledged batch');
    }
  });
  it("FAILS a deposed primary's lost commits whatever was out at the promotion (repmgr #766), and measures them where the config promises nothing", () => {
    // 10 acknowledged, 8 kept: 1:9 and 1:10 were acknowledged by the old primary after the promotion.
    const v = checkLossAgainstPromise(measured(10, 8), quorum1, 2, { lostAfterPromotion: ['1:9', '1:10'] });
    expect(v.status).toBe('failed');
    expect(v.evidence).toMatchObject({ promised: false, deposedPromised: true, lostAfterPromotion: ['1:9', '1:10'], lostAcked: 2 });
    expect(v.summary).toMatch(/^2 of 10 acknowledged batches lost that a deposed primary acknowledged after a promotion: 1:9, 1:10/);
    // The same loss, none of it deposed: two nodes out at the promotion, more than ANY 1 survives.
    expect(checkLossAgainstPromise(measured(10, 8), quorum1, 2).status).toBe('passed');
    const unpromised = checkLossAgainstPromise(measured(10, 8), async, 1, { lostAfterPromotion: ['1:9', '1:10'] });
    expect(unpromised.status).toBe('passed');
    expect(unpromised.evidence.deposedPromised).toBe(false);
  });
  it("leaves a deposed primary's loss to the loss bound where the config states one (Patroni's async mode)", () => {
    const bounded = patroniPromise({ standbys: ['s1', 's2'] });
    expect(bounded.lossBound).not.toBeNull();
    const v = checkLossAgainstPromise(measured(10, 9), bounded, 1, { lostAfterPromotion: ['1:10'] });
    expect(v.status).toBe('passed');
    expect(v.evidence.deposedPromised).toBe(false);
  });
  it('throws when more deposed batches are said lost than were lost at all', () => {
    expect(() => checkLossAgainstPromise(measured(10, 9), quorum1, 1, { lostAfterPromotion: ['1:9', '1:10'] })).toThrow(RangeError);
  });
  it('throws on a failure count that is no count', () => {
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => checkLossAgainstPromise(measured(1, 1), quorum1, bad)).toThrow(RangeError);
    expect(() => checkLossAgainstPromise(measured(1, 1), quorum1, -1)).toThrow('failuresAtOnce must be an integer ≥ 0, got -1');
  });
  it('FAILS a loss under synchronous_commit = local after a primary cut off and never replaced (it was excused as one failure too many)', () => {
    const local = durabilityPromise(
      { synchronousStandbyNames: 'ANY 1 (s1, s2)', synchronousCommit: 'local', standbys: ['s1', 's2'] },
      'most-advanced',
    );
    const isolated = [{ failed: ['primary'], effectiveT: 1000, healT: 6000, primaryOut: true }];
    const { failuresAtOnce } = failuresSeen([], isolated, { primaryCrashLoses: local.primaryCrashLoses });
    expect(failuresAtOnce).toBe(0);
    expect(checkLossAgainstPromise(measured(10, 9), local, failuresAtOnce).status).toBe('failed');
    // Under off the primary's own restart may lose what it acknowledged: measured, not failed.
    const off = durabilityPromise(
      { synchronousStandbyNames: 'ANY 1 (s1, s2)', synchronousCommit: 'off', standbys: ['s1', 's2'] },
      'most-advanced',
    );
    const offSeen = failuresSeen([], isolated, { primaryCrashLoses: off.primaryCrashLoses });
    expect(checkLossAgainstPromise(measured(10, 9), off, offSeen.failuresAtOnce).status).toBe('passed');
  });
  it('says when the promise is vacuous (FIRST 3 of 2 standbys: every commit waits forever)', () => {
    const vacuous = durabilityPromise(
      { synchronousStandbyNames: 'FIRST 3 (s1, s2)', synchronousCommit: 'on', standbys: ['s1', 's2'] },
      'most-advanced',
    );
    const v = checkLossAgainstPromise(measured(0, 0), vacuous, 1);
    expect(v.status).toBe('unknown');
    expect(v.evidence).toMatchObject({ vacuous: true, survivesFailures: 0 });
    expect(v.evidence.why).toContain('vacuous');
  });
});
