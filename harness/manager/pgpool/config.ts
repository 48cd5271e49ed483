/**
 * The user's pgpool-II settings (issue 18 §2): a `pgpool.conf` fragment (as text, `key = value`
 * lines, or as an object) checked before any container starts; pgchaos writes what is per
 * cluster (backend_hostnameN/portN/flagN/data_directoryN/application_nameN, ports, sockets,
 * users, the script paths) and keeps pgpool's own defaults for every setting the fragment does
 * not give, except those pgchaos's cluster needs to fail over at all (below).
 *
 * Names and defaults are pgpool-II 4.3.5's (the package's docs, /usr/share/doc/pgpool2/:
 * runtime-config-health-check.html, runtime-config-failover.html,
 * runtime-streaming-replication-check.html; examples/pgpool.conf.sample):
 * - `health_check_period` 0 s in pgpool (no health check: a primary that dies with no client
 *   session open is never detached, "shutting down of PostgreSQL does not trigger a failover" when
 *   no client connects); pgchaos's default 1 s, `health_check_timeout` 20 → 5 s,
 *   `health_check_max_retries` 0 → 2, `health_check_retry_delay` 1 s, `connect_timeout`
 *   10 000 → 2000 ms: a dead primary is detached within seconds, as the docs' example cluster
 *   (example-cluster.html: period 5, retries 3) aims at, shortened for a test;
 * - `sr_check_period` 10 s (pgchaos 1 s): how often pgpool reads each standby's replication state
 *   (SHOW pool_nodes' replication_state, auto_failback);
 * - `failover_on_backend_error` on; `auto_failback` off, as in pgpool (`auto_failback_interval`
 *   60 → 10 s when a user turns it on): with it on, pgpool 4.3.5 attached a standby while
 *   follow_primary_command was still busy with another node after a switchover, so that
 *   follow_primary_command skipped it and it stayed attached following the deposed primary (run
 *   20261206-222517-e78c; findings/2026-12-06-pgpool-first-light.md); a detached node comes back by
 *   the operator's `pcp_recovery_node` (`PgpoolManager.recover`);
 * - `failover_command` / `follow_primary_command`: pgchaos's scripts (scripts.ts) unless the
 *   fragment sets them to '' (none: pgpool then only detaches a failed primary and promotes nothing).
 * `postgresql` holds PostgreSQL parameters for every node's postgresql.conf (e.g.
 * `synchronous_standby_names`): pgpool writes none of them (model/pgpool-promise.ts).
 */
import { ConfigError } from '../../errors.ts';

/** A PostgreSQL parameter's value as postgresql.conf takes it. */
export type PgParam = string | number | boolean;

/** The pgpool.conf settings pgchaos passes on, as a user writes them; every field optional. */
export interface PgpoolUserConfig {
  health_check_period?: number;
  health_check_timeout?: number;
  health_check_max_retries?: number;
  health_check_retry_delay?: number;
  /** ms. */
  connect_timeout?: number;
  sr_check_period?: number;
  failover_on_backend_error?: boolean;
  auto_failback?: boolean;
  auto_failback_interval?: number;
  search_primary_node_timeout?: number;
  detach_false_primary?: boolean;
  /** '' for none; unset: pgchaos's failover.sh. */
  failover_command?: '';
  /** '' for none; unset: pgchaos's follow_primary.sh. */
  follow_primary_command?: '';
  /** PostgreSQL parameters for every node's postgresql.conf, e.g. `synchronous_standby_names`. */
  postgresql?: Record<string, PgParam>;
}

/** pgchaos's defaults of the settings it passes on (pgpool's own in the module comment). */
export const PGPOOL_DEFAULTS = {
  health_check_period: 1,
  health_check_timeout: 5,
  health_check_max_retries: 2,
  health_check_retry_delay: 1,
  connect_timeout: 2000,
  sr_check_period: 1,
  failover_on_backend_error: true,
  auto_failback: false,
  auto_failback_interval: 10,
  search_primary_node_timeout: 300,
  detach_false_primary: false,
} as const;

/** The settings checked and resolved: pgpool.conf's keys with their values, and the nodes' parameters. */
export interface PgpoolConfig {
  /** Every setting pgchaos passes on, resolved (PGPOOL_DEFAULTS where not given). */
  pool: { -readonly [K in keyof typeof PGPOOL_DEFAULTS]: (typeof PGPOOL_DEFAULTS)[K] extends boolean ? boolean : number };
  /** pgchaos's failover.sh runs on a failover (false: the fragment set failover_command = ''). */
  failoverCommand: boolean;
  /** pgchaos's follow_primary.sh runs after a primary's failover (false: the fragment set it ''). */
  followPrimaryCommand: boolean;
  postgresql: Record<string, PgParam>;
}

/** Keys pgchaos writes for the cluster; a fragment may not set them. */
const PER_CLUSTER =
  /^(backend_\w+\d+|listen_addresses|port|pcp_\w+|socket_dir|pid_file_name|logdir|backend_clustering_mode|health_check_user|health_check_password|sr_check_user|sr_check_password|recovery_\w+|pool_passwd|enable_pool_hba|use_watchdog|load_balance_mode)$/;
const BOOLEAN_KEYS = ['failover_on_backend_error', 'auto_failback', 'detach_false_primary'] as const;
const NUMBER_KEYS = [
  'health_check_period',
  'health_check_timeout',
  'health_check_max_retries',
  'health_check_retry_delay',
  'connect_timeout',
  'sr_check_period',
  'auto_failback_interval',
  'search_primary_node_timeout',
] as const;
const KNOWN_KEYS = new Set<string>([...BOOLEAN_KEYS, ...NUMBER_KEYS, 'failover_command', 'follow_primary_command', 'postgresql']);

/**
 * Reads a pgpool.conf fragment as pgpool's own parser takes the file (config/pool_config_variables:
 * one `key = value` a line, `#` comments, strings in single quotes, booleans `on`/`off`/`true`/`false`).
 * @throws ConfigError naming a line that is not `key = value`.
 */
export function parsePgpoolConf(text: string): PgpoolUserConfig {
  const out: Record<string, unknown> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m)
      throw new ConfigError(
        `pgpool.conf line ${i + 1} "${raw.trim()}" is not key = value`,
        'write it as key = value, e.g. health_check_period = 5',
      );
    const key = m[1]!;
    const quoted = /^'(.*)'$/.exec(m[2]!);
    const value = quoted ? quoted[1]! : m[2]!;
    if ((BOOLEAN_KEYS as readonly string[]).includes(key) && /^(on|off|true|false|yes|no|1|0)$/i.test(value))
      out[key] = /^(on|true|yes|1)$/i.test(value);
    else if ((NUMBER_KEYS as readonly string[]).includes(key) && /^-?\d+$/.test(value)) out[key] = Number(value);
    else out[key] = value;
  });
  return out as PgpoolUserConfig;
}

/**
 * Checks `raw` (an object, or pgpool.conf text read by `parsePgpoolConf`) and fills in pgchaos's
 * defaults. Refused: keys pgchaos writes for the cluster (backend_hostname0, port, …), unknown keys,
 * a number that is not a whole number in range (`health_check_period` 0 is pgpool's "off", allowed;
 * with it the failover then rests on client sessions alone), a boolean that is not one,
 * a `failover_command`/`follow_primary_command` other than '' (pgchaos's scripts run in its
 * containers; a user's script would not be there).
 * @throws ConfigError naming the field and the fix.
 */
export function checkPgpoolConfig(raw: unknown): PgpoolConfig {
  const c = (typeof raw === 'string' ? parsePgpoolConf(raw) : (raw ?? {})) as Record<string, unknown>;
  if (typeof c !== 'object' || Array.isArray(c))
    throw new ConfigError(
      'the pgpool config is not an object',
      'give a pgpool.conf fragment, or { health_check_period?, auto_failback?, … }',
    );
  for (const k of Object.keys(c)) {
    if (PER_CLUSTER.test(k))
      throw new ConfigError(`pgpool setting "${k}" is written by pgchaos for the cluster`, `drop ${k} from your pgpool config`);
    if (!KNOWN_KEYS.has(k))
      throw new ConfigError(`pgpool setting "${k}" is not one pgchaos passes on`, `use ${[...KNOWN_KEYS].join(', ')}`);
  }
  const pool = { ...PGPOOL_DEFAULTS } as PgpoolConfig['pool'];
  for (const k of BOOLEAN_KEYS) {
    const v = c[k];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new ConfigError(`pgpool ${k} ${String(v)} is not a boolean`, 'give on or off');
    pool[k] = v;
  }
  for (const k of NUMBER_KEYS) {
    const v = c[k];
    if (v === undefined) continue;
    const min = k === 'health_check_period' || k === 'health_check_max_retries' || k === 'auto_failback_interval' ? 0 : 1;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw new ConfigError(
        `pgpool ${k} ${String(v)} is not a whole number ≥ ${min}`,
        `give ${k} = ${PGPOOL_DEFAULTS[k]} or another whole number ≥ ${min}`,
      );
    pool[k] = v;
  }
  for (const k of ['failover_command', 'follow_primary_command'] as const)
    if (c[k] !== undefined && c[k] !== '')
      throw new ConfigError(
        `pgpool ${k} '${String(c[k])}' names a script pgchaos's containers do not have`,
        `drop ${k} to run pgchaos's (pgpool's sample, without SSH for the promotion), or give '' for none`,
      );
  const postgresql = (c.postgresql ?? {}) as Record<string, PgParam>;
  if (typeof postgresql !== 'object' || Array.isArray(postgresql))
    throw new ConfigError('pgpool postgresql is not an object of parameters', "give e.g. { synchronous_standby_names: 'ANY 1 (s1, s2)' }");
  for (const name of Object.keys(postgresql))
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name))
      throw new ConfigError(
        `pgpool postgresql "${name}" is not a PostgreSQL parameter name`,
        'give names as postgresql.conf spells them, e.g. synchronous_commit',
      );
  return { pool, failoverCommand: c.failover_command !== '', followPrimaryCommand: c.follow_primary_command !== '', postgresql };
}

/** What the running pgpool and its nodes hold, read back once the cluster was ready (`PgpoolCluster.appliedSettings`). */
export interface PgpoolApplied {
  /** pgpool's own settings as `PGPOOL SHOW ALL` prints them (`on`/`off`, numbers in decimal), for the keys of `PgpoolConfig.pool`. */
  pool: Record<string, string>;
  /**
   * Per node, `SHOW` of each parameter of `postgresql` as the server prints it. Recorded, not compared: PostgreSQL
   * normalises units and lists (`16MB`, `ANY 1 (s1, s2)`), and synchronous_standby_names is judged at every sample anyway.
   */
  nodes: Array<{ name: string; postgresql: Record<string, string> }>;
}

/** ms in each unit pgpool's `PGPOOL SHOW` prints a time in (guc.c's time units). */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** A shown number (`300`, `5min`, `2000ms`) in the setting's own unit of `unitMs` ms; NaN when it is no number. */
function inUnit(shown: string, unitMs: number): number {
  const m = /^(-?\d+)\s*(ms|s|min|h|d)?$/.exec(shown.trim());
  if (!m) return Number.NaN;
  return m[2] ? (Number(m[1]) * UNIT_MS[m[2]]!) / unitMs : Number(m[1]);
}

/**
 * Checks that the running pgpool holds every setting of `c.pool` (booleans as `on`/`off`; numbers
 * as pgpool 4.3.5's `PGPOOL SHOW` prints them, plain or with a time unit, `5min` for 300 s) and
 * that every node was read.
 * @returns `applied`, for the record.
 * @throws Error naming each setting that differs: pgpool took another value than the config's.
 */
export function checkPgpoolApplied(c: PgpoolConfig, applied: PgpoolApplied, nodes: readonly string[]): PgpoolApplied {
  const differ: string[] = [];
  for (const [k, v] of Object.entries(c.pool)) {
    const want = typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v);
    const held = applied.pool[k];
    const same = typeof v === 'number' ? held !== undefined && inUnit(held, k === 'connect_timeout' ? 1 : 1000) === v : held === want;
    if (!same) differ.push(`${k} ${held ?? 'not shown'}, not ${want}`);
  }
  for (const n of nodes) if (!applied.nodes.some((a) => a.name === n)) differ.push(`${n} not read`);
  if (differ.length) throw new Error(`pgpool runs settings other than the config's: ${differ.join('; ')}`);
  return applied;
}
