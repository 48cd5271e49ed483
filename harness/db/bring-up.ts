/**
 * Bringing a cluster up: the options checked before any container starts, a private Docker
 * network, the hosts made from the run's template of the configuration (template.ts) or by initdb
 * and pg_basebackup as the write-ups do, and readiness (every standby streaming as the model
 * predicts). `Cluster.start` calls `bringUp`; the Cluster itself keeps only members and moves.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { onInterrupt } from '../cleanup.ts';
import { docker, runLabels, sweepOrphans } from '../docker.ts';
import { ConfigError } from '../errors.ts';
import { log } from '../logger.ts';
import type { Lsn } from '../lsn.ts';
import type { SynchronousCommit } from '../model/sync-model.ts';
import { parseSyncStandbyNames, SYNC_KEYWORDS, syncConfigWarnings, type SyncStandbyNames } from '../model/sync-standby-names.ts';
import { currentRun } from '../run-id.ts';
import { baseSettings, checkParameterNames } from './ha-config.ts';
import { defaultMajor, parseMajor, probeImage, resolveImage, type PgImage } from './image.ts';
import { PGDATA, PgNode, type ReplicationUser } from './pg-node.ts';
import type { SyncPolicy } from './sync-policy.ts';
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

/** What a cluster is made of. Every field has a default that reproduces the write-ups' setup. */
export interface ClusterOptions {
  /** PostgreSQL major (default: env PGCHAOS_PG_MAJOR, else 15). */
  pgMajor?: number | string;
  /** Standby names, also their application_names (default `['s1', 's2']`). */
  standbys?: string[];
  /**
   * `synchronous_standby_names` of the primary (default `ANY 1 (<standbys>)`): text, any value
   * PostgreSQL accepts (parsed once here, ConfigError when malformed), or an already parsed setting.
   */
  synchronousStandbyNames?: string | SyncStandbyNames;
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

/**
 * Standby names are application_names and host names: lower-case identifiers, unique, neither
 * `primary` (the first node) nor a keyword of synchronous_standby_names.
 * @throws ConfigError naming the bad or duplicate name.
 */
export function checkStandbyNames(standbys: readonly string[]): void {
  for (const s of standbys) {
    if (!NAME.test(s) || s === 'primary' || SYNC_KEYWORDS.test(s)) {
      throw new ConfigError(
        `invalid standby name ${JSON.stringify(s)}`,
        'use lower-case identifiers such as s1, s2 (not "primary", "any" or "first")',
      );
    }
  }
  if (new Set(standbys).size !== standbys.length)
    throw new ConfigError(`duplicate standby names: ${standbys.join(', ')}`, 'give each standby its own name');
}

/** What a brought-up cluster is made of: `Cluster`'s constructor takes these. */
export interface ClusterParts {
  runId: string;
  image: PgImage;
  /** The cluster's own bridge network; `subnet` in CIDR form. */
  network: { id: string; name: string; subnet: string };
  /** Primary first, then the standbys in the order of `ClusterOptions.standbys`. */
  nodes: PgNode[];
  sync: SyncStandbyNames;
  synchronousCommit: SynchronousCommit;
  afterPromotion: SyncPolicy;
  replication: ReplicationUser;
  /** Takes the cluster's Ctrl-C cleanup off the list (its `destroy()` removes everything itself). */
  unregisterCleanup: () => void;
}

/** What readiness needs of the assembled cluster. */
export interface Assembled {
  readonly primary: PgNode;
  readonly standbys: PgNode[];
  waitForStreaming(o: { timeoutMs?: number }): Promise<unknown>;
}

/**
 * `Cluster.start`: validates the options, then builds and starts the cluster (`assemble` makes
 * the Cluster of its parts), ready when every standby is
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
export async function bringUp<C extends Assembled>(opts: ClusterOptions, assemble: (parts: ClusterParts) => C): Promise<C> {
  const major = parseMajor(opts.pgMajor ?? defaultMajor());
  const standbys = opts.standbys ?? ['s1', 's2'];
  checkStandbyNames(standbys);
  const given = opts.synchronousStandbyNames ?? `ANY 1 (${standbys.join(', ')})`;
  const sync = typeof given === 'string' ? parseSyncStandbyNames(given) : given;
  const synchronousCommit = opts.synchronousCommit ?? 'on';
  const warnings = syncConfigWarnings(sync, standbys);
  const image = await resolveImage(major, { build: opts.buildImage ?? true, ...(opts.image ? { image: opts.image } : {}) });
  const probe = await probeImage(image);
  // On a WAL mount, no recycled segments: the next segment is always a new file, so a full
  // mount stops WAL at the next segment switch, not after the recycled ones run out.
  const walMount: Record<string, string> = opts.walMountMb === undefined ? {} : { wal_recycle: 'off' };
  const settings = { ...baseSettings(sync, major, synchronousCommit), ...walMount, ...opts.settings };
  checkParameterNames(settings, probe.parameters, major);
  for (const w of warnings) log().warn({ synchronous_standby_names: sync.text }, w);
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
    const cluster = assemble({
      runId: run.id,
      image,
      network: { id: net.id, name: id, subnet },
      nodes: up.nodes,
      sync,
      synchronousCommit,
      afterPromotion: opts.afterPromotion ?? 'swap',
      replication,
      unregisterCleanup: unregister,
    });
    const timeoutMs = opts.readyTimeoutMs ?? 60_000;
    // The harness's clients may connect to a hot standby as soon as start() returns: with this
    // cluster's passwords, so it must have replayed them.
    const replayed =
      up.passwordsLsn && settingIsOn(settings.hot_standby)
        ? cluster.standbys.map((s) => s.pollQueryUntil(`SELECT pg_last_wal_replay_lsn() >= '${up.passwordsLsn}'::pg_lsn`, { timeoutMs }))
        : [];
    await Promise.all([cluster.waitForStreaming({ timeoutMs }), ...replayed]);
    if (opts.walMountMb !== undefined) await checkWalMountFits(cluster.primary, opts.walMountMb);
    log().info(
      { cluster: id, image: image.name, how: up.how, ms: Date.now() - started },
      `cluster ready: primary + ${standbys.join(', ')}, synchronous_standby_names = '${sync.text}'`,
    );
    return cluster;
  } catch (e) {
    unregister();
    await removeAll();
    throw e;
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
  // One clone at a time: each pg_basebackup's fast checkpoint may recycle the WAL segment another
  // one's backup started in before its stream reserved it ("requested WAL segment … has already been
  // removed": seen under pgpool's bring-up, manager/pgpool/cluster.ts).
  for (const s of standbys) {
    await s.initFromBackup(primary, o.replication);
    await s.start();
  }
  return { nodes: [primary, ...standbys], how: 'initdb + pg_basebackup' };
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
