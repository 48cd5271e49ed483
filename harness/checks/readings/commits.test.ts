import { describe, expect, it } from 'vitest';
import type { Batch, WriterSample } from '../../history/samples.ts';
import { commitGaps, writeOutage, writesBackT } from './commits.ts';

describe('commitGaps', () => {
  const samples = (commits: number[]) => commits.map((c, i) => ({ t: i * 100, commits: c }) as WriterSample);
  it('finds each run of intervals without a commit, at the edges too', () => {
    expect(commitGaps(samples([0, 0, 3, 0, 4, 0, 0, 0]))).toEqual([
      { from: 0, to: 2 },
      { from: 3, to: 4 },
      { from: 5, to: 8 },
    ]);
  });
  it('finds none when every interval has a commit', () => {
    expect(commitGaps(samples([1, 2, 3]))).toEqual([]);
  });
});

describe('writeOutage', () => {
  const acked = (node: string, endT: number): Batch => ({ client: 1, seq: endT, node, startT: endT - 10, endT, outcome: 'acked' });
  it('measures from the last commit acknowledged by the old primary to the first by the new one', () => {
    const batches = [
      acked('primary', 100),
      acked('primary', 900),
      { ...acked('primary', 950), outcome: 'unknown' as const },
      acked('s1', 2400),
      acked('s1', 2500),
    ];
    expect(writeOutage(batches, 'primary', 's1')).toEqual({ lastOldT: 900, firstNewT: 2400, outageMs: 1500 });
  });
  it('is null when the writer never resumed on the new primary, or never wrote on the old one', () => {
    expect(writeOutage([acked('primary', 900)], 'primary', 's1').outageMs).toBeNull();
    expect(writeOutage([acked('s1', 900)], 'primary', 's1')).toEqual({ lastOldT: null, firstNewT: 900, outageMs: null });
  });
  it('counts only commits acknowledged by the new primary after the old one stopped', () => {
    const batches = [
      acked('s1', 50), // s1 was the primary once before
      acked('primary', 900),
      { ...acked('s1', 1000), outcome: 'unknown' as const },
      acked('s2', 1100),
      acked('s1', 1200),
    ];
    expect(writeOutage(batches, 'primary', 's1')).toEqual({ lastOldT: 900, firstNewT: 1200, outageMs: 300 });
    expect(writeOutage([acked('primary', 900), acked('s1', 900), acked('s1', 901)], 'primary', 's1').firstNewT).toBe(901);
  });
});

describe('writesBackT', () => {
  const batch = (node: string, endT: number, outcome: Batch['outcome'] = 'acked'): Batch => ({
    client: 1,
    seq: endT,
    node,
    startT: endT - 10,
    endT,
    outcome,
  });
  it('is the first commit the new primary acknowledged from the decision on', () => {
    const batches = [batch('primary', 900), batch('s1', 2600), batch('s1', 2400, 'failed'), batch('s1', 2500), batch('s2', 2450)];
    expect(writesBackT(batches, { to: 's1', decidedT: 2000 })).toBe(2500);
  });
  it('leaves out what the node acknowledged as primary before (a failback), and is null when writes never came back', () => {
    expect(writesBackT([batch('s1', 500), batch('s1', 3100)], { to: 's1', decidedT: 3000 })).toBe(3100);
    expect(writesBackT([batch('s1', 500), batch('s1', 3100, 'unknown')], { to: 's1', decidedT: 3000 })).toBeNull();
  });
});
