import { describe, expect, it } from 'vitest';
import type { ObserverSample, StandbyRow } from '../history/samples.ts';
import { checkModelAgreement } from './model-agreement.ts';

const row = (name: string, syncPriority: number, syncState: string, state = 'streaming'): StandbyRow => ({
  name,
  state,
  syncPriority,
  syncState,
  sentLsn: '0/1',
  writeLsn: '0/1',
  flushLsn: '0/1',
  replayLsn: '0/1',
  writeLagMs: null,
  flushLagMs: null,
  replayLagMs: null,
});
const FIRST1 = { synchronousStandbyNames: 'FIRST 1 (s1, s2)', synchronousCommit: 'on' };
const good = [row('s1', 1, 'sync'), row('s2', 2, 'potential')];
const bad = [row('s1', 1, 'sync'), row('s2', 2, 'sync')]; // FIRST 1 keeps one sync standby
const sample = (t: number, standbys: StandbyRow[], settings: ObserverSample['settings'] = FIRST1): ObserverSample => ({
  t,
  primary: 'primary',
  settings,
  standbys,
});
/** 100 ms samples: `g` agrees, `b` differs. */
const history = (pattern: string) => [...pattern].map((c, i) => sample(i * 100, c === 'g' ? good : bad));

describe('checkModelAgreement', () => {
  it('passes when every sample agrees with the model', () => {
    const v = checkModelAgreement(history('gggg'));
    expect(v.status).toBe('passed');
    expect(v.evidence).toMatchObject({ compared: 4, agreed: 4, disagreements: [] });
  });
  it('fails on a difference that lasts past the bound, and says where', () => {
    const v = checkModelAgreement(history(`g${'b'.repeat(11)}g`));
    expect(v.status).toBe('failed');
    expect(v.evidence.agreed).toBe(2);
    expect(v.evidence.disagreements).toEqual([
      { fromT: 100, toT: 1100, durationMs: 1100, mismatches: ['s2 (streaming): sync_priority 2, sync_state sync; model: 2, potential'] },
    ]);
  });
  it('tolerates a transient difference up to the bound, exactly', () => {
    expect(checkModelAgreement(history(`g${'b'.repeat(10)}g`)).status).toBe('passed'); // 1000 ms
    expect(checkModelAgreement(history('gbbg'), { maxTransientMs: 200 }).status).toBe('passed');
    expect(checkModelAgreement(history('gbbbg'), { maxTransientMs: 200 }).status).toBe('failed');
  });
  it('judges each stretch on its own: two short ones do not add up', () => {
    const v = checkModelAgreement(history('bbgbb'), { maxTransientMs: 200 });
    expect(v.status).toBe('passed');
    expect(v.evidence.disagreements.map((d) => [d.fromT, d.toT, d.durationMs])).toEqual([
      [0, 100, 200],
      [300, 400, 200],
    ]);
  });
  it('is decided by the longest stretch, wherever it falls', () => {
    expect(checkModelAgreement(history('bbbbgb'), { maxTransientMs: 300 }).status).toBe('failed');
    expect(checkModelAgreement(history('bgbbbb'), { maxTransientMs: 300 }).status).toBe('failed');
    expect(checkModelAgreement(history('bgbbbb'), { maxTransientMs: 300 }).summary).toMatch(/longest difference 400 ms from t=200 ms/);
  });
  it('names itself and keeps at most 50 stretches as evidence', () => {
    const v = checkModelAgreement(history('bg'.repeat(60)));
    expect(v.check).toBe('pg_stat_replication agrees with the model');
    expect(v.evidence.disagreements).toHaveLength(50);
  });
  it('compares each sample under the settings in force then (a promotion changes them)', () => {
    const any1 = { synchronousStandbyNames: 'ANY 1 (s1, s2)', synchronousCommit: 'on' };
    const quorum = [row('s1', 1, 'quorum'), row('s2', 1, 'quorum')];
    expect(checkModelAgreement([sample(0, good), sample(100, quorum, any1)]).status).toBe('passed');
    expect(checkModelAgreement([sample(0, quorum), sample(100, good, any1)], { maxTransientMs: 0 }).status).toBe('failed');
  });
  it('skips failed samples and samples without walsenders, and is unknown when nothing was compared', () => {
    const samples = [
      { t: 0, primary: 'primary', error: 'connection refused', standbys: [] },
      sample(100, []),
      { t: 200, primary: 'primary', standbys: bad },
    ];
    const v = checkModelAgreement(samples);
    expect(v.status).toBe('unknown');
    expect(v.evidence.compared).toBe(0);
    expect(v.summary).toMatch(/not enough evidence/);
    expect(checkModelAgreement([...samples, sample(300, good)]).evidence).toMatchObject({ compared: 1, agreed: 1 });
  });
  it('measures durations at the sampler resolution', () => {
    const v = checkModelAgreement([sample(0, good), sample(250, bad), sample(500, bad), sample(750, good)], {
      maxTransientMs: 0,
      intervalMs: 250,
    });
    expect(v.evidence.disagreements[0]!.durationMs).toBe(500);
  });
  it('fails on a single differing sample when even one interval is past the bound', () => {
    expect(checkModelAgreement([sample(0, bad)], { maxTransientMs: 50 }).status).toBe('failed');
    expect(checkModelAgreement([sample(0, bad)], { maxTransientMs: 100 }).status).toBe('passed');
    expect(checkModelAgreement([sample(0, bad)], { maxTransientMs: 100 }).evidence.disagreements[0]!.durationMs).toBe(100);
  });
});
