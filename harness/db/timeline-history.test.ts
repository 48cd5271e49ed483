/**
 * clashingTimelines on the clash seen in seed 2 of the nemesis story (PostgreSQL 15, kinds with
 * wal-full): s1 chose timeline 2 and was killed, then s2 was promoted to 2 too. The switch
 * points are the positions the operator recorded for each (s1 received 0/4B7DDA18, s2 had
 * replayed 0/3F5CDFE0).
 */
import { describe, expect, it } from 'vitest';
import { clashingTimelines, timelineStarts } from './timeline-history.ts';

const S1 = new Map([[2, '1\t0/4B7DDA18\tno recovery target specified\n']]);
const S2 = new Map([[2, '1\t0/3F5CDFE0\tno recovery target specified\n']]);

describe('timelineStarts', () => {
  it('reads every ancestor from the newest history file alone', () => {
    expect(timelineStarts(new Map([[3, '1\t0/3000000\tx\n2\t0/5000000\ty\n']]))).toEqual(
      new Map([
        [1, '0/0'],
        [2, '0/3000000'],
        [3, '0/5000000'],
      ]),
    );
    expect(timelineStarts(new Map())).toEqual(new Map([[1, '0/0']]));
  });
});

describe('clashingTimelines', () => {
  it('finds one timeline ID with two histories (different switch points)', () => {
    expect(clashingTimelines(S1, S2)).toEqual([2]);
  });
  it('finds it when the primary, cloned later, has only its newest history file', () => {
    const later = new Map([[3, '1\t0/3F5CDFE0\tx\n2\t0/60000000\ty\n']]);
    expect(clashingTimelines(S1, later)).toEqual([2]);
  });
  it('finds none where the histories agree, whatever the reason text, or on a fork to other timeline IDs', () => {
    expect(clashingTimelines(S2, new Map([[2, '1\t0/3F5CDFE0\tbefore 2026-11-25\n']]))).toEqual([]);
    expect(clashingTimelines(S2, new Map([[3, '1\t0/3F5CDFE0\tx\n2\t0/50000000\tx\n']]))).toEqual([]);
    // A node left on timeline 1 and a primary on 2: an ordinary divergence, pg_rewind's case.
    expect(clashingTimelines(new Map(), S2)).toEqual([]);
    // 1 → 2 at one point here, 1 → 3 at another there: different IDs, pg_rewind tells them apart.
    expect(clashingTimelines(S1, new Map([[3, '1\t0/3F5CDFE0\tx\n']]))).toEqual([]);
  });
});
