/**
 * The user's repmgr settings (issue 18 §2): a `repmgr.conf` fragment (as text, `key=value` lines,
 * or as an object) with the settings repmgr's docs give for automatic failover, checked before any
 * container starts; pgchaos fills in what is per node (node_id, node_name, conninfo,
 * data_directory, the promote/follow/service commands, log files).
 *
 * The fields and defaults are repmgr 5.3's (repmgr.conf.sample; docs "repmgrd configuration",
 * "repmgrd automatic failover"): `failover` manual (pgchaos's default is `automatic`, the setting
 * the docs' repmgrd quickstart uses, since a manager that never fails over has nothing to test),
 * `priority` 100 (0: never promoted), `reconnect_attempts` 6 and `reconnect_interval` 10 s (the
 * time repmgrd retries a lost primary before a failover: about a minute by default),
 * `monitor_interval_secs` 2, `primary_visibility_consensus` false. `postgresql` holds PostgreSQL
 * parameters written into every node's postgresql.conf (repmgr manages none of them: not
 * synchronous_standby_names either; model/repmgr-promise.ts).
 */
import { ConfigError } from '../../errors.ts';

/** A PostgreSQL parameter's value as postgresql.conf takes it. */
export type PgParam = string | number | boolean;

/** The repmgr settings a user writes; every field optional. */
export interface RepmgrUserConfig {
  /** `automatic` (repmgrd promotes a standby) or `manual` (repmgrd only logs); pgchaos's default `automatic`. */
  failover?: 'automatic' | 'manual';
  /** Every node's priority (default 100); 0 never promoted. `nodes.<name>.priority` overrides it per node. */
  priority?: number;
  /** Per node by name (`pg0`, `s1`, `s2`). */
  nodes?: Record<string, { priority?: number }>;
  /**
   * A witness node `witness`: a PostgreSQL of its own, not replicated, registered with `repmgr
   * witness register` and watched by its repmgrd, whose vote repmgrd counts when it decides whether
   * the standbys it sees are a majority (repmgr 5.3 docs, "Using a witness server"). Default false.
   */
  witness?: boolean;
  /** Times repmgrd retries a lost upstream before failing over (default 6). */
  reconnect_attempts?: number;
  /** Seconds between those retries (default 10). */
  reconnect_interval?: number;
  /** Seconds between repmgrd's checks of its upstream (default 2). */
  monitor_interval_secs?: number;
  /** Promote only when no sibling standby still sees the primary (default false). */
  primary_visibility_consensus?: boolean;
  /** PostgreSQL parameters for every node's postgresql.conf, e.g. `synchronous_standby_names`. */
  postgresql?: Record<string, PgParam>;
}

/** repmgr 5.3's defaults of the settings pgchaos passes on, and pgchaos's `failover`. */
export const REPMGR_DEFAULTS = {
  failover: 'automatic',
  priority: 100,
  reconnect_attempts: 6,
  reconnect_interval: 10,
  monitor_interval_secs: 2,
  primary_visibility_consensus: false,
} as const;

/** The settings checked and resolved for the cluster's nodes (`nodes[0]` the first primary). */
export interface RepmgrConfig {
  failover: 'automatic' | 'manual';
  witness: boolean;
  reconnectAttempts: number;
  reconnectIntervalS: number;
  monitorIntervalS: number;
  primaryVisibilityConsensus: boolean;
  nodes: { name: string; priority: number }[];
  postgresql: Record<string, PgParam>;
}

/** Keys pgchaos writes per node; a fragment may not set them. */
const PER_NODE_KEYS = new Set([
  'node_id',
  'node_name',
  'conninfo',
  'data_directory',
  'pg_bindir',
  'promote_command',
  'follow_command',
  'log_file',
  'service_start_command',
  'service_stop_command',
  'service_restart_command',
  'service_reload_command',
  'repmgrd_pid_file',
]);
const NUMERIC_KEYS = ['priority', 'reconnect_attempts', 'reconnect_interval', 'monitor_interval_secs'] as const;
const KNOWN_KEYS = new Set<string>([
  'failover',
  'priority',
  'nodes',
  'witness',
  'reconnect_attempts',
  'reconnect_interval',
  'monitor_interval_secs',
  'primary_visibility_consensus',
  'postgresql',
]);

/**
 * Reads a repmgr.conf fragment as repmgr's parser does (configfile.c `parse_config`): one
 * `key = value` a line, `#` comments, values optionally in single quotes; `true`/`on`/`yes`/`1`
 * and their negations for booleans, decimal numbers for numeric keys. Keys are kept as written,
 * so `checkRepmgrConfig` refuses the ones pgchaos does not pass on.
 * @throws ConfigError naming a line that is not `key = value`.
 */
export function parseRepmgrConf(text: string): RepmgrUserConfig {
  const out: Record<string, unknown> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m)
      throw new ConfigError(
        `repmgr.conf line ${i + 1} "${raw.trim()}" is not key=value`,
        "write it as key=value, e.g. failover='automatic'",
      );
    const key = m[1]!;
    const quoted = /^'(.*)'$/.exec(m[2]!);
    const value = quoted ? quoted[1]! : m[2]!;
    if ((NUMERIC_KEYS as readonly string[]).includes(key) && /^-?\d+$/.test(value)) out[key] = Number(value);
    else if (key === 'primary_visibility_consensus' || key === 'witness') out[key] = /^(true|on|yes|1)$/i.test(value);
    else out[key] = value;
  });
  return out as RepmgrUserConfig;
}

function wholeAtLeast(v: unknown, min: number, field: string, fix: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ConfigError(`repmgr ${field} ${String(v)} is not a whole number ≥ ${min}`, fix);
  return v;
}

/**
 * Checks `raw` (an object, or repmgr.conf text read by `parseRepmgrConf`) for the nodes `names`
 * and fills in the defaults. Refused: keys pgchaos writes per node (node_id, conninfo, …), unknown
 * keys, `failover` other than automatic/manual, a priority or timing that is not a whole number
 * in range, settings for a node the cluster does not have (or for the witness, which is never promoted), and
 * `failover=automatic` with no standby of priority > 0 (repmgrd would never promote one: docs
 * "priority … 0 … will never be promoted").
 * @throws ConfigError naming the field and the fix.
 */
export function checkRepmgrConfig(raw: unknown, names: readonly string[]): RepmgrConfig {
  const c = (typeof raw === 'string' ? parseRepmgrConf(raw) : (raw ?? {})) as Record<string, unknown>;
  if (typeof c !== 'object' || Array.isArray(c))
    throw new ConfigError('the repmgr config is not an object', 'give a repmgr.conf fragment, or { failover?, priority?, nodes?, … }');
  for (const k of Object.keys(c)) {
    if (PER_NODE_KEYS.has(k))
      throw new ConfigError(`repmgr setting "${k}" is written by pgchaos for each node`, `drop ${k} from your repmgr config`);
    if (!KNOWN_KEYS.has(k))
      throw new ConfigError(`repmgr setting "${k}" is not one pgchaos passes on`, `use ${[...KNOWN_KEYS].join(', ')}`);
  }
  const failover = c.failover ?? REPMGR_DEFAULTS.failover;
  if (failover !== 'automatic' && failover !== 'manual')
    throw new ConfigError(`repmgr failover "${String(failover)}" is neither automatic nor manual`, "give failover='automatic' or 'manual'");
  if (c.witness !== undefined && typeof c.witness !== 'boolean')
    throw new ConfigError(`repmgr witness ${String(c.witness)} is not a boolean`, 'give true or false');
  const fallback = wholeAtLeast(
    c.priority ?? REPMGR_DEFAULTS.priority,
    0,
    'priority',
    'give 0 or more (100 is the default; 0: never promoted)',
  );
  const nodesRaw = (c.nodes ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, s] of Object.entries(nodesRaw)) {
    if (!names.includes(name)) throw new ConfigError(`repmgr nodes.${name}: there is no node "${name}"`, `name one of ${names.join(', ')}`);
    for (const k of Object.keys(s ?? {}))
      if (k !== 'priority') throw new ConfigError(`repmgr nodes.${name}.${k} is unknown`, 'give nodes.<name>.priority only');
  }
  const nodes = names.map((name) => ({
    name,
    priority: wholeAtLeast(nodesRaw[name]?.priority ?? fallback, 0, `nodes.${name}.priority`, 'give 0 or more (0: never promoted)'),
  }));
  if (failover === 'automatic' && !nodes.slice(1).some((n) => n.priority > 0))
    throw new ConfigError(
      'repmgr failover=automatic with every standby at priority 0: repmgrd would never promote one',
      'give at least one standby a priority above 0, or set failover=manual',
    );
  const pvc = c.primary_visibility_consensus ?? REPMGR_DEFAULTS.primary_visibility_consensus;
  if (typeof pvc !== 'boolean')
    throw new ConfigError(`repmgr primary_visibility_consensus ${String(pvc)} is not a boolean`, 'give true or false');
  const postgresql = (c.postgresql ?? {}) as Record<string, PgParam>;
  if (typeof postgresql !== 'object' || Array.isArray(postgresql))
    throw new ConfigError('repmgr postgresql is not an object of parameters', "give e.g. { synchronous_standby_names: 'ANY 1 (s1, s2)' }");
  return {
    failover,
    witness: (c.witness as boolean | undefined) ?? false,
    reconnectAttempts: wholeAtLeast(c.reconnect_attempts ?? REPMGR_DEFAULTS.reconnect_attempts, 1, 'reconnect_attempts', 'give 1 or more'),
    reconnectIntervalS: wholeAtLeast(
      c.reconnect_interval ?? REPMGR_DEFAULTS.reconnect_interval,
      1,
      'reconnect_interval',
      'give 1 or more seconds',
    ),
    monitorIntervalS: wholeAtLeast(
      c.monitor_interval_secs ?? REPMGR_DEFAULTS.monitor_interval_secs,
      1,
      'monitor_interval_secs',
      'give 1 or more seconds',
    ),
    primaryVisibilityConsensus: pvc,
    nodes,
    postgresql,
  };
}

/** One node's repmgr settings as it runs them, read back after the start (RepmgrCluster.appliedSettings). */
export interface RepmgrAppliedNode {
  name: string;
  /** The priority repmgr registered for the node (`repmgr.nodes.priority`, what repmgrd's election reads). */
  registeredPriority: number;
  /** The node's repmgr.conf, as repmgr's parser reads it (`parseRepmgrConf`): the keys pgchaos passes on. */
  conf: {
    failover: string;
    priority: number;
    reconnect_attempts: number;
    reconnect_interval: number;
    monitor_interval_secs: number;
    primary_visibility_consensus: boolean;
  };
}

/**
 * `applied` when every node runs what `c` asked for: its repmgr.conf's failover, priority and
 * timings, and the priority repmgr registered for it (`repmgr primary/standby register` copies
 * repmgr.conf's `priority` into `repmgr.nodes`; repmgrd's election reads the table, repmgrd-physical.c).
 * @throws Error naming each setting that differs, node by node, as asked and as held.
 */
export function checkRepmgrApplied(c: RepmgrConfig, applied: RepmgrAppliedNode[]): RepmgrAppliedNode[] {
  const differ: string[] = [];
  for (const want of c.nodes) {
    const held = applied.find((n) => n.name === want.name);
    if (!held) {
      differ.push(`${want.name} not read`);
      continue;
    }
    const asked = {
      failover: c.failover,
      priority: want.priority,
      reconnect_attempts: c.reconnectAttempts,
      reconnect_interval: c.reconnectIntervalS,
      monitor_interval_secs: c.monitorIntervalS,
      primary_visibility_consensus: c.primaryVisibilityConsensus,
    };
    for (const [k, v] of Object.entries(asked))
      if (held.conf[k as keyof typeof asked] !== v)
        differ.push(`${want.name} ${k} ${String(held.conf[k as keyof typeof asked])}, not ${v}`);
    if (held.registeredPriority !== want.priority)
      differ.push(`${want.name} registered priority ${held.registeredPriority}, not ${want.priority}`);
  }
  if (differ.length) throw new Error(`the repmgr nodes run settings other than the config's: ${differ.join('; ')}`);
  return applied;
}
