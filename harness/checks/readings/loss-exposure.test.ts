import { describe, expect, it } from 'vitest';
import type { FailoverRecord } from '../../history/failover.ts';
import { durabilityPromise } from '../../model/durability.ts';
import { checkLossAgainstPromise } from '../promised-loss.ts';
import { lossExposure, type LossExposureInput } from './loss-exposure.ts';
import type { FaultSpan } from './out-at-promotion.ts';

const STANDBYS = ['s1', 's2'];
/** ANY 1 (s1, s2): one standby confirms every commit, so the cluster survives one node out at a time. */
const anyOne = (synchronousCommit: 'on' | 'remote_write' | 'off' = 'on') =>
  durabilityPromise({ synchronousStandbyNames: 'ANY 1 (s1, s2)', synchronousCommit, standbys: STANDBYS }, 'most-advanced');
/** The primary failed over to s1 at 40.5 s, with the standbys that answered the operator's read of positions. */
const failover = (answered: string[]): FailoverRecord => ({
  detectedT: 40_200,
  decidedT: 40_500,
  promotedT: 41_000,
  from: 'primary',
  to: 's1',
  positions: answered.map((name) => ({ name, receiveLsn: '0/3000000', replayLsn: '0/3000000' })),
});
const kill9Primary: FaultSpan = { failed: ['primary'], effectiveT: 37_100, healT: 45_600, primaryOut: true };
const input = (o: Partial<LossExposureInput>): LossExposureInput => ({
  planned: [{ kind: 'kill9-postmaster' }],
  injected: [kill9Primary],
  failovers: [],
  primaryCrashLoses: false,
  ...o,
});
/** Three acknowledged batches lost of 100. */
const lost = { ackedBatches: 100, lostAcked: 3, lost: ['1:7', '2:7', '3:7'] };

describe('lossExposure', () => {
  it('exposes nothing without a failover, a host crash or a lossy primary restart', () => {
    expect(lossExposure(input({}))).toEqual({ outAtPromotion: [], failuresAtOnce: 0, hostCrashed: false });
  });

  it('counts a restarted primary as one failure only where its restart may lose commits (synchronous_commit off)', () => {
    expect(lossExposure(input({ primaryCrashLoses: true })).failuresAtOnce).toBe(1);
    expect(lossExposure(input({ primaryCrashLoses: true, injected: [{ ...kill9Primary, primaryOut: false }] })).failuresAtOnce).toBe(0);
  });

  it('does not count out a standby that answered the operator, so a real loss after its crash is not excused', () => {
    // s2 answered the read of positions at 40.5 s; its host crash took effect at 40.4 s by the
    // nemesis's clock, but it was up when the choice was made. One node out: ANY 1 promises that.
    const s2Crash: FaultSpan = { failed: ['s2'], effectiveT: 40_400, healT: 45_600, primaryOut: false };
    const seen = lossExposure(input({ injected: [kill9Primary, s2Crash], failovers: [failover(['s1', 's2'])] }));
    expect(seen.outAtPromotion).toEqual([['primary']]);
    expect(seen.failuresAtOnce).toBe(1);
    expect(checkLossAgainstPromise(lost, anyOne(), seen.failuresAtOnce, { hostCrashed: seen.hostCrashed }).status).toBe('failed');
  });

  it('counts out a standby that was down and did not answer: then the loss is measured, not promised', () => {
    const s2Crash: FaultSpan = { failed: ['s2'], effectiveT: 39_000, healT: 45_600, primaryOut: false };
    const seen = lossExposure(input({ injected: [kill9Primary, s2Crash], failovers: [failover(['s1'])] }));
    expect(seen.outAtPromotion).toEqual([['primary', 's2']]);
    expect(seen.failuresAtOnce).toBe(2);
    const verdict = checkLossAgainstPromise(lost, anyOne(), seen.failuresAtOnce, { hostCrashed: seen.hostCrashed });
    expect([verdict.status, verdict.evidence.promised]).toEqual(['passed', false]);
  });

  it('reads a failover as a host crash: the operator fences the old primary by powering its host off', () => {
    // No crash-host fault planned, only a postmaster kill; the fence is what crashed a host. Under
    // remote_write that loss is not promised; read as no host crash, it would fail a sound config.
    const seen = lossExposure(input({ failovers: [failover(['s1', 's2'])] }));
    expect(seen.hostCrashed).toBe(true);
    expect(checkLossAgainstPromise(lost, anyOne('remote_write'), seen.failuresAtOnce, { hostCrashed: seen.hostCrashed }).status).toBe(
      'passed',
    );
    expect(checkLossAgainstPromise(lost, anyOne('on'), seen.failuresAtOnce, { hostCrashed: seen.hostCrashed }).status).toBe('failed');
  });

  it('reads a planned host crash as one, skipped or not, and no other kind', () => {
    expect(lossExposure(input({ planned: [{ kind: 'crash-host-silent' }], injected: [] })).hostCrashed).toBe(true);
    expect(lossExposure(input({ planned: [{ kind: 'crash-host-loud' }], injected: [] })).hostCrashed).toBe(true);
    const others = (['kill9-postmaster', 'stop-immediate', 'freeze-host', 'isolate', 'wal-full'] as const).map((kind) => ({ kind }));
    expect(lossExposure(input({ planned: others, injected: [] })).hostCrashed).toBe(false);
    // One host crash among other kinds, as a drawn schedule has it.
    expect(lossExposure(input({ planned: [...others, { kind: 'crash-host-loud' }], injected: [] })).hostCrashed).toBe(true);
  });

  it('keeps the failovers in order and judges against the largest', () => {
    const second: FailoverRecord = { ...failover(['primary']), from: 's1', to: 'primary', detectedT: 90_000, decidedT: 90_300 };
    const s2Frozen: FaultSpan = { failed: ['s2'], effectiveT: 30_000, primaryOut: false };
    const seen = lossExposure(input({ injected: [kill9Primary, s2Frozen], failovers: [failover(['s1']), second] }));
    expect(seen.outAtPromotion).toEqual([
      ['primary', 's2'],
      ['s1', 's2'],
    ]);
    expect(seen.failuresAtOnce).toBe(2);
  });
});
