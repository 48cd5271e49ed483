/**
 * repmgr on the seam (manager.ts): a `RepmgrCluster` (manager/repmgr/: three PostgreSQL nodes,
 * each with repmgrd) seen as an HaManager. repmgrd makes every move by itself; this class only
 * reads:
 * - clients connect as repmgr's users do, directly to the primary (repmgr has no proxy and no
 *   multi-host URI of its own): `clients()` is `via: 'primary'`, asking repmgr's view for the
 *   primary after every lost connection;
 * - its view is `repmgr cluster show`, run on a node (repmgr/cluster.ts `viewWithText`);
 * - its failovers are read off that view: `start()` polls it every `intervalMs`, and a primary
 *   that changes is a failover (`RepmgrPrimaryFollower`), with the standbys' LSNs read when the
 *   view first showed no primary (what repmgrd's election compares);
 * - `switchover()` is repmgr's own `repmgr standby switchover`, over the passwordless SSH between
 *   the nodes the cluster sets up (refused on an image without OpenSSH);
 * - `rejoin(node)` is repmgr's documented failback of a deposed primary (`repmgr node rejoin
 *   --force-rewind`), which repmgrd never makes by itself;
 * - what its config promises is model/repmgr-promise.ts's reading of the user's parameters.
 */
import type { ManagerRecord, ManagerViewRow } from '../history/manager.ts';
import { pollUntil } from '../wait.ts';
import { repmgrPromise, type RepmgrPromise } from '../model/repmgr-promise.ts';
import { synchronousCommitLevel } from '../model/sync-model.ts';
import type { OperatorLog } from './builtin.ts';
import { ManagerShell, type ViewRead } from './manager-shell.ts';
import { PrimaryFollower } from './primary-follower.ts';
import type { ClientEndpoint, SwitchoverRecord } from './manager.ts';
import { RepmgrCluster, type RepmgrClusterOptions } from './repmgr/cluster.ts';
import { describeView, primaryOf, type RepmgrView } from './repmgr/view.ts';

/**
 * repmgr's view as the seam's rows: the node it holds for primary (`* running`), standbys it shows
 * `running` (active, in recovery), anything else out (unreachable, failed, running against its
 * record). `state` is the role and status as printed, with the upstream (`standby running ← pg0`).
 * `repmgr cluster show` prints no LSN: `lsn` and `lagBytes` are null. A witness row is left out. Pure.
 */
export function repmgrRows(view: RepmgrView): ManagerViewRow[] {
  const primary = primaryOf(view);
  // The witness is no database node: the raw table the view keeps still shows it.
  return view.nodes
    .filter((n) => n.role !== 'witness')
    .map((n) => ({
      node: n.name,
      role: n.name === primary ? 'primary' : n.role === 'standby' && n.status === 'running' ? 'standby' : 'out',
      state: `${n.role} ${n.status}${n.upstreamRaw ? ` ← ${n.upstreamRaw}` : ''}`,
      timeline: n.timeline,
      lsn: null,
      lagBytes: null,
    }));
}

/**
 * Follows repmgr's primary (`PrimaryFollower`): lost when the views first show no primary
 * (`? unreachable` or `- failed`), decided when they first show a standby running as primary
 * (`! running as primary`: promoted, its record not yet updated), promoted when the new primary is
 * first seen `* running`. `repmgr cluster show` prints no LSN: the manager reads the standbys'
 * positions when the primary is first lost (`lost()` then `positionsRead`). Pure.
 */
export class RepmgrPrimaryFollower extends PrimaryFollower<RepmgrView> {
  /** A node the view names primary that is not a promoted one (`behindPrimary`): read as no primary. */
  private behind: string | undefined;

  /**
   * Takes `node` as behind the primary for the views observed from now on (undefined: none): a view
   * that names it primary shows the primary lost, not replaced. The manager sets it per view.
   */
  setBehind(node: string | undefined): void {
    this.behind = node;
  }

  protected primaryIn(view: RepmgrView): string | undefined {
    const p = primaryOf(view);
    return p !== undefined && p === this.behind ? undefined : p;
  }

  protected selected(view: RepmgrView): boolean {
    return view.nodes.some((n) => n.role === 'standby' && n.status === '! running as primary');
  }
}

/**
 * True when `candidate`, a node a view names primary, runs on a timeline before the one the
 * followed primary `held` took writes on: it was not promoted after `held` (a promotion picks a
 * timeline above every one in the promoted node's history: PostgreSQL's `findNewestTimeLine`),
 * so it is an earlier primary come back, repmgr #766, not a failover. Timelines are the servers'
 * own (`RepmgrCluster.timeline`), not `repmgr cluster show`'s column, which shows the last
 * checkpoint's and lags a promotion. Unknown either side: false (the view is taken as it is). Pure.
 */
export function behindPrimary(
  held: { node: string; timeline: number } | undefined,
  candidate: { node: string; timeline: number | undefined },
): boolean {
  return held !== undefined && candidate.node !== held.node && candidate.timeline !== undefined && candidate.timeline < held.timeline;
}

export interface RepmgrManagerOptions extends RepmgrClusterOptions {
  /** Between two reads of repmgr's view while the manager runs, ms (default 1000). */
  intervalMs?: number;
}

/** A repmgr cluster (its nodes, each with repmgrd) as an HaManager (see the file's header). Create with `RepmgrManager.start`; end with `stop()` and `destroy()`. */
export class RepmgrManager extends ManagerShell<RepmgrCluster, RepmgrView> {
  readonly name = 'repmgr' as const;
  private readonly follower = new RepmgrPrimaryFollower();
  /** The followed primary and the timeline it took writes on, read off the server when the follower took it. */
  private held: { node: string; timeline: number } | undefined;
  /** The earlier primary a view last named and `observe` read as behind, so the step is logged once. */
  private reported: string | undefined;

  private constructor(cluster: RepmgrCluster, rec: OperatorLog, intervalMs: number) {
    super(cluster, rec, intervalMs, 'repmgr cluster');
  }

  /**
   * Brings a cluster up the repmgr way (`RepmgrCluster.start`).
   * @throws as RepmgrCluster.start (ConfigError before any container starts; WaitTimeoutError; ExecError).
   */
  static async start(opts: RepmgrManagerOptions, rec: OperatorLog): Promise<RepmgrManager> {
    return new RepmgrManager(await RepmgrCluster.start(opts), rec, opts.intervalMs ?? 1000);
  }

  /** Straight to the node repmgr holds for primary, asked again for every new connection. @throws Error (from currentPrimary) when repmgr holds none. */
  clients(): ClientEndpoint {
    return {
      via: 'primary',
      currentPrimary: async () => {
        const primary = primaryOf(await this.cluster.view());
        if (!primary) throw new Error('repmgr holds no primary now (repmgr cluster show lists none `* running`)');
        return this.node(primary);
      },
      describe: "the node repmgr cluster show lists '* running' as primary, asked after every lost connection (repmgr has no proxy)",
    };
  }

  /**
   * A view read while the manager runs: a primary change is a failover; once the primary is lost,
   * the standbys' positions are read. A view that cannot be read is skipped. A view naming as
   * primary a node on an earlier timeline than the followed primary's (`behindPrimary`: the old
   * primary back, repmgr #766) shows the followed primary lost, not replaced: read as a failover,
   * it counted nodes out that were not at the promotion that mattered and excused a loss on one
   * replay of repmgr's seed 1 but not another (findings/2026-12-07-repmgr-recommended.md).
   */
  protected async observe(t: number, view: RepmgrView | undefined): Promise<void> {
    if (!view) return;
    const named = primaryOf(view);
    const current = this.follower.current();
    let behind: string | undefined;
    let candidate: { node: string; timeline: number | undefined } | undefined;
    if (named !== undefined && current !== undefined && named !== current) {
      candidate = { node: named, timeline: await this.cluster.timeline(named).catch(() => undefined) };
      if (behindPrimary(this.held, candidate)) {
        behind = named;
        if (this.reported !== named)
          this.rec.step(
            `repmgr: view names ${named} primary on timeline ${candidate.timeline}, before ${current}'s ${this.held?.timeline}: an earlier primary back (repmgr #766), not a promotion`,
            { view: describeView(view) },
          );
      }
    }
    this.reported = behind;
    this.follower.setBehind(behind);
    const f = this.follower.observe(t, view);
    const now = this.follower.current();
    if (now !== undefined && now === named && this.held?.node !== now) {
      // A failover to the candidate just read: its timeline is known; only the first primary seen is read here.
      const timeline = candidate?.timeline ?? (await this.cluster.timeline(now).catch(() => undefined));
      this.held = timeline === undefined ? undefined : { node: now, timeline };
    }
    if (f) this.recordFailover(f, `repmgr: ${f.to} primary after ${f.from}`, describeView(view));
    else if (this.follower.lost()) {
      const standbys = view.nodes.filter((n) => n.role === 'standby').map((n) => n.name);
      const read = await Promise.all(standbys.map((n) => this.cluster.position(n).catch(() => undefined)));
      this.follower.positionsRead(read.filter((p) => p !== undefined));
    }
  }

  protected async readView(): Promise<ViewRead> {
    const { view, text } = await this.cluster.viewWithText();
    const raw = `(repmgr cluster show on ${view.askedNode})\n${text.trimEnd()}`;
    return { primary: primaryOf(view) ?? null, rows: repmgrRows(view), raw };
  }

  /** repmgr holds a primary `* running`, every other node a `running` standby of it (the witness under it), each streaming in its pg_stat_replication: the cluster's `ready()`. */
  async settled(): Promise<boolean> {
    return (await this.cluster.ready()) !== undefined;
  }

  /**
   * A planned switchover by repmgr's own command, `repmgr standby switchover --siblings-follow`
   * run on `to` (RepmgrCluster.switchover; repmgr 5.3 docs, "Performing a switchover with
   * repmgr"), which reaches the other nodes over the passwordless SSH the cluster set up; then
   * waits until repmgr's view holds `to` for primary (`* running`). The view loop records it as no
   * failover.
   * @returns the switchover: `startedT` when the command was given, `doneT` when the view held `to`.
   * @throws Error when the image has no OpenSSH (naming the rebuild), repmgr holds no primary or
   *   `to` is it; ExecError with repmgr's output when repmgr refuses or fails; WaitTimeoutError
   *   when the view does not hold `to` within 60 s of the command's end.
   */
  async switchover(to: string): Promise<SwitchoverRecord> {
    if (!this.cluster.ssh)
      throw new Error(
        `switchover to ${to}: ${this.cluster.image.name} has no OpenSSH, which repmgr standby switchover needs between the nodes; ` +
          `rebuild it: docker rmi ${this.cluster.image.name} && docker/build-manager-image.sh repmgr ${this.cluster.image.major}`,
      );
    const from = primaryOf(await this.cluster.view());
    if (!from) throw new Error(`switchover to ${to} refused: repmgr holds no primary`);
    if (from === to) throw new Error(`${to} is already the primary`);
    this.switching = true;
    try {
      const startedT = this.rec.move(`repmgr standby switchover on ${to} --siblings-follow`);
      const output = await this.cluster.switchover(to);
      await pollUntil(
        async () => {
          const v = await this.cluster.view();
          return primaryOf(v) === to ? { done: true, value: to } : { done: false, seen: describeView(v) };
        },
        { what: `repmgr to hold ${to} for primary after repmgr standby switchover`, timeoutMs: 60_000, intervalMs: 250 },
      );
      const doneT = this.rec.step(`${to} primary (switchover)`);
      this.follower.reset(to);
      return { from, to, startedT, doneT, output: output.trim().split('\n').slice(-12).join('\n') };
    } finally {
      this.switching = false;
    }
  }

  /**
   * The failback repmgr's docs give for a deposed primary, by repmgr's own commands: `node`'s
   * PostgreSQL stopped, then `repmgr node rejoin --force-rewind` to the primary repmgr holds now,
   * or a fresh `repmgr standby clone --force` when pg_rewind cannot rewind (RepmgrCluster.rejoin). repmgrd makes no such move by itself: a booted old primary runs as a
   * primary until someone rejoins it. Not a failover; the view loop goes on.
   * @throws Error when repmgr holds no primary or `node` is it; ExecError when repmgr refuses.
   */
  async rejoin(node: string): Promise<string> {
    const primary = primaryOf(await this.cluster.view());
    if (!primary) throw new Error(`rejoin ${node}: repmgr holds no primary to rejoin it to`);
    if (primary === node) throw new Error(`rejoin ${node}: it is the primary repmgr holds`);
    this.rec.move(`repmgr node rejoin ${node} to ${primary} --force-rewind`);
    const output = await this.cluster.rejoin(node, primary);
    this.rec.step(`${node} rejoined as a standby of ${primary}`);
    return output;
  }

  /** model/repmgr-promise.ts on the user's `postgresql` parameters and the standbys' priorities. @throws ConfigError on a malformed synchronous_standby_names. */
  promise(): RepmgrPromise {
    const pg = this.cluster.config.postgresql;
    const names = pg.synchronous_standby_names;
    const commit = pg.synchronous_commit === undefined ? undefined : synchronousCommitLevel(String(pg.synchronous_commit));
    return repmgrPromise({
      ...(names !== undefined ? { synchronousStandbyNames: String(names) } : {}),
      ...(commit ? { synchronousCommit: commit } : {}),
      standbys: this.cluster.config.nodes.slice(1),
    });
  }

  describe(): ManagerRecord {
    const c = this.cluster.config;
    return {
      name: 'repmgr',
      config: {
        given: this.cluster.userConfig,
        resolved: {
          failover: c.failover,
          witness: c.witness,
          reconnect_attempts: c.reconnectAttempts,
          reconnect_interval: c.reconnectIntervalS,
          monitor_interval_secs: c.monitorIntervalS,
          primary_visibility_consensus: c.primaryVisibilityConsensus,
          priorities: Object.fromEntries(c.nodes.map((n) => [n.name, n.priority])),
          postgresql: c.postgresql,
        },
        applied: this.cluster.applied,
      },
      versions: this.cluster.image.versions,
    };
  }
}
