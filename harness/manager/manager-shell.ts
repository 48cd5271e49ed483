/**
 * The shell every managed HaManager shares (Patroni, pg_auto_failover, repmgr, pgpool-II): the
 * manager makes its moves by itself, so the class holds its cluster, follows its view in a
 * `ViewLoop` while it runs (`start()` to `stop()`), records the failovers it reads off that view,
 * and reaches the nodes directly. Each manager says how it reads its view, what a view tells, how
 * its clients connect, and how it switches over.
 */
import type pg from 'pg';
import { type SqlNode, TcpNode } from '../db/sql-node.ts';
import type { FailoverRecord } from '../history/failover.ts';
import type { ManagerName, ManagerRecord, ManagerView } from '../history/manager.ts';
import { log } from '../logger.ts';
import type { DurabilityPromise } from '../model/durability.ts';
import type { OperatorLog } from './builtin.ts';
import type { ClientEndpoint, HaManager, SwitchoverRecord } from './manager.ts';
import { ViewLoop } from './view-loop.ts';

/** What the shell asks of a managed cluster: its nodes, a connection to each, its manager's view, its removal. */
export interface ShellCluster<V> {
  /** The database nodes' names, the first primary first. */
  readonly nodeNames: readonly string[];
  /** A direct connection to `node` through its published port. @throws Error for an unknown node. */
  nodeConnectionConfig(node: string): pg.ClientConfig;
  /** The manager's view now. @throws when it cannot be read. */
  view(): Promise<V>;
  /** The node's host, for its address on the cluster network (a proxy's `backendOf`). */
  node(name: string): { address(): Promise<string> };
  /** Removes every container and the network. */
  destroy(): Promise<void>;
}

/** A view as the seam's record has it, less the time it was read at. */
export type ViewRead = Omit<ManagerView, 't' | 'error'>;

/**
 * A cluster run by a manager of its own, as an HaManager (see the file's header). `C` is the
 * cluster, `V` its manager's view. Subclasses make themselves by their own `start` and say:
 * `observe` (what one view read while running tells), `readView` (the view for the record),
 * `clients`, `settled`, `switchover`, `promise`, `describe`.
 */
export abstract class ManagerShell<C extends ShellCluster<V>, V> implements HaManager {
  abstract readonly name: ManagerName;
  readonly failovers: FailoverRecord[] = [];
  /** True while a switchover asked for runs: the view loop records no failover for the change asked for. */
  protected switching = false;
  private readonly follow = new ViewLoop(() => this.followOnce());

  protected constructor(
    /** The cluster the manager runs. */
    readonly cluster: C,
    protected readonly rec: OperatorLog,
    /** Between two reads of the view while the manager runs, ms. */
    private readonly intervalMs: number,
    /** What the cluster is called in errors: `repmgr cluster`, `pg_auto_failover formation`. */
    private readonly clusterWord: string,
  ) {}

  get nodeNames(): readonly string[] {
    return this.cluster.nodeNames;
  }

  abstract clients(): ClientEndpoint;
  abstract settled(): Promise<boolean>;
  abstract switchover(to: string): Promise<SwitchoverRecord>;
  abstract promise(): DurabilityPromise;
  abstract describe(): ManagerRecord;

  node(name: string): SqlNode {
    if (!this.nodeNames.includes(name)) throw new Error(`${name} is no node of this ${this.clusterWord} (${this.nodeNames.join(', ')})`);
    return new TcpNode(name, () => this.cluster.nodeConnectionConfig(name));
  }

  /** Follows the manager's view every `intervalMs`, recording each primary change as a failover. */
  start(): void {
    this.follow.start(this.intervalMs);
  }

  async stop(): Promise<void> {
    await this.follow.stop();
  }

  /** One read of the view while the manager runs, `undefined` when it could not be read; nothing to follow while a switchover runs. */
  private async followOnce(): Promise<void> {
    const t = this.rec.clock.now();
    const view = await this.cluster.view().catch(() => undefined);
    if (!this.switching) await this.observe(t, view);
  }

  /** What the view read at `t` (ms; undefined: it could not be read) tells: a failover to record (`recordFailover`), positions to read. */
  protected abstract observe(t: number, view: V | undefined): Promise<void>;

  /** Records failover `f`, with the operator's step `what` and the view that showed it. */
  protected recordFailover(f: FailoverRecord, what: string, view: string): void {
    this.failovers.push(f);
    this.rec.step(what, { view });
  }

  /** The view for the record: its primary, rows and raw text. @throws when it cannot be read. */
  protected abstract readView(): Promise<ViewRead>;

  async view(): Promise<ManagerView> {
    try {
      const read = await this.readView();
      return { t: this.rec.clock.now(), ...read };
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      return { t: this.rec.clock.now(), primary: null, rows: [], raw: '', error };
    }
  }

  /**
   * The node whose address on the cluster network is `address` (IPv4 text), or undefined: for a
   * proxy's `backendOf`. Read from the engine at every call (once per new connection): a host
   * booted again after a crash may take the address another node had, so a remembered address
   * could name the wrong node. Nemesis seed 3 (run 20261206-155934-1656) crashed and booted two
   * hosts twice each; its ledger then named pg0 on a timeline of its own, while Patroni showed s1
   * leading throughout.
   */
  protected async nodeAt(address: string): Promise<string | undefined> {
    const read = await Promise.all(
      this.nodeNames.map(async (n) =>
        (await this.cluster
          .node(n)
          .address()
          .catch(() => undefined)) === address
          ? n
          : undefined,
      ),
    );
    return read.find((n) => n !== undefined);
  }

  /** Stops the view loop, then removes every container and the network (the cluster's `destroy`). */
  async destroy(): Promise<void> {
    await this.stop().catch((e: unknown) => log().warn({ error: String(e) }, `${this.name} manager: stopping its view loop failed`));
    await this.cluster.destroy();
  }
}
