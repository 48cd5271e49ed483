/**
 * The user's pg_auto_failover settings (issue 18 §2): the formation's `number_sync_standbys` and
 * each node's `candidate-priority` and `replication-quorum`, checked before any container starts
 * against the rules pg_auto_failover 2.0 enforces itself (docs/architecture-multi-standby.rst;
 * src/monitor/formation_metadata.c `FormationNumSyncStandbyIsValid`; src/monitor/node_metadata.c).
 */
import { ConfigError } from '../../errors.ts';

/** One node's replication settings, as `pg_autoctl create postgres --candidate-priority … --replication-quorum …` takes them. */
export interface PafNodeSettings {
  /** 0..100, default 50; 0: never promoted. */
  candidatePriority?: number;
  /** Listed in the primary's synchronous_standby_names; default true. */
  replicationQuorum?: boolean;
}

/** The formation's settings, as a user writes them. */
export interface PafUserConfig {
  /**
   * Standbys each commit waits for. Unset: pg_auto_failover's own default (0 with one standby;
   * the monitor raises it to 1 when a second quorum standby joins). Set: applied with
   * `pg_autoctl set formation number-sync-standbys` once every node is registered.
   */
  number_sync_standbys?: number;
  /** Per node by name (`pg0`, `s1`, `s2`); nodes not named get the defaults. */
  nodes?: Record<string, PafNodeSettings>;
}

/** A node's settings with pg_auto_failover's defaults filled in (candidate priority 50, replication quorum true). */
export interface PafResolvedNode {
  name: string;
  candidatePriority: number;
  replicationQuorum: boolean;
}

/** pg_auto_failover's defaults (docs/architecture-multi-standby.rst: "The default value is 50"; replication quorum "defaults to true"). */
export const PAF_NODE_DEFAULTS = { candidatePriority: 50, replicationQuorum: true } as const;

/** The config checked and resolved for the cluster's nodes (`names[0]` the first primary). */
export interface PafConfig {
  numberSyncStandbys: number | undefined;
  nodes: PafResolvedNode[];
}

/**
 * Checks `raw` for the nodes `names` (the first is the primary at bring-up) and fills in defaults.
 * Refused, as pg_auto_failover refuses them: a candidate priority outside 0..100 or not whole;
 * fewer than two nodes with a non-zero priority ("at least two nodes have a non-zero candidate
 * priority … Otherwise no failover is possible"); number_sync_standbys N ≥ 1 with fewer than N+1
 * standbys in the replication quorum (FormationNumSyncStandbyIsValid); settings for a node the
 * cluster does not have; unknown fields.
 * `nss` is the key `raw` spells number_sync_standbys with, and the name messages give it:
 * `number_sync_standbys` (pg_auto_failover's, `PafUserConfig`), or `numberSyncStandbys` (the
 * user's pgchaos.config.json field `pgAutoFailover`, run/config.ts).
 * @throws ConfigError naming the field and the fix.
 */
export function checkPafConfig(raw: unknown, names: readonly string[], nss: string = 'number_sync_standbys'): PafConfig {
  const c = (raw ?? {}) as Record<string, unknown>;
  if (typeof c !== 'object' || Array.isArray(c))
    throw new ConfigError('the pg_auto_failover config is not an object', `give { ${nss}?, nodes?: { pg0: {...} } }`);
  for (const k of Object.keys(c))
    if (k !== nss && k !== 'nodes') throw new ConfigError(`pg_auto_failover config field "${k}" is unknown`, `use ${nss} and nodes.<name>`);
  const nodesRaw = (c.nodes ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, s] of Object.entries(nodesRaw)) {
    if (!names.includes(name))
      throw new ConfigError(`pg_auto_failover nodes.${name}: there is no node "${name}"`, `name one of ${names.join(', ')}`);
    for (const k of Object.keys(s ?? {}))
      if (k !== 'candidatePriority' && k !== 'replicationQuorum')
        throw new ConfigError(
          `pg_auto_failover nodes.${name}.${k} is unknown`,
          'use candidatePriority (0..100) and replicationQuorum (boolean)',
        );
  }
  const nodes = names.map((name) => {
    const s = nodesRaw[name] ?? {};
    const p = s.candidatePriority ?? PAF_NODE_DEFAULTS.candidatePriority;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 100)
      throw new ConfigError(
        `pg_auto_failover nodes.${name}.candidatePriority ${String(p)} is not a whole number in 0..100`,
        'give 0..100 (50 is the default; 0: never promoted)',
      );
    const q = s.replicationQuorum ?? PAF_NODE_DEFAULTS.replicationQuorum;
    if (typeof q !== 'boolean')
      throw new ConfigError(`pg_auto_failover nodes.${name}.replicationQuorum ${String(q)} is not a boolean`, 'give true or false');
    return { name, candidatePriority: p, replicationQuorum: q };
  });
  const promotable = nodes.filter((n) => n.candidatePriority > 0).length;
  if (promotable < 2)
    throw new ConfigError(
      `pg_auto_failover needs at least two nodes with a non-zero candidate priority; this config has ${promotable}`,
      'give candidatePriority > 0 to at least two nodes (docs: "Otherwise no failover is possible")',
    );
  const n = c[nss];
  if (n !== undefined) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
      throw new ConfigError(`pg_auto_failover ${nss} ${String(n)} is not a whole number ≥ 0`, 'give 0, 1, …');
    // Every node but the first primary counts, as any of them may be the standbys after a failover;
    // the monitor checks the standbys of the primary of the moment.
    const quorum = nodes.slice(1).filter((x) => x.replicationQuorum).length;
    if (n > 0 && quorum < n + 1)
      throw new ConfigError(
        `pg_auto_failover ${nss} ${n} needs ${n + 1} standbys in the replication quorum; this cluster has ${quorum}`,
        `lower ${nss} to ${Math.max(0, quorum - 1)} or set replicationQuorum true on more standbys`,
      );
  }
  return { numberSyncStandbys: n as number | undefined, nodes };
}

/** The formation's replication settings as the monitor holds them (`pgautofailover.formation`, `pgautofailover.node`). */
export interface PafAppliedSettings {
  numberSyncStandbys: number;
  /** Every node, in the order of the config's (`pg0` first). */
  nodes: PafResolvedNode[];
}

/**
 * `applied` when the monitor holds what `config` asked for: each node's candidate priority and
 * replication quorum, and number_sync_standbys when the config set it (unset: whatever the monitor chose).
 * @throws Error naming each setting that differs, as asked and as held.
 */
export function checkApplied(config: PafConfig, applied: PafAppliedSettings): PafAppliedSettings {
  const differ: string[] = [];
  if (config.numberSyncStandbys !== undefined && applied.numberSyncStandbys !== config.numberSyncStandbys)
    differ.push(`number_sync_standbys ${applied.numberSyncStandbys}, not ${config.numberSyncStandbys}`);
  for (const want of config.nodes) {
    const held = applied.nodes.find((n) => n.name === want.name);
    if (held?.candidatePriority !== want.candidatePriority)
      differ.push(`${want.name} candidate priority ${held?.candidatePriority ?? 'none'}, not ${want.candidatePriority}`);
    if (held?.replicationQuorum !== want.replicationQuorum)
      differ.push(`${want.name} replication quorum ${held?.replicationQuorum ?? 'none'}, not ${want.replicationQuorum}`);
  }
  if (differ.length) throw new Error(`the pg_auto_failover monitor holds settings other than the config's: ${differ.join('; ')}`);
  return applied;
}
