/**
 * A running cluster: its members (primary and standbys), the setting it runs with, and the
 * topology moves (promote, repoint, rewind, reclone, fence, remove). How it comes up is
 * bring-up.ts; what a promotion sets is sync-policy.ts.
 */
import { docker } from '../docker.ts';
import { log } from '../logger.ts';
import type { Lsn } from '../lsn.ts';
import type { CommitRule } from '../model/availability.ts';
import { compareWithModel } from '../model/compare.ts';
import type { SynchronousCommit } from '../model/sync-model.ts';
import { parseSyncStandbyNames, syncConfigWarnings, type SyncStandbyNames } from '../model/sync-standby-names.ts';
import { pollUntil } from '../wait.ts';
import { bringUp, type ClusterOptions, type ClusterParts } from './bring-up.ts';
import type { PgImage } from './image.ts';
import type { PgNode, ReplicationUser, WalSenderRow } from './pg-node.ts';
import { byAdvancement, settingAfterPromotion, type StandbyPosition, type SyncPolicy } from './sync-policy.ts';

/**
 * A private Docker network with one primary and standbys, streaming with
 * `synchronous_standby_names`: copies of the run's template of the configuration (see
 * template.ts), or built by initdb and pg_basebackup. Create with `Cluster.start()`, always end
 * with `destroy()`.
 */
export class Cluster {
  private constructor(p: ClusterParts) {
    this.runId = p.runId;
    this.image = p.image;
    this.network = p.network;
    this.nodes = p.nodes;
    this.current = p.sync;
    this.firstSync = p.sync;
    this.synchronousCommit = p.synchronousCommit;
    this.afterPromotion = p.afterPromotion;
    this.replication = p.replication;
    this.primaryNode = p.nodes[0]!;
    this.firstPrimary = this.primaryNode.name;
    this.unregisterCleanup = p.unregisterCleanup;
  }

  /** The run whose label every container and the network carry (cleanup sweeps by it). */
  readonly runId: string;
  /** The image every node runs; `image.major` decides per-major moves (e.g. repoint before 13). */
  readonly image: PgImage;
  /** The cluster's own bridge network: Docker id, name, IPv4 subnet in CIDR form (pg_hba.conf admits it). */
  readonly network: { id: string; name: string; subnet: string };
  /** The cluster's members, in creation order (primary first); `remove()` takes a dead node out. */
  readonly nodes: PgNode[];
  /** `synchronous_commit` of every node. */
  readonly synchronousCommit: SynchronousCommit;
  /** The role standbys stream as (`replicator`), its password generated per cluster. */
  readonly replication: ReplicationUser;
  /** The primary's synchronous_standby_names now (see `sync`). */
  private current: SyncStandbyNames;
  private readonly afterPromotion: SyncPolicy;
  private primaryNode: PgNode;
  private readonly unregisterCleanup: () => void;

  private topologyQueue: Promise<void> = Promise.resolve();
  private readonly fencedNodes = new Set<PgNode>();
  /** The setting and the primary the cluster started with: what `commitRule` derives every node's setting from. */
  private readonly firstSync: SyncStandbyNames;
  private readonly firstPrimary: string;

  /**
   * Validates the options, then builds and starts the cluster (`bringUp`, bring-up.ts), ready
   * when every standby is `streaming` with the `sync_priority` and `sync_state` the model predicts.
   * @throws ConfigError before any cluster container starts (unknown major, malformed
   *   synchronous_standby_names, unusable image, unknown or pgchaos-managed parameter, no engine).
   * @throws ExecError with the server log's reason when a server refuses a setting's value.
   * @throws WaitTimeoutError when the standbys do not become ready in time (the cluster is
   *   removed first).
   */
  static async start(opts: ClusterOptions = {}): Promise<Cluster> {
    return bringUp(opts, (parts) => new Cluster(parts));
  }

  /** The primary's current `synchronous_standby_names` (its text, as set on the server: `sync.text`). */
  get sync(): SyncStandbyNames {
    return this.current;
  }

  /** The node the harness last made primary. */
  get primary(): PgNode {
    return this.primaryNode;
  }

  /**
   * Runs `fn` with the topology to itself: a failover and a fault's heal that restarts a node
   * never interleave (a heal that booted an old primary between its fencing and the promotion
   * would make two primaries). Calls queue in order; an error in one does not block the next.
   */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.topologyQueue.then(fn, fn);
    this.topologyQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Fences `node` (STONITH): its host is powered off (a frozen one thawed first: the engine
   * refuses to kill a paused container), and it stays marked fenced, so nothing starts it as it
   * was, until `unfence` when it rejoins as a standby.
   */
  async fence(node: PgNode): Promise<void> {
    this.fencedNodes.add(node);
    if (!(await node.host.running())) return;
    await node.host.thaw();
    await node.host.crash();
  }

  /** Whether `node` was fenced and has not rejoined since. */
  isFenced(node: PgNode): boolean {
    return this.fencedNodes.has(node);
  }

  /** Ends a fencing: `node` rejoined as a standby. */
  unfence(node: PgNode): void {
    this.fencedNodes.delete(node);
  }

  /** The current standbys, in creation order. */
  get standbys(): PgNode[] {
    return this.nodes.filter((n) => n !== this.primaryNode);
  }

  /** A node by name. @throws Error naming the nodes there are. */
  node(name: string): PgNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node "${name}" in the cluster (nodes: ${this.nodes.map((x) => x.name).join(', ')})`);
    return n;
  }

  /** The primary writers should use now (followed by the BatchWriter after every topology move). */
  async currentPrimary(): Promise<PgNode> {
    return this.primaryNode;
  }

  /**
   * Waits up to `o.timeoutMs` (default 60 000) until every standby in `o.standbys` (default: all)
   * is `streaming` in the primary's pg_stat_replication and every walsender row shows the
   * sync_priority and sync_state the model predicts for the walsenders connected, in their slot
   * order (`compareWithModel`, after syncrep.c). The base backup's own walsender (state `backup`)
   * does not count.
   * @returns the rows seen. @throws WaitTimeoutError with the rows last seen and how they differ from the model.
   */
  async waitForStreaming(o: { timeoutMs?: number; standbys?: PgNode[] } = {}): Promise<WalSenderRow[]> {
    const timeoutMs = o.timeoutMs ?? 60_000;
    const want = (o.standbys ?? this.standbys).map((s) => s.name);
    return pollUntil(
      async () => {
        const rows = await this.primary.walSenders();
        const streaming = rows.filter((r) => r.state === 'streaming').map((r) => r.name);
        const { mismatches } = compareWithModel(rows, this.syncSettings());
        const seen = rows.map((r) => `${r.name}:${r.state}/${r.syncPriority}/${r.syncState}`).join(' ') || '(no walsenders)';
        if (want.every((n) => streaming.includes(n)) && mismatches.length === 0) return { done: true, value: rows };
        return { done: false, seen: mismatches.length ? `${seen}; differs from the model: ${mismatches.join('; ')}` : seen };
      },
      {
        what: `standbys ${want.join(', ')} streaming on ${this.primary.name} as the model predicts for synchronous_standby_names = '${this.current.text}'`,
        timeoutMs,
      },
    );
  }

  /** The settings the model predicts from (`predict`, `durabilityPromise`): synchronous_standby_names and synchronous_commit. */
  syncSettings(): { synchronousStandbyNames: SyncStandbyNames; synchronousCommit: SynchronousCommit } {
    return { synchronousStandbyNames: this.current, synchronousCommit: this.synchronousCommit };
  }

  /**
   * How each node would release commits as the primary (model/availability.ts): the first
   * primary with the setting the cluster started with, any other node with that setting after one
   * promotion under the cluster's `afterPromotion` policy. Right for the default (`swap`, every
   * standby listed: a primary lists all the others, whatever the chain of promotions) when each
   * promotion could set it; an approximation otherwise (a chain of swaps over a partial list, a
   * custom setting after a failback), and a setting changed later by hand is not followed.
   */
  commitRule(): CommitRule {
    const first = this.firstPrimary;
    const settingFor = (p: string) => (p === first ? this.firstSync : settingAfterPromotion(this.afterPromotion, this.firstSync, p, first));
    return { settingFor, synchronousCommit: this.synchronousCommit };
  }

  /**
   * Reads every candidate's receive and replay LSN and picks the most advanced (write-up 000 §11:
   * the largest pg_last_wal_receive_lsn(), ties broken by pg_last_wal_replay_lsn(); `byAdvancement`).
   * @param o.candidates the standbys to compare (default: all); o.timeoutMs each query's deadline (default 60 000).
   * @returns the chosen node and every candidate's positions, most advanced first.
   * @throws ExecError when a candidate does not answer in time.
   */
  async mostAdvancedStandby(
    o: { candidates?: PgNode[]; timeoutMs?: number } = {},
  ): Promise<{ node: PgNode; positions: StandbyPosition[] }> {
    const timeoutMs = o.timeoutMs ?? 60_000;
    const positions = await Promise.all(
      (o.candidates ?? this.standbys).map(async (n) => ({
        name: n.name,
        receiveLsn: await n.lsn('receive', { timeoutMs }),
        replayLsn: await n.lsn('replay', { timeoutMs }),
      })),
    );
    positions.sort(byAdvancement);
    return { node: this.node(positions[0]!.name), positions };
  }

  /**
   * Promotes `node` (pg_promote) and makes it the cluster's primary for writers and observers.
   * Its synchronous_standby_names follows `policy` (default: the cluster's `afterPromotion`,
   * itself `swap` by default), set with ALTER SYSTEM + reload.
   * @returns the new setting (its text: what the server now has).
   */
  async promote(node: PgNode, policy: SyncPolicy = this.afterPromotion): Promise<SyncStandbyNames> {
    const oldPrimary = this.primaryNode;
    await node.promote();
    this.primaryNode = node;
    const next = settingAfterPromotion(policy, this.current, node.name, oldPrimary.name);
    await this.setSynchronousStandbyNames(next);
    log().info({ node: node.name, synchronous_standby_names: next.text }, `promoted ${node.name}`);
    return next;
  }

  /**
   * Changes the primary's synchronous_standby_names while it runs (ALTER SYSTEM + reload: the
   * parameter is reloadable, docs: runtime-config-replication.html); the cluster's own idea of the
   * setting, which the model reads, follows. Warnings about the new value are logged.
   * @param sync the new setting; text is parsed first.
   * @throws ConfigError for malformed text, before anything is changed.
   */
  async setSynchronousStandbyNames(sync: string | SyncStandbyNames): Promise<void> {
    const next = typeof sync === 'string' ? parseSyncStandbyNames(sync) : sync;
    for (const w of syncConfigWarnings(
      next,
      this.standbys.map((n) => n.name),
    ))
      log().warn({ synchronous_standby_names: next.text }, w);
    await this.primaryNode.alterSystem({ synchronous_standby_names: next.text });
    this.current = next;
  }

  /**
   * Takes a node out of the cluster for good (e.g. an old primary that will not come back after
   * an unplanned failover): its host is removed and the end-of-story steps (catch-up, hashes) work
   * on the survivors.
   * @throws Error when `node` is the current primary.
   */
  async remove(node: PgNode): Promise<void> {
    if (node === this.primaryNode) throw new Error(`${node.name} is the primary: promote another node before removing it`);
    const i = this.nodes.indexOf(node);
    if (i < 0) return;
    await node.host.remove(); // first: were it to fail, destroy() still finds the host
    this.nodes.splice(i, 1);
    log().info({ node: node.name }, `${node.name} left the cluster`);
  }

  /**
   * Points `node` at `primary` (default: the current primary). A running standby gets
   * primary_conninfo by ALTER SYSTEM and a reload (PostgreSQL 13+ restarts its WAL receiver
   * on the change; 12 needs a restart, done here); a stopped node gets standby.signal and
   * primary_conninfo written, to follow `primary` when started. recovery_target_timeline =
   * 'latest' either way, so it follows the promotion's new timeline.
   * @throws Error when `node` runs as a primary: demote it by stopping it first.
   */
  async repoint(node: PgNode, primary: PgNode = this.primary): Promise<void> {
    if (!(await node.running())) {
      await node.writeStandbyConfig(primary, this.replication);
      return;
    }
    if (!(await node.inRecovery()))
      throw new Error(`${node.name} is running as a primary: stop it before repointing it to ${primary.name}`);
    await node.alterSystem({ primary_conninfo: node.conninfoFor(primary, this.replication), recovery_target_timeline: 'latest' });
    if (this.image.major < 13) {
      await node.stop('fast');
      await node.start();
    }
  }

  /**
   * pg_rewind of the stopped `node` against the running `o.source` (default: the current
   * primary; docs: app-pgrewind.html), then standby.signal and primary_conninfo towards it: start
   * `node` to rejoin. `o.signal` (the operator's, when it gives the move up) stops it between steps.
   * @returns pg_rewind's output. @throws ExecError with pg_rewind's refusal (e.g. without
   *   wal_log_hints or data checksums) or failure; `signal.reason` once it aborted.
   */
  async rewind(node: PgNode, o: { source?: PgNode; signal?: AbortSignal } = {}): Promise<string> {
    const { source = this.primary, signal } = o;
    // pg_rewind reads the source's timeline from its control file, which a fresh promotion
    // updates only at its next checkpoint: without this it reports "source and target cluster
    // are on the same timeline / no rewind required" (PostgreSQL's own pg_rewind tests
    // checkpoint the promoted standby first, src/bin/pg_rewind/t/RewindTest.pm).
    await source.safePsql('CHECKPOINT', { timeoutMs: 300_000 });
    signal?.throwIfAborted();
    const out = await node.rewind(source);
    signal?.throwIfAborted();
    await node.writeStandbyConfig(source, this.replication);
    return out;
  }

  /**
   * Rebuilds `node` as a standby of `o.source` (default: the current primary) with a fresh
   * pg_basebackup -R, discarding its data directory (write-up 001, scheme 2), and starts it (pg_ctl
   * start waits `o.startTimeoutMs`, default 120 000). `o.signal` stops it between steps, as for `rewind`.
   * @throws ExecError when pg_basebackup or the start fails; `signal.reason` once it aborted.
   */
  async reclone(node: PgNode, o: { source?: PgNode; startTimeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const { source = this.primary, startTimeoutMs = 120_000, signal } = o;
    if (await node.running()) await node.stop('immediate');
    await node.host.ensureUp();
    signal?.throwIfAborted();
    await node.initFromBackup(source, this.replication);
    signal?.throwIfAborted();
    await node.start({ timeoutMs: startTimeoutMs });
  }

  /**
   * Waits up to `o.timeoutMs` (default 60 000) until every standby has replayed the primary's
   * current write LSN (PostgreSQL::Test::Cluster `wait_for_catchup` for each standby).
   * @returns that LSN. @throws WaitTimeoutError naming the standby that lagged.
   */
  async catchUpAll(o: { timeoutMs?: number } = {}): Promise<Lsn> {
    const lsn = (await this.primary.lsn('write'))!;
    await Promise.all(this.standbys.map((s) => this.primary.waitForCatchup(s.name, { mode: 'replay', lsn, timeoutMs: o.timeoutMs })));
    return lsn;
  }

  /** Removes every container and the network of this cluster. Idempotent. */
  async destroy(): Promise<void> {
    this.unregisterCleanup();
    await Promise.all(this.nodes.map((n) => n.host.remove().catch(() => {})));
    const d = await docker();
    await d
      .getNetwork(this.network.id)
      .remove()
      .catch((e: { statusCode?: number }) => {
        if (e.statusCode !== 404) throw e;
      });
  }
}
