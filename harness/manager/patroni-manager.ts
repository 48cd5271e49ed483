/**
 * Patroni on the seam (manager.ts): a `PatroniCluster` (manager/patroni/cluster.ts: three etcd
 * members, Patroni nodes, HAProxy) seen as an HaManager. Patroni makes every move by itself; this
 * class only reads and asks:
 * - clients connect through HAProxy, which sends them to the node answering `GET /primary` with 200;
 * - its view is Patroni's own, `GET /cluster` (the data `patronictl list` prints);
 * - its failovers are read off that view: `start()` polls it every `intervalMs`, and a leader that
 *   changes, not by `switchover()`, is a failover (Patroni records none itself in 3.0.2's REST API);
 * - `switchover()` runs `patronictl switchover`;
 * - what its config promises is model/patroni-promise.ts's reading of `bootstrap.dcs`.
 * Started by the stories with ScenarioContext.startManaged.
 */
import { TcpNode } from '../db/sql-node.ts';
import type { FailoverRecord } from '../history/failover.ts';
import type { ManagerRecord, ManagerViewRow } from '../history/manager.ts';
import type { DurabilityPromise } from '../model/durability.ts';
import { patroniPromise, type PatroniPromise } from '../model/patroni-promise.ts';
import { synchronousCommitLevel } from '../model/sync-model.ts';
import { pollUntil } from '../wait.ts';
import type { OperatorLog } from './builtin.ts';
import { ManagerShell, type ViewRead } from './manager-shell.ts';
import type { ClientEndpoint, SwitchoverRecord } from './manager.ts';
import { HAPROXY_PORT, PatroniCluster, type PatroniClusterOptions } from './patroni/cluster.ts';
import { redactPatroniConfig, type PatroniUserConfig } from './patroni/config.ts';
import { describeView, leaderOf, type PatroniView } from './patroni/view.ts';

/** Patroni's `/cluster` as the seam's rows: the running leader is the primary, a running replica a standby, anything else out. */
export function patroniRows(view: PatroniView): ManagerViewRow[] {
  return view.members.map((m) => ({
    node: m.name,
    role: m.state !== 'running' ? 'out' : m.role === 'leader' ? 'primary' : 'standby',
    state: `${m.role} ${m.state}`,
    timeline: m.timeline ?? null,
    // Patroni 3.0.2's /cluster has no LSN per member, only each replica's lag.
    lsn: null,
    lagBytes: typeof m.lag === 'number' ? m.lag : m.role === 'leader' ? 0 : null,
  }));
}

/**
 * What a Patroni config promises (model/patroni-promise.ts) for a cluster of `standbys`: its
 * `bootstrap.dcs` settings, and `synchronous_commit` from `postgresql.parameters` (a node's own,
 * which override the DCS's) else `bootstrap.dcs.postgresql.parameters`; `on` when neither sets it
 * or a value no level means (PostgreSQL would refuse it at start).
 */
export function patroniConfigPromise(config: PatroniUserConfig, standbys: readonly string[]): PatroniPromise {
  const dcs = config.bootstrap?.dcs ?? {};
  const commit = config.postgresql?.parameters?.synchronous_commit ?? dcs.postgresql?.parameters?.synchronous_commit;
  const level = commit === undefined ? undefined : synchronousCommitLevel(String(commit));
  return patroniPromise({
    ...(dcs.synchronous_mode !== undefined ? { synchronous_mode: dcs.synchronous_mode } : {}),
    ...(dcs.synchronous_mode_strict !== undefined ? { synchronous_mode_strict: dcs.synchronous_mode_strict } : {}),
    ...(dcs.synchronous_node_count !== undefined ? { synchronous_node_count: dcs.synchronous_node_count } : {}),
    ...(dcs.maximum_lag_on_failover !== undefined ? { maximum_lag_on_failover: dcs.maximum_lag_on_failover } : {}),
    ...(dcs.ttl !== undefined ? { ttl: dcs.ttl } : {}),
    ...(level !== undefined ? { synchronousCommit: level } : {}),
    standbys: [...standbys],
  });
}

/**
 * Follows a leader through views read in time order and says when it changed: a new running
 * leader `to` after `from`. `detectedT` is when the views first showed no running `from` leader
 * (Patroni's own detection, as far as views read every `intervalMs` can tell), `decidedT` and
 * `promotedT` when `to` was first seen leading; `positions` name the replicas running in the last
 * view that showed `from` leading (Patroni 3.0.2's view has no LSNs: receive and replay are null). Pure.
 */
export class LeaderFollower {
  private leader: string | undefined;
  private lostT: number | undefined;
  private lastRunning: FailoverRecord['positions'] = [];

  /** Takes the view read at `t` (ms); returns the failover it shows, if the leader changed. */
  observe(t: number, view: PatroniView): Omit<FailoverRecord, 'writesBackT'> | undefined {
    const now = leaderOf(view);
    if (this.leader === undefined || now === this.leader) {
      this.leader ??= now;
      if (now) {
        this.lostT = undefined;
        this.lastRunning = view.members
          .filter((m) => m.name !== now && m.state === 'running')
          .map((m) => ({ name: m.name, receiveLsn: null, replayLsn: null }));
      }
      return undefined;
    }
    if (now === undefined) {
      this.lostT ??= t;
      return undefined;
    }
    const from = this.leader;
    this.leader = now;
    const detectedT = this.lostT ?? t;
    this.lostT = undefined;
    return { detectedT, decidedT: t, promotedT: t, from, to: now, positions: this.lastRunning };
  }

  /** A leader change that is not a failover (a switchover asked for): follow `leader` from now on. */
  reset(leader: string | undefined): void {
    this.leader = leader;
    this.lostT = undefined;
  }
}

export interface PatroniManagerOptions extends PatroniClusterOptions {
  /** Between two reads of Patroni's view while the manager runs, ms (default 1000). */
  intervalMs?: number;
}

/** A Patroni cluster (etcd, the Patroni nodes, HAProxy) as an HaManager (see the file's header). Create with `PatroniManager.start`; end with `stop()` and `destroy()`. */
export class PatroniManager extends ManagerShell<PatroniCluster, PatroniView> {
  readonly name = 'patroni' as const;
  private readonly follower = new LeaderFollower();

  private constructor(cluster: PatroniCluster, rec: OperatorLog, intervalMs: number) {
    super(cluster, rec, intervalMs, 'Patroni cluster');
  }

  /**
   * Brings a cluster up Patroni's way (`PatroniCluster.start`: config checked and validated by
   * `patroni --validate-config` first) and returns its manager once it takes writes where its
   * clients connect: HAProxy puts the leader in only after `rise` good checks of `GET /primary`
   * (Patroni's haproxy.cfg: 2 × 3 s), and until then closes every connection it accepts.
   * @throws as PatroniCluster.start (ConfigError before any container starts; WaitTimeoutError);
   *   WaitTimeoutError when HAProxy routes to no writable node within `readyTimeoutMs` (the cluster is removed).
   */
  static async start(opts: PatroniManagerOptions, rec: OperatorLog): Promise<PatroniManager> {
    const m = new PatroniManager(await PatroniCluster.start(opts), rec, opts.intervalMs ?? 1000);
    try {
      await m.writable(opts.readyTimeoutMs ?? 120_000);
    } catch (e) {
      await m.destroy();
      throw e;
    }
    return m;
  }

  /** Waits until a connection through the clients' endpoint reaches a node out of recovery. @throws WaitTimeoutError. */
  private async writable(timeoutMs: number): Promise<void> {
    const proxy = await this.clients().currentPrimary();
    await pollUntil(
      async () =>
        (await proxy.safePsql('SELECT pg_is_in_recovery()', { timeoutMs: 3000 })) === 'f'
          ? { done: true, value: true }
          : { done: false, seen: 'HAProxy routed to a node in recovery' },
      { what: `${this.clients().describe} to route to a writable leader`, timeoutMs, intervalMs: 250 },
    );
  }

  clients(): ClientEndpoint {
    // The config is read at each connection: HAProxy's published port changes when it restarts (kill-proxy).
    // Each connection is named by the node HAProxy sent it to, so the ledger says who acknowledged.
    const proxy = new TcpNode(
      'haproxy',
      () => this.cluster.connectionConfig(),
      (address) => this.nodeAt(address),
    );
    return {
      via: 'proxy',
      currentPrimary: async () => proxy,
      describe: `HAProxy (port ${HAPROXY_PORT}) checking each node's Patroni REST API GET /primary`,
    };
  }

  /** A view read while the manager runs: a leader change is a failover. A view that cannot be read is skipped. */
  protected async observe(t: number, view: PatroniView | undefined): Promise<void> {
    if (!view) return;
    const f = this.follower.observe(t, view);
    if (f) this.recordFailover(f, `patroni: ${f.to} leads after ${f.from}`, describeView(view));
  }

  protected async readView(): Promise<ViewRead> {
    const view = await this.cluster.view();
    return { primary: leaderOf(view) ?? null, rows: patroniRows(view), raw: JSON.stringify(view, null, 1) };
  }

  /** A running leader, every other member running, and each of them streaming in the leader's pg_stat_replication. */
  async settled(): Promise<boolean> {
    const view = await this.cluster.view();
    const leader = leaderOf(view);
    if (!leader) return false;
    const others = this.nodeNames.filter((n) => n !== leader);
    if (!others.every((n) => view.members.some((m) => m.name === n && m.state === 'running'))) return false;
    const senders = await this.cluster.walSenders(leader);
    return others.every((n) => senders.some((s) => s.name === n && s.state === 'streaming'));
  }

  /**
   * `patronictl switchover --leader L --candidate to --force`, then waits (60 s) for Patroni's view
   * to show `to` leading. Not counted as a failover.
   * @throws ExecError when Patroni refuses; WaitTimeoutError when `to` does not lead in time.
   */
  async switchover(to: string): Promise<SwitchoverRecord> {
    const leader = leaderOf(await this.cluster.view());
    if (!leader) throw new Error(`switchover to ${to} refused: Patroni shows no running leader`);
    if (leader === to) throw new Error(`${to} is already the leader`);
    this.switching = true;
    try {
      const startedT = this.rec.move(`patronictl switchover --leader ${leader} --candidate ${to}`);
      const output = await this.cluster.switchover(leader, to);
      await pollUntil(
        async () => {
          const v = await this.cluster.view();
          return leaderOf(v) === to ? { done: true, value: true } : { done: false, seen: describeView(v) };
        },
        { what: `Patroni to show ${to} leading after the switchover`, timeoutMs: 60_000, intervalMs: 250 },
      );
      const doneT = this.rec.step(`${to} leads (switchover)`);
      this.follower.reset(to);
      return { from: leader, to, startedT, doneT, output: output.trim() };
    } finally {
      this.switching = false;
    }
  }

  promise(): DurabilityPromise {
    return patroniConfigPromise(this.cluster.config, this.nodeNames.slice(1));
  }

  /** The record's manager section: the user's Patroni config with its secrets redacted (`redactPatroniConfig`): records are shared. */
  describe(): ManagerRecord {
    return {
      name: 'patroni',
      config: redactPatroniConfig(this.cluster.config) as Record<string, unknown>,
      versions: this.cluster.image.versions,
    };
  }
}
