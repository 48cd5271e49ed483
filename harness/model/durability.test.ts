import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { durabilityPromise, type DurabilityConfig } from './durability.ts';
import type { SynchronousCommit } from './sync-model.ts';

const config = (
  synchronousStandbyNames: string,
  synchronousCommit: SynchronousCommit = 'on',
  standbys = ['s1', 's2'],
): DurabilityConfig => ({
  synchronousStandbyNames,
  synchronousCommit,
  standbys,
});
const numbers = (p: { survivesFailures: number; confirmations: number; holdsOn: string | null }) => [
  p.survivesFailures,
  p.confirmations,
  p.holdsOn,
];

describe('durabilityPromise, most advanced survivor promoted', () => {
  it("the write-up's ANY 1 (s1, s2) / on: one confirmer, so the primary alone may fail", () => {
    const p = durabilityPromise(config('ANY 1 (s1, s2)'), 'most-advanced');
    expect(numbers(p)).toEqual([1, 1, 'flush']);
    expect(p.why).toContain('flushed by at least 1 listed standby');
    expect(p.why).toContain('loses none while only the primary fails');
  });
  it('ANY 2 of 3: the primary and one standby may fail', () => {
    const p = durabilityPromise(config('ANY 2 (s1,s2,s3)', 'on', ['s1', 's2', 's3']), 'most-advanced');
    expect(numbers(p)).toEqual([2, 2, 'flush']);
    expect(p.why).toContain('at most 2 nodes (the primary and 1 standby) fail at once');
  });
  it('FIRST 1, the plain list, the pre-10 form and * are priority k = 1 or 2 the same way', () => {
    expect(numbers(durabilityPromise(config('FIRST 1 (s1, s2)'), 'most-advanced'))).toEqual([1, 1, 'flush']);
    expect(numbers(durabilityPromise(config('s1, s2'), 'most-advanced'))).toEqual([1, 1, 'flush']);
    expect(numbers(durabilityPromise(config('2 (s1, s2, s3)', 'on', ['s1', 's2', 's3']), 'most-advanced'))).toEqual([2, 2, 'flush']);
    expect(numbers(durabilityPromise(config('ANY 2 (*)'), 'most-advanced'))).toEqual([2, 2, 'flush']);
  });
  it('remote_apply holds on apply; remote_write on write, with the operating-system crash caveat', () => {
    expect(numbers(durabilityPromise(config('ANY 1 (s1, s2)', 'remote_apply'), 'most-advanced'))).toEqual([1, 1, 'apply']);
    expect(durabilityPromise(config('ANY 1 (s1, s2)', 'on'), 'most-advanced').why).not.toContain('operating-system');
    const w = durabilityPromise(config('ANY 1 (s1, s2)', 'remote_write'), 'most-advanced');
    expect(numbers(w)).toEqual([1, 1, 'write']);
    expect(w.why).toContain('written (not flushed)');
    expect(w.why).toContain('not an operating-system crash of its host');
  });
});

describe('durabilityPromise, commits waiting for no standby', () => {
  it("'' (async) promises nothing across a failover", () => {
    const p = durabilityPromise(config(''), 'most-advanced');
    expect(numbers(p)).toEqual([0, 0, null]);
    expect(p.why).toContain('synchronous_standby_names is empty');
  });
  it('local and off promise nothing even with a list; off not even without a failover', () => {
    const local = durabilityPromise(config('ANY 1 (s1, s2)', 'local'), 'most-advanced');
    expect(numbers(local)).toEqual([0, 0, null]);
    expect(local.why).toContain('synchronous_commit = local');
    const off = durabilityPromise(config('ANY 1 (s1, s2)', 'off'), 'most-advanced');
    expect(numbers(off)).toEqual([0, 0, null]);
    expect(off.why).toContain('even without a failover');
  });
  it('an empty list under remote_write is async too', () => {
    expect(numbers(durabilityPromise(config('', 'remote_write'), 'most-advanced'))).toEqual([0, 0, null]);
  });
});

describe('durabilityPromise, least advanced or a fixed standby promoted', () => {
  it('ANY 1 of 2: the promoted standby may be the one that confirmed nothing: 0', () => {
    for (const promotion of ['least-advanced', 'named'] as const) {
      const p = durabilityPromise(config('ANY 1 (s1, s2)'), promotion);
      expect(numbers(p), promotion).toEqual([0, 1, 'flush']);
      expect(p.why).toContain('a primary failure alone may lose');
    }
  });
  it('ANY 2 of 2: every standby holds every acknowledged commit, so any survivor will do: the same k as most-advanced', () => {
    // Primary and s1 fail: s2 confirmed every acknowledged commit, so promoting it loses none.
    for (const promotion of ['least-advanced', 'named'] as const) {
      const p = durabilityPromise(config('ANY 2 (s1, s2)'), promotion);
      expect(numbers(p), promotion).toEqual([2, 2, 'flush']);
      expect(p.why).toContain('every standby of the cluster');
    }
    expect(numbers(durabilityPromise(config('FIRST 2 (*)'), 'least-advanced'))).toEqual([2, 2, 'flush']);
  });
  it('k covering the listed standbys is not enough when an unlisted (async) standby could be promoted', () => {
    expect(numbers(durabilityPromise(config('ANY 2 (s1, s2)', 'on', ['s1', 's2', 's3']), 'least-advanced'))).toEqual([0, 2, 'flush']);
    expect(numbers(durabilityPromise(config('FIRST 2 (s1, s2, s3)', 'on', ['s1', 's2', 's3']), 'least-advanced'))).toEqual([0, 2, 'flush']);
  });
  it('a standby named twice counts once; names match case-insensitively', () => {
    expect(numbers(durabilityPromise(config('ANY 2 (S1, s2)', 'on', ['s1', 's2', 's1']), 'least-advanced'))).toEqual([2, 2, 'flush']);
  });
});

describe('durabilityPromise, edge cases', () => {
  it('more required than matching standbys: vacuous, not a promise to survive k failures (FIRST 3 of 2 said 3 before)', () => {
    const p = durabilityPromise(config('FIRST 3 (s1, s2)'), 'most-advanced');
    expect(numbers(p)).toEqual([0, 3, 'flush']);
    expect(p.vacuous).toBe(true);
    expect(p.why).toMatch(/^vacuous: num_sync is 3 but only 2 .* every commit waits forever/);
    const fine = durabilityPromise(config('ANY 1 (s1, s2)'), 'most-advanced');
    expect(fine.vacuous).toBe(false);
    expect(fine.why).not.toContain('forever');
    // No standby at all: nothing is ever acknowledged, whoever would be promoted.
    const none = durabilityPromise(config('ANY 1 (s1, s2)', 'on', []), 'least-advanced');
    expect(numbers(none)).toEqual([0, 1, 'flush']);
    expect(none.vacuous).toBe(true);
  });
  it('a primary crash without a failover loses acknowledged commits only under off', () => {
    expect(durabilityPromise(config('ANY 1 (s1, s2)', 'off'), 'most-advanced').primaryCrashLoses).toBe(true);
    for (const level of ['local', 'remote_write', 'on', 'remote_apply'] as const) {
      expect(durabilityPromise(config('ANY 1 (s1, s2)', level), 'most-advanced').primaryCrashLoses, level).toBe(false);
    }
    expect(durabilityPromise(config('', 'on'), 'least-advanced').primaryCrashLoses).toBe(false);
  });
  it("throws the parser's ConfigError unchanged on a malformed setting", () => {
    for (const bad of ['ANY 0 (s1)', 'ANY (s1)', '  ']) {
      expect(() => durabilityPromise(config(bad), 'most-advanced')).toThrow(ConfigError);
      expect(() => durabilityPromise(config(bad), 'most-advanced')).toThrow(/malformed synchronous_standby_names/);
    }
  });
  it('why is one sentence', () => {
    for (const p of [
      durabilityPromise(config('ANY 1 (s1, s2)', 'remote_write'), 'least-advanced'),
      durabilityPromise(config(''), 'named'),
      durabilityPromise(config('FIRST 3 (s1, s2)', 'remote_write'), 'named'),
    ]) {
      expect(p.why.split('. ')).toHaveLength(1);
      expect(p.why).toMatch(/[a-z]\.$/);
    }
  });
});
