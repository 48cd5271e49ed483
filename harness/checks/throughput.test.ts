import { describe, expect, it } from 'vitest';
import type { WriterSample } from '../load/history.ts';
import { checkRecovered, checkStalled, checkSustained, meanTps } from './throughput.ts';

/** 100 ms samples from a list of commits per interval. */
function samples(commits: number[]): WriterSample[] {
  return commits.map((c, i) => ({ t: i * 100, commits: c, tps: c * 10, rowsPerSec: c * 10_000, latMeanMs: c ? 20 : null, latStddevMs: c ? 2 : null, latP99Ms: c ? 25 : null, failed: 0, unknown: 0 }));
}
const steady = (n: number) => new Array<number>(n).fill(30); // 300 tps
const zero = (n: number) => new Array<number>(n).fill(0);

describe('meanTps', () => {
  it('averages commits per second over the window', () => {
    expect(meanTps(samples([...steady(10), ...zero(10)]), 0, 2000)).toBe(150);
  });
});

describe('checkStalled', () => {
  it('passes when TPS drops to 0 soon after the fault', () => {
    const v = checkStalled(samples([...steady(20), 10, ...zero(20)]), { faultT: 2000, withinMs: 2000 });
    expect(v.status).toBe('passed');
    expect(v.evidence).toMatchObject({ firstZeroT: 2100, stallMs: 100, zeroIntervals: 20 });
  });
  it('fails when commits go on after the fault', () => {
    const v = checkStalled(samples(steady(60)), { faultT: 2000, withinMs: 2000 });
    expect(v.status).toBe('failed');
    expect(v.evidence.stallMs).toBeNull();
  });
  it('fails when the stall starts later than the bound', () => {
    const v = checkStalled(samples([...steady(45), ...zero(20)]), { faultT: 2000, withinMs: 2000 });
    expect(v.status).toBe('failed');
    expect(v.evidence.stallMs).toBe(2500);
  });
  it('fails on a dip too short to be a stall', () => {
    expect(checkStalled(samples([...steady(20), ...zero(3), ...steady(20)]), { faultT: 2000, withinMs: 2000 }).status).toBe('failed');
  });
  it('ignores zero intervals before the fault', () => {
    expect(checkStalled(samples([...zero(10), ...steady(40)]), { faultT: 2000, withinMs: 2000 }).status).toBe('failed');
  });
});

describe('checkRecovered', () => {
  it('passes when TPS comes back within the bound', () => {
    const v = checkRecovered(samples([...zero(30), ...steady(20)]), { repairT: 1000, withinMs: 10_000, steadyTps: 300 });
    expect(v.status).toBe('passed');
    expect(v.evidence.recoveryMs).toBe(2000);
  });
  it('fails when TPS never comes back', () => {
    const v = checkRecovered(samples(zero(200)), { repairT: 1000, withinMs: 10_000, steadyTps: 300 });
    expect(v.status).toBe('failed');
    expect(v.evidence.recoveredT).toBeNull();
  });
  it('fails when TPS comes back only to a trickle', () => {
    const trickle = new Array<number>(100).fill(9); // 90 tps = 30 % of steady
    expect(checkRecovered(samples([...zero(10), ...trickle]), { repairT: 0, withinMs: 10_000, steadyTps: 300 }).status).toBe('failed');
  });
  it('fails when TPS comes back after the bound', () => {
    const v = checkRecovered(samples([...zero(150), ...steady(20)]), { repairT: 0, withinMs: 10_000, steadyTps: 300 });
    expect(v.status).toBe('failed');
    expect(v.evidence.recoveryMs).toBe(15_000);
  });
});

describe('checkSustained', () => {
  it('passes when writes go on at half of steady or more', () => {
    expect(checkSustained(samples(new Array<number>(40).fill(20)), { fromT: 0, toT: 4000, steadyTps: 300 }).status).toBe('passed');
  });
  it('fails when TPS falls below the fraction', () => {
    const v = checkSustained(samples(new Array<number>(40).fill(10)), { fromT: 0, toT: 4000, steadyTps: 300 });
    expect(v.status).toBe('failed');
    expect(v.evidence.tps).toBe(100);
  });
  it('fails on a window shorter than a second', () => {
    expect(checkSustained(samples(steady(40)), { fromT: 0, toT: 500, steadyTps: 300 }).status).toBe('failed');
  });
});
