import { describe, expect, it } from 'vitest';
import type { WriterSample } from '../../history/samples.ts';
import { faultImpacts, impactByKind } from './impact.ts';

/** 100 ms samples from `commits`, one per interval, from `t0` (default 0). */
const samples = (commits: number[], t0 = 0): WriterSample[] =>
  commits.map((c, i) => ({
    t: t0 + i * 100,
    commits: c,
    tps: c * 10,
    rowsPerSec: 0,
    latMeanMs: null,
    latStddevMs: null,
    latP99Ms: null,
    failed: 0,
    unknown: 0,
  }));
const fill = (n: number, c: number) => new Array<number>(n).fill(c);

// 2 s steady at 20 per interval (200/s), 1.5 s of nothing, 0.5 s at 5 (50/s), then steady again.
const history = samples([...Array(20).fill(20), ...Array(15).fill(0), ...Array(5).fill(5), ...Array(30).fill(20)]);

describe('faultImpacts', () => {
  it('measures the outage while the fault is in effect and the time from its heal until writes are back at half the steady rate', () => {
    const [i] = faultImpacts(history, [{ what: 'kill9-postmaster primary', kind: 'kill9-postmaster', faultT: 2000, healT: 3000 }], 200);
    // The run of zeros starts at 2.0 s and lasts 1.5 s; commits resume at 3.5 s, and the second from there averages 125/s.
    expect(i).toEqual({ what: 'kill9-postmaster primary', kind: 'kill9-postmaster', outageMs: 1500, recoveryMs: 500 });
  });
  it('reports no outage and no recovery time for a fault the writes never noticed', () => {
    expect(
      faultImpacts(history, [{ what: 'packet-loss standby 0 30 %', kind: 'packet-loss', faultT: 4500, healT: 5500 }], 200)[0],
    ).toMatchObject({ outageMs: 0, recoveryMs: 0 });
  });
  it('says null when the writes had not come back when the samples end, or the fault never healed', () => {
    const stuck = samples([...Array(20).fill(20), ...Array(20).fill(0)]);
    expect(faultImpacts(stuck, [{ what: 'isolate primary', kind: 'isolate', faultT: 2000, healT: 2500 }], 200)[0]!.recoveryMs).toBeNull();
    expect(faultImpacts(stuck, [{ what: 'isolate primary', kind: 'isolate', faultT: 2000 }], 200)[0]).toMatchObject({
      outageMs: 2000,
      recoveryMs: null,
    });
  });
  it('gives nothing without samples to read', () => {
    expect(faultImpacts([], [{ what: 'isolate primary', kind: 'isolate', faultT: 0, healT: 1 }], 200)).toEqual([]);
  });
  it('reads two samples, and a history that does not start at 0', () => {
    expect(faultImpacts(samples([0, 20]), [{ what: 'isolate primary', kind: 'isolate', faultT: 0 }], 200)[0]!.outageMs).toBe(100);
    const late = samples([...fill(20, 20), ...fill(15, 0), ...fill(30, 20)], 50_000);
    expect(faultImpacts(late, [{ what: 'isolate primary', kind: 'isolate', faultT: 52_000, healT: 53_000 }], 200)[0]).toMatchObject({
      outageMs: 1500,
      recoveryMs: 500,
    });
  });
  it('counts only a stop that starts while the fault is in effect, from its injection to its heal inclusive', () => {
    // A 2 s stop before the fault, a 0.5 s one at its heal.
    const h = samples([...fill(10, 20), ...fill(20, 0), ...fill(20, 20), ...fill(5, 0), ...fill(20, 20)]);
    expect(faultImpacts(h, [{ what: 'isolate primary', kind: 'isolate', faultT: 3000, healT: 5000 }], 200)[0]!.outageMs).toBe(500);
    expect(faultImpacts(h, [{ what: 'isolate primary', kind: 'isolate', faultT: 3000, healT: 4900 }], 200)[0]!.outageMs).toBe(0);
  });
  it('counts writes as back only from an interval with commits whose next full second averages the fraction of steady', () => {
    const heal = { what: 'isolate primary', kind: 'isolate' as const, faultT: 1000, healT: 2000 };
    // A trickle of 20/s for 2 s, then steady: the first second averaging 100/s starts 1.5 s after the heal.
    expect(faultImpacts(samples([...fill(20, 20), ...fill(20, 2), ...fill(20, 20)]), [heal], 200)[0]!.recoveryMs).toBe(1500);
    // Exactly half the steady rate counts.
    expect(faultImpacts(samples([...fill(20, 20), ...fill(20, 10)]), [heal], 200)[0]!.recoveryMs).toBe(0);
    // An interval without a commit is not back, even when the second from it averages enough.
    expect(faultImpacts(samples([...fill(20, 20), ...fill(5, 0), ...fill(30, 20)]), [heal], 200)[0]!.recoveryMs).toBe(500);
    // The last full second of the samples counts; a shorter tail does not.
    expect(faultImpacts(samples([...fill(20, 20), ...fill(20, 0), ...fill(10, 20)]), [{ ...heal, healT: 2500 }], 200)[0]!.recoveryMs).toBe(
      1500,
    );
    expect(
      faultImpacts(samples([...fill(20, 20), ...fill(20, 0), ...fill(6, 20)]), [{ ...heal, healT: 2500 }], 200)[0]!.recoveryMs,
    ).toBeNull();
  });
  it('measures recovery from the first sample when the heal came before it, and says null for a heal after the last', () => {
    const h = samples(fill(20, 20), 5000);
    expect(faultImpacts(h, [{ what: 'isolate primary', kind: 'isolate', faultT: 1000, healT: 4000 }], 200)[0]!.recoveryMs).toBe(0);
    expect(faultImpacts(h, [{ what: 'isolate primary', kind: 'isolate', faultT: 1000, healT: 9000 }], 200)[0]!.recoveryMs).toBeNull();
  });
});

describe('impactByKind', () => {
  it('groups by kind with median and largest figures, counting the faults that did not recover', () => {
    expect(
      impactByKind([
        { what: 'a', kind: 'isolate', outageMs: 100, recoveryMs: 300 },
        { what: 'b', kind: 'isolate', outageMs: 500, recoveryMs: null },
        { what: 'c', kind: 'isolate', outageMs: 300, recoveryMs: 100 },
        { what: 'd', kind: 'bandwidth', outageMs: 0, recoveryMs: 0 },
      ]),
    ).toEqual([
      { kind: 'isolate', faults: 3, outageMedianMs: 300, outageMaxMs: 500, recoveryMedianMs: 200, recoveryMaxMs: 300, notRecovered: 1 },
      { kind: 'bandwidth', faults: 1, outageMedianMs: 0, outageMaxMs: 0, recoveryMedianMs: 0, recoveryMaxMs: 0, notRecovered: 0 },
    ]);
  });
  it('says null for the recovery of a kind none of whose faults recovered', () => {
    expect(impactByKind([{ what: 'a', kind: 'isolate', outageMs: 100, recoveryMs: null }])[0]).toMatchObject({
      recoveryMedianMs: null,
      recoveryMaxMs: null,
      notRecovered: 1,
    });
  });
});
