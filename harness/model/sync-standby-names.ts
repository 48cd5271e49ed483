import { ConfigError } from '../errors.ts';

/**
 * A parsed `synchronous_standby_names`, following the grammar of PostgreSQL's
 * src/backend/replication/syncrep_gram.y (docs: runtime-config-replication.html):
 *   ''                       asynchronous replication
 *   s1, s2                   same as FIRST 1 (s1, s2)  (the pre-9.6 form)
 *   N (s1, s2)               same as FIRST N (...)
 *   FIRST N (s1, s2)         priority-based: the first N connected in list order are `sync`
 *   ANY N (s1, s2)           quorum-based: any N of them; candidates report `quorum`
 * Names are identifiers or double-quoted strings; `*` matches any standby.
 */
export interface SyncStandbyNames {
  method: 'async' | 'first' | 'any';
  /** How many standbys must confirm a commit (0 for async). */
  num: number;
  /** Standby names (`application_name`s) in list order, unquoted. */
  names: string[];
}

const TOKEN = /\s*(?:(\()|(\))|(,)|("(?:[^"]|"")*")|([A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)|([0-9]+)|(\*))/y;

type Token = { kind: '(' | ')' | ',' | 'name' | 'num' | '*'; text: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < input.length) {
    if (/^\s*$/.test(input.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(input);
    if (!m) throw malformed(input, `unexpected character at position ${at + 1}: ${JSON.stringify(input.slice(at, at + 10))}`);
    if (m[1]) tokens.push({ kind: '(', text: '(' });
    else if (m[2]) tokens.push({ kind: ')', text: ')' });
    else if (m[3]) tokens.push({ kind: ',', text: ',' });
    else if (m[4]) tokens.push({ kind: 'name', text: m[4].slice(1, -1).replace(/""/g, '"') });
    else if (m[5]) tokens.push({ kind: 'name', text: m[5] });
    else if (m[6]) tokens.push({ kind: 'num', text: m[6] });
    else tokens.push({ kind: '*', text: '*' });
  }
  return tokens;
}

function malformed(input: string, why: string): ConfigError {
  return new ConfigError(
    `malformed synchronous_standby_names ${JSON.stringify(input)}: ${why}`,
    "write it as 'ANY n (name, ...)', 'FIRST n (name, ...)', 'name, ...' or '' (see PostgreSQL's runtime-config-replication docs)",
  );
}

/**
 * Parses `synchronous_standby_names`.
 * @throws ConfigError when the text does not follow PostgreSQL's grammar, when N is 0, or when
 *   N is larger than the list (PostgreSQL accepts that, but every commit would wait forever).
 */
export function parseSyncStandbyNames(input: string): SyncStandbyNames {
  const tokens = tokenize(input);
  if (tokens.length === 0) return { method: 'async', num: 0, names: [] };
  let i = 0;
  let method: 'first' | 'any' = 'first';
  let num = 1;
  const head = tokens[0]!;
  const second = tokens[1];
  const kw = head.kind === 'name' && /^(any|first)$/i.test(head.text) && second?.kind === 'num';
  if (kw) {
    method = head.text.toLowerCase() as 'first' | 'any';
    num = Number(second.text);
    i = 2;
  } else if (head.kind === 'num' && second?.kind === '(') {
    num = Number(head.text);
    i = 1;
  }
  const parenthesised = i > 0;
  if (parenthesised) {
    if (tokens[i]?.kind !== '(') throw malformed(input, `expected "(" after ${tokens[i - 1]!.text}`);
    i++;
  }
  const names: string[] = [];
  for (;;) {
    const t = tokens[i];
    if (!t || !(t.kind === 'name' || t.kind === '*' || t.kind === 'num')) {
      throw malformed(input, t ? `expected a standby name, found ${JSON.stringify(t.text)}` : 'expected a standby name');
    }
    names.push(t.text);
    i++;
    if (tokens[i]?.kind === ',') {
      i++;
      continue;
    }
    break;
  }
  if (parenthesised) {
    if (tokens[i]?.kind !== ')') throw malformed(input, 'missing ")"');
    i++;
  }
  if (i !== tokens.length) throw malformed(input, `unexpected ${JSON.stringify(tokens[i]!.text)} after the list`);
  if (num < 1) throw malformed(input, 'the number of synchronous standbys must be greater than zero');
  if (num > names.length) {
    throw new ConfigError(
      `synchronous_standby_names ${JSON.stringify(input)} asks for ${num} synchronous standbys but lists ${names.length}: every commit would wait forever`,
      `list at least ${num} standbys or lower the number`,
    );
  }
  return { method, num, names };
}

/**
 * Checks that every name in the setting is a standby of the cluster (`*` matches any).
 * @throws ConfigError naming the unknown standby and the cluster's standbys.
 */
export function assertNamesAreStandbys(parsed: SyncStandbyNames, standbys: readonly string[], input: string): void {
  for (const name of parsed.names) {
    if (name !== '*' && !standbys.includes(name)) {
      throw new ConfigError(
        `synchronous_standby_names ${JSON.stringify(input)} names standby "${name}", which is not in the cluster (standbys: ${standbys.join(', ')})`,
        `use only the cluster's standby names, or add "${name}" to the cluster's standbys`,
      );
    }
  }
}
