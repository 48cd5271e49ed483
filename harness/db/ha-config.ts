/**
 * The HA configuration a cluster is built with: pgchaos's base settings (replication, WAL,
 * logging) with per-major parameter names, the user's postgresql.conf fragment on top (parsed
 * and its names checked against the server), rendered into postgresql.conf, and the pg_hba.conf
 * that admits only the cluster network.
 */
import { distance } from 'fastest-levenshtein';
import { ConfigError } from '../errors.ts';
import type { SyncStandbyNames } from '../model/sync-standby-names.ts';
import { renamedHint, walKeepSetting } from './majors.ts';

/**
 * The settings every cluster starts from (docs: runtime-config-replication.html, runtime-config-wal.html),
 * `sync` written as its text.
 */
export function baseSettings(sync: SyncStandbyNames, major: number, synchronousCommit = 'on'): Record<string, string | number | boolean> {
  return {
    listen_addresses: '*',
    max_connections: 100,
    wal_level: 'replica',
    max_wal_senders: 10,
    max_replication_slots: 10,
    // No slots (as in the write-ups): keep enough WAL for a standby that is down for a minute under load.
    ...walKeepSetting(major),
    max_wal_size: '1GB',
    hot_standby: true,
    hot_standby_feedback: true,
    // pg_rewind needs hint-bit changes WAL-logged (or data checksums).
    wal_log_hints: true,
    synchronous_commit: synchronousCommit,
    synchronous_standby_names: sync.text,
    // Standbys report write/flush/replay positions every second instead of every 10 s.
    wal_receiver_status_interval: '1s',
    password_encryption: 'scram-sha-256',
    log_line_prefix: '%m [%p] %b %a ',
    log_replication_commands: true,
  };
}

/**
 * postgresql.conf lines for `settings`, in order: booleans as on/off, numbers bare, strings in
 * single quotes with quotes doubled (the server's own quoting, guc-file.l).
 */
export function renderConf(settings: Record<string, string | number | boolean>): string {
  const quote = (v: string | number | boolean) =>
    typeof v === 'boolean' ? (v ? 'on' : 'off') : typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`;
  return ['# pgchaos', ...Object.entries(settings).map(([k, v]) => `${k} = ${quote(v)}`)].join('\n');
}

/** pg_hba.conf: the postgres OS user on the socket; everything over TCP from the cluster network only, with scram-sha-256. */
export function renderHba(subnet: string, replicationUser: string): string {
  return [
    'local all postgres peer',
    `host replication ${replicationUser} ${subnet} scram-sha-256`,
    `host all all ${subnet} scram-sha-256`,
  ].join('\n');
}

/**
 * Parameters the harness sets itself, with where a user sets them instead. A fragment that sets
 * one of these would break the harness's access or contradict the model.
 */
const MANAGED: Record<string, string> = {
  synchronous_standby_names: 'set "synchronousStandbyNames" in pgchaos.config.json (or --sync): the model predicts from it',
  synchronous_commit: 'set "synchronousCommit" in pgchaos.config.json (or --synchronous-commit): the model predicts from it',
  port: 'leave it out: the harness reaches every node on 5432 inside its container',
  listen_addresses: 'leave it out: the standbys and the harness connect over TCP',
  data_directory: 'leave it out: the harness owns the data directory',
  config_file: 'leave it out: the harness writes postgresql.conf',
  hba_file: 'leave it out: the harness writes pg_hba.conf for the cluster network',
  ident_file: 'leave it out',
  primary_conninfo: 'leave it out: the harness points standbys at the primary',
  include: 'inline the included file: a fragment is one file',
  include_if_exists: 'inline the included file: a fragment is one file',
  include_dir: 'inline the included files: a fragment is one file',
};

/**
 * Parses a postgresql.conf fragment the way the server's configuration lexer does
 * (src/backend/utils/misc/guc-file.l): one `name = value` or `name value` per line, `#`
 * comments, values bare or single-quoted (with '' or \' for a quote). Names are
 * case-insensitive and returned in lower case; a later line wins.
 * @returns name → value (unquoted). @throws ConfigError naming the file and line of a malformed
 *   line, or of a parameter the harness manages itself.
 */
export function parseConfFragment(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const LINE = /^\s*([A-Za-z_][A-Za-z0-9_$.]*)\s*(?:=\s*|\s+)('(?:[^'\\]|''|\\.)*'|[^\s#']+)\s*(?:#.*)?$/;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (/^\s*(#.*)?$/.test(raw)) return;
    const m = LINE.exec(raw);
    if (!m)
      throw new ConfigError(
        `${file}:${i + 1}: cannot read ${JSON.stringify(raw.trim())} as "name = value"`,
        'write one parameter per line as name = value, quoting values with spaces in single quotes',
      );
    const name = m[1]!.toLowerCase();
    if (MANAGED[name]) throw new ConfigError(`${file}:${i + 1}: ${name} is set by pgchaos itself`, MANAGED[name]!);
    const v = m[2]!;
    out[name] = v.startsWith("'") ? v.slice(1, -1).replace(/''/g, "'").replace(/\\(.)/g, '$1') : v;
  });
  return out;
}

/**
 * Checks every parameter name against those the server knows (`pg_settings` of the image, see
 * `probeImage`); custom names with a dot (`extension.setting`) are the server's to accept. Also
 * checks what the settings ask of pgchaos's pg_hba.conf (`checkPasswordEncryption`).
 * @throws ConfigError naming the unknown parameter, the major, and the name it was renamed to
 *   (wal_keep_segments → wal_keep_size in 13) or else the closest known names.
 */
export function checkParameterNames(settings: Record<string, unknown>, known: ReadonlySet<string>, major: number): void {
  checkPasswordEncryption(settings, major);
  for (const name of Object.keys(settings)) {
    if (known.has(name) || name.includes('.')) continue;
    const renamed = renamedHint(name, String(settings[name]), major);
    if (renamed) throw new ConfigError(`PostgreSQL ${major} has no parameter "${name}"`, renamed);
    const near = [...known]
      .map((k) => [k, distance(name, k)] as const)
      .filter(([, d]) => d <= 3)
      .sort((a, b) => a[1] - b[1])
      .slice(0, 3)
      .map(([k]) => k);
    throw new ConfigError(
      `PostgreSQL ${major} has no parameter "${name}"`,
      near.length
        ? `did you mean ${near.join(' or ')}? Correct it in your postgresql.conf fragment`
        : `remove it from your postgresql.conf fragment (or check the parameter's name in PostgreSQL ${major}'s documentation)`,
    );
  }
}

/**
 * Refuses `password_encryption = md5` (and, before 14, its aliases on/true/yes/1): roles' passwords
 * are then stored as md5 hashes, which pgchaos's pg_hba.conf method, scram-sha-256 (`renderHba`),
 * cannot verify (docs: auth-password.html), so no standby could connect: the cluster start
 * would time out after 60 s waiting for walsenders, without naming the cause.
 * @param file the fragment's path, named in the message when known.
 * @throws ConfigError naming the setting, pg_hba.conf's method and the fix.
 */
export function checkPasswordEncryption(settings: Record<string, unknown>, major: number, file?: string): void {
  const v = settings.password_encryption;
  if (v === undefined) return;
  const text = String(v).trim().toLowerCase();
  if (text !== 'md5' && !(major < 14 && ['on', 'true', 'yes', '1'].includes(text))) return;
  throw new ConfigError(
    `${file ? `${file}: ` : ''}password_encryption = ${String(v)} stores md5 password hashes, but pgchaos's pg_hba.conf authenticates every TCP connection with scram-sha-256, which cannot check an md5 hash: no standby could connect`,
    'remove password_encryption from your postgresql.conf fragment (pgchaos sets scram-sha-256), or set it to scram-sha-256',
  );
}
