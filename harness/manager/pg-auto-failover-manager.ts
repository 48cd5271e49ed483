/**
 * pg_auto_failover on the seam (manager.ts): a `PgAutoFailoverCluster` (manager/pg-auto-failover/:
 * a monitor and three Postgres nodes, each run by pg_autoctl) seen as an HaManager. The monitor
 * makes every move by itself; this class only reads and asks:
 * - clients connect as pg_auto_failover's users do: with the formation's multi-host URI
 *   (`pg_autoctl show uri`) and `target_session_attrs=read-write`, resolved with libpq's
 *   semantics (pg-auto-failover/multi-host.ts) since node-postgres has no multi-host support;
 * - its view is the monitor's own, `pg_autoctl show state --json`;
 * - its failovers are read off that view: `start()` polls it every `intervalMs`, and a primary
 *   that changes, not by `switchover()`, is a failover (`PafPrimaryFollower`);
 * - `switchover(to)` runs `pg_autoctl perform promotion --name to` (2.0's `perform switchover`
 *   takes no target; promotion is its switchover to a chosen node); `switchover()` runs
 *   `pg_autoctl perform switchover`, the monitor choosing the node;
 * - what its config promises is model/pg-auto-failover-promise.ts's reading of the formation.
 * The stories start it through ScenarioContext.startManaged under `manager: pg_auto_failover`
 * (scenarios/managed/pg-auto-failover-*.test.ts).
 */
import type { FailoverRecord } from '../history/failover.ts';
import type { ManagerRecord, ManagerViewRow } from '../history/manager.ts';
import { lsnDiff } from '../lsn.ts';
import { pgAutoFailoverPromise, type PafPromise } from '../model/pg-auto-failover-promise.ts';
import { pollUntil } from '../wait.ts';
import type { OperatorLog } from './builtin.ts';
import { ManagerShell, type ViewRead } from './manager-shell.ts';
import { PrimaryFollower } from './primary-follower.ts';
import type { ClientEndpoint, SwitchoverRecord } from './manager.ts';
import { PgAutoFailoverCluster, type PgAutoFailoverClusterOptions } from './pg-auto-failover/cluster.ts';
import { firstReadWrite, type Host, parseMultiHostUri } from './pg-auto-failover/multi-host.ts';
import { describeView, isSecondary, primaryOf, type PafView } from './pg-auto-failover/view.ts';

/**
 * The monitor's view as the seam's rows: the node it holds for primary, healthy secondaries and
 * catching-up nodes as standbys, anything else (draining, demoted, unhealthy, in maintenance) out.
 * `state` is `reported/assigned` (one word when equal), `unhealthy` added when the monitor's
 * health check fails; `lagBytes` is the primary's reported LSN minus the node's. Pure.
 */
export function pafRows(view: PafView): ManagerViewRow[] {
  const primary = view.nodes.find((n) => n.name === primaryOf(view));
  return view.nodes.map((n) => ({
    node: n.name,
    role:
      n.name === primary?.name
        ? 'primary'
        : n.health !== 0 && (n.reported === 'secondary' || n.reported === 'catchingup') && n.assigned === n.reported
          ? 'standby'
          : 'out',
    state: `${n.reported === n.assigned ? n.reported : `${n.reported}/${n.assigned}`}${n.health === 0 ? ' unhealthy' : ''}`,
    timeline: n.reportedTli,
    lsn: n.reportedLsn,
    lagBytes: primary ? Math.max(0, Number(lsnDiff(primary.reportedLsn, n.reportedLsn))) : null,
  }));
}

/**
 * Follows the monitor's primary (`PrimaryFollower`) and says when it was replaced: by another
 * node, or by the same node promoted again on a new timeline (the monitor demoted it, found it the
 * most advanced of the nodes that reported their LSN, and promoted it: seen under the nemesis when
 * its pg_autoctl was frozen, docs/findings/2026-12-06-pg-auto-failover-nemesis.md). Lost when the
 * views first show no primary (the monitor found it unhealthy or assigned it draining); decided
 * when they first show a candidate selected (a node assigned prepare_promotion, stop_replication,
 * fast_forward or wait_primary; the old primary only once it no longer reports a primary's state,
 * since a primary is also assigned wait_primary when its standbys go), with the LSNs the standbys
 * reported then (the ones the monitor chose on; `receiveLsn` is pg_autoctl's reported LSN,
 * `replayLsn` unknown), else those of the last view of the old primary; promoted when the new
 * primary is first seen. A selection the 1-s views missed is taken as decided at the promotion,
 * or, for the old primary promoted again, at the loss: the client's outage (run/managed-steps.ts
 * `clientFailovers`) is measured from it. Pure.
 */
export class PafPrimaryFollower extends PrimaryFollower<PafView> {
  protected primaryIn(view: PafView): string | undefined {
    return primaryOf(view);
  }

  protected selected(view: PafView, lost: string): boolean {
    return view.nodes.some((n) => CANDIDATE_STATES.has(n.assigned) && (n.name !== lost || !PRIMARY_REPORTS.has(n.reported)));
  }

  protected override termOf(view: PafView, primary: string): number {
    return view.nodes.find((n) => n.name === primary)?.reportedTli ?? 0;
  }

  /** The healthy standbys' reported LSNs. */
  protected override positionsIn(view: PafView, primary: string): FailoverRecord['positions'] {
    return view.nodes
      .filter((n) => n.name !== primary && n.health !== 0)
      .map((n) => ({ name: n.name, receiveLsn: n.reportedLsn, replayLsn: null }))
      .sort((a, b) => Number(lsnDiff(b.receiveLsn, a.receiveLsn)));
  }
}

/** States the monitor assigns the node it selected to promote (group_state_machine.c `PromoteSelectedNode`, `ProceedWithMSFailover`). */
const CANDIDATE_STATES: ReadonlySet<string> = new Set(['prepare_promotion', 'stop_replication', 'fast_forward', 'wait_primary']);
/** The states a primary reports while it still is one (node_metadata.c `IsInPrimaryState`, and join_primary). */
const PRIMARY_REPORTS: ReadonlySet<string> = new Set(['primary', 'wait_primary', 'apply_settings', 'join_primary']);

export interface PgAutoFailoverManagerOptions extends PgAutoFailoverClusterOptions {
  /** Between two reads of the monitor's view while the manager runs, ms (default 1000). */
  intervalMs?: number;
}

/** A pg_auto_failover formation (monitor and nodes) as an HaManager (see the file's header). Create with `PgAutoFailoverManager.start`; end with `stop()` and `destroy()`. */
export class PgAutoFailoverManager extends ManagerShell<PgAutoFailoverCluster, PafView> {
  readonly name = 'pg_auto_failover' as const;
  private readonly follower = new PafPrimaryFollower();

  private constructor(
    cluster: PgAutoFailoverCluster,
    /** The formation's URI as `pg_autoctl show uri` printed it at start. */
    readonly uri: string,
    rec: OperatorLog,
    intervalMs: number,
  ) {
    super(cluster, rec, intervalMs, 'pg_auto_failover formation');
  }

  /**
   * Brings a formation up pg_auto_failover's way (`PgAutoFailoverCluster.start`) and reads its
   * URI from the monitor.
   * @throws as PgAutoFailoverCluster.start (ConfigError before any container starts; WaitTimeoutError).
   */
  static async start(opts: PgAutoFailoverManagerOptions, rec: OperatorLog): Promise<PgAutoFailoverManager> {
    const cluster = await PgAutoFailoverCluster.start(opts);
    try {
      return new PgAutoFailoverManager(cluster, await cluster.formationUri(), rec, opts.intervalMs ?? 1000);
    } catch (e) {
      await cluster.destroy();
      throw e;
    }
  }

  /**
   * The formation's multi-host URI with `target_session_attrs=read-write`, each host reached
   * through the node's published port, tried in the URI's order (multi-host.ts).
   */
  clients(): ClientEndpoint {
    const hosts: Host[] = parseMultiHostUri(this.uri).hosts.map(({ host }) => {
      const name = this.cluster.nodeOfHost(host);
      if (!name) throw new Error(`pg_autoctl show uri names ${host}, which is no node of this formation`);
      return { name, config: () => this.cluster.nodeConnectionConfig(name) };
    });
    return {
      via: 'primary',
      currentPrimary: () => firstReadWrite(hosts),
      describe: `${this.uri} (libpq's target_session_attrs=read-write: each host in order, the first read-write one)`,
    };
  }

  /** A view read while the manager runs: a primary replaced is a failover. A view that cannot be read is skipped. */
  protected async observe(t: number, view: PafView | undefined): Promise<void> {
    if (!view) return;
    const f = this.follower.observe(t, view);
    if (f) this.recordFailover(f, `pg_auto_failover: ${f.to} primary after ${f.from}`, describeView(view));
  }

  protected async readView(): Promise<ViewRead> {
    const [view, text] = await Promise.all([this.cluster.view(), this.cluster.viewText()]);
    return { primary: primaryOf(view) ?? null, rows: pafRows(view), raw: text.trimEnd() };
  }

  /** The monitor holds a primary in state `primary` (reported and assigned), every other node a healthy secondary, each streaming in the primary's pg_stat_replication. */
  async settled(): Promise<boolean> {
    const view = await this.cluster.view();
    const primary = primaryOf(view);
    const p = view.nodes.find((n) => n.name === primary);
    if (!primary || p?.reported !== 'primary' || p.assigned !== 'primary') return false;
    const others = view.nodes.filter((n) => n.name !== primary);
    if (others.length !== this.nodeNames.length - 1 || !others.every(isSecondary)) return false;
    const senders = await this.cluster.walSenders(primary);
    return others.every((n) => senders.some((s) => s.name === `pgautofailover_standby_${n.nodeId}` && s.state === 'streaming'));
  }

  /**
   * A planned switchover by pg_auto_failover's own command, then waits (60 s) for the monitor to
   * hold the new primary. Not counted as a failover.
   * - `to` given: `pg_autoctl perform promotion --name to` (2.0's switchover to a chosen node);
   * - `to` omitted: `pg_autoctl perform switchover`, the command its docs give for a planned
   *   switchover (docs/ref/pg_autoctl_perform_switchover.rst): the monitor picks the candidate
   *   itself, as at a failover (group_state_machine.c `SelectFailoverCandidateNode`: the highest
   *   candidate priority, then the most advanced reported LSN); `to` in the record is the node it
   *   promoted.
   * @throws Error when the monitor holds no primary or `to` is it; ExecError when pg_auto_failover
   *   refuses; WaitTimeoutError when no new primary is held in time.
   */
  async switchover(to?: string): Promise<SwitchoverRecord> {
    const from = primaryOf(await this.cluster.view());
    if (!from) throw new Error(`switchover${to ? ` to ${to}` : ''} refused: the monitor holds no primary`);
    if (from === to) throw new Error(`${to} is already the primary`);
    this.switching = true;
    try {
      const command = to ? `pg_autoctl perform promotion --name ${to}` : 'pg_autoctl perform switchover';
      const startedT = this.rec.move(command);
      const output = to ? await this.cluster.promote(to) : await this.cluster.performSwitchover();
      const now = await pollUntil(
        async () => {
          const v = await this.cluster.view();
          const p = primaryOf(v);
          return p !== undefined && p !== from && (to === undefined || p === to)
            ? { done: true, value: p }
            : { done: false, seen: describeView(v) };
        },
        {
          what: `the monitor to hold ${to ?? `a node other than ${from}`} for primary after ${command}`,
          timeoutMs: 60_000,
          intervalMs: 250,
        },
      );
      const doneT = this.rec.step(`${now} primary (switchover)`);
      this.follower.reset(now);
      return { from, to: now, startedT, doneT, output: output.trim().split('\n').slice(-8).join('\n') };
    } finally {
      this.switching = false;
    }
  }

  /**
   * What the formation's settings promise, as the monitor holds them once the formation was up
   * (`PgAutoFailoverCluster.applied`: number_sync_standbys and each node's settings read back),
   * the nodes but the first primary as the standbys.
   */
  promise(): PafPromise {
    const { numberSyncStandbys, nodes } = this.cluster.applied;
    return pgAutoFailoverPromise({ numberSyncStandbys, standbys: nodes.slice(1) });
  }

  describe(): ManagerRecord {
    return {
      name: 'pg_auto_failover',
      config: {
        ...this.cluster.userConfig,
        resolved: { numberSyncStandbys: this.cluster.config.numberSyncStandbys ?? 'monitor default', nodes: this.cluster.config.nodes },
        applied: this.cluster.applied,
      },
      versions: this.cluster.image.versions,
    };
  }
}
