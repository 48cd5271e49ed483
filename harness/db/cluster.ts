import { randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { onInterrupt } from '../cleanup.ts';
import { docker, runLabels, sweepOrphans } from '../docker.ts';
import { ConfigError } from '../errors.ts';
import { defaultMajor, parseMajor, probeImage, resolveImage, type PgImage } from './image.ts';
import { log } from '../logger.ts';
import { compareLsn, type Lsn } from '../lsn.ts';
import { PGDATA, PgNode, type ReplicationUser, type WalSenderRow } from './pg-node.ts';
import { currentRun } from '../run-id.ts';
import type { CommitRule } from '../model/availability.ts';
import { compareWithModel } from '../model/compare.ts';
import type { SynchronousCommit } from '../model/sync-model.ts';
import { entryMatches, parseSyncStandbyNames, syncConfigWarnings, type SyncStandbyNames } from '../model/sync-standby-names.ts';
import { baseSettings, checkParameterNames } from './ha-config.ts';
import {
  commitTemplate,
  findTemplate,
  inspectBaseImage,
  inVolume,
  newTemplateName,
  settingIsOn,
  sweepTemplates,
  templateKey,
  templateLabels,
  templateShape,
  type TemplateShape,
} from './template.ts';
import { pollUntil } from '../wait.ts';

/** What a cluster is made of. Every field has a default that reproduces the write-ups' setup. */
export interface ClusterOptions {
  /** PostgreSQL major (default: env PGCHAOS_PG_MAJOR, else 15). */
  pgMajor?: number | string;
  /** Standby names, also their application_names (default `['s1', 's2']`). */
  standbys?: string[];
  /** `synchronous_standby_names` of the primary (default `ANY 1 (<standbys>)`); any value PostgreSQL accepts. */
  synchronousStandbyNames?: string;
  /** `synchronous_commit` of every node (default `on`). */
  synchronousCommit?: SynchronousCommit;
  /** Extra postgresql.conf settings (e.g. the user's fragment), applied after pgchaos's own (so they win); names are checked against the server first. */
  settings?: Record<string, string | number | boolean>;
  /** The user's own image for this major (default: pgchaos's, or a local postgres:NN). */
  image?: string;
  /** synchronous_standby_names of a promoted standby (default `swap`, see `SyncPolicy`). */
  afterPromotion?: SyncPolicy;
  /** initdb --data-checksums (default false: pg_rewind then relies on wal_log_hints). */
  dataChecksums?: boolean;
  /** Build the image offline when it is missing (default true). */
  buildImage?: boolean;
  /** Deadline for the standbys to stream with the expected sync_state, ms (default 60 000). */
  readyTimeoutMs?: number;
  /**
   * Start from the run's template of this configuration, made by its first cluster (default
   * true; see template.ts). false: initdb and pg_basebackup, as the write-ups do. Images whose data
   * directory is a volume (official postgres images) always start that way.
   */
  fromTemplate?: boolean;
  /**
   * Puts every node's pg_wal on a tmpfs of this many MB, held by a keeper container
   * (wal-mount.ts), so the `wal-full` fault can fill it. It must hold what PostgreSQL keeps in
   * pg_wal: more than max_wal_size + wal_keep_size (checked at start). Such clusters start
   * without a template. Default: none, pg_wal in the host's data directory.
   */
  walMountMb?: number;
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Words syncrep_scanner.l always reads as keywords: a standby of that name would need quoting everywhere. */
const KEYWORDS = /^(any|first)$/i;

/**
 * Standby names are application_names and host names: lower-case identifiers, unique, neither
 * `primary` (the first node) nor a keyword of synchronous_standby_names.
 * @throws ConfigError naming the bad or duplicate name.
 */
export function checkStandbyNames(standbys: readonly string[]): void {
  for (const s of standbys) {
    if (!NAME.test(s) || s === 'primary' || KEYWORDS.test(s)) {
      throw new ConfigError(
        `invalid standby name ${JSON.stringify(s)}`,
        'use lower-case identifiers such as s1, s2 (not "primary", "any" or "first")',
      );
    }
  }
  if (new Set(standbys).size !== standbys.length)
    throw new ConfigError(`duplicate standby names: ${standbys.join(', ')}`, 'give each standby its own name');
}

/**
 * What a promoted standby's synchronous_standby_names becomes:
 * - `swap`: the setting as it was, with the old primary's name in place of the promoted
 *   standby's (`ANY 1 (s1, s2)` → `ANY 1 (primary, s2)` when s1 is promoted): the old primary
 *   takes the promoted standby's place once it rejoins;
 * - `same`: the setting unchanged;
 * - `{ setting }`: this setting.
 */
export type SyncPolicy = 'swap' | 'same' | { setting: string };

/** A standby's WAL positions, the evidence for choosing which one to promote (write-up 000 §11). */
export interface StandbyPosition {
  name: string;
  /** pg_last_wal_receive_lsn(): WAL received and flushed; null when it never streamed. */
  receiveLsn: Lsn | null;
  /** pg_last_wal_replay_lsn(). */
  replayLsn: Lsn | null;
}

/** Orders standbys most advanced first: larger receive LSN, then larger replay LSN; unknown positions last. */
export function byAdvancement(a: StandbyPosition, b: StandbyPosition): number {
  const cmp = (x: Lsn | null, y: Lsn | null) => (x === y ? 0 : x === null ? 1 : y === null ? -1 : compareLsn(y, x));
  return cmp(a.receiveLsn, b.receiveLsn) || cmp(a.replayLsn, b.replayLsn);
}

/**
 * A private Docker network with one primary and standbys, streaming with
 * `synchronous_standby_names`: copies of the run's template of the configuration (see
 * template.ts), or built by initdb and pg_basebackup. Create with `Cluster.start()`, always end
 * with `destroy()`.
 */
export class Cluster {
  private constructor(
    readonly runId: string,
    readonly image: PgImage,
    readonly network: { id: string; name: string; subnet: string },
    /** The cluster's members, in creation order; `remove()` takes a dead node out. */
    readonly nodes: PgNode[],
    private syncText: string,
    /** `synchronous_commit` of every node. */
    readonly synchronousCommit: SynchronousCommit,
    private readonly afterPromotion: SyncPolicy,
    readonly replication: ReplicationUser,
    private primaryNode: PgNode,
    private readonly unregisterCleanup: () => void,
  ) {
    this.firstSyncText = syncText;
    this.firstPrimary = primaryNode.name;
  }

  private topologyQueue: Promise<void> = Promise.resolve();
  private readonly fencedNodes = new Set<PgNode>();
  /** The setting and the primary the cluster started with: what `commitRule` derives every node's setting from. */
  private readonly firstSyncText: string;
  private readonly firstPrimary: string;

  /**
   * Validates the options, then builds and starts the cluster, ready when every standby is
   * `streaming` with the `sync_priority` and `sync_state` the model predicts in the primary's
   * pg_stat_replication. The first cluster of a configuration in the run makes its template
   * (about 5 s here); later ones start from it (about 1.4 s, against 3–4.7 s by initdb and
   * pg_basebackup).
   * @throws ConfigError before any cluster container starts: unknown major, malformed
   *   synchronous_standby_names, an image that is missing and cannot be built or lacks a binary
   *   every cluster needs, a parameter the server does not know, a parameter pgchaos manages
   *   itself, no Docker engine.
   * @throws ExecError with the server log's reason when a server refuses a setting's value.
   * @throws WaitTimeoutError when the standbys do not become ready in time (the cluster is
   *   removed first).
   */
  static async start(opts: ClusterOptions = {}): Promise<Cluster> {
    const major = parseMajor(opts.pgMajor ?? defaultMajor());
    const standbys = opts.standbys ?? ['s1', 's2'];
    checkStandbyNames(standbys);
    const syncSetting = opts.synchronousStandbyNames ?? `ANY 1 (${standbys.join(', ')})`;
    const synchronousCommit = opts.synchronousCommit ?? 'on';
    const warnings = syncConfigWarnings(parseSyncStandbyNames(syncSetting), standbys);
    const image = await resolveImage(major, { build: opts.buildImage ?? true, ...(opts.image ? { image: opts.image } : {}) });
    const probe = await probeImage(image);
    // On a WAL mount, no recycled segments: the next segment is always a new file, so a full
    // mount stops WAL at the next segment switch, not after the recycled ones run out.
    const walMount: Record<string, string> = opts.walMountMb === undefined ? {} : { wal_recycle: 'off' };
    const settings = { ...baseSettings(syncSetting, major, synchronousCommit), ...walMount, ...opts.settings };
    checkParameterNames(settings, probe.parameters, major);
    for (const w of warnings) log().warn({ synchronous_standby_names: syncSetting }, w);
    for (const m of probe.missing)
      log().warn({ image: image.name }, `${image.name} has no ${m.binary}: ${m.neededFor} will fail on this image`);

    const run = currentRun();
    await sweepOrphans();
    await sweepTemplates(); // after the containers: they may use a template
    // Unique across the run's processes (each vitest worker starts its own count).
    const id = `pgchaos-${run.id}-${randomBytes(3).toString('hex')}`;
    const logDir = join(run.dir, 'logs', id);
    await mkdir(logDir, { recursive: true });
    await chmod(logDir, 0o777); // the container's postgres user writes its log here

    const shape = templateShape(settings, opts.dataChecksums ?? false, REPLICATION_USER);
    const base = await inspectBaseImage(image.name);
    // A commit leaves volumes out: an image whose PGDATA is a volume (official postgres images)
    // gets no template, nor a cluster whose pg_wal is on a mount.
    const useTemplate = (opts.fromTemplate ?? true) && !inVolume(PGDATA, base.volumes) && opts.walMountMb === undefined;
    const key = templateKey({ image, imageId: base.id, ...shape, replicationUser: REPLICATION_USER });
    const d = await docker();
    const net = await d.createNetwork({ Name: id, Driver: 'bridge', CheckDuplicate: true, Labels: runLabels(run.id) });
    const ipam = (await net.inspect()).IPAM?.Config?.[0] as { Subnet?: string; Gateway?: string } | undefined;
    const subnet = ipam?.Subnet;
    const gateway = ipam?.Gateway;
    const made: PgNode[] = []; // every host that exists, for the cleanup of a failed start
    const removeAll = async () => {
      await Promise.all(made.map((n) => n.host.remove().catch(() => {})));
      await net.remove().catch(() => {});
    };
    const unregister = onInterrupt(removeAll);
    try {
      if (!subnet || !gateway) throw new Error(`network ${id} has no IPv4 subnet and gateway`);
      const started = Date.now();
      const superuserPassword = secret();
      const host = async (name: string, from: PgImage) => {
        const n = await PgNode.create({
          name,
          image: from,
          network: id,
          runId: run.id,
          containerName: `${id}-${name}`,
          superuserPassword,
          logDir,
          subnet,
          gateway,
          walMountMb: opts.walMountMb,
        });
        made.push(n);
        return n;
      };
      const replication = { user: REPLICATION_USER, password: secret() };
      const up = useTemplate
        ? await bringUpFromTemplate(host, {
            image,
            standbys,
            shape,
            replication,
            template: await findTemplate(run.id, key),
            make: { name: newTemplateName(run.id, key), labels: templateLabels(run.id, key) },
          })
        : await bringUpByBackup(host, { image, standbys, shape, replication });
      const cluster = new Cluster(
        run.id,
        image,
        { id: net.id, name: id, subnet },
        up.nodes,
        syncSetting,
        synchronousCommit,
        opts.afterPromotion ?? 'swap',
        replication,
        up.nodes[0]!,
        unregister,
      );
      const timeoutMs = opts.readyTimeoutMs ?? 60_000;
      // The harness's clients may connect to a hot standby as soon as start() returns: with this
      // cluster's passwords, so it must have replayed them.
      const replayed =
        up.passwordsLsn && settingIsOn(settings.hot_standby)
          ? cluster.standbys.map((s) => s.pollQueryUntil(`SELECT pg_last_wal_replay_lsn() >= '${up.passwordsLsn}'::pg_lsn`, 't', timeoutMs))
          : [];
      await Promise.all([cluster.waitForStreaming(timeoutMs), ...replayed]);
      if (opts.walMountMb !== undefined) await checkWalMountFits(cluster.primary, opts.walMountMb);
      log().info(
        { cluster: id, image: image.name, how: up.how, ms: Date.now() - started },
        `cluster ready: primary + ${standbys.join(', ')}, synchronous_standby_names = '${syncSetting}'`,
      );
      return cluster;
    } catch (e) {
      unregister();
      await removeAll();
      throw e;
    }
  }

  /** The primary's current `synchronous_standby_names`, parsed. */
  get sync(): SyncStandbyNames {
    return parseSyncStandbyNames(this.syncText);
  }

  /** The primary's current `synchronous_standby_names`, as written. */
  get syncSetting(): string {
    return this.syncText;
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
   * Waits until every standby in `standbys` (default: all) is `streaming` in the primary's
   * pg_stat_replication and every walsender row shows the sync_priority and sync_state the
   * model predicts for the walsenders connected, in their slot order (`compareWithModel`). The
   * base backup's own walsender (state `backup`) does not count.
   * @returns the rows seen. @throws WaitTimeoutError with the rows last seen and how they differ from the model.
   */
  async waitForStreaming(timeoutMs = 60_000, standbys: PgNode[] = this.standbys): Promise<WalSenderRow[]> {
    const want = standbys.map((s) => s.name);
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
        what: `standbys ${want.join(', ')} streaming on ${this.primary.name} as the model predicts for synchronous_standby_names = '${this.syncText}'`,
        timeoutMs,
      },
    );
  }

  /** The settings the model predicts from: synchronous_standby_names and synchronous_commit. */
  syncSettings(): { synchronousStandbyNames: string; synchronousCommit: SynchronousCommit } {
    return { synchronousStandbyNames: this.syncText, synchronousCommit: this.synchronousCommit };
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
    const settingFor = (p: string) =>
      p === first ? this.firstSyncText : settingAfterPromotion(this.afterPromotion, this.firstSyncText, p, first);
    return { settingFor, synchronousCommit: this.synchronousCommit };
  }

  /**
   * Reads every candidate's receive and replay LSN and picks the most advanced (write-up 000 §11:
   * the largest pg_last_wal_receive_lsn(), ties broken by pg_last_wal_replay_lsn()).
   * @returns the chosen node and every candidate's positions, most advanced first.
   */
  async mostAdvancedStandby(candidates: PgNode[] = this.standbys, timeoutS = 60): Promise<{ node: PgNode; positions: StandbyPosition[] }> {
    const positions = await Promise.all(
      candidates.map(async (n) => ({
        name: n.name,
        receiveLsn: await n.lsn('receive', timeoutS),
        replayLsn: await n.lsn('replay', timeoutS),
      })),
    );
    positions.sort(byAdvancement);
    return { node: this.node(positions[0]!.name), positions };
  }

  /**
   * Promotes `node` (pg_promote) and makes it the cluster's primary for writers and observers.
   * Its synchronous_standby_names follows `policy` (default: the cluster's `afterPromotion`,
   * itself `swap` by default), set with ALTER SYSTEM + reload.
   * @returns the new setting.
   */
  async promote(node: PgNode, policy: SyncPolicy = this.afterPromotion): Promise<string> {
    const oldPrimary = this.primaryNode;
    await node.promote();
    this.primaryNode = node;
    const text = settingAfterPromotion(policy, this.syncText, node.name, oldPrimary.name);
    await this.setSynchronousStandbyNames(text);
    log().info({ node: node.name, synchronous_standby_names: text }, `promoted ${node.name}`);
    return text;
  }

  /**
   * Changes the primary's synchronous_standby_names while it runs (ALTER SYSTEM + reload: the
   * parameter is reloadable, docs: runtime-config-replication.html); the cluster's own idea of the
   * setting, which the model reads, follows. Warnings about the new value are logged.
   * @throws ConfigError for a malformed value, before anything is changed.
   */
  async setSynchronousStandbyNames(text: string): Promise<void> {
    for (const w of syncConfigWarnings(
      parseSyncStandbyNames(text),
      this.standbys.map((n) => n.name),
    ))
      log().warn({ synchronous_standby_names: text }, w);
    await this.primaryNode.alterSystem({ synchronous_standby_names: text });
    this.syncText = text;
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
   * pg_rewind of the stopped `node` against the running `source` (default: the current
   * primary), then standby.signal and primary_conninfo towards `source`: start it to rejoin.
   * `signal` (the operator's, when it gives the move up) stops it between steps.
   * @returns pg_rewind's output. @throws ExecError with pg_rewind's refusal (e.g. without
   *   wal_log_hints or data checksums) or failure; `signal.reason` once it aborted.
   */
  async rewind(node: PgNode, source: PgNode = this.primary, signal?: AbortSignal): Promise<string> {
    // pg_rewind reads the source's timeline from its control file, which a fresh promotion
    // updates only at its next checkpoint: without this it reports "source and target cluster
    // are on the same timeline / no rewind required" (PostgreSQL's own pg_rewind tests
    // checkpoint the promoted standby first, src/bin/pg_rewind/t/RewindTest.pm).
    await source.safePsql('CHECKPOINT', 300);
    signal?.throwIfAborted();
    const out = await node.rewind(source);
    signal?.throwIfAborted();
    await node.writeStandbyConfig(source, this.replication);
    return out;
  }

  /**
   * Rebuilds `node` as a standby of `source` (default: the current primary) with a fresh
   * pg_basebackup -R, discarding its data directory (write-up 001, scheme 2), and starts it (pg_ctl
   * start waits `startTimeoutS`, default 120). `signal` stops it between steps, as for `rewind`.
   * @throws ExecError when pg_basebackup or the start fails; `signal.reason` once it aborted.
   */
  async reclone(node: PgNode, source: PgNode = this.primary, startTimeoutS = 120, signal?: AbortSignal): Promise<void> {
    if (await node.running()) await node.stop('immediate');
    await node.host.ensureUp();
    signal?.throwIfAborted();
    await node.initFromBackup(source, this.replication);
    signal?.throwIfAborted();
    await node.start(startTimeoutS);
  }

  /**
   * Waits until every standby has replayed the primary's current write LSN
   * (PostgreSQL::Test::Cluster `wait_for_catchup` for each standby).
   * @returns that LSN. @throws WaitTimeoutError naming the standby that lagged.
   */
  async catchUpAll(timeoutMs = 60_000): Promise<Lsn> {
    const lsn = (await this.primary.lsn('write'))!;
    await Promise.all(this.standbys.map((s) => this.primary.waitForCatchup(s.name, 'replay', lsn, timeoutMs)));
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

function secret(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Like Promise.all, but settles only once every promise has: a host still being created when
 * another fails must exist before the caller removes them all.
 * @throws the first rejection, in `ps` order.
 */
async function allSettledFirst<T>(ps: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(ps);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** The role standbys replicate as. */
const REPLICATION_USER = 'replicator';

/** Creates the host of node `name` from image `from` (PgNode.create with the cluster's network, log folder and password). */
type MakeHost = (name: string, from: PgImage) => Promise<PgNode>;

/** What a cluster is brought up from. */
interface BringUp {
  /** The base image. */
  image: PgImage;
  standbys: string[];
  shape: TemplateShape;
  replication: ReplicationUser;
}

/** A started cluster's nodes (primary first), the primary's WAL position once this cluster's passwords were set (templates only), and how it was made (for the log). */
interface BroughtUp {
  nodes: PgNode[];
  passwordsLsn?: Lsn;
  how: string;
}

/**
 * Starts a cluster from its template image `o.template` (see template.ts); without one, the
 * first cluster of the configuration in the run makes it on its own primary (`makeTemplate`),
 * as `o.make`, and its other hosts are made of it. Every node gets the per-cluster settings and the replication passfile
 * (every node: any of them may stream from another after a failover), the standbys standby.signal
 * and primary_conninfo. The primary starts as soon as its host is up and takes this cluster's
 * passwords; then the standbys start. Not before: a standby whose first connection fails retries
 * only after wal_retrieve_retry_interval (5 s by default).
 */
async function bringUpFromTemplate(
  host: MakeHost,
  o: BringUp & { template: string | undefined; make: { name: string; labels: Record<string, string> } },
): Promise<BroughtUp> {
  let made: PgNode | undefined;
  let template = o.template;
  if (!template) {
    made = await host('primary', o.image);
    await makeTemplate(made, o.shape, o.replication, o.make.name, o.make.labels);
    template = o.make.name;
  }
  const fromTemplate: PgImage = { ...o.image, name: template };
  const primary = made ? Promise.resolve(made) : host('primary', fromTemplate);
  const standbys = allSettledFirst(o.standbys.map((name) => host(name, fromTemplate)));
  const conf = o.shape.clusterConf;
  try {
    const primaryUp = primary.then((p) => p.startFromTemplate({ conf, replication: o.replication }));
    const standbysReady = Promise.all([primary, standbys]).then(([p, ss]) =>
      Promise.all(ss.map((s) => s.prepareFromTemplate({ conf, replication: o.replication, primary: p }))),
    );
    const [passwordsLsn] = await Promise.all([primaryUp, standbysReady]);
    await Promise.all((await standbys).map((s) => s.start()));
    return { nodes: [await primary, ...(await standbys)], passwordsLsn, how: `${made ? 'made' : 'from'} template ${template}` };
  } catch (e) {
    await Promise.allSettled([primary, standbys]); // as in allSettledFirst
    throw e;
  }
}

/**
 * The first cluster of a configuration in a run makes its template on its primary: initdb, the
 * replication role, a fast (clean) stop, then the host committed as image `name` (see
 * template.ts). Nothing of this cluster's own (passfile, per-cluster settings) is written yet.
 */
async function makeTemplate(
  primary: PgNode,
  shape: TemplateShape,
  replication: ReplicationUser,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  await primary.init({ conf: shape.conf, hba: shape.hba, dataChecksums: shape.dataChecksums });
  await primary.start();
  await primary.createReplicationUser(replication);
  await primary.stop('fast');
  await commitTemplate(primary.hostname, name, labels);
}

/**
 * Starts a cluster the way the write-ups do, without a template: initdb of the primary, the
 * replication role, then each standby by pg_basebackup -R (which brings postgresql.conf and
 * pg_hba.conf along).
 */
async function bringUpByBackup(host: MakeHost, o: BringUp): Promise<BroughtUp> {
  const [primary, ...standbys] = (await allSettledFirst(['primary', ...o.standbys].map((name) => host(name, o.image)))) as [
    PgNode,
    ...PgNode[],
  ];
  await primary.init({ conf: `${o.shape.conf}\n${o.shape.clusterConf}`, hba: o.shape.hba, dataChecksums: o.shape.dataChecksums });
  await primary.start();
  await primary.createReplicationUser(o.replication);
  // Every node: any of them may stream from another after a failover.
  await Promise.all([primary, ...standbys].map((n) => n.writePassfile(o.replication)));
  await Promise.all(
    standbys.map(async (s) => {
      await s.initFromBackup(primary, o.replication);
      await s.start();
    }),
  );
  return { nodes: [primary, ...standbys], how: 'initdb + pg_basebackup' };
}

/**
 * synchronous_standby_names of `promoted` after it took over from `oldPrimary` whose setting was
 * `setting`, under `policy` (see SyncPolicy).
 * @throws ConfigError when `setting` is malformed (swap parses it).
 */
export function settingAfterPromotion(policy: SyncPolicy, setting: string, promoted: string, oldPrimary: string): string {
  return policy === 'same' ? setting : policy === 'swap' ? swapName(setting, promoted, oldPrimary) : policy.setting;
}

/**
 * `setting` with the name `from` replaced by `to` (quoted when needed), keeping the method,
 * the number and every other name; `*` and settings that do not name `from` stay as they are.
 */
export function swapName(setting: string, from: string, to: string): string {
  const sync = parseSyncStandbyNames(setting);
  // PostgreSQL matches names case-insensitively (pg_strcasecmp in SyncRepGetStandbyPriority).
  const named = (n: string) => n !== '*' && entryMatches(n, from);
  if (!sync.names.some(named)) return setting;
  const names = sync.names
    .map((n) => (named(n) ? to : n))
    .map((n) => (n === '*' || (/^[a-z_][a-z0-9_]*$/.test(n) && !KEYWORDS.test(n)) ? n : `"${n.replace(/"/g, '""')}"`));
  return sync.method === 'async' ? setting : `${sync.method.toUpperCase()} ${sync.num} (${names.join(', ')})`;
}

/**
 * A WAL mount must hold what PostgreSQL keeps in pg_wal without a fault: up to max_wal_size
 * between checkpoints plus wal_keep_size for the standbys, and some segments of headroom (what
 * a checkpoint lags behind). Else pg_wal fills by itself and a `wal-full` run judges nothing.
 * @throws ConfigError naming both settings and the smallest size that fits.
 */
async function checkWalMountFits(primary: PgNode, walMountMb: number): Promise<void> {
  const rows = JSON.parse(
    await primary.safePsql(
      `SELECT json_agg(json_build_object('name', name, 'setting', setting, 'unit', unit)) FROM pg_settings WHERE name IN ('max_wal_size', 'wal_keep_size', 'wal_keep_segments', 'wal_segment_size')`,
    ),
  ) as { name: string; setting: string; unit: string | null }[];
  const segmentMb = settingMb(rows.find((r) => r.name === 'wal_segment_size'));
  const mb = (name: string): number =>
    settingMb(
      rows.find((r) => r.name === name),
      segmentMb,
    );
  const kept = Math.ceil(mb('max_wal_size') + mb('wal_keep_size') + mb('wal_keep_segments'));
  const need = kept + WAL_HEADROOM_MB;
  if (walMountMb < need) {
    throw new ConfigError(
      `walMountMb ${walMountMb} is too small for pg_wal: max_wal_size + wal_keep_size is ${kept} MB`,
      `give walMountMb ${need} or more (the nemesis story: config nemesis.walMountMb), or lower max_wal_size / wal_keep_size`,
    );
  }
}

/**
 * A size setting from pg_settings in MB: `unit` is MB, kB, 8kB or B; wal_keep_segments (before
 * PostgreSQL 13) has none and counts segments of `segmentMb`. An absent setting is 0.
 * @throws Error on a unit this does not know, rather than a wrong size.
 */
function settingMb(row: { name: string; setting: string; unit: string | null } | undefined, segmentMb = 16): number {
  if (!row) return 0;
  const v = Number(row.setting);
  if (row.name === 'wal_keep_segments') return v * segmentMb;
  const per: Record<string, number> = { MB: 1, kB: 1 / 1024, '8kB': 8 / 1024, B: 1 / 1048576 };
  const unit = per[row.unit ?? ''];
  if (unit === undefined)
    throw new Error(`pg_settings: ${row.name} has unit ${JSON.stringify(row.unit)}, which pgchaos cannot convert to MB`);
  return v * unit;
}

/** Segments a checkpoint may leave beyond max_wal_size + wal_keep_size, MB. */
const WAL_HEADROOM_MB = 512;
