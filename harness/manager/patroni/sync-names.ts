/**
 * What Patroni writes into the leader's `synchronous_standby_names`, as a rule to check a node's
 * `SHOW` against. From Patroni 3.0.2: `ha.py` `process_sync_replication` picks up to
 * `synchronous_node_count` healthy streaming replicas (`sync.py` `current_state`); with none picked
 * it writes `*` under `synchronous_mode_strict` ("No standbys available!": every commit waits for
 * whichever standby connects) and nothing otherwise (the primary runs standalone, commits do not
 * wait; docs/replication_modes.rst); `sync.py` `set_synchronous_standby_names` writes one name
 * bare and several as `N (a,b)` (PostgreSQL's FIRST semantics, 9.6 and later).
 */

/** The settings and the cluster's state the rule reads. */
export interface PatroniSyncRule {
  /** `synchronous_mode_strict`. */
  strict: boolean;
  /** `synchronous_node_count` (Patroni's default 1). */
  nodeCount: number;
  /** The replicas Patroni may pick now (running and streaming from the leader), by name. */
  candidates: readonly string[];
}

/**
 * Checks a leader's `synchronous_standby_names` against the rule (see the module comment), in
 * synchronous_mode. Names are compared as Patroni writes plain lower-case identifiers (unquoted).
 * @returns undefined when `value` is one Patroni may write, else one sentence saying what it expected.
 */
export function patroniSyncNamesProblem(value: string, rule: PatroniSyncRule): string | undefined {
  const want = Math.min(rule.nodeCount, rule.candidates.length);
  const v = value.trim();
  if (want === 0) {
    const expected = rule.strict ? '*' : '';
    return v === expected
      ? undefined
      : `no replica to pick: Patroni writes ${rule.strict ? "'*' (synchronous_mode_strict)" : "'' (standalone, synchronous_mode without strict)"}, found '${v}'`;
  }
  const names = want === 1 ? [v] : (/^(\d+) \((.*)\)$/.exec(v)?.[2]?.split(',') ?? []);
  const count = want === 1 ? 1 : Number(/^(\d+) \(/.exec(v)?.[1]);
  const picked = names.filter((n) => rule.candidates.includes(n));
  if (count === want && picked.length === want && names.length === want) return undefined;
  const shape = want === 1 ? 'one bare name' : `'${want} (a,b…)'`;
  return `Patroni picks ${want} of ${rule.candidates.join(', ')} as ${shape}, found '${v}'`;
}
