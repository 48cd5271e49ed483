/**
 * repmgr's own view of a cluster, typed: the table `repmgr cluster show` prints (repmgr 5.3,
 * repmgr-action-cluster.c `do_cluster_show`, repmgr-client.c `format_node_status`). It is read
 * from the `repmgr.nodes` table of the node it runs on, each node's status checked by connecting
 * to it: so the node asked matters (a deposed primary still lists itself as primary).
 */

/** One node as `repmgr cluster show` lists it. */
export interface RepmgrNode {
  id: number;
  name: string;
  /** The role registered in repmgr's metadata: `primary`, `standby` or `witness`. */
  role: string;
  /**
   * The status column, trimmed: `* running` (an active primary, not in recovery), `running` (an
   * active standby in recovery), `! running as primary` / `! running as standby` (the server's
   * recovery state contradicts its record), `! running` (running, record inactive), `? running`
   * (reachable but refused), `? unreachable` (active record, no answer), `- failed` (inactive
   * record, no answer), `! unknown`.
   */
  status: string;
  /** The upstream's name as the column shows it, marks (`! `, `? `) stripped; '' for none. */
  upstream: string;
  /** The upstream column as printed: `! pg0` when the node reports another upstream, `? pg0` when it could not be checked. */
  upstreamRaw: string;
  location: string;
  priority: number;
  /** The node's timeline, or null when it did not answer (`?`) or has none (`n/a`, a witness). */
  timeline: number | null;
}

/** A cluster as one node's `repmgr cluster show` prints it; `warnings` are the issues it lists after the table. */
export interface RepmgrView {
  /** The node whose metadata the table was read from (where the command ran). */
  askedNode: string;
  nodes: RepmgrNode[];
  warnings: string[];
}

const COLUMNS = ['ID', 'Name', 'Role', 'Status', 'Upstream', 'Location', 'Priority', 'Timeline'] as const;

/**
 * Reads the text of `repmgr cluster show` (default, not `--compact` or `--csv`), run on `askedNode`.
 * Lines before the header (log lines) are skipped; the rows end at the first empty line; the
 * warnings are the `  - …` lines after `following issues were detected`.
 * @throws Error when there is no table (the local database did not answer: repmgr printed only an error).
 */
export function parseClusterShow(text: string, askedNode: string): RepmgrView {
  const lines = text.split('\n');
  const head = lines.findIndex((l) => /^\s*ID\s*\|\s*Name\s*\|\s*Role\s*\|\s*Status\s*\|/.test(l));
  if (head < 0) throw new Error(`repmgr cluster show on ${askedNode} printed no table: ${text.trim().slice(0, 300)}`);
  const names = lines[head]!.split('|').map((c) => c.trim());
  const at = Object.fromEntries(COLUMNS.map((c) => [c, names.indexOf(c)]));
  for (const c of COLUMNS.slice(0, 7))
    if (at[c]! < 0) throw new Error(`repmgr cluster show on ${askedNode} has no "${c}" column: ${lines[head]}`);
  const nodes: RepmgrNode[] = [];
  for (const line of lines.slice(head + 2)) {
    if (!line.trim()) break;
    const cells = line.split('|').map((c) => c.trim());
    const cell = (c: (typeof COLUMNS)[number]) => (at[c]! >= 0 ? (cells[at[c]!] ?? '') : '');
    const upstreamRaw = cell('Upstream');
    const tl = Number(cell('Timeline'));
    nodes.push({
      id: Number(cell('ID')),
      name: cell('Name'),
      role: cell('Role'),
      status: cell('Status'),
      upstream: upstreamRaw.replace(/^[!?]\s*/, ''),
      upstreamRaw,
      location: cell('Location'),
      priority: Number(cell('Priority')),
      timeline: cell('Timeline') !== '' && Number.isInteger(tl) ? tl : null,
    });
  }
  const issues = lines.findIndex((l) => l.includes('following issues were detected'));
  const warnings =
    issues < 0
      ? []
      : lines
          .slice(issues + 1)
          .filter((l) => /^\s+- /.test(l))
          .map((l) => l.trim().slice(2));
  return { askedNode, nodes, warnings };
}

/**
 * The node repmgr holds for primary: registered `primary`, status `* running` (an active record,
 * reachable, not in recovery). undefined during a failover (the old primary `? unreachable`, no
 * standby promoted yet) or when no row is so.
 */
export function primaryOf(view: RepmgrView): string | undefined {
  return view.nodes.find((n) => n.role === 'primary' && n.status === '* running')?.name;
}

/**
 * The node a table lists as a standby `! running as primary` ("registered as standby but running
 * as primary"), other than the node asked: promoted after the metadata this table was read from.
 * `repmgr standby promote` rewrites the node records on the node it promotes (the old primary's
 * inactive, itself primary: repmgr-action-standby.c `do_standby_promote`), and those records
 * replicate only to the standbys that follow it: an old primary still running keeps the records
 * of before the promotion (repmgr #766; fixtures cluster-show-old-primary-back-on-pg0.txt and
 * -on-s1.txt). Pure.
 */
export function promotedElsewhere(view: RepmgrView): string | undefined {
  return view.nodes.find((n) => n.role === 'standby' && n.status === '! running as primary' && n.name !== view.askedNode)?.name;
}

/** Rows whose status says repmgr could not reach the node (`? unreachable`, `? running`). Pure. */
export function unreachable(v: RepmgrView): number {
  return v.nodes.filter((n) => n.status.startsWith('?')).length;
}

/**
 * repmgr's view, of the tables read on several nodes (in the order read): a table older than a
 * promotion it shows (`promotedElsewhere`) comes after every other, since the promoted node's own
 * records are newer; then the fewest unreachable nodes (an isolated node's table lists the rest
 * unreachable); the first read wins a tie. @throws Error when `seen` is empty. Pure.
 */
export function pickView<T extends { view: RepmgrView }>(seen: readonly T[]): T {
  if (!seen.length) throw new Error('no repmgr cluster show table to pick from');
  const score = (t: T) => (promotedElsewhere(t.view) ? 1000 : 0) + unreachable(t.view);
  return seen.reduce((a, b) => (score(b) < score(a) ? b : a));
}

/** A standby repmgr sees as attached where it should be: active, in recovery, following `primary` with no mark on its upstream. */
export function isFollowing(n: RepmgrNode, primary: string): boolean {
  return n.role === 'standby' && n.status === 'running' && n.upstreamRaw === primary;
}

/**
 * True when `view` shows every database node but `primary` (of `nodes`) as a running standby
 * following `primary` (`isFollowing`), no other database node, and, when `witness` names one, the
 * witness `* running` with `primary` as its unmarked upstream (a witness follows the primary's
 * records: repmgrd moves it to a new primary, repmgrd-physical.c `witness_monitor`). Pure.
 */
export function followsPrimary(view: RepmgrView, primary: string, nodes: readonly string[], witness?: string): boolean {
  const others = view.nodes.filter((n) => n.role !== 'witness' && n.name !== primary);
  if (others.length !== nodes.length - 1 || !others.every((n) => isFollowing(n, primary))) return false;
  if (witness === undefined) return true;
  const w = view.nodes.find((n) => n.name === witness);
  return w?.role === 'witness' && w.status === '* running' && w.upstreamRaw === primary;
}

/** One line for timeouts and logs: `pg0 primary * running tl1; s1 standby running ← pg0 tl1; …`. */
export function describeView(view: RepmgrView): string {
  if (!view.nodes.length) return `no nodes registered (asked ${view.askedNode})`;
  return view.nodes
    .map((n) =>
      [n.name, n.role, n.status, n.upstreamRaw ? `← ${n.upstreamRaw}` : '', n.timeline === null ? 'tl?' : `tl${n.timeline}`]
        .filter(Boolean)
        .join(' '),
    )
    .join('; ');
}
