import { describe, expect, it } from 'vitest';
import { failuresSeen, type FaultSpan, type PromotionDecision } from './out-at-promotion.ts';

/** The primary killed at 37 s; declared failed at 40.2 s; the standbys read at 40.5 s. */
const promotion = (answered: string[]): PromotionDecision => ({ from: 'primary', detectedT: 40_200, decidedT: 40_500, answered });
const kill9Primary: FaultSpan = { failed: ['primary'], effectiveT: 37_100, healT: 45_600, primaryOut: true };

describe('failuresSeen', () => {
  it('a standby that answered the operator is not out, though its crash began before the promotion finished (the excused loss of issue 16)', () => {
    // s2's silent crash began at 40.3 s and took effect at 41.2 s: after the operator had read it at 40.5 s.
    const s2Crash: FaultSpan = { failed: ['s2'], effectiveT: 41_200, healT: 45_600, primaryOut: false };
    expect(failuresSeen([promotion(['s2', 's1'])], [kill9Primary, s2Crash], { primaryCrashLoses: false })).toEqual({
      outAtPromotion: [['primary']],
      failuresAtOnce: 1,
    });
    // Even had it taken effect by the read, an answer is the operator's evidence that it was up.
    const early = { ...s2Crash, effectiveT: 40_400 };
    expect(failuresSeen([promotion(['s2', 's1'])], [kill9Primary, early], { primaryCrashLoses: false }).failuresAtOnce).toBe(1);
  });
  it('FAILS to excuse nothing: a standby whose fault was in effect at the read and that did not answer is out', () => {
    const s2Crash: FaultSpan = { failed: ['s2'], effectiveT: 39_000, primaryOut: false };
    expect(failuresSeen([promotion(['s1'])], [kill9Primary, s2Crash], { primaryCrashLoses: false })).toEqual({
      outAtPromotion: [['primary', 's2']],
      failuresAtOnce: 2,
    });
  });
  it('a fault taking effect after the read, or healed before the detection, does not count', () => {
    const late: FaultSpan = { failed: ['s2'], effectiveT: 40_600, primaryOut: false };
    const healed: FaultSpan = { failed: ['s2'], effectiveT: 30_000, healT: 40_100, primaryOut: false };
    expect(failuresSeen([promotion(['s1'])], [kill9Primary, late, healed], { primaryCrashLoses: false }).failuresAtOnce).toBe(1);
    // Healed exactly at the detection: still out then.
    const atDetection = { ...healed, healT: 40_200 };
    expect(failuresSeen([promotion(['s1'])], [atDetection], { primaryCrashLoses: false }).outAtPromotion).toEqual([['primary', 's2']]);
    // In effect exactly at the read: out then (it had taken effect by the time the operator chose).
    const atRead = { ...late, effectiveT: 40_500 };
    expect(failuresSeen([promotion(['s1'])], [atRead], { primaryCrashLoses: false }).outAtPromotion).toEqual([['primary', 's2']]);
  });
  it('lists the nodes out after the replaced primary by name, whatever order their faults came in', () => {
    const s2First: FaultSpan = { failed: ['s2'], effectiveT: 20_000, primaryOut: false };
    const s1Then: FaultSpan = { failed: ['s1'], effectiveT: 30_000, primaryOut: false };
    expect(failuresSeen([promotion([])], [s2First, s1Then], { primaryCrashLoses: false }).outAtPromotion).toEqual([
      ['primary', 's1', 's2'],
    ]);
  });
  it('counts each node once per promotion, and takes the largest promotion', () => {
    const split: FaultSpan = { failed: ['s1', 's2'], effectiveT: 10_000, primaryOut: false };
    const s2Frozen: FaultSpan = { failed: ['s2'], effectiveT: 9_000, primaryOut: false };
    const second: PromotionDecision = { from: 's1', detectedT: 90_000, decidedT: 90_300, answered: ['primary'] };
    const r = failuresSeen([promotion([]), second], [split, s2Frozen, { failed: ['s1'], effectiveT: 88_000, primaryOut: true }], {
      primaryCrashLoses: false,
    });
    expect(r.outAtPromotion).toEqual([
      ['primary', 's1', 's2'],
      ['s1', 's2'],
    ]);
    expect(r.failuresAtOnce).toBe(3);
  });
  it('without a promotion a primary restart is a failure only where it loses commits itself (off), not under local', () => {
    expect(failuresSeen([], [kill9Primary], { primaryCrashLoses: false })).toEqual({ outAtPromotion: [], failuresAtOnce: 0 });
    expect(failuresSeen([], [kill9Primary], { primaryCrashLoses: true }).failuresAtOnce).toBe(1);
    expect(failuresSeen([], [{ ...kill9Primary, primaryOut: false, failed: ['s1'] }], { primaryCrashLoses: true }).failuresAtOnce).toBe(0);
    // One primary restart among other faults is enough.
    const s1Out: FaultSpan = { failed: ['s1'], effectiveT: 10_000, healT: 12_000, primaryOut: false };
    expect(failuresSeen([], [s1Out, kill9Primary], { primaryCrashLoses: true }).failuresAtOnce).toBe(1);
  });
});
