import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { assertNamesAreStandbys, parseSyncStandbyNames } from './sync-standby-names.ts';

describe('parseSyncStandbyNames', () => {
  it.each([
    ['ANY 1 (s1, s2)', { method: 'any', num: 1, names: ['s1', 's2'] }],
    ['any 2 (s1,s2,s3)', { method: 'any', num: 2, names: ['s1', 's2', 's3'] }],
    ['FIRST 1 (s1, s2)', { method: 'first', num: 1, names: ['s1', 's2'] }],
    ['2 (s1, s2)', { method: 'first', num: 2, names: ['s1', 's2'] }],
    ['s1, s2', { method: 'first', num: 1, names: ['s1', 's2'] }],
    ['*', { method: 'first', num: 1, names: ['*'] }],
    ['ANY 1 ("Standby One", s2)', { method: 'any', num: 1, names: ['Standby One', 's2'] }],
    ['', { method: 'async', num: 0, names: [] }],
    ['  ', { method: 'async', num: 0, names: [] }],
  ])('parses %j', (input, want) => {
    expect(parseSyncStandbyNames(input)).toEqual(want);
  });

  it.each(['ANY 1 s1, s2', 'ANY 1 (s1, s2', 'ANY (s1, s2)', 'ANY 1 (s1,, s2)', 'ANY 1 (s1; s2)', 'ANY 1 (s1) s2', 'ANY 0 (s1, s2)'])(
    'rejects malformed %j with the fix',
    (input) => {
      expect(() => parseSyncStandbyNames(input)).toThrow(ConfigError);
      expect(() => parseSyncStandbyNames(input)).toThrow(/malformed synchronous_standby_names[\s\S]*fix: write it as 'ANY n/);
    },
  );

  it('rejects a quorum larger than the list: every commit would wait forever', () => {
    expect(() => parseSyncStandbyNames('ANY 3 (s1, s2)')).toThrow(/asks for 3 synchronous standbys but lists 2[\s\S]*fix:/);
  });
});

describe('assertNamesAreStandbys', () => {
  it('accepts the cluster standbys and *', () => {
    expect(() => assertNamesAreStandbys(parseSyncStandbyNames('ANY 1 (s1, *)'), ['s1', 's2'], 'x')).not.toThrow();
  });
  it('names the standby that is not in the cluster', () => {
    expect(() => assertNamesAreStandbys(parseSyncStandbyNames('ANY 1 (s1, s3)'), ['s1', 's2'], 'ANY 1 (s1, s3)')).toThrow(
      /names standby "s3", which is not in the cluster \(standbys: s1, s2\)/,
    );
  });
});
