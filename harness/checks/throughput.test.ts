import { describe, expect, it } from 'vitest';
import type { WriterSample } from '../history/samples.ts';
import { checkRecovered, checkStalled, checkSustained, meanTps } from './throughput.ts';

/** Samples from a list of commits per interval (100 ms intervals from t=0 unless told). */
function samples(commits: number[], intervalMs = 100, t0 = 0): WriterSample[] {
  return commits.map((c, i) => ({
    t: t0 + i * intervalMs,
    commits: c,
    tps: (c * 1000) / intervalMs,
    rowsPerSec: (c * 1_000_000) / intervalMs,
    latMeanMs: c ? 20 : null,
    latStddevMs: c ? 2 : null,
    latP99Ms: c ? 25 : null,
    failed: 0,
    unknown: 0,
  }));
}
const fill = (n: number, commits: number) => new Array<number>(n).fill(commits);
const steady = (n: number) => fill(n, 30); // 300 tps at 100 ms
const zero = (n: number) => fill(n, 0);

describe('meanTps', () => {
  const s = samples([...steady(10), ...zero(10)]);
  it('averages commits per second over the window', () => {
    expect(meanTps(s, 0, 2000)).toBe(150);
  });
  it('counts the intervals starting in [fromT, toT): the one at fromT in, the one at toT out', () => {
    expect(meanTps(s, 0, 1000)).toBe(300);
    expect(meanTps(s, 1000, 2000)).toBe(0);
    expect(meanTps(s, 900, 1100)).toBe(150); // t=900 (30 commits) and t=1000 (0)
  });
  it('is 0 with fewer than two samples in the window, and reads the interval off the samples', () => {
    expect(meanTps(s, 900, 1000)).toBe(0);
    expect(meanTps(s, 5000, 6000)).toBe(0);
    expect(meanTps(samples([10, 10, 10], 200), 0, 600)).toBe(50);
  });
});

describe('checkStalled', () => {
  const fault = { faultT: 2000, withinMs: 2000 };
  it('passes when TPS drops to 0 soon after the fault', () => {
    const v = checkStalled(samples([...steady(20), 10, ...zero(20)]), fault);
    expect(v.check).toBe('throughput stalls');
    expect(v.status).toBe('passed');
    expect(v.evidence).toEqual({
      faultT: 2000,
      withinMs: 2000,
      minZeroIntervals: 5,
      firstZeroT: 2100,
      stallMs: 100,
      zeroIntervals: 20,
      baselineMs: 1000,
      baselineCommits: 300,
    });
  });
  it('fails when commits go on after the fault', () => {
    const v = checkStalled(samples(steady(60)), fault);
    expect(v.status).toBe('failed');
    expect(v.evidence).toMatchObject({ firstZeroT: null, stallMs: null, zeroIntervals: 0 });
  });
  it('fails when the stall starts later than the bound', () => {
    const v = checkStalled(samples([...steady(45), ...zero(20)]), fault);
    expect(v.status).toBe('failed');
    expect(v.evidence.stallMs).toBe(2500);
  });
  it('bound: a stall starting exactly withinMs after the fault passes, one interval later fails', () => {
    const at = checkStalled(samples([...steady(40), ...zero(10)]), fault);
    expect(at.status).toBe('passed');
    expect(at.evidence.stallMs).toBe(2000);
    const late = checkStalled(samples([...steady(41), ...zero(10)]), fault);
    expect(late.status).toBe('failed');
    expect(late.evidence.stallMs).toBe(2100);
  });
  it('fails on a dip too short to be a stall', () => {
    expect(checkStalled(samples([...steady(20), ...zero(3), ...steady(20)]), fault).status).toBe('failed');
  });
  it('run length: exactly minZeroIntervals zero intervals is a stall, one fewer is not (mid-history and at its end)', () => {
    expect(checkStalled(samples([...steady(20), ...zero(5), ...steady(20)]), fault).evidence).toMatchObject({
      firstZeroT: 2000,
      zeroIntervals: 5,
    });
    expect(checkStalled(samples([...steady(20), ...zero(5), ...steady(20)]), fault).status).toBe('passed');
    expect(checkStalled(samples([...steady(20), ...zero(4), ...steady(20)]), fault).status).toBe('failed');
    expect(checkStalled(samples([...steady(20), ...zero(5)]), fault).status).toBe('passed');
    expect(checkStalled(samples([...steady(20), ...zero(4)]), fault).status).toBe('failed');
  });
  it('takes the first run long enough, not a later one', () => {
    const v = checkStalled(samples([...steady(20), ...zero(6), ...steady(5), ...zero(10)]), fault);
    expect(v.evidence).toMatchObject({ firstZeroT: 2000, zeroIntervals: 6 });
  });
  it('honours minZeroIntervals', () => {
    const v = checkStalled(samples([...steady(20), ...zero(3), ...steady(20)]), { ...fault, minZeroIntervals: 3 });
    expect(v.status).toBe('passed');
    expect(v.evidence).toMatchObject({ minZeroIntervals: 3, zeroIntervals: 3 });
  });
  it('counts the interval the fault fell in as after the fault (stall 0 ms), and one that ended at the fault as before it', () => {
    const mid = checkStalled(samples([...steady(20), ...zero(20)]), { faultT: 2050, withinMs: 2000 });
    expect(mid.evidence).toMatchObject({ firstZeroT: 2000, stallMs: 0 });
    expect(mid.status).toBe('passed');
    // [1900, 2000) committed nothing but ended at the fault: the run starts at 2000.
    const edge = checkStalled(samples([...steady(19), ...zero(21)]), fault);
    expect(edge.evidence).toMatchObject({ firstZeroT: 2000, stallMs: 0, zeroIntervals: 20 });
  });
  it('reads the interval length off the samples (200 ms here)', () => {
    // [1800, 2000) holds the fault at 1900: it counts as after the fault.
    const v = checkStalled(samples([...fill(9, 60), ...zero(10)], 200), { faultT: 1900, withinMs: 2000 });
    expect(v.evidence).toMatchObject({ firstZeroT: 1800, stallMs: 0, zeroIntervals: 10 });
  });
  it('ignores zero intervals before the fault', () => {
    expect(checkStalled(samples([...zero(10), ...steady(40)]), fault).status).toBe('failed');
  });
  it('is unknown when the writer committed nothing before the fault, and says so', () => {
    const v = checkStalled(samples(zero(60)), fault);
    expect(v.status).toBe('unknown');
    expect(v.evidence).toMatchObject({ baselineCommits: 0, baselineMs: 1000, firstZeroT: 2000, zeroIntervals: 40 });
    expect(v.summary).toContain('no commit in the 1000 ms before the fault');
  });
  it('baseline window: an interval starting exactly baselineMs before the fault counts, one starting earlier does not', () => {
    const at = checkStalled(samples([...zero(10), 30, ...zero(49)]), fault); // commits only at t=1000
    expect(at.status).toBe('passed');
    expect(at.evidence.baselineCommits).toBe(30);
    const before = checkStalled(samples([...zero(9), 30, ...zero(50)]), fault); // commits only at t=900
    expect(before.status).toBe('unknown');
    expect(before.evidence.baselineCommits).toBe(0);
  });
  it('baseline window: an interval starting at the fault is not before it', () => {
    const v = checkStalled(samples([...zero(20), 30, ...zero(20)]), fault); // commits only at t=2000
    expect(v.status).toBe('unknown');
    expect(v.evidence.baselineCommits).toBe(0);
  });
  it('honours baselineMs', () => {
    const s = samples([...zero(14), 30, ...zero(45)]); // commits only at t=1400
    expect(checkStalled(s, fault).status).toBe('passed');
    const v = checkStalled(s, { ...fault, baselineMs: 500 });
    expect(v.status).toBe('unknown');
    expect(v.evidence).toMatchObject({ baselineMs: 500, baselineCommits: 0 });
    expect(v.summary).toContain('no commit in the 500 ms before the fault');
  });
  it('copes with a single sample', () => {
    expect(checkStalled(samples([30]), { faultT: 50, withinMs: 2000 }).status).toBe('failed');
  });
});

describe('checkRecovered', () => {
  const repaired = { repairT: 1000, withinMs: 10_000, steadyTps: 300 };
  it('passes when TPS comes back within the bound', () => {
    const v = checkRecovered(samples([...zero(30), ...steady(20)]), repaired);
    expect(v.check).toBe('throughput recovers');
    expect(v.status).toBe('passed');
    expect(v.evidence).toEqual({
      repairT: 1000,
      withinMs: 10_000,
      steadyTps: 300,
      fraction: 0.5,
      windowMs: 1000,
      recoveredT: 3000,
      recoveryMs: 2000,
      windowTps: 300,
    });
  });
  it('fails when TPS never comes back', () => {
    const v = checkRecovered(samples(zero(200)), repaired);
    expect(v.status).toBe('failed');
    expect(v.evidence).toMatchObject({ recoveredT: null, recoveryMs: null, windowTps: 0 });
  });
  it('fails when TPS comes back only to a trickle, and reports the best window', () => {
    const trickle = fill(100, 9); // 90 tps = 30 % of steady
    const v = checkRecovered(samples([...zero(10), ...trickle]), { ...repaired, repairT: 0 });
    expect(v.status).toBe('failed');
    expect(v.evidence.windowTps).toBe(90);
  });
  it('fails when TPS comes back after the bound', () => {
    const v = checkRecovered(samples([...zero(150), ...steady(20)]), { ...repaired, repairT: 0 });
    expect(v.status).toBe('failed');
    expect(v.evidence.recoveryMs).toBe(15_000);
  });
  it('bound: back exactly withinMs after the repair passes, one interval later fails', () => {
    const s = samples([...zero(110), ...steady(20)]); // back at t=11000, 10000 ms after the repair
    const at = checkRecovered(s, repaired);
    expect(at.status).toBe('passed');
    expect(at.evidence.recoveryMs).toBe(10_000);
    expect(checkRecovered(s, { ...repaired, withinMs: 9_900 }).status).toBe('failed');
  });
  it('a committing interval starting at the repair counts (0 ms); commits before the repair do not', () => {
    expect(checkRecovered(samples([...zero(10), ...steady(20)]), repaired).evidence).toMatchObject({ recoveredT: 1000, recoveryMs: 0 });
    const v = checkRecovered(samples([...steady(10), ...zero(40)]), repaired);
    expect(v.status).toBe('failed');
    expect(v.evidence.recoveredT).toBeNull();
  });
  it('windows start with a committing interval', () => {
    // From t=2500 the window [2500, 3500) would average 150 tps, but it starts with zeros.
    expect(checkRecovered(samples([...zero(30), ...steady(20)]), { ...repaired, repairT: 0 }).evidence.recoveredT).toBe(3000);
  });
  it('bar: exactly fraction × steady passes, just below fails', () => {
    const at = checkRecovered(samples([...zero(10), ...fill(20, 15)]), repaired); // 150 tps = 50 % of 300
    expect(at.status).toBe('passed');
    expect(at.evidence.windowTps).toBe(150);
    const below = checkRecovered(samples([...zero(10), ...fill(20, 14)]), repaired);
    expect(below.status).toBe('failed');
    expect(below.evidence.windowTps).toBe(140);
  });
  it('honours fraction', () => {
    const s = samples([...zero(10), ...fill(20, 20)]); // 200 tps
    expect(checkRecovered(s, repaired).status).toBe('passed');
    const v = checkRecovered(s, { ...repaired, fraction: 0.8 });
    expect(v.status).toBe('failed');
    expect(v.evidence.fraction).toBe(0.8);
  });
  it('needs a complete window: samples ending exactly at its end pass, one interval short fails', () => {
    expect(checkRecovered(samples([...zero(10), ...steady(10)]), repaired).evidence.recoveredT).toBe(1000);
    const short = checkRecovered(samples([...zero(10), ...steady(9)]), repaired);
    expect(short.status).toBe('failed');
    expect(short.evidence.recoveredT).toBeNull();
    // The same on a history that does not start at t=0: the interval is t1 - t0, not t1 + t0.
    const later = { ...repaired, repairT: 2000 };
    expect(checkRecovered(samples([...zero(10), ...steady(10)], 100, 1000), later).evidence.recoveredT).toBe(2000);
    expect(checkRecovered(samples([...zero(10), ...steady(9)], 100, 1000), later).evidence.recoveredT).toBeNull();
  });
  it('honours windowMs', () => {
    const s = samples([...zero(10), ...steady(5)]); // 500 ms of commits
    expect(checkRecovered(s, repaired).status).toBe('failed');
    const v = checkRecovered(s, { ...repaired, windowMs: 500 });
    expect(v.status).toBe('passed');
    expect(v.evidence.windowMs).toBe(500);
  });
  it('is unknown without a steady state to recover to, and says so', () => {
    const s = samples([...zero(10), ...fill(20, 1)]); // a trickle reaches 50 % of 0
    for (const steadyTps of [0, -1, Number.NaN]) {
      const v = checkRecovered(s, { ...repaired, steadyTps });
      expect(v.status).toBe('unknown');
      expect(v.summary).toContain('no steady TPS');
    }
  });
});

describe('checkSustained', () => {
  const window = { fromT: 0, toT: 4000, steadyTps: 300 };
  it('passes when writes go on at half of steady or more', () => {
    const v = checkSustained(samples(fill(40, 20)), window);
    expect(v.check).toBe('writes go on');
    expect(v.status).toBe('passed');
    expect(v.evidence).toEqual({ fromT: 0, toT: 4000, tps: 200, steadyTps: 300, fraction: 0.5, samples: 40 });
  });
  it('fails when TPS falls below the fraction', () => {
    const v = checkSustained(samples(fill(40, 10)), window);
    expect(v.status).toBe('failed');
    expect(v.evidence.tps).toBe(100);
  });
  it('bar: exactly fraction × steady passes, just below fails', () => {
    expect(checkSustained(samples(fill(40, 15)), window).status).toBe('passed');
    expect(checkSustained(samples(fill(40, 14)), window).status).toBe('failed');
  });
  it('honours fraction', () => {
    const v = checkSustained(samples(fill(40, 20)), { ...window, fraction: 0.8 });
    expect(v.status).toBe('failed');
    expect(v.evidence.fraction).toBe(0.8);
  });
  it('window: exactly 1 s is enough, 1 ms less is unknown', () => {
    const s = samples(steady(60));
    expect(checkSustained(s, { fromT: 3000, toT: 4000, steadyTps: 300 }).status).toBe('passed');
    const v = checkSustained(s, { fromT: 3000, toT: 3999, steadyTps: 300 });
    expect(v.status).toBe('unknown');
    expect(v.summary).toContain('shorter than 1 s');
  });
  it('is unknown without a steady state (steadyTps 0 would pass anything), and says so', () => {
    for (const steadyTps of [0, -1, Number.NaN]) {
      const v = checkSustained(samples(zero(40)), { ...window, steadyTps });
      expect(v.status).toBe('unknown');
      expect(v.summary).toContain('no steady TPS');
    }
  });
  it('is unknown with no sample or one sample in the window; two are enough', () => {
    const none = checkSustained(samples(steady(40)), { fromT: 5000, toT: 6000, steadyTps: 300 });
    expect(none.status).toBe('unknown');
    expect(none.evidence.samples).toBe(0);
    expect(none.summary).toContain('0 samples');
    expect(checkSustained(samples(steady(1)), window).status).toBe('unknown');
    const two = checkSustained(samples(steady(2)), window);
    expect(two.status).toBe('passed');
    expect(two.evidence).toMatchObject({ samples: 2, tps: 300 });
  });
  it('names every piece of missing evidence', () => {
    const v = checkSustained([], { fromT: 0, toT: 500, steadyTps: 0 });
    expect(v.status).toBe('unknown');
    expect(v.summary).toContain('no steady TPS');
    expect(v.summary).toContain('shorter than 1 s');
    expect(v.summary).toContain('0 samples');
  });
});
