/**
 * clashingTimelines on the clash seen in seed 2 of the nemesis story (PostgreSQL 15, kinds with
 * wal-full): s1 chose timeline 2 and was killed, then s2 was promoted to 2 too. The switch
 * points are the positions the operator recorded for each (s1 received 0/4B7DDA18, s2 had
 * replayed 0/3F5CDFE0).
 */
import { describe, expect, it } from 'vitest';
import { clashingTimelines } from './timeline-history.ts';

const S1 = new Map([[2, '1\t0/4B7DDA18\tno recovery target specified\n']]);
const S2 = new Map([[2, '1\t0/3F5CDFE0\tno recovery target specified\n']]);

describe('clashingTimelines', () => {
  it('finds one timeline ID with two histories (different switch points)', () => {
    expect(clashingTimelines(S1, S2)).toEqual([2]);
  });
  it('finds none where the histories agree, whatever the reason text, or where only one node has the file', () => {
    expect(clashingTimelines(S2, new Map([[2, '1\t0/3F5CDFE0\tbefore 2026-11-25\n']]))).toEqual([]);
    expect(clashingTimelines(S2, new Map([...S2, [3, '1\t0/3F5CDFE0\tx\n2\t0/50000000\tx\n']]))).toEqual([]);
    expect(clashingTimelines(new Map(), S2)).toEqual([]);
  });
});
