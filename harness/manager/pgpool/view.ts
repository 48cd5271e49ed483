/**
 * pgpool-II's own view of its backends, typed: the table `SHOW pool_nodes` prints through pgpool
 * (pgpool-II 4.3.5 docs, sql-show-pool-nodes.html; the status values are pcp_node_info's). In 4.3
 * it shows both what pgpool holds (`status`, `role`) and what it last read from PostgreSQL
 * (`pg_status`, `pg_role`): a node pgpool detached is `down` whatever PostgreSQL does, and a
 * deposed primary that runs again is `down` with `pg_role` primary.
 */

/** One backend as `SHOW pool_nodes` lists it. */
export interface PgpoolNode {
  id: number;
  hostname: string;
  port: number;
  /** What pgpool holds: `up`, `waiting` (attached, no session used it yet), `down`, `unused`, `quarantine`. */
  status: string;
  /** PostgreSQL's state as pgpool last read it (4.3): `up` or `down`. */
  pgStatus: string;
  /** The role pgpool holds: `primary` or `standby`. */
  role: string;
  /** The role PostgreSQL reports (4.3): `primary`, `standby`, or `unknown` when unreachable. */
  pgRole: string;
  /** Bytes behind the primary (sr_check), null when not shown. */
  replicationDelay: number | null;
  /** `streaming`, `catchup`, … as the primary's pg_stat_replication says (standbys only, 4.1+); '' when none. */
  replicationState: string;
  /** `async`, `sync`, `quorum`, `potential`; '' when none. */
  replicationSyncState: string;
  lastStatusChange: string;
}

/** pgpool's view: the rows, and the host names mapped to pgchaos's node names. */
export interface PgpoolView {
  nodes: PgpoolNode[];
}

const COLUMNS = [
  'node_id',
  'hostname',
  'port',
  'status',
  'pg_status',
  'role',
  'pg_role',
  'replication_delay',
  'replication_state',
  'replication_sync_state',
  'last_status_change',
] as const;

/**
 * Reads `SHOW pool_nodes` as psql prints it aligned (a header, a `---+---` rule, rows, `(N rows)`).
 * @throws Error when there is no header with node_id, hostname and status (pgpool did not answer
 *   with the table: the text says what it answered).
 */
export function parsePoolNodes(text: string): PgpoolView {
  const lines = text.split('\n');
  const head = lines.findIndex((l) => /^\s*node_id\s*\|\s*hostname\s*\|/.test(l));
  if (head < 0) throw new Error(`SHOW pool_nodes printed no table: ${text.trim().slice(0, 300)}`);
  const names = lines[head]!.split('|').map((c) => c.trim());
  const at = Object.fromEntries(COLUMNS.map((c) => [c, names.indexOf(c)]));
  for (const c of ['node_id', 'hostname', 'port', 'status', 'role'] as const)
    if (at[c]! < 0) throw new Error(`SHOW pool_nodes has no "${c}" column: ${lines[head]}`);
  const nodes: PgpoolNode[] = [];
  for (const line of lines.slice(head + 2)) {
    if (!line.includes('|')) break;
    const cells = line.split('|').map((c) => c.trim());
    const cell = (c: (typeof COLUMNS)[number]) => (at[c]! >= 0 ? (cells[at[c]!] ?? '') : '');
    const delay = cell('replication_delay');
    nodes.push({
      id: Number(cell('node_id')),
      hostname: cell('hostname'),
      port: Number(cell('port')),
      status: cell('status'),
      pgStatus: cell('pg_status'),
      role: cell('role'),
      pgRole: cell('pg_role'),
      replicationDelay: /^\d+$/.test(delay) ? Number(delay) : null,
      replicationState: cell('replication_state'),
      replicationSyncState: cell('replication_sync_state'),
      lastStatusChange: cell('last_status_change'),
    });
  }
  return { nodes };
}

/** A backend's pgchaos name from its host name (`<cluster id>-pg0` → `pg0`). */
export function nodeName(n: PgpoolNode): string {
  return n.hostname.slice(n.hostname.lastIndexOf('-') + 1);
}

/** An attached node: pgpool routes to it (`up`, or `waiting` before a session used it). */
export function attached(n: PgpoolNode): boolean {
  return n.status === 'up' || n.status === 'waiting';
}

/** The node pgpool routes writes to: role `primary` and attached; undefined during a failover or with none. */
export function primaryOf(view: PgpoolView): string | undefined {
  const p = view.nodes.find((n) => n.role === 'primary' && attached(n));
  return p ? nodeName(p) : undefined;
}

/** One line for timeouts and logs: `pg0 primary up (pg primary); s1 standby up streaming async; …`. */
export function describeView(view: PgpoolView): string {
  if (!view.nodes.length) return 'no backends';
  return view.nodes
    .map((n) =>
      [
        nodeName(n),
        n.role,
        n.status,
        n.pgRole && n.pgRole !== n.role ? `(pg ${n.pgRole} ${n.pgStatus})` : '',
        n.replicationState,
        n.replicationSyncState,
      ]
        .filter(Boolean)
        .join(' '),
    )
    .join('; ');
}
