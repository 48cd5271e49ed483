import { readdir, rename } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { test, type TestContext } from 'vitest';
import type { Verdict } from '../checks/verdict.ts';
import type { ClusterOptions } from '../db/bring-up.ts';
import { Cluster } from '../db/cluster.ts';
import { BuiltinManager, type OperatorOptions } from '../manager/builtin.ts';
import type { HaManager } from '../manager/manager.ts';
import { PatroniManager, patroniConfigPromise } from '../manager/patroni-manager.ts';
import { PgAutoFailoverManager } from '../manager/pg-auto-failover-manager.ts';
import { RepmgrManager } from '../manager/repmgr-manager.ts';
import { PgpoolManager } from '../manager/pgpool-manager.ts';
import type { PatroniPromise } from '../model/patroni-promise.ts';
import type { PatroniUserConfig } from '../manager/patroni/config.ts';
import { injectManagedFault, type ManagedCluster } from '../nemesis/managed.ts';
import type { WriteTarget } from '../load/writer.ts';
import type { SqlNode } from '../db/sql-node.ts';
import { log } from '../logger.ts';
import { injectFault, type InjectedFault } from '../nemesis/catalogue.ts';
import type { Fault } from '../history/fault.ts';
import { ReplicationObserver } from '../load/observer.ts';
import { recordId, skippedRecord, writeScenarioRecord, type ScenarioRecord } from '../report/record.ts';
import { rerunCommand } from './context.ts';
import { interruptedBy } from '../cleanup.ts';
import { Recorder } from './recorder.ts';
import { currentRun } from '../run-id.ts';
import { BatchWriter, type BatchWriterOptions } from '../load/writer.ts';
import { clusterOptionsOf, userConfig, writerOptionsOf, type UserConfig } from './config.ts';
import type { ImageNeed } from '../db/image.ts';
import { unmetNeeds } from './needs.ts';
import type { ManagerName, ManagerView } from '../history/manager.ts';

/** What a scenario body gets: a recorder, and starters whose products are torn down for it. */
export interface ScenarioContext {
  rec: Recorder;
  /** The PostgreSQL major this run of the scenario is on (one of the config's `pg`). */
  major: number;
  /** The user's HA config this run tests (`pgchaos.config.json` and flags; the write-ups' setup by default). */
  config: UserConfig;
  /**
   * Starts a cluster (see `Cluster.start`) from the user's config, with `opts` on top (a story
   * that needs, say, wal_log_hints off says so); removed when the scenario ends, however it ends.
   */
  startCluster(opts?: ClusterOptions): Promise<Cluster>;
  /**
   * Brings a cluster up under the config's HA manager and returns the manager, not yet making
   * moves (`start()` it): today the built-in (`BuiltinManager`: `opts.cluster` on top of the
   * config, as startCluster takes them; `opts.operator` for its operator). Its cluster is removed
   * when the scenario ends; its view is read after every fault and move recorded while the
   * scenario runs (`rec.manager.views`, in the record's `manager` section).
   * @throws Error under a manager the seam does not yet start in stories (patroni).
   */
  startManager(opts?: { cluster?: ClusterOptions; operator?: OperatorOptions }): Promise<BuiltinManager>;
  /**
   * Brings a cluster up under the config's HA manager when it is not the built-in (Patroni:
   * `PatroniManager.start` with the user's patroni.yml, `config.patroni`; pg_auto_failover:
   * `PgAutoFailoverManager.start`, a monitor and three nodes with config `pgAutoFailover`, else its defaults; repmgr:
   * `RepmgrManager.start`, three nodes with repmgrd, with config `repmgr`, else the story's settings
   * (ScenarioOptions `repmgr.config`), else repmgr's defaults with failover=automatic; pgpool:
   * `PgpoolManager.start`, three nodes behind one pgpool, the story's settings (ScenarioOptions
   * `pgpool.config`) or pgchaos's defaults)
   * and returns it, its own view loop not yet started (`start()` it). Its containers are removed
   * when the scenario ends; its view is read after every fault and move, as for startManager.
   * Without a user's patroni.yml, the story's own (ScenarioOptions `patroni.config`) runs; the
   * record's manager section shows the config that ran.
   * @throws Error under the built-in manager (a story for it uses startManager); ConfigError as
   *   PatroniCluster.start, before any container starts.
   */
  startManaged(): Promise<ManagedHaManager>;
  /**
   * Creates the writer's tables and starts the writer (clients and batch rows from the config,
   * `opts` on top) against `target`: a cluster's primary, or where a manager's clients connect
   * (`manager.clients()`, e.g. HAProxy).
   */
  startWriter(target: WriteTarget, opts?: BatchWriterOptions): Promise<BatchWriter>;
  /** Starts sampling pg_stat_replication on the target's primary (a cluster's, or through a manager's proxy) every `intervalMs`. */
  startObserver(target: WriteTarget, intervalMs?: number): ReplicationObserver;
  /**
   * Injects `fault` from the catalogue (history/fault.ts kinds, e.g. `{ kind: 'crash-host-loud',
   * target: { node: 's1' } }`) and records it, with `detail` (say, what the model predicted).
   * The one way a story breaks something: end it with the result's `heal()` (the catalogue's
   * repair), `healBy(what, act)` (the story's own move), or `lastsToEnd(why)`.
   * On a managed cluster (`manager.cluster` of startManaged) the catalogue's managed faults
   * (nemesis/managed.ts): node faults healed without starting PostgreSQL, and the manager's own parts.
   * @throws Error when it cannot be injected (see `injectFault`, `injectManagedFault`).
   */
  inject(cluster: Cluster | ManagedCluster, fault: Fault, detail?: Record<string, unknown>): Promise<InjectedFault>;
  /**
   * Records the verdict in the report and goes on, as Jepsen composes checkers: every check of a
   * story is evaluated and recorded. The scenario then fails, once its body is done, unless every
   * verdict passed (`unknown` fails too); its error lists each verdict that did not.
   * @returns `v`.
   */
  verify<E>(v: Verdict<E>): Verdict<E>;
}

/** A cluster under an HA manager other than the built-in: the manager, and its cluster as the catalogue's managed faults take it. */
export type ManagedHaManager = HaManager & { readonly cluster: ManagedCluster };

/** A managed cluster as the scenario's teardown and record need it. */
type Managed = ManagedHaManager & {
  readonly cluster: ManagedCluster & { readonly id: string; readonly image: { readonly name: string } };
  destroy(): Promise<void>;
};

/**
 * Brings up the cluster of the config's manager (not the built-in): Patroni on the user's
 * patroni.yml, else the story's own (ScenarioOptions.patroni); pg_auto_failover with the formation's
 * settings of config `pgAutoFailover`, else its defaults; repmgr with config `repmgr`, else the story's settings, else its defaults;
 * pgpool with config `pgpool`, else the story's settings, else pgchaos's defaults.
 * @throws Error under the built-in manager (a story for it uses startManager).
 */
async function startManagedCluster(config: UserConfig, major: number, opts: ScenarioOptions, rec: Recorder): Promise<Managed> {
  switch (config.manager) {
    case 'builtin':
      throw new Error('startManaged starts a manager other than the built-in; under manager builtin a story uses startManager');
    case 'patroni': {
      const patroni = config.patroni?.config ?? opts.patroni?.config;
      return PatroniManager.start({ pgMajor: major, standbys: config.standbys, ...(patroni ? { config: patroni } : {}) }, rec);
    }
    case 'pg_auto_failover':
      return PgAutoFailoverManager.start(
        { pgMajor: major, standbys: config.standbys, ...(config.pgAutoFailover ? { config: config.pgAutoFailover } : {}) },
        rec,
      );
    case 'repmgr':
      return RepmgrManager.start({ pgMajor: major, standbys: config.standbys, config: config.repmgr?.config ?? opts.repmgr?.config }, rec);
    case 'pgpool':
      return PgpoolManager.start({ pgMajor: major, standbys: config.standbys, config: config.pgpool?.config ?? opts.pgpool?.config }, rec);
  }
}

/** Deadline for a scenario's teardown (stop load, save the record, remove containers), ms. */
const TEARDOWN_MS = 60_000;

/** How a story is declared beyond its name. */
export interface ScenarioOptions {
  /** vitest timeout for the body, ms (default 300 000). */
  timeoutMs?: number;
  /** The seed of the random schedule this story plays: part of its record's key. */
  seed?: number;
  /** Flags the rerun command needs to make the same run (default: `--seed S` when there is a seed), e.g. `['--seed', '7', '--duration', '120']`. */
  rerunArgs?: string[];
  /** What the story needs of its image beyond every cluster's binaries, e.g. `['pg_rewind']`: on an image without it, the story is skipped with the reason. */
  needs?: readonly ImageNeed[];
  /**
   * The HA managers the story is written for (default `['builtin']`): under another (config
   * `manager`), it is skipped with the reason, never run on a cluster the config did not choose.
   */
  managers?: readonly ManagerName[];
  /**
   * Under Patroni: `config`, the patroni.yml the story runs on when the user gives none (config
   * `patroniConfig`); `modes`, the replication modes whose behaviour its verdicts assert
   * (model/patroni-promise.ts: `async`, `sync`, `strict`; any when absent). A user's patroni.yml
   * is used as given, and one of another mode skips the story with the reason: a story asserting
   * that strict mode stalls writes says nothing about an asynchronous config.
   */
  patroni?: { config: PatroniUserConfig; modes?: readonly PatroniPromise['mode'][] };
  /**
   * Under repmgr: the repmgr settings the story runs on when the user gives none (config `repmgr`;
   * manager/repmgr/config.ts: an object or repmgr.conf text); repmgr's defaults when absent.
   */
  repmgr?: { config: unknown };
  /**
   * Under pgpool: the pgpool settings the story runs on when the user gives none (config `pgpool`;
   * manager/pgpool/config.ts: an object or pgpool.conf text); pgchaos's defaults when absent.
   */
  pgpool?: { config: unknown };
}

/**
 * Declares one HA story as vitest tests: one per PostgreSQL major of the user's config (`pg`),
 * named `<name> [pgNN]`. Whether a test passes, fails, times out or is interrupted, its writer
 * and observer are stopped, its record (keyed by file + name + major + seed) is written to the
 * run's report folder, and its containers and network are removed. Verdicts and metrics are also
 * attached to the test as annotations, so JUnit carries them for passing scenarios too. A story
 * whose image lacks what it `needs` is skipped before it starts, with a record of status
 * `skipped` and the reason.
 */
export function scenario(name: string, body: (ctx: ScenarioContext) => Promise<void>, opts: ScenarioOptions = {}): void {
  const config = userConfig();
  for (const major of config.pg) scenarioOn(major, name, body, config, opts);
}

function scenarioOn(
  major: number,
  name: string,
  body: (ctx: ScenarioContext) => Promise<void>,
  config: UserConfig,
  opts: ScenarioOptions,
): void {
  test(
    `${name} [pg${major}]`,
    async (t) => {
      const unmet = unmetNeeds(opts.needs, major) ?? unmetManager(opts.managers, config.manager) ?? unmetPatroniMode(opts.patroni, config);
      if (unmet) {
        await t.annotate(unmet, 'skipped'); // the reason in JUnit (a property), where <skipped/> has none
        // Its record too, so that the report, summary.json, the run index and compare know it did not run.
        await writeSkippedRecord(relative(process.cwd(), t.task.file.filepath), name, major, opts, unmet);
        t.skip(unmet);
      }
      const rec = new Recorder(name, relative(process.cwd(), t.task.file.filepath));
      const clusters: Cluster[] = [];
      // The first cluster's settings as it started: what the story ran under (a failover changes them).
      const started: Record<string, unknown>[] = [];
      const writers: BatchWriter[] = [];
      const observers: ReplicationObserver[] = [];
      const views = new ManagerViews();
      const managed: Managed[] = [];
      const annotations: Array<Promise<unknown>> = [];
      const annotate = (type: string, message: string) => annotations.push(t.annotate(message, type).catch(() => undefined));
      rec.onVerdict = (v) => annotate(`verdict ${v.check}`, `${v.status}: ${v.summary}`);
      rec.onMetric = (k, v) => annotate(`metric ${k}`, typeof v === 'object' ? JSON.stringify(v) : String(v));
      t.onTestFinished(async (done) => {
        await Promise.all(annotations);
        rec.onFaultOrMove = undefined;
        await views.settle();
        await finish(done, major, opts, rec, { clusters, started, managed, writers, observers });
      }, TEARDOWN_MS);
      const ctx: ScenarioContext = {
        rec,
        major,
        config,
        async startCluster(opts) {
          const c = await Cluster.start({
            ...clusterOptionsOf(config, major),
            ...opts,
            settings: { ...config.settings, ...opts?.settings },
          });
          clusters.push(c);
          started.push(clusterSettings(c));
          rec.step('cluster ready', {
            image: c.image.name,
            synchronous_standby_names: c.sync.text,
            synchronous_commit: c.synchronousCommit,
          });
          return c;
        },
        async startManager(o) {
          if (config.manager !== 'builtin')
            throw new Error(`the stories do not yet start manager ${config.manager} (issue 18): only builtin runs through the seam today`);
          const c = await ctx.startCluster(o?.cluster);
          const m = new BuiltinManager(c, rec, o?.operator);
          rec.manager = { ...m.describe(), views: [] };
          rec.onFaultOrMove = (t) => views.after(m, t, rec.manager!.views!);
          return m;
        },
        async startManaged() {
          const m = await startManagedCluster(config, major, opts, rec);
          managed.push(m);
          rec.step('cluster ready', { manager: m.name, image: m.cluster.image.name, clients: m.clients().describe });
          rec.manager = { ...m.describe(), views: [] };
          rec.onFaultOrMove = (t) => views.after(m, t, rec.manager!.views!);
          return m;
        },
        async startWriter(target, opts) {
          const w = new BatchWriter(target, rec.clock, { ...writerOptionsOf(config), ...opts });
          writers.push(w);
          await w.setup();
          w.start();
          rec.step('writer started', { clients: w.clients, batchRows: w.batchRows, rateTps: w.rateTps ?? null });
          return w;
        },
        startObserver(target, intervalMs) {
          const o = new ReplicationObserver(target, rec.clock, intervalMs);
          observers.push(o);
          o.start();
          return o;
        },
        inject: (cluster, fault, detail) =>
          cluster instanceof Cluster ? injectFault(cluster, rec, fault, detail) : injectManagedFault(cluster, rec, fault, detail),
        verify: (v) => rec.verdict(v),
      };
      const outcome = await body(ctx).then(
        () => null,
        (e: unknown) => e,
      );
      const failing = rec.verdicts.filter((v) => v.status !== 'passed');
      if (failing.length || outcome !== null) throw storyFailure(failing, outcome);
    },
    opts.timeoutMs ?? 300_000,
  );
}

/** Most views a record keeps: a long schedule's faults and moves are hundreds; past this, the last ones are dropped. */
const MAX_VIEWS = 500;

/**
 * Reads a manager's view after each fault and move, one read at a time: events that come while a
 * read is under way are covered by one more read after it (so a burst of moves costs two reads),
 * never by reads piling up on a frozen primary.
 */
class ManagerViews {
  private inflight: Promise<void> | null = null;
  private pending: number | undefined;

  after(m: HaManager, t: number, into: ManagerView[]): void {
    if (this.inflight) {
      this.pending = t;
      return;
    }
    this.inflight = m
      .view()
      .then((v) => {
        if (into.length < MAX_VIEWS) into.push({ ...v, after: t });
      })
      // view() says in the view why it could not read it; anything else must not become an unhandled rejection.
      .catch((e: unknown) => log().warn({ error: String(e) }, 'could not read the manager view'))
      .finally(() => {
        this.inflight = null;
        const next = this.pending;
        this.pending = undefined;
        if (next !== undefined) this.after(m, next, into);
      });
  }

  /** Waits for the reads under way (and the one they queued), before the cluster is removed. */
  async settle(): Promise<void> {
    while (this.inflight) await this.inflight;
  }
}

/** Why a story written for `managers` (default builtin) does not run under `chosen`, or undefined when it does. */
export function unmetManager(managers: readonly ManagerName[] = ['builtin'], chosen: ManagerName): string | undefined {
  return managers.includes(chosen)
    ? undefined
    : `skipped: this story is not yet written for manager ${chosen} (it runs under ${managers.join(', ')}); run it with --manager ${managers[0]}`;
}

/**
 * Why a story asserting Patroni modes `story.modes` does not run on the user's patroni.yml (of
 * another mode, as model/patroni-promise.ts reads it), or undefined when it does: not under
 * Patroni, no patroni.yml given (the story's own config runs), or no modes asserted.
 */
export function unmetPatroniMode(
  story: ScenarioOptions['patroni'],
  config: Pick<UserConfig, 'manager' | 'patroni' | 'standbys'>,
): string | undefined {
  if (config.manager !== 'patroni' || !config.patroni || !story?.modes) return undefined;
  const mode = patroniConfigPromise(config.patroni.config, config.standbys).mode;
  return story.modes.includes(mode)
    ? undefined
    : `skipped: this story asserts Patroni's ${story.modes.join(' or ')} replication mode, and ${basename(config.patroni.file)} runs ${mode} mode; without patroniConfig it runs on its own ${story.modes[0]} config`;
}

/**
 * Writes the record of a story skipped before it started (`unmet`: why, as unmetNeeds words it,
 * `skipped: ` first) into the current run's folder: status `skipped`, the reason, its key, id and
 * rerun command; nothing else, since nothing ran.
 */
async function writeSkippedRecord(file: string, name: string, major: number, opts: ScenarioOptions, unmet: string): Promise<void> {
  const seed = opts.seed;
  const key = { file, name, major, ...(seed !== undefined ? { seed } : {}) };
  const rerun = rerunCommand(file, name, major, opts.rerunArgs ?? (seed !== undefined ? ['--seed', String(seed)] : []));
  await writeScenarioRecord(currentRun().dir, skippedRecord(key, unmet.replace(/^skipped: /, ''), rerun, new Date().toISOString()));
}

/**
 * The error a story fails with: each verdict that did not pass (`check (status): summary`), then
 * what stopped the body, if anything did (a wait that timed out, a move that failed).
 */
export function storyFailure(failing: readonly Verdict[], stoppedBy: unknown): Error {
  const lines = failing.map((v) => `${v.check} (${v.status}): ${v.summary}`);
  if (stoppedBy === null) return new Error(lines.join('\n'));
  if (!lines.length) return stoppedBy instanceof Error ? stoppedBy : new Error(String(stoppedBy));
  const why = stoppedBy instanceof Error ? stoppedBy.message : String(stoppedBy);
  return new Error(`${lines.join('\n')}\nthen the story stopped: ${why}`, { cause: stoppedBy });
}

/** What a scenario started, for its teardown and record. */
interface Started {
  clusters: Cluster[];
  /** The first cluster's settings as it started. */
  started: Record<string, unknown>[];
  managed: Managed[];
  writers: BatchWriter[];
  observers: ReplicationObserver[];
}

async function finish(
  t: TestContext,
  major: number,
  opts: ScenarioOptions,
  rec: Recorder,
  { clusters, started, managed, writers, observers }: Started,
): Promise<void> {
  const seed = opts.seed;
  const run = currentRun();
  let record: ScenarioRecord | undefined;
  try {
    await Promise.all([...writers.map((w) => w.stop(2000)), ...observers.map((o) => o.stop())]);
    const state = t.task.result?.state;
    const primary = clusters[0]?.primary ?? (await managedPrimary(managed[0]));
    const key = { file: rec.file, name: rec.name, major, ...(seed !== undefined ? { seed } : {}) };
    // A signal reached this worker, or vitest cancelled the run around this test (it then ends as skipped).
    const stopped = state === 'pass' ? null : (interruptedBy() ?? (state === 'skip' ? 'run cancelled' : null));
    record = {
      ...key,
      id: recordId(key),
      // Ctrl-C makes a scenario's waits fail with whatever they were doing ("no such exec", a timeout): say what happened instead.
      status: state === 'pass' ? 'passed' : stopped ? 'interrupted' : 'failed',
      ...(stopped
        ? { error: `interrupted (${stopped}) while it ran` }
        : state !== 'pass'
          ? { error: t.task.result?.errors?.map((e) => e.message).join('\n') ?? `test ended in state ${state}` }
          : {}),
      startedAt: new Date(rec.clock.epochMs).toISOString(),
      durationMs: Math.round(rec.clock.now()),
      postgres: primary ? await primary.safePsql('SELECT version()').catch(() => undefined) : undefined,
      ...(clusters[0] ? { image: clusters[0].image.name, cluster: clusterRecord(started[0]!, clusters[0]) } : {}),
      ...(managed[0] ? { image: managed[0].cluster.image.name } : {}),
      manager: rec.manager ?? { name: 'builtin', config: { moves: "the story's own steps" } },
      rerun: rerunCommand(rec.file, rec.name, major, opts.rerunArgs ?? (seed !== undefined ? ['--seed', String(seed)] : [])),
      metrics: rec.metrics,
      ...(Object.keys(rec.metricInfo).length ? { metricInfo: rec.metricInfo } : {}),
      ...(rec.nemesis ? { nemesis: rec.nemesis } : {}),
      ...(rec.nodesAtEnd ? { nodesAtEnd: rec.nodesAtEnd } : {}),
      ...(rec.promotion ? { promotion: rec.promotion } : {}),
      ...(rec.lostSample ? { lostSample: rec.lostSample } : {}),
      ...(rec.lossMatrix ? { lossMatrix: rec.lossMatrix } : {}),
      verdicts: rec.verdicts,
      events: rec.events,
      ...(writers[0] ? { writer: { clients: writers[0].clients, batchRows: writers[0].batchRows, samples: writers[0].samples() } } : {}),
      ...(observers[0]
        ? {
            observer: {
              samples: [...observers[0].samples()],
              transitions: Object.fromEntries(
                (clusters[0]?.nodes.map((n) => n.name) ?? managed[0]?.nodeNames ?? []).map((n) => [n, observers[0]!.transitions(n)]),
              ),
            },
          }
        : {}),
      logs: {},
    };
  } finally {
    await Promise.all([...clusters.map((c) => c.destroy()), ...managed.map((m) => m.destroy())]);
    log().info({ scenario: rec.name }, 'containers removed');
    if (record) {
      record.logs = managed[0]
        ? await moveManagedLogs(run.dir, record.id, managed[0].cluster.id)
        : await moveLogs(run.dir, record.id, clusters);
      await writeScenarioRecord(run.dir, record);
    }
  }
}

/**
 * Moves each cluster's server logs (written by the nodes into `logs/<cluster>/`) to
 * `logs/<record id>[-2…]/`, named by the scenario, once its containers are gone.
 * @returns node name → log path relative to the run folder (a second cluster's nodes as `name@2`).
 */
async function moveLogs(runDir: string, id: string, clusters: Cluster[]): Promise<Record<string, string>> {
  const logs: Record<string, string> = {};
  for (const [i, c] of clusters.entries()) {
    const target = join(runDir, 'logs', i === 0 ? id : `${id}-${i + 1}`);
    const from = c.nodes[0] ? dirname(c.nodes[0].logFile) : undefined;
    const moved = from
      ? await rename(from, target).then(
          () => true,
          () => false,
        )
      : false;
    for (const n of c.nodes)
      logs[i === 0 ? n.name : `${n.name}@${i + 1}`] = relative(runDir, moved ? join(target, basename(n.logFile)) : n.logFile);
  }
  return logs;
}

/** The primary a manager's view names, as a direct connection; undefined when it names none or cannot be read. */
async function managedPrimary(m: HaManager | undefined): Promise<SqlNode | undefined> {
  const primary = m ? (await m.view()).primary : null;
  return primary && m ? m.node(primary) : undefined;
}

/**
 * Moves a managed cluster's logs (its containers write `logs/<cluster id>/<member>.log`: each
 * node's agent and PostgreSQL, the DCS members, the proxy) to `logs/<record id>/`.
 * @returns member name → log path relative to the run folder.
 */
async function moveManagedLogs(runDir: string, id: string, clusterId: string): Promise<Record<string, string>> {
  const from = join(runDir, 'logs', clusterId);
  const target = join(runDir, 'logs', id);
  const dir = await rename(from, target).then(
    () => target,
    () => from,
  );
  const files = await readdir(dir).catch(() => [] as string[]);
  return Object.fromEntries(files.filter((f) => f.endsWith('.log')).map((f) => [basename(f, '.log'), relative(runDir, join(dir, f))]));
}

/** What the report shows of a cluster's configuration. */
function clusterSettings(c: Pick<Cluster, 'standbys' | 'sync' | 'synchronousCommit'>): Record<string, unknown> {
  return { standbys: c.standbys.map((s) => s.name), synchronous_standby_names: c.sync.text, synchronous_commit: c.synchronousCommit };
}

/**
 * The record's `cluster`: the settings it started with (what the story ran under), and, when a
 * failover or a move changed them, `atEnd`: the primary and settings it ended with. Before, the
 * end state alone was recorded, and a report header read "standbys primary, s2" after a failover.
 */
export function clusterRecord(
  atStart: Record<string, unknown>,
  c: Pick<Cluster, 'primary' | 'standbys' | 'sync' | 'synchronousCommit'>,
): Record<string, unknown> {
  const end = clusterSettings(c);
  if (JSON.stringify(end) === JSON.stringify(atStart)) return atStart;
  const names = (end.standbys as string[]).join(', ');
  return { ...atStart, atEnd: `primary ${c.primary.name}; standbys ${names}; synchronous_standby_names ${c.sync.text || "''"}` };
}
