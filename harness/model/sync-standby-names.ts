import { ConfigError } from '../errors.ts';

/**
 * A parsed `synchronous_standby_names`: the whole grammar of PostgreSQL's
 * src/backend/replication/syncrep_gram.y, tokenised as src/backend/replication/syncrep_scanner.l
 * does, and checked as check_synchronous_standby_names() in syncrep.c checks it:
 *
 *   text                        form      method   num  names
 *   ''                          'empty'   'async'  0    []         (only the exactly empty string)
 *   s1, s2                      'list'    'first'  1    [s1, s2]   (pre-9.6 form: FIRST 1)
 *   2 (s1, s2)                  'num'     'first'  2    [s1, s2]   (pre-10 form: FIRST 2)
 *   FIRST 2 (s1, s2)            'first'   'first'  2    [s1, s2]   (priority: the 2 highest are `sync`)
 *   ANY 2 (s1, s2)              'any'     'any'    2    [s1, s2]   (quorum: every candidate is `quorum`)
 *   *   /  2 (*)  /  ANY 2 (*)  as above with names ['*']: `*` matches every standby
 *
 * PostgreSQL reports the 'list' and 'num' forms exactly like FIRST: sync_state `sync` /
 * `potential`, sync_priority = list position (007_sync_rep.pl, "old syntax"); `SHOW` gives the
 * text back unchanged. `form` only records which spelling was used.
 *
 * This is the one form of the setting inside pgchaos: text is parsed once where it enters (the
 * user's config, `Cluster.start`'s options, a value read back from a server) and `text` is what
 * goes back out (postgresql.conf, ALTER SYSTEM, logs, the record). Make one with
 * `parseSyncStandbyNames` (keeps the text as written) or `syncStandbyNames` (prints it). A plain,
 * JSON-safe value: the resolved config carries it to vitest's workers as JSON.
 */
export interface SyncStandbyNames {
  /** 'async' for the empty setting; 'first' (priority-based) or 'any' (quorum-based) otherwise. */
  readonly method: 'async' | 'first' | 'any';
  /** num_sync: how many standbys must confirm a commit (0 for async; ≥ 1 otherwise). */
  readonly num: number;
  /** The list in order, unquoted (`""` inside quotes already turned into `"`); `*` is the wildcard. */
  readonly names: readonly string[];
  /** Which spelling was used (see the table above). */
  readonly form: 'empty' | 'list' | 'num' | 'first' | 'any';
  /**
   * The setting's text: as written when parsed (what `SHOW synchronous_standby_names` gives back),
   * as `syncStandbyNames` prints it otherwise. Parsing it again gives the same setting.
   */
  readonly text: string;
}

/**
 * A token of syncrep_scanner.l. `kind` is NAME, NUM, ANY, FIRST, EOF, or the character itself
 * for `(`, `)`, `,` and any other single character (JUNK: never valid, so its kind only has to
 * differ from the others). `text` is the value of a NAME or NUM (unquoted); `near` is how
 * syncrep_yyerror() places an error at this token.
 */
type Token = { kind: string; text?: string; near: string; at: number };

// syncrep_scanner.l: space [ \t\n\r\f\v] — not JavaScript's \s (a no-break space is a name character there).
// Every predicate is false for '' (what charAt returns past the end), which ends the scanning loops.
const isSpace = (c: string): boolean => c.length === 1 && ' \t\n\r\f\v'.includes(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
// ident_start [A-Za-z\200-\377_]: every byte of a non-ASCII UTF-8 character is in \200-\377.
const isIdentStart = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_' || c.charCodeAt(0) >= 0x80;
// ident_cont [A-Za-z\200-\377_0-9\$]
const isIdentCont = (c: string): boolean => isIdentStart(c) || isDigit(c) || c === '$';

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    while (isSpace(input.charAt(i))) i++;
    if (i >= input.length) break;
    const at = i;
    const c = input.charAt(i);
    if (c === '"') {
      // <xd>: "" is one quote, anything else is literal; the NAME is returned at the closing quote,
      // so that is what an error message quotes (yytext).
      let name = '';
      i++;
      for (;;) {
        const q = input.charAt(i);
        if (q === '') throw syntaxError(input, 'unterminated quoted identifier', at);
        i++;
        if (q !== '"') name += q;
        else if (input.charAt(i) === '"') {
          name += '"';
          i++;
        } else break;
      }
      tokens.push({ kind: 'NAME', text: name, near: 'at or near """', at });
    } else if (isIdentStart(c)) {
      while (isIdentCont(input.charAt(i))) i++;
      const word = input.slice(at, i);
      // [Aa][Nn][Yy] and [Ff][Ii][Rr][Ss][Tt] come before {identifier}: on an equal-length match
      // flex takes the earlier rule, so a bare `any`/`first` is always the keyword (quote it to
      // use it as a name), while `anybody` or `first1` is a longer identifier match.
      const lower = word.toLowerCase();
      const kind = lower === 'any' ? 'ANY' : lower === 'first' ? 'FIRST' : 'NAME';
      tokens.push({ kind, text: word, near: `at or near "${word}"`, at });
    } else if (isDigit(c)) {
      while (isDigit(input.charAt(i))) i++;
      const digits = input.slice(at, i);
      tokens.push({ kind: 'NUM', text: digits, near: `at or near "${digits}"`, at });
    } else {
      i++;
      // "*" is returned as a NAME whose value is "*" (a quoted "*" is the same NAME).
      tokens.push(c === '*' ? { kind: 'NAME', text: c, near: 'at or near "*"', at } : { kind: c, near: `at or near "${c}"`, at });
    }
  }
  tokens.push({ kind: 'EOF', near: 'at end of input', at: input.length });
  return tokens;
}

/** Words syncrep_scanner.l always reads as keywords, in any case: a standby of that name must be double-quoted in the setting. */
export const SYNC_KEYWORDS = /^(any|first)$/i;

const FIX = "write it as 'ANY n (name, ...)', 'FIRST n (name, ...)', 'name, ...' or '' (see PostgreSQL's runtime-config-replication docs)";

function syntaxError(input: string, what: string, at: number): ConfigError {
  return new ConfigError(`malformed synchronous_standby_names ${JSON.stringify(input)}: ${what} (position ${at + 1})`, FIX);
}

/** syncrep_yyerror(): "syntax error at or near "<token>"", or "... at end of input". */
function unexpected(input: string, t: Token): ConfigError {
  return syntaxError(input, `syntax error ${t.near}`, t.at);
}

/**
 * C's atoi() on a digit string as glibc on 64-bit Linux computes it (create_syncrep_config in
 * syncrep_gram.y stores `atoi(num_sync)` in an int): strtol saturates at LONG_MAX, the cast to
 * int keeps the low 32 bits. So 4294967296 becomes 0 and 2147483648 becomes -2147483648, which
 * check_synchronous_standby_names then rejects; 4294967297 becomes 1 and is accepted.
 */
function cAtoi(digits: string): number {
  let value = BigInt(digits);
  const longMax = (1n << 63n) - 1n;
  // Stryker disable next-line EqualityOperator: `>=` is equivalent (at LONG_MAX both keep LONG_MAX).
  if (value > longMax) value = longMax;
  return Number(BigInt.asIntN(32, value));
}

/**
 * Parses `synchronous_standby_names` as PostgreSQL does (syncrep_scanner.l, syncrep_gram.y,
 * check_synchronous_standby_names in syncrep.c), accepting everything PostgreSQL accepts:
 * `FIRST n (…)`, `ANY n (…)`, `n (…)`, the plain list, `*` anywhere in a list, numbers as names
 * (`1, 2`), double-quoted names with `""` escapes, ANY/FIRST in any case, more required
 * standbys than listed (`FIRST 3 (s1, s2)`: valid, see syncConfigWarnings). Whitespace is
 * ` \t\n\r\f\v` only. Name case is kept: matching is case-insensitive (standbyPriority).
 * @param input the setting's text, as it would appear between the quotes of `ALTER SYSTEM SET`.
 * @returns the parsed setting, `text` = `input`; `''` (exactly empty) is
 *   `{ method: 'async', num: 0, names: [], form: 'empty', text: '' }`.
 * @throws ConfigError "malformed synchronous_standby_names …" for exactly what PostgreSQL rejects:
 *   a syntax error (including a blank, non-empty string, and a bare `any`/`first` used as a
 *   name), an unterminated quote, or a number of synchronous standbys that is 0 (or ≤ 0 after
 *   C's atoi).
 */
export function parseSyncStandbyNames(input: string): SyncStandbyNames {
  // check_synchronous_standby_names parses only when (*newval)[0] != '\0': '' is async, but '  ' is parsed (and fails).
  if (input === '') return { method: 'async', num: 0, names: [], form: 'empty', text: '' };
  const tokens = tokenize(input);
  let i = 0;
  const peek = (): Token => tokens[i]!;
  const expect = (kind: Token['kind']): Token => {
    const t = peek();
    if (t.kind !== kind) throw unexpected(input, t);
    i++;
    return t;
  };
  // standby_list: standby_name | standby_list ',' standby_name;  standby_name: NAME | NUM
  const standbyList = (): string[] => {
    const names: string[] = [];
    for (;;) {
      const t = peek();
      if (t.kind !== 'NAME' && t.kind !== 'NUM') throw unexpected(input, t);
      names.push(t.text!);
      i++;
      if (peek().kind !== ',') return names;
      i++;
    }
  };
  let form: 'list' | 'num' | 'first' | 'any';
  let numText = '1';
  const head = peek();
  if (head.kind === 'ANY' || head.kind === 'FIRST') {
    // ANY NUM '(' standby_list ')'  |  FIRST NUM '(' standby_list ')'
    i++;
    form = head.kind === 'ANY' ? 'any' : 'first';
    numText = expect('NUM').text!;
    expect('(');
  } else if (head.kind === 'NUM' && tokens[1]!.kind === '(') {
    // NUM '(' standby_list ')'
    form = 'num';
    numText = head.text!;
    i += 2;
  } else {
    form = 'list';
  }
  const names = standbyList();
  if (form !== 'list') expect(')');
  expect('EOF');

  const num = cAtoi(numText);
  if (num <= 0) {
    throw new ConfigError(
      `malformed synchronous_standby_names ${JSON.stringify(input)}: number of synchronous standbys (${num}) must be greater than zero`,
      `${FIX}, with n at least 1`,
    );
  }
  return { method: form === 'any' ? 'any' : 'first', num, names, form, text: input };
}

/**
 * A setting made from its parts, its text printed in the explicit form PostgreSQL 10+ reads:
 * `''` for async, else `FIRST n (…)` / `ANY n (…)` with names double-quoted (`""` for a quote)
 * unless they are plain lower-case identifiers other than `any`/`first`, or the wildcard `*`
 * (syncrep_scanner.l: a quoted name is read exactly as written, `*` quoted or not is the wildcard).
 * @param s method, num (≥ 1 unless async) and names (non-empty unless async), as in SyncStandbyNames.
 * @returns the setting, `form` 'empty', 'first' or 'any'; parseSyncStandbyNames(text) gives the same parts back.
 */
export function syncStandbyNames(s: Pick<SyncStandbyNames, 'method' | 'num' | 'names'>): SyncStandbyNames {
  if (s.method === 'async') return { method: 'async', num: 0, names: [], form: 'empty', text: '' };
  const quoted = s.names.map((n) =>
    n === '*' || (/^[a-z_][a-z0-9_]*$/.test(n) && !SYNC_KEYWORDS.test(n)) ? n : `"${n.replace(/"/g, '""')}"`,
  );
  const text = `${s.method.toUpperCase()} ${s.num} (${quoted.join(', ')})`;
  return { method: s.method, num: s.num, names: [...s.names], form: s.method, text };
}

/**
 * pg_strcasecmp() from src/port/pgstrcasecmp.c as it behaves on UTF-8 text: only ASCII A–Z fold
 * to a–z (a byte ≥ 0x80 is never isupper() in a UTF-8 locale).
 */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** True when the list entry matches the application_name: `*` matches any, otherwise pg_strcasecmp() == 0. */
export function entryMatches(entry: string, applicationName: string): boolean {
  // SyncRepGetStandbyPriority: strcmp(standby_name, "*") == 0, so a quoted "*" is the wildcard too.
  return entry === '*' || asciiLower(entry) === asciiLower(applicationName);
}

/**
 * The sync_standby_priority a walsender gets for its application_name, as
 * SyncRepGetStandbyPriority() in syncrep.c computes it: 0 when the setting is empty or no entry
 * matches; otherwise the 1-based position of the FIRST entry that matches (the name, case-
 * insensitively, or `*`), under priority-based settings; 1 for every match under ANY.
 * @returns an integer ≥ 0.
 */
export function standbyPriority(parsed: SyncStandbyNames, applicationName: string): number {
  // An empty setting has no names: findIndex gives -1 and the priority is 0.
  const index = parsed.names.findIndex((entry) => entryMatches(entry, applicationName));
  if (index < 0) return 0;
  return parsed.method === 'first' ? index + 1 : 1;
}

/**
 * What is legal but wrong about a setting for a cluster whose standbys (application_names) are
 * `standbyNames`. PostgreSQL accepts all of these silently; each string says what will happen.
 * @returns one sentence per problem, in list order, then the one about unreleasable commits;
 *   [] for an empty setting or a sound one.
 */
export function syncConfigWarnings(parsed: SyncStandbyNames, standbyNames: readonly string[]): string[] {
  // An empty setting has no names and num 0: no warning can fire.
  const warnings: string[] = [];
  const cluster = standbyNames.length > 0 ? standbyNames.join(', ') : 'none';
  parsed.names.forEach((entry, i) => {
    if (entry === '*') return;
    if (parsed.names.slice(0, i).includes('*')) {
      warnings.push(`synchronous_standby_names lists "${entry}" after *, which already matches every standby: "${entry}" has no effect`);
    } else if (parsed.names.slice(0, i).some((earlier) => asciiLower(earlier) === asciiLower(entry))) {
      warnings.push(`synchronous_standby_names lists "${entry}" twice (names match case-insensitively): the second one has no effect`);
    } else if (/[^\x20-\x7e]/.test(entry)) {
      // check_application_name: pg_clean_ascii() replaces anything outside printable ASCII.
      warnings.push(
        `synchronous_standby_names lists "${entry}", which no standby can ever match: PostgreSQL keeps only printable ASCII in application_name`,
      );
    } else if (!standbyNames.some((name) => entryMatches(entry, name))) {
      warnings.push(`synchronous_standby_names lists "${entry}", which matches no standby of the cluster (standbys: ${cluster})`);
    }
  });
  const matching = standbyNames.filter((name) => standbyPriority(parsed, name) > 0);
  const distinct = new Set(matching).size;
  if (distinct < parsed.num) {
    warnings.push(
      `synchronous_standby_names asks for ${parsed.num} synchronous standbys but only ${distinct} of the cluster's standbys match it` +
        ` (${matching.length > 0 ? [...new Set(matching)].join(', ') : 'none'}): every commit will wait forever`,
    );
  }
  return warnings;
}
