/**
 * pg_auto_failover's own view of a formation, typed: the JSON of `pg_autoctl show state --json`
 * (pg_auto_failover 2.0, docs/ref/pg_autoctl_show_state.rst; the monitor's
 * `pgautofailover.current_state`), one object per node with its FSM states as the monitor holds them.
 */
import { z } from 'zod';

/**
 * The FSM states of pg_auto_failover 2.0 (src/monitor/replication_state.h; docs/failover-state-machine.rst).
 * Writable ones (`CanTakeWritesInState`, node_metadata.c): single, wait_primary, primary, join_primary, apply_settings.
 */
export const FSM_STATES = [
  'init',
  'single',
  'wait_primary',
  'primary',
  'draining',
  'demote_timeout',
  'demoted',
  'catchingup',
  'secondary',
  'prepare_promotion',
  'stop_replication',
  'wait_standby',
  'maintenance',
  'join_primary',
  'apply_settings',
  'prepare_maintenance',
  'wait_maintenance',
  'report_lsn',
  'fast_forward',
  'join_secondary',
  'dropped',
  'unknown',
] as const;
export type FsmState = (typeof FSM_STATES)[number];

/** States in which the monitor lets a node take writes (node_metadata.c `CanTakeWritesInState`). */
export const WRITABLE_STATES: ReadonlySet<FsmState> = new Set(['single', 'wait_primary', 'primary', 'join_primary', 'apply_settings']);

/** One node as `pg_autoctl show state --json` lists it. */
export interface PafNode {
  nodeId: number;
  groupId: number;
  /** The node's `--name`. */
  name: string;
  /** Host name and port other nodes reach its PostgreSQL at. */
  host: string;
  port: number;
  /** The monitor's health check of the node's PostgreSQL: 1 healthy, 0 unhealthy, -1 not checked yet. */
  health: number;
  /** The LSN and timeline the node's pg_autoctl last reported (a primary's current LSN, a standby's received one). */
  reportedLsn: string;
  reportedTli: number;
  /** 0..100; 0 is never promoted. */
  candidatePriority: number;
  /** Whether the node is listed in the primary's synchronous_standby_names. */
  replicationQuorum: boolean;
  /** The FSM state the node's pg_autoctl last reported reaching. */
  reported: FsmState;
  /** The FSM state the monitor assigned it. */
  assigned: FsmState;
}

/** A formation's state: its nodes in the monitor's order (node id). */
export interface PafView {
  nodes: PafNode[];
}

const stateSchema = z.enum(FSM_STATES);
const nodeSchema = z.looseObject({
  node_id: z.number(),
  group_id: z.number(),
  nodename: z.string(),
  nodehost: z.string(),
  nodeport: z.number(),
  health: z.number(),
  reported_lsn: z.string(),
  reported_tli: z.number(),
  candidate_priority: z.number(),
  replication_quorum: z.boolean(),
  current_group_state: stateSchema,
  assigned_group_state: stateSchema,
});

/**
 * Reads the output of `pg_autoctl show state --json` (text or parsed). An empty formation prints
 * nothing or `[]`.
 * @throws Error naming what does not fit (another pg_auto_failover version's shape, a non-JSON answer).
 */
export function parseView(output: unknown): PafView {
  let json = output;
  if (typeof output === 'string') {
    const text = output.trim();
    if (!text) return { nodes: [] };
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`pg_autoctl show state --json printed no JSON: ${text.slice(0, 200)}`);
    }
  }
  const r = z.array(nodeSchema).safeParse(json);
  if (!r.success)
    throw new Error(
      `pg_autoctl show state --json has an unexpected shape: ${r.error.issues[0]?.message} at ${r.error.issues[0]?.path.join('.')}`,
    );
  return {
    nodes: r.data.map((n) => ({
      nodeId: n.node_id,
      groupId: n.group_id,
      name: n.nodename,
      host: n.nodehost,
      port: n.nodeport,
      health: n.health,
      reportedLsn: n.reported_lsn,
      reportedTli: n.reported_tli,
      candidatePriority: n.candidate_priority,
      replicationQuorum: n.replication_quorum,
      reported: n.current_group_state,
      assigned: n.assigned_group_state,
    })),
  };
}

/**
 * The node the monitor holds for primary: its reported and assigned states are the same writable
 * state, or primary and apply_settings either way (node_metadata.c `IsInPrimaryState`), and the
 * monitor last found it healthy. A dead primary keeps `primary` as its reported state while the
 * monitor assigns it `draining`/`demote_timeout`/`demoted`: not primary.
 * @returns its name, or undefined during a failover (no node in a primary state).
 */
export function primaryOf(view: PafView): string | undefined {
  const settings = new Set<FsmState>(['primary', 'apply_settings']);
  return view.nodes.find(
    (n) =>
      n.health !== 0 &&
      ((n.reported === n.assigned && WRITABLE_STATES.has(n.assigned)) || (settings.has(n.reported) && settings.has(n.assigned))),
  )?.name;
}

/** The node's pg_autoctl has reached what the monitor assigned, and it is a streaming standby's state. */
export function isSecondary(n: PafNode): boolean {
  return n.reported === 'secondary' && n.assigned === 'secondary' && n.health === 1;
}

/** One line for timeouts and logs: `pg0 primary/primary tl1 0/4000110; s1 secondary/secondary …; s2 ! catchingup/secondary`. */
export function describeView(view: PafView): string {
  if (!view.nodes.length) return 'no nodes registered';
  return view.nodes
    .map((n) =>
      [
        n.name,
        n.health === 0 ? '!' : '',
        n.reported === n.assigned ? n.reported : `${n.reported}->${n.assigned}`,
        `tl${n.reportedTli}`,
        n.reportedLsn,
      ]
        .filter(Boolean)
        .join(' '),
    )
    .join('; ');
}
