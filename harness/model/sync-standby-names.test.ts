import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { entryMatches, parseSyncStandbyNames, standbyPriority, syncConfigWarnings, syncStandbyNames } from './sync-standby-names.ts';

describe('parseSyncStandbyNames: every form of syncrep_gram.y', () => {
  it.each([
    // standby_config: ANY NUM '(' standby_list ')'
    ['ANY 1 (s1, s2)', { method: 'any', num: 1, names: ['s1', 's2'], form: 'any' }],
    ['any 2 (s1,s2,s3)', { method: 'any', num: 2, names: ['s1', 's2', 's3'], form: 'any' }],
    ['AnY 2(*)', { method: 'any', num: 2, names: ['*'], form: 'any' }],
    // FIRST NUM '(' standby_list ')'
    ['FIRST 1 (s1, s2)', { method: 'first', num: 1, names: ['s1', 's2'], form: 'first' }],
    ['first 2(standby1, standby2)', { method: 'first', num: 2, names: ['standby1', 'standby2'], form: 'first' }],
    ['fIrSt 1 (s1)', { method: 'first', num: 1, names: ['s1'], form: 'first' }],
    // NUM '(' standby_list ')'
    ['2 (s1, s2)', { method: 'first', num: 2, names: ['s1', 's2'], form: 'num' }],
    ['2(*)', { method: 'first', num: 2, names: ['*'], form: 'num' }],
    [
      '6(standby4,standby0,standby3,standby2)',
      { method: 'first', num: 6, names: ['standby4', 'standby0', 'standby3', 'standby2'], form: 'num' },
    ],
    ['2(standby1,*,standby2)', { method: 'first', num: 2, names: ['standby1', '*', 'standby2'], form: 'num' }],
    ['007 (s1)', { method: 'first', num: 7, names: ['s1'], form: 'num' }],
    // more required than listed: PostgreSQL accepts it (check_synchronous_standby_names only rejects num <= 0)
    ['FIRST 3 (s1, s2)', { method: 'first', num: 3, names: ['s1', 's2'], form: 'first' }],
    ['ANY 3 (s1, s2)', { method: 'any', num: 3, names: ['s1', 's2'], form: 'any' }],
    // standby_list alone: FIRST 1
    ['s1, s2', { method: 'first', num: 1, names: ['s1', 's2'], form: 'list' }],
    ['standby1,standby2', { method: 'first', num: 1, names: ['standby1', 'standby2'], form: 'list' }],
    ['s1', { method: 'first', num: 1, names: ['s1'], form: 'list' }],
    ['*', { method: 'first', num: 1, names: ['*'], form: 'list' }],
    ['s1, *', { method: 'first', num: 1, names: ['s1', '*'], form: 'list' }],
    // standby_name: NUM — numbers are names outside the count position
    ['1, 2', { method: 'first', num: 1, names: ['1', '2'], form: 'list' }],
    ['2', { method: 'first', num: 1, names: ['2'], form: 'list' }],
    ['ANY 1 (1, 02)', { method: 'any', num: 1, names: ['1', '02'], form: 'any' }],
    // names that look like keywords, identifiers with $, digits, non-ASCII (all \200-\377 bytes)
    ['ANY 1 (anybody, firstly, any_1, first$)', { method: 'any', num: 1, names: ['anybody', 'firstly', 'any_1', 'first$'], form: 'any' }],
    ['_s, S1, s$2', { method: 'first', num: 1, names: ['_s', 'S1', 's$2'], form: 'list' }],
    ['Zed, zed, Az9, \u0080x', { method: 'first', num: 1, names: ['Zed', 'zed', 'Az9', '\u0080x'], form: 'list' }],
    ['ANY 1 (ñodo, 節點)', { method: 'any', num: 1, names: ['ñodo', '節點'], form: 'any' }],
    ['ANY 1 (a\u00a0b)', { method: 'any', num: 1, names: ['a\u00a0b'], form: 'any' }],
    // double-quoted names: "" is one quote; keywords, spaces, punctuation, empty
    ['ANY 1 ("Standby One", s2)', { method: 'any', num: 1, names: ['Standby One', 's2'], form: 'any' }],
    ['"any", "FIRST"', { method: 'first', num: 1, names: ['any', 'FIRST'], form: 'list' }],
    ['"say ""hi""", "a,b(c)"', { method: 'first', num: 1, names: ['say "hi"', 'a,b(c)'], form: 'list' }],
    ['""""', { method: 'first', num: 1, names: ['"'], form: 'list' }],
    ['""', { method: 'first', num: 1, names: [''], form: 'list' }],
    ['"*"', { method: 'first', num: 1, names: ['*'], form: 'list' }],
    ['"2" ', { method: 'first', num: 1, names: ['2'], form: 'list' }],
    // whitespace: [ \t\n\r\f\v], anywhere between tokens, none needed
    ['\t ANY\n1\r(\fs1\v,s2 ) ', { method: 'any', num: 1, names: ['s1', 's2'], form: 'any' }],
    ['ANY 1(s1)', { method: 'any', num: 1, names: ['s1'], form: 'any' }],
    // the empty string (and only it) is asynchronous replication
    ['', { method: 'async', num: 0, names: [], form: 'empty' }],
    // atoi() keeps the low 32 bits of a huge count: 2^32 + 1 is 1 for PostgreSQL
    ['4294967297 (s1)', { method: 'first', num: 1, names: ['s1'], form: 'num' }],
    ['2147483647 (s1)', { method: 'first', num: 2147483647, names: ['s1'], form: 'num' }],
  ])('parses %j', (input, want) => {
    expect(parseSyncStandbyNames(input)).toEqual({ ...want, text: input });
  });

  it.each([
    // [input, PostgreSQL's detail, position]
    ['ANY 1 s1, s2', 'syntax error at or near "s1"', 7],
    ['ANY 1 (s1, s2', 'syntax error at end of input', 14],
    ['ANY (s1, s2)', 'syntax error at or near "("', 5],
    ['ANY 1 (s1,, s2)', 'syntax error at or near ","', 11],
    ['ANY 1 (s1,)', 'syntax error at or near ")"', 11],
    ['ANY 1 ()', 'syntax error at or near ")"', 8],
    ['ANY 1 (s1; s2)', 'syntax error at or near ";"', 10],
    ['ANY 1 (s1) s2', 'syntax error at or near "s2"', 12],
    ['ANY 1 (s1) (s2)', 'syntax error at or near "("', 12],
    ['ANY', 'syntax error at end of input', 4],
    ['ANY 1', 'syntax error at end of input', 6],
    ['any, s1', 'syntax error at or near ","', 4],
    ['s1, any', 'syntax error at or near "any"', 5],
    ['ANY 1 (s1, first)', 'syntax error at or near "first"', 12],
    ['FIRST FIRST 1 (s1)', 'syntax error at or near "FIRST"', 7],
    ['ANY1 (s1)', 'syntax error at or near "("', 6],
    ['2s1', 'syntax error at or near "s1"', 2],
    ['s1 s2', 'syntax error at or near "s2"', 4],
    ['s1 (s2)', 'syntax error at or near "("', 4],
    ['2 (s1) s2', 'syntax error at or near "s2"', 8],
    ['2 (s1', 'syntax error at end of input', 6],
    ['(s1)', 'syntax error at or near "("', 1],
    ['s1, "s2" "s3"', 'syntax error at or near """', 10],
    ['s-1', 'syntax error at or near "-"', 2],
    ['s1.s2', 'syntax error at or near "."', 3],
    ['s1 2', 'syntax error at or near "2"', 4],
    ['ANY 1 (s1) *', 'syntax error at or near "*"', 12],
    ['a[b', 'syntax error at or near "["', 2],
    ['a`b', 'syntax error at or near "`"', 2],
    ['a{b', 'syntax error at or near "{"', 2],
    ['a~b', 'syntax error at or near "~"', 2],
    ['@', 'syntax error at or near "@"', 1],
    ['\u007f', 'syntax error at or near "\u007f"', 1],
    [',', 'syntax error at or near ","', 1],
    ['  ', 'syntax error at end of input', 3],
  ] as const)('rejects %j as PostgreSQL does: %s', (input, detail, position) => {
    expect(() => parseSyncStandbyNames(input)).toThrow(ConfigError);
    expect(() => parseSyncStandbyNames(input)).toThrow(
      `malformed synchronous_standby_names ${JSON.stringify(input)}: ${detail} (position ${position})\n  fix: write it as 'ANY n (name, ...)'`,
    );
  });

  it('rejects an unterminated quoted name', () => {
    expect(() => parseSyncStandbyNames('ANY 1 (s1, "s2)')).toThrow(
      /: unterminated quoted identifier \(position 12\)\n {2}fix: write it as/,
    );
    expect(() => parseSyncStandbyNames('"a""')).toThrow(/unterminated quoted identifier \(position 1\)/);
  });

  it.each([
    ['ANY 0 (s1, s2)', 0],
    ['FIRST 0 (s1)', 0],
    ['0 (s1)', 0],
    ['000 (s1)', 0],
    ['4294967296 (s1)', 0],
    ['2147483648 (s1)', -2147483648],
    ['99999999999999999999 (s1)', -1],
  ])('rejects %j: number of synchronous standbys (%i) must be greater than zero', (input, n) => {
    expect(() => parseSyncStandbyNames(input)).toThrow(ConfigError);
    expect(() => parseSyncStandbyNames(input)).toThrow(
      `malformed synchronous_standby_names ${JSON.stringify(input)}: number of synchronous standbys (${n}) must be greater than zero\n  fix: write it as 'ANY n (name, ...)', 'FIRST n (name, ...)', 'name, ...' or '' (see PostgreSQL's runtime-config-replication docs), with n at least 1`,
    );
  });

  it('reports a syntax error before a zero count, as the parser runs first', () => {
    expect(() => parseSyncStandbyNames('ANY 0 (s1')).toThrow(/syntax error at end of input/);
  });

  it("accepts a no-break space as part of a name (it is not in syncrep_scanner.l's space class)", () => {
    expect(parseSyncStandbyNames('\u00a0').names).toEqual(['\u00a0']);
  });
});

describe('standbyPriority (SyncRepGetStandbyPriority) and entryMatches (pg_strcasecmp)', () => {
  it('FIRST and the plain list: 1-based position of the first matching entry', () => {
    const first = parseSyncStandbyNames('FIRST 1 (s1, s2, s3)');
    expect([
      standbyPriority(first, 's1'),
      standbyPriority(first, 's2'),
      standbyPriority(first, 's3'),
      standbyPriority(first, 's4'),
    ]).toEqual([1, 2, 3, 0]);
    expect(standbyPriority(parseSyncStandbyNames('s1, s2'), 's2')).toBe(2);
  });
  it('ANY: 1 for every match, 0 otherwise', () => {
    const any = parseSyncStandbyNames('ANY 1 (s1, s2, s3)');
    expect([standbyPriority(any, 's1'), standbyPriority(any, 's3'), standbyPriority(any, 's4')]).toEqual([1, 1, 0]);
  });
  it('*: matches every name at its position; the first matching entry wins', () => {
    const p = parseSyncStandbyNames('2(standby1,*,standby2)');
    expect([standbyPriority(p, 'standby1'), standbyPriority(p, 'standby2'), standbyPriority(p, 'other')]).toEqual([1, 2, 2]);
    expect(standbyPriority(parseSyncStandbyNames('*'), 'anything')).toBe(1);
    expect(standbyPriority(parseSyncStandbyNames('ANY 1 (s1, *)'), 'x')).toBe(1);
    expect(standbyPriority(parseSyncStandbyNames('s1, s1'), 's1')).toBe(1);
  });
  it('empty setting: 0', () => {
    expect(standbyPriority(parseSyncStandbyNames(''), 's1')).toBe(0);
  });
  it('names match ASCII-case-insensitively, nothing else folds', () => {
    expect(entryMatches('S1', 's1')).toBe(true);
    expect(entryMatches('s1', 'S1')).toBe(true);
    expect(entryMatches('"Standby One"'.slice(1, -1), 'standby one')).toBe(true);
    expect(entryMatches('Ñodo', 'ñodo')).toBe(false);
    expect(entryMatches('s1', 's10')).toBe(false);
    expect(entryMatches('*', 'whatever')).toBe(true);
    expect(entryMatches('s*', 's1')).toBe(false);
    expect(standbyPriority(parseSyncStandbyNames('FIRST 1 (S2, S1)'), 's1')).toBe(2);
  });
});

describe('syncConfigWarnings', () => {
  const w = (setting: string, standbys: string[]) => syncConfigWarnings(parseSyncStandbyNames(setting), standbys);

  it('none for a sound setting or an empty one', () => {
    expect(w('ANY 1 (s1, s2)', ['s1', 's2'])).toEqual([]);
    expect(w('FIRST 2 (S1, s2)', ['s1', 's2'])).toEqual([]);
    expect(w('*', ['s1'])).toEqual([]);
    expect(w('2 (*)', ['s1', 's2'])).toEqual([]);
    expect(w('', [])).toEqual([]);
  });

  it("007's 6(standby4,standby0,standby3,standby2): standby0 is nobody and every commit waits forever", () => {
    expect(w('6(standby4,standby0,standby3,standby2)', ['standby1', 'standby2', 'standby3', 'standby4'])).toEqual([
      'synchronous_standby_names lists "standby0", which matches no standby of the cluster (standbys: standby1, standby2, standby3, standby4)',
      "synchronous_standby_names asks for 6 synchronous standbys but only 3 of the cluster's standbys match it (standby2, standby3, standby4): every commit will wait forever",
    ]);
  });

  it('more required than listed, or than the cluster has', () => {
    expect(w('FIRST 3 (s1, s2)', ['s1', 's2', 's3'])).toEqual([
      "synchronous_standby_names asks for 3 synchronous standbys but only 2 of the cluster's standbys match it (s1, s2): every commit will wait forever",
    ]);
    expect(w('ANY 2 (*)', ['s1'])).toEqual([
      "synchronous_standby_names asks for 2 synchronous standbys but only 1 of the cluster's standbys match it (s1): every commit will wait forever",
    ]);
    expect(w('ANY 1 (s3)', [])).toEqual([
      'synchronous_standby_names lists "s3", which matches no standby of the cluster (standbys: none)',
      "synchronous_standby_names asks for 1 synchronous standbys but only 0 of the cluster's standbys match it (none): every commit will wait forever",
    ]);
  });

  it('a name that matches no standby, even when enough others do', () => {
    expect(w('ANY 1 (s1, s3)', ['s1', 's2'])).toEqual([
      'synchronous_standby_names lists "s3", which matches no standby of the cluster (standbys: s1, s2)',
    ]);
  });

  it('* itself is never "a name that matches no standby"; names before it are fine', () => {
    expect(w('ANY 1 (*)', [])).toEqual([
      "synchronous_standby_names asks for 1 synchronous standbys but only 0 of the cluster's standbys match it (none): every commit will wait forever",
    ]);
    expect(w('s1, *', ['s1', 's2'])).toEqual([]);
    expect(w('*, s1', ['s1'])).toEqual([
      'synchronous_standby_names lists "s1" after *, which already matches every standby: "s1" has no effect',
    ]);
  });

  it('names after *, duplicates and non-ASCII names have no effect', () => {
    expect(w('2(standby1,*,standby2)', ['standby1', 'standby2'])).toEqual([
      'synchronous_standby_names lists "standby2" after *, which already matches every standby: "standby2" has no effect',
    ]);
    expect(w('FIRST 1 (s1, S1, s2)', ['s1', 's2'])).toEqual([
      'synchronous_standby_names lists "S1" twice (names match case-insensitively): the second one has no effect',
    ]);
    expect(w('ANY 1 (s1, "nœud")', ['s1'])).toEqual([
      'synchronous_standby_names lists "nœud", which no standby can ever match: PostgreSQL keeps only printable ASCII in application_name',
    ]);
  });

  it('counts a standby once even when two walsenders share its name', () => {
    expect(w('ANY 2 (s1)', ['s1', 's1'])).toEqual([
      "synchronous_standby_names asks for 2 synchronous standbys but only 1 of the cluster's standbys match it (s1): every commit will wait forever",
    ]);
  });
});

describe('syncStandbyNames: a setting from its parts, printed', () => {
  it.each([
    [{ method: 'any', num: 1, names: ['s1', 's2'] }, 'ANY 1 (s1, s2)'],
    [{ method: 'first', num: 2, names: ['s1', '*'] }, 'FIRST 2 (s1, *)'],
    [
      { method: 'first', num: 1, names: ['S1', 'any', 'first', 'a b', 'say "hi"', '1', ''] },
      'FIRST 1 ("S1", "any", "first", "a b", "say ""hi""", "1", "")',
    ],
    [{ method: 'async', num: 0, names: [] }, ''],
  ] as const)('prints %j as %j, which parses back to the same parts', (parts, text) => {
    const s = syncStandbyNames(parts);
    expect(s.text).toBe(text);
    expect(parseSyncStandbyNames(s.text)).toEqual(s);
  });
});
