/**
 * The user's postgresql.conf checked by the server of the image, once, before any cluster
 * starts: a value the server refuses (`max_wal_senders = lots`, `wal_level = replicaa`, a
 * `shared_buffers` it cannot map) is one ConfigError up front, with the server's own ERROR and
 * HINT lines, instead of a failure inside every scenario after three containers started.
 */
import { ConfigError } from '../errors.ts';
import { shInImage, type PgImage } from './image.ts';

/**
 * In one throwaway container of the image: initdb of a scratch data directory without fsync
 * (0.6 s), the settings (stdin) appended to its postgresql.conf, then `postgres --check`, which
 * reads the file as a start does, checks every value (and that shared memory of that size can be
 * had) and exits (measured on pgchaos/postgres:15: 16–28 ms). Prints `rc:N` last.
 */
const CHECK_SCRIPT = `d=$(mktemp -d) && initdb -N -D "$d/data" >/dev/null 2>&1 || { echo initdb-failed; exit 0; }
  cat >> "$d/data/postgresql.conf"
  postgres --check -D "$d/data" 2>&1; echo "rc:$?"; rm -rf "$d"`;

/** What the server said of a postgresql.conf it refused. */
export interface ServerRefusal {
  /** Its error lines (LOG, FATAL, ERROR, DETAIL), without time and pid, e.g. `invalid value for parameter "wal_level": "replicaa"`. */
  errors: string[];
  /** Its HINT lines, e.g. `Available values: minimal, replica, logical.` */
  hints: string[];
  /** The parameter the first error names, when it names one. */
  parameter?: string;
}

/**
 * Reads `postgres --check`'s output. @returns undefined when it exited 0 (or could not run: a
 * start then says it), else what it refused, without the closing `configuration file … contains errors`.
 */
export function parseCheckOutput(output: string): ServerRefusal | undefined {
  const rc = /^rc:(\d+)$/m.exec(output)?.[1];
  if (rc === undefined || rc === '0') return undefined;
  const lines = output
    .split('\n')
    .map((l) => /\b(LOG|FATAL|ERROR|DETAIL|HINT|PANIC):\s+(.*)$/.exec(l))
    .filter((m) => m !== null);
  const errors = lines
    .filter((m) => m[1] !== 'HINT' && !/^configuration file ".*" contains errors$/.test(m[2]!.trim()))
    .map((m) => m[2]!.trim());
  const hints = lines.filter((m) => m[1] === 'HINT').map((m) => m[2]!.trim());
  if (!errors.length)
    errors.push(
      output
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('rc:'))
        .at(-1)
        ?.trim() ?? `postgres --check exited ${rc}`,
    );
  const parameter = /parameter "([^"]+)"/.exec(errors[0]!)?.[1];
  return { errors, hints, ...(parameter ? { parameter } : {}) };
}

/**
 * Checks `conf` (postgresql.conf lines: pgchaos's settings and the user's, as a cluster writes
 * them) with the server of `image`, in one throwaway container (measured here: 5.1 s with the
 * container's start and initdb on a loaded 2-core machine; `postgres --check` itself takes 16–28 ms).
 * @param userSettings the user's fragment (name → value), to say whether the fault is theirs.
 * @param file the fragment's path, named in the message (null: settings given otherwise).
 * @throws ConfigError with the server's error and HINT lines, naming the file and the parameter.
 */
export async function checkConfOnImage(
  image: PgImage,
  conf: string,
  userSettings: Record<string, unknown>,
  file: string | null,
): Promise<void> {
  const r = await shInImage(image, CHECK_SCRIPT, { input: `\n${conf}\n` });
  const refusal = parseCheckOutput(r.stdout);
  if (refusal) throw refusalError(refusal, image, userSettings, file);
}

/** The ConfigError of a refusal: the parameter and file at fault, the server's words, its HINT as the fix. */
export function refusalError(r: ServerRefusal, image: PgImage, userSettings: Record<string, unknown>, file: string | null): ConfigError {
  const mine = r.parameter !== undefined && r.parameter in userSettings;
  const where = mine
    ? `${file ?? 'your settings'}: ${r.parameter} = ${JSON.stringify(String(userSettings[r.parameter!]))}`
    : file
      ? `with your postgresql.conf fragment ${file}`
      : 'with these settings';
  const what = mine
    ? `Correct ${r.parameter} in ${file ?? 'your settings'}`
    : `Correct your postgresql.conf fragment${file ? ` ${file}` : ''}`;
  return new ConfigError(
    `PostgreSQL ${image.major} (${image.name}) refuses ${where}: ${r.errors.join('; ')}`,
    [...r.hints.map((h) => `the server's HINT: ${h}`), what].join(' '),
  );
}
