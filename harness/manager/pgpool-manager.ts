/**
 * pgpool-II on the seam (manager.ts): a `PgpoolCluster` (manager/pgpool/: three PostgreSQL nodes
 * in streaming replication, one pgpool in front) seen as an HaManager. pgpool makes every move by
 * itself (its health check detaches a failed backend, its failover_command promotes, its
 * follow_primary_command repoints the standbys); this class reads, and asks pgpool for the moves
 * only its operator would ask for:
 * - clients connect as pgpool's users do, through pgpool's port (`via: 'proxy'`); each connection
 *   is named by the backend it reached (inet_server_addr), so the ledger says who acknowledged;
 * - its view is `SHOW pool_nodes` through pgpool (pgpool/view.ts);
 * - its failovers are read off that view: `start()` polls it every `intervalMs`, and a primary
 *   that changes is a failover (`PgpoolPrimaryFollower`), the standbys' LSNs read when the view
 *   first showed no primary or did not answer (pgpool answers no session while it fails over);
 * - `switchover(to)` is pgpool's own: `pcp_promote_node -s -n <id>` (4.3, pcp-promote-node.html:
 *   "Let the specified node to be actually promoted by triggering the failover_command");
 * - `recover(node)` is pgpool's online recovery of a detached node (`pcp_recovery_node`,
 *   runtime-online-recovery.html), which pgpool never starts by itself;
 * - what its config promises is model/pgpool-promise.ts's reading of the user's parameters.
 */
import { TcpNode } from '../db/sql-node.ts';
import type { FailoverRecord } from '../history/failover.ts';
import type { ManagerRecord, ManagerViewRow } from '../history/manager.ts';
import { pgpoolPromise, type PgpoolPromise } from '../model/pgpool-promise.ts';
import { synchronousCommitLevel } from '../model/sync-model.ts';
import { pollUntil } from '../wait.ts';
import type { OperatorLog } from './builtin.ts';
import { ManagerShell, type ViewRead } from './manager-shell.ts';
import { PrimaryFollower } from './primary-follower.ts';
import type { ClientEndpoint, SwitchoverRecord } from './manager.ts';
import { PGPOOL_PORT, PgpoolCluster, type PgpoolClusterOptions } from './pgpool/cluster.ts';
import { attached, describeView, nodeName, primaryOf, type PgpoolView } from './pgpool/view.ts';

/**
 * pgpool's view as the seam's rows: the primary it routes to, standbys it holds attached, any
 * detached node `out`. `state` is pgpool's role and status, then PostgreSQL's own when they differ
 * and the replication state (`standby up streaming async`, `primary down (pg primary up)`);
 * `lagBytes` is pgpool's replication_delay. `SHOW pool_nodes` prints no LSN or timeline. Pure.
 */
export function pgpoolRows(view: PgpoolView): ManagerViewRow[] {
  const primary = primaryOf(view);
  return view.nodes.map((n) => ({
    node: nodeName(n),
    role: nodeName(n) === primary ? 'primary' : n.role === 'standby' && attached(n) ? 'standby' : 'out',
    state: [
      n.role,
      n.status,
      n.pgRole && (n.pgRole !== n.role || n.pgStatus !== n.status) ? `(pg ${n.pgRole} ${n.pgStatus})` : '',
      n.replicationState,
      n.replicationSyncState,
    ]
      .filter(Boolean)
      .join(' '),
    timeline: null,
    lsn: null,
    lagBytes: n.role === 'standby' ? n.replicationDelay : null,
  }));
}

/**
 * Follows pgpool's primary (`PrimaryFollower`): lost when first seen gone (no attached primary,
 * or no answer: `unanswered`, as pgpool answers no session while it fails over), decided when a
 * view first shows another node with PostgreSQL's role primary (promoted, pgpool not yet routing
 * to it), promoted when pgpool first routes to the new primary. `SHOW pool_nodes` prints no LSN:
 * the manager reads the standbys' positions once the primary is lost (`lost()` then
 * `positionsRead`). Pure.
 */
export class PgpoolPrimaryFollower extends PrimaryFollower<PgpoolView> {
  protected primaryIn(view: PgpoolView): string | undefined {
    return primaryOf(view);
  }

  protected selected(view: PgpoolView, lost: string): boolean {
    return view.nodes.some((n) => nodeName(n) !== lost && n.pgRole === 'primary' && n.pgStatus === 'up');
  }

  /** A read at `t` that pgpool did not answer: the primary counts as lost from then, once one was seen. */
  unanswered(t: number): void {
    if (this.primary !== undefined) this.lostT ??= t;
  }
}

export interface PgpoolManagerOptions extends PgpoolClusterOptions {
  /** Between two reads of pgpool's view while the manager runs, ms (default 1000). */
  intervalMs?: number;
}

/** A pgpool cluster (its nodes and pgpool) as an HaManager (see the file's header). Create with `PgpoolManager.start`; end with `stop()` and `destroy()`. */
export class PgpoolManager extends ManagerShell<PgpoolCluster, PgpoolView> {
  readonly name = 'pgpool' as const;
  private readonly follower = new PgpoolPrimaryFollower();

  private constructor(cluster: PgpoolCluster, rec: OperatorLog, intervalMs: number) {
    super(cluster, rec, intervalMs, 'pgpool cluster');
  }

  /**
   * Brings a cluster up (`PgpoolCluster.start`).
   * @throws as PgpoolCluster.start (ConfigError before any container starts; WaitTimeoutError; ExecError).
   */
  static async start(opts: PgpoolManagerOptions, rec: OperatorLog): Promise<PgpoolManager> {
    return new PgpoolManager(await PgpoolCluster.start(opts), rec, opts.intervalMs ?? 1000);
  }

  clients(): ClientEndpoint {
    // The config is read at each connection: pgpool's published port changes when its host boots again (kill-proxy).
    const proxy = new TcpNode(
      'pgpool',
      () => this.cluster.connectionConfig(),
      (address) => this.nodeAt(address),
    );
    return {
      via: 'proxy',
      currentPrimary: async () => proxy,
      describe: `pgpool-II (port ${PGPOOL_PORT}), streaming replication mode, load balancing off`,
    };
  }

  /**
   * A view read while the manager runs: a primary change is a failover; a view that cannot be
   * read counts as unanswered; once the primary is lost, the other nodes' positions are read.
   */
  protected async observe(t: number, view: PgpoolView | undefined): Promise<void> {
    if (view) {
      const f = this.follower.observe(t, view);
      if (f) this.recordFailover(f, `pgpool: ${f.to} primary after ${f.from}`, describeView(view));
    } else this.follower.unanswered(t);
    if (this.follower.lost()) {
      const standbys = this.nodeNames.filter((n) => n !== this.follower.current());
      const read = await Promise.all(standbys.map((n) => this.cluster.position(n).catch(() => undefined)));
      this.follower.positionsRead(read.filter((p) => p !== undefined && p.receiveLsn !== null) as FailoverRecord['positions']);
    }
  }

  protected async readView(): Promise<ViewRead> {
    const { view, text } = await this.cluster.viewWithText();
    return { primary: primaryOf(view) ?? null, rows: pgpoolRows(view), raw: `(SHOW pool_nodes through pgpool)\n${text.trimEnd()}` };
  }

  /** pgpool routes to a primary and holds every other node an attached standby, each streaming in the primary's pg_stat_replication. */
  async settled(): Promise<boolean> {
    return (await this.cluster.ready()) !== undefined;
  }

  /**
   * pgpool's switchover: `pcp_promote_node -s -n <to's id>`: pgpool detaches the primary, runs
   * failover_command with `%m` = `to` (pgchaos's failover.sh promotes it by pg_promote()), then
   * follow_primary_command on the other nodes (the old primary rewound and attached as a standby).
   * Done when pgpool routes to `to`.
   * @throws Error when `to` is not a standby pgpool holds; ExecError when pcp refuses; WaitTimeoutError when pgpool does not route to `to` within 60 s.
   */
  async switchover(to: string): Promise<SwitchoverRecord> {
    const before = await this.cluster.view();
    const from = primaryOf(before);
    if (!from) throw new Error(`switchover to ${to}: pgpool routes to no primary now (${describeView(before)})`);
    if (from === to) throw new Error(`switchover to ${to}: it is the primary already`);
    this.switching = true;
    try {
      const startedT = this.rec.move(`pcp_promote_node -s -n ${this.cluster.nodeId(to)} (${to})`);
      const output = await this.cluster.pcp('pcp_promote_node', ['-s', '-n', String(this.cluster.nodeId(to))]);
      await pollUntil(
        async () => {
          const v = await this.cluster.view().catch(() => undefined);
          return v && primaryOf(v) === to
            ? { done: true, value: true }
            : { done: false, seen: v ? describeView(v) : 'pgpool did not answer' };
        },
        { what: `pgpool to route to ${to} after pcp_promote_node -s`, timeoutMs: 60_000, intervalMs: 250 },
      );
      const doneT = this.rec.clock.now();
      this.follower.reset(to);
      this.rec.step(`pgpool switched over to ${to}`);
      return { from, to, startedT, doneT, output };
    } finally {
      this.switching = false;
    }
  }

  /**
   * pgpool's online recovery of a detached node (`pcp_recovery_node -n <id>`, as write-up 001 sets
   * it up): pgpool runs `recovery_1st_stage` on the primary through pgpool_recovery (the node
   * cloned again by pg_basebackup over SSH), then `pgpool_remote_start`, then attaches the node.
   * @throws Error when `node` is the primary pgpool routes to; ExecError when pcp or a stage fails.
   */
  async recover(node: string): Promise<string> {
    const primary = primaryOf(await this.cluster.view());
    if (primary === node) throw new Error(`recover ${node}: it is the primary pgpool routes to`);
    this.rec.move(`pcp_recovery_node -n ${this.cluster.nodeId(node)} (${node})`);
    const output = await this.cluster.pcp('pcp_recovery_node', ['-n', String(this.cluster.nodeId(node))], 180_000);
    this.rec.step(`${node} recovered online and attached as a standby`);
    return output;
  }

  /**
   * The operator's attach of a detached standby that streams again (a standby whose host booted):
   * waits until the primary pgpool routes to lists `node` `streaming` in pg_stat_replication, as
   * the docs recommend before it ("confirm the replication_state of SHOW POOL NODES is
   * 'streaming'", runtime-config-failover.html), then `pcp_attach_node -n <id>`.
   * @returns pcp's output. @throws WaitTimeoutError when it does not stream within `timeoutMs` (default 30 000); ExecError when pcp refuses.
   */
  async attach(node: string, timeoutMs = 30_000): Promise<string> {
    await pollUntil(
      async () => {
        const primary = primaryOf(await this.cluster.view());
        const senders = primary ? await this.cluster.walSenders(primary).catch(() => []) : [];
        return senders.some((s) => s.name === node && s.state === 'streaming')
          ? { done: true, value: true }
          : { done: false, seen: `${primary ?? 'no primary'} sends to ${senders.map((s) => `${s.name} ${s.state}`).join(', ') || 'none'}` };
      },
      { what: `${node} streaming from the primary pgpool routes to`, timeoutMs, intervalMs: 250 },
    );
    this.rec.move(`pcp_attach_node -n ${this.cluster.nodeId(node)} (${node})`);
    return this.cluster.pcp('pcp_attach_node', ['-n', String(this.cluster.nodeId(node))], 30_000);
  }

  /**
   * The operator's failback after a fault schedule: every node pgpool holds detached (`down`) is
   * recovered online (`recover`), one at a time, as pgpool's docs have the administrator do
   * ("A PostgreSQL node detached by failover … will never return to the previous state (attached
   * state) automatically in the default setting", runtime-config-failover.html; auto_failback
   * attaches only a standby that streams again). A node pgpool holds as primary is left.
   * @returns the nodes recovered, in order. @throws WaitTimeoutError when pgpool does not answer within 30 s; ExecError when a recovery fails.
   */
  async recoverDetached(): Promise<string[]> {
    // pgpool may still be booting (the schedule's last heal may have been kill-proxy's): the
    // operator waits for it to answer first (seed 1, run 20261206-222944-8e2f, asked 3 ms after).
    const view = await pollUntil(
      async () => {
        const v = await this.cluster.view().catch((e: unknown) => String(e));
        return typeof v === 'string' ? { done: false, seen: v } : { done: true, value: v };
      },
      { what: 'pgpool to answer SHOW pool_nodes', timeoutMs: 30_000, intervalMs: 250 },
    );
    const detached = view.nodes.filter((n) => !attached(n) && n.role !== 'primary').map(nodeName);
    for (const n of detached) await this.recover(n);
    return detached;
  }

  /** model/pgpool-promise.ts on the user's `postgresql` parameters. @throws ConfigError on a malformed synchronous_standby_names. */
  promise(): PgpoolPromise {
    const pg = this.cluster.config.postgresql;
    const names = pg.synchronous_standby_names;
    const commit = pg.synchronous_commit === undefined ? undefined : synchronousCommitLevel(String(pg.synchronous_commit));
    return pgpoolPromise({
      ...(names !== undefined ? { synchronousStandbyNames: String(names) } : {}),
      ...(commit ? { synchronousCommit: commit } : {}),
      standbys: this.nodeNames.slice(1),
    });
  }

  describe(): ManagerRecord {
    const c = this.cluster.config;
    return {
      name: 'pgpool',
      config: {
        given: this.cluster.userConfig,
        resolved: {
          ...c.pool,
          failover_command: c.failoverCommand ? 'failover.sh' : '',
          follow_primary_command: c.followPrimaryCommand ? 'follow_primary.sh' : '',
          postgresql: c.postgresql,
        },
        applied: this.cluster.applied,
      },
      versions: this.cluster.image.versions,
    };
  }
}
