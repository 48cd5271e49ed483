import { describe, expect, it } from 'vitest';
import type { FailoverRecord } from '../../history/failover.ts';
import { durabilityPromise } from '../../model/durability.ts';
import { checkLossAgainstPromise } from '../promised-loss.ts';
import { lossExposure, type LossExposureInput } from './loss-exposure.ts';

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
type Span = LossExposureInput['injected'][number];
const kill9Primary: Span = { kind: 'kill9-postmaster', failed: ['primary'], effectiveT: 37_100, healT: 45_600, primaryOut: true };
const input = (o: Partial<LossExposureInput>): LossExposureInput => ({
  injected: [kill9Primary],
  skipped: [],
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
    const s2Crash: Span = { kind: 'crash-host-silent', failed: ['s2'], effectiveT: 40_400, healT: 45_600, primaryOut: false };
    const seen = lossExposure(input({ injected: [kill9Primary, s2Crash], failovers: [failover(['s1', 's2'])] }));
    expect(seen.outAtPromotion).toEqual([['primary']]);
    expect(seen.failuresAtOnce).toBe(1);
    expect(checkLossAgainstPromise(lost, anyOne(), seen.failuresAtOnce, { hostCrashed: seen.hostCrashed }).status).toBe('failed');
  });

  it('counts out a standby that was down and did not answer: then the loss is measured, not promised', () => {
    const s2Crash: Span = { kind: 'crash-host-silent', failed: ['s2'], effectiveT: 39_000, healT: 45_600, primaryOut: false };
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

  it('reads an injected host crash as one, and no other kind', () => {
    const span = (kind: Span['kind']): Span => ({ ...kill9Primary, kind, primaryOut: false, failed: ['s2'] });
    expect(lossExposure(input({ injected: [span('crash-host-silent')] })).hostCrashed).toBe(true);
    expect(lossExposure(input({ injected: [span('crash-host-loud')] })).hostCrashed).toBe(true);
    const others = (['kill9-postmaster', 'stop-immediate', 'freeze-host', 'isolate', 'wal-full'] as const).map(span);
    expect(lossExposure(input({ injected: others })).hostCrashed).toBe(false);
    // One host crash among other kinds, as a drawn schedule has it.
    expect(lossExposure(input({ injected: [...others, span('crash-host-loud')] })).hostCrashed).toBe(true);
  });

  it('reads a skipped host crash as one only when its injection had begun', () => {
    const begun = lossExposure(input({ skipped: [{ kind: 'crash-host-silent', attempted: true }] }));
    expect(begun.hostCrashed).toBe(true);
    // Refused before anything was done (its node held or fenced): no host crashed. Read as one,
    // it would excuse a real loss under remote_write.
    const refused = lossExposure(input({ skipped: [{ kind: 'crash-host-silent', attempted: false }] }));
    expect(refused.hostCrashed).toBe(false);
    expect(checkLossAgainstPromise(lost, anyOne('remote_write'), refused.failuresAtOnce, { hostCrashed: refused.hostCrashed }).status).toBe(
      'failed',
    );
    // An older record says neither: what it did is unknown, so it counts.
    expect(lossExposure(input({ skipped: [{ kind: 'crash-host-loud' }] })).hostCrashed).toBe(true);
    expect(lossExposure(input({ skipped: [{ kind: 'isolate', attempted: true }] })).hostCrashed).toBe(false);
  });

  it('keeps the failovers in order and judges against the largest', () => {
    const second: FailoverRecord = { ...failover(['primary']), from: 's1', to: 'primary', detectedT: 90_000, decidedT: 90_300 };
    const s2Frozen: Span = { kind: 'freeze-host', failed: ['s2'], effectiveT: 30_000, primaryOut: false };
    const seen = lossExposure(input({ injected: [kill9Primary, s2Frozen], failovers: [failover(['s1']), second] }));
    expect(seen.outAtPromotion).toEqual([
      ['primary', 's2'],
      ['s1', 's2'],
    ]);
    expect(seen.failuresAtOnce).toBe(2);
  });
});
