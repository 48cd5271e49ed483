/**
 * A repmgr cluster on a private Docker network, brought up the repmgr way (repmgr 5.3 docs,
 * "quickstart" and "repmgrd automatic failover"):
 *  1. the user's repmgr settings are checked (config.ts) and the major's suite is checked to ship
 *     repmgr (image.ts), before any container starts;
 *  2. every node is a host kept up by tini (image's default command), so PostgreSQL and repmgrd
 *     can die while the host lives; the hosts start together;
 *  3. the primary `pg0`: initdb, postgresql.conf as the quickstart gives it (wal_level replica,
 *     hot_standby, `shared_preload_libraries = 'repmgr'` for repmgrd, wal_log_hints for
 *     pg_rewind) plus the user's `postgresql` parameters, started; the `repmgr` superuser and
 *     database; `repmgr primary register`;
 *  4. each standby (`s1`, `s2`): `repmgr -h pg0 standby clone` (pg_basebackup; its postgresql.conf
 *     comes with the data directory), started, `repmgr standby register`;
 *  5. repmgrd on every node, with `failover`, `priority`, `promote_command` (`repmgr standby
 *     promote`) and `follow_command` (`repmgr standby follow --upstream-node-id=%n`) as the docs
 *     give them, and the `service_*_command`s repmgr uses to start and restart PostgreSQL;
 *  6. the settings read back from every database node (`appliedSettings`: its repmgr.conf and the
 *     priority repmgr registered; not the witness's): the start fails when one differs from the config's.
 * PostgreSQL is started by pgchaos as a host's service manager would at boot (repmgr never starts
 * a stopped server by itself; `agent(n).start()` is that boot). Authentication is `trust` inside
 * the run's private network, as the quickstart's pg_hba.conf for the repmgr user.
 * With `witness: true`, a node `witness` beside them (docs, "Using a witness server"): its own
 * PostgreSQL (the quickstart's settings, none of the user's: it replicates nothing), registered
 * with `repmgr witness register -h pg0` once pg0 is, and its repmgrd. It is no database node
 * (`nodes`, the writer, the hashes and the catalogue's faults leave it out); ready and settled
 * need it `* running` under the primary.
 * Passwordless SSH between the nodes for user postgres (`setUpSsh`), for `repmgr standby switchover`.
 * Every container carries the run's labels; `destroy()` removes them, and so does a failed start.
 */
import { ExecError } from '../../errors.ts';
import { log } from '../../logger.ts';
import { pollUntil } from '../../wait.ts';
import { LOG_MOUNT, ManagedNetwork, type Member } from '../managed-network.ts';
import { reapKilledPostmasterScript } from '../killed-postmaster.ts';
import { ManagedNodes, PG_PORT } from '../managed-nodes.ts';
import {
  checkRepmgrApplied,
  checkRepmgrConfig,
  parseRepmgrConf,
  type PgParam,
  type RepmgrAppliedNode,
  type RepmgrConfig,
} from './config.ts';
import { ensureRepmgrImage, type RepmgrImage } from './image.ts';
import {
  describeView,
  followsPrimary,
  parseClusterShow,
  pickView,
  primaryOf,
  promotedElsewhere,
  type RepmgrView,
  unreachable,
} from './view.ts';

const PGDATA = '/var/lib/postgresql/data';
/** The witness node's name (config `witness: true`). */
export const WITNESS = 'witness';
/** Each node's repmgr.conf (the Debian package reads /etc/repmgr.conf by default; pgchaos names its own with -f). */
export const REPMGR_CONF = '/etc/repmgr/repmgr.conf';
/**
 * repmgrd's pid file. A host booted after a crash keeps it, and the new repmgrd may get the same
 * pid in the fresh pid namespace: it then refuses to start ("PID file … exists and seems to
 * contain a valid PID", repmgrd.c `check_and_create_pid_file`). The agent's start removes it when
 * no repmgrd runs, as a boot's clean /run would.
 */
const PID_FILE = '/tmp/repmgrd.pid';
/** User postgres's SSH directory (its home is /var/lib/postgresql). */
const SSH_DIR = '/var/lib/postgresql/.ssh';
/** Starts sshd (as root) unless it runs; a host booted after a crash keeps /run/sshd in its filesystem, made here if not. */
const SSHD_START = 'pgrep -x sshd >/dev/null || { mkdir -p /run/sshd && /usr/sbin/sshd; }';

export interface RepmgrClusterOptions {
  /** PostgreSQL major; default 15 (bookworm: repmgr 5.3.3). */
  pgMajor?: number | string;
  /** The user's repmgr settings (config.ts: an object or repmgr.conf text), checked before anything starts. */
  config?: unknown;
  /** Standby names; default `['s1', 's2']`. The first node is `pg0`. */
  standbys?: string[];
  /** Deadline for the primary and every standby attached and streaming, ms; default 180 000. */
  readyTimeoutMs?: number;
}

/** A running repmgr cluster. Create with `RepmgrCluster.start()`, always end with `destroy()`. */
export class RepmgrCluster extends ManagedNodes {
  protected readonly nodeWord = 'repmgr node';
  /** The manager, as the fault catalogue names it (nemesis/managed.ts `ManagedCluster`). */
  readonly manager = 'repmgr';
  /** repmgr keeps its metadata in the nodes' own databases: no DCS member for the catalogue's DCS faults. */
  readonly dcsNames: readonly string[] = [];
  /** The node asked first for the view: the primary the last view showed. */
  private preferred = 'pg0';
  /** The settings every node runs, read back once the cluster was ready (`appliedSettings`); set by `start`. */
  applied: RepmgrAppliedNode[] = [];
  /**
   * Whether every node runs sshd and holds the cluster's key pair for user postgres (`setUpSsh`):
   * what `repmgr standby switchover` needs. False on an image built without OpenSSH.
   */
  ssh = false;

  private constructor(
    readonly id: string,
    readonly image: RepmgrImage,
    readonly config: RepmgrConfig,
    /** The user's config as given (the record shows it). */
    readonly userConfig: unknown,
    /** PostgreSQL nodes, `pg0` first. */
    readonly nodes: Member[],
    /** The witness node's host, when the config has one. */
    readonly witness: Member | undefined,
    private readonly removeAll: () => Promise<void>,
  ) {
    super();
  }

  /**
   * Checks the config and the major, then brings the cluster up (see the file's header) and waits
   * until repmgr shows pg0 `* running` and every standby `running` from it, streaming.
   * @throws ConfigError before any container starts (a bad config, a major with no suite).
   * @throws WaitTimeoutError when it is not ready in time; ExecError when a repmgr or PostgreSQL
   *   command fails (the containers and network are removed first).
   */
  static async start(opts: RepmgrClusterOptions = {}): Promise<RepmgrCluster> {
    const names = ['pg0', ...(opts.standbys ?? ['s1', 's2'])];
    const config = checkRepmgrConfig(opts.config, names);
    const image = await ensureRepmgrImage(opts.pgMajor ?? 15);
    const net = await ManagedNetwork.create('repmgr');
    const { id, network } = net;
    const host = (name: string) => net.host(name);
    const member = (name: string) => net.member(name, image, { ports: [PG_PORT] });
    try {
      const [nodes, witness] = await Promise.all([
        Promise.all(names.map((n) => member(n))),
        config.witness ? member(WITNESS) : Promise.resolve(undefined),
      ]);
      // Every host, the witness last: its node id follows the database nodes'.
      const all = [...names, ...(witness ? [WITNESS] : [])];
      const hosts = new Map(all.map((n) => [n, host(n)]));
      const cluster = new RepmgrCluster(id, image, config, opts.config ?? null, nodes, witness, () => net.remove());
      const bin = image.binDir;
      cluster.ssh = await cluster.setUpSsh();
      await Promise.all(
        all.map((n, i) => cluster.host(n).exec(['sh', '-c', writeFile(REPMGR_CONF, repmgrConf(config, n, i + 1, hosts.get(n)!, bin))])),
      );
      // The quickstart's primary: initdb, the settings repmgr needs, the repmgr user and database, registered.
      await cluster.node('pg0').exec(['sh', '-c', initScript('pg0', config.postgresql, network.subnet, bin)], { timeoutMs: 120_000 });
      await cluster.node('pg0').exec(['repmgr', '-f', REPMGR_CONF, 'primary', 'register'], { timeoutMs: 60_000 });
      if (witness) {
        // The docs' witness: a server of its own with the repmgr database, registered against the primary.
        await witness.exec(['sh', '-c', initScript(WITNESS, {}, network.subnet, bin)], { timeoutMs: 120_000 });
        await witness.exec(['repmgr', '-f', REPMGR_CONF, 'witness', 'register', '-h', hosts.get('pg0')!, '-U', 'repmgr', '-d', 'repmgr'], {
          timeoutMs: 60_000,
        });
      }
      // Standbys clone from pg0 and register; each writes its own row on the primary. One clone at a
      // time: a clone's fast checkpoint may recycle the WAL another one's backup started in before its
      // stream reserved it (pg_basebackup -X stream; seen under pgpool's bring-up, pgpool/cluster.ts).
      for (const n of names.slice(1)) {
        const m = cluster.node(n);
        await m.exec(
          ['repmgr', '-h', hosts.get('pg0')!, '-U', 'repmgr', '-d', 'repmgr', '-f', REPMGR_CONF, 'standby', 'clone', '--fast-checkpoint'],
          { timeoutMs: 180_000 },
        );
        await m.exec(['sh', '-c', pgStart(n, bin)], { timeoutMs: 120_000 });
        await m.exec(['repmgr', '-f', REPMGR_CONF, 'standby', 'register'], { timeoutMs: 60_000 });
      }
      await Promise.all(all.map((n) => cluster.agent(n).start()));
      const primary = await cluster.waitForReady(opts.readyTimeoutMs ?? 180_000);
      cluster.applied = checkRepmgrApplied(config, await cluster.appliedSettings(primary));
      log().info({ cluster: id, image: image.name, ms: Date.now() - net.startedAt }, `repmgr cluster ready, primary ${primary}`);
      return cluster;
    } catch (e) {
      await net.remove();
      throw e;
    }
  }

  /**
   * What every node runs, read back: its repmgr.conf (read as repmgr's parser does) and the
   * priority repmgr registered for it in `repmgr.nodes`, read on `primary`.
   * @throws ExecError when a node or the primary does not answer.
   */
  async appliedSettings(primary: string): Promise<RepmgrAppliedNode[]> {
    const rows = await this.node(primary).exec(
      ['psql', '-X', '-qAt', '-d', 'repmgr', '-c', 'SELECT node_name, priority FROM repmgr.nodes'],
      {
        timeoutMs: 10_000,
      },
    );
    const registered = new Map(
      rows
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('|') as [string, string]),
    );
    return Promise.all(
      this.nodeNames.map(async (name) => {
        const conf = parseRepmgrConf(await this.node(name).exec(['cat', REPMGR_CONF], { timeoutMs: 5000 })) as Record<string, unknown>;
        return {
          name,
          registeredPriority: Number(registered.get(name) ?? Number.NaN),
          conf: {
            failover: String(conf.failover),
            priority: conf.priority as number,
            reconnect_attempts: conf.reconnect_attempts as number,
            reconnect_interval: conf.reconnect_interval as number,
            monitor_interval_secs: conf.monitor_interval_secs as number,
            primary_visibility_consensus: conf.primary_visibility_consensus as boolean,
          },
        };
      }),
    );
  }

  /**
   * Passwordless SSH between the nodes as user postgres, what `repmgr standby switchover` needs
   * (repmgr 5.3 docs, "Performing a switchover with repmgr": "passwordless SSH access is required
   * to those servers from the one where repmgr standby switchover is executed"): one ed25519 key
   * pair made on pg0 for this cluster, copied to every node with itself as the authorized key,
   * host keys not checked (the run's private network, whose hosts are made afresh), sshd started.
   * @returns false, doing nothing, when the image has no OpenSSH (built before it was added).
   * @throws ExecError when a step fails.
   */
  async setUpSsh(): Promise<boolean> {
    const first = this.node(this.nodeNames[0]!);
    const has = await first.exec(['sh', '-c', 'command -v ssh-keygen >/dev/null && [ -x /usr/sbin/sshd ] && echo yes || echo no']);
    if (has.trim() !== 'yes') return false;
    await first.exec([
      'sh',
      '-c',
      `mkdir -p ${SSH_DIR} && rm -f ${SSH_DIR}/id_ed25519* && ssh-keygen -q -t ed25519 -N '' -C pgchaos -f ${SSH_DIR}/id_ed25519`,
    ]);
    const key = (await first.exec(['cat', `${SSH_DIR}/id_ed25519`])).trim();
    const pub = (await first.exec(['cat', `${SSH_DIR}/id_ed25519.pub`])).trim();
    const config = 'Host *\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  ConnectTimeout 5';
    // The witness too: a switchover with --siblings-follow has it follow the new primary over SSH.
    await Promise.all(
      [...this.nodes, ...(this.witness ? [this.witness] : [])].map(async (m) => {
        await m.exec([
          'sh',
          '-c',
          [
            'set -e',
            `mkdir -p ${SSH_DIR}`,
            writeFile(`${SSH_DIR}/id_ed25519`, key),
            writeFile(`${SSH_DIR}/authorized_keys`, pub),
            `printf '${config}\n' > ${SSH_DIR}/config`,
            `chmod 700 ${SSH_DIR} && chmod 600 ${SSH_DIR}/*`,
          ].join('\n'),
        ]);
        await m.exec(['sh', '-c', SSHD_START], { user: 'root' });
      }),
    );
    return true;
  }

  /**
   * `repmgr standby switchover --siblings-follow` run on `to` (repmgr 5.3 docs, "Executing the
   * switchover command"): over SSH, repmgr pauses every repmgrd, stops the primary cleanly
   * (`service_stop_command`), waits for its shutdown checkpoint on `to`, promotes `to`, rejoins
   * the old primary as its standby (`repmgr node rejoin`, remotely) and has the other standbys
   * follow it; then it unpauses repmgrd. Its output is kept in `<to>-switchover.log`.
   * @returns repmgr's output. @throws ExecError with repmgr's output when it fails or refuses.
   */
  async switchover(to: string): Promise<string> {
    const out = `${LOG_MOUNT}/${to}-switchover.log`;
    return this.node(to).exec(
      ['sh', '-c', `repmgr -f ${REPMGR_CONF} standby switchover --siblings-follow --verbose >${out} 2>&1; rc=$?; cat ${out}; exit $rc`],
      { timeoutMs: 240_000 },
    );
  }

  /** A database node's host by name, or the witness's (`WITNESS`). @throws Error naming the nodes there are. */
  host(name: string): Member {
    return name === WITNESS && this.witness ? this.witness : this.node(name);
  }

  /** repmgr has no DCS: always undefined. */
  async dcsLeader(): Promise<string | undefined> {
    return undefined;
  }

  /** @throws Error always: repmgr has no DCS member (its metadata is in the nodes' `repmgr` databases). */
  dcsHost(name: string): Member {
    throw new Error(`repmgr has no DCS member "${name}": its metadata lives in each node's repmgr database`);
  }

  /** The node repmgr holds for primary now (view.ts `primaryOf`); undefined during a failover or when no node answers. */
  async leader(): Promise<string | undefined> {
    return this.view().then(primaryOf, () => undefined);
  }

  /** `repmgr cluster show` as printed on `node`, and its exit code (25: it found issues, repmgr's ERR_NODE_STATUS). @throws ExecError when the node does not answer. */
  async clusterShow(node: string): Promise<{ text: string; exitCode: number }> {
    // Exit 25 still prints the table: keep the code, do not fail on it.
    const out = await this.node(node).exec(['sh', '-c', `repmgr -f ${REPMGR_CONF} cluster show 2>&1; echo "#exit=$?"`], {
      timeoutMs: 10_000,
    });
    const m = /#exit=(\d+)\s*$/.exec(out);
    return { text: out.replace(/#exit=\d+\s*$/, '').trimEnd(), exitCode: m ? Number(m[1]) : -1 };
  }

  /**
   * repmgr's view: `repmgr cluster show` run on a node, as a DBA would. The node the last view
   * held for primary is asked first; when its table shows a node it cannot reach (`?`), the
   * others are asked too (an isolated node's metadata and reach are its own: it would list itself
   * primary and the rest unreachable); when it shows another node `! running as primary`, that
   * node is asked next, since its records are newer than the promotion the table shows (a deposed
   * primary running again keeps its records of before, repmgr #766). Of the tables read, `pickView`'s.
   * @returns the view with the text it was read from. @throws Error when no node prints a table.
   */
  async viewWithText(): Promise<{ view: RepmgrView; text: string }> {
    const order = [this.preferred, ...this.nodeNames.filter((n) => n !== this.preferred)];
    const seen: { view: RepmgrView; text: string }[] = [];
    const errors: string[] = [];
    for (let i = 0; i < order.length; i++) {
      const n = order[i]!;
      try {
        const { text } = await this.clusterShow(n);
        const view = parseClusterShow(text, n);
        seen.push({ view, text });
        const promoted = promotedElsewhere(view);
        if (promoted && order.indexOf(promoted) > i) {
          order.splice(order.indexOf(promoted), 1);
          order.splice(i + 1, 0, promoted);
          continue;
        }
        if (!unreachable(view) && !promoted) break;
      } catch (e) {
        errors.push(`${n}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    if (!seen.length) throw new Error(`no node printed repmgr cluster show (${errors.join('; ')})`);
    const best = pickView(seen);
    const p = primaryOf(best.view);
    if (p) this.preferred = p;
    return best;
  }

  /** repmgr's view (see `viewWithText`). @throws Error when no node answers. */
  async view(): Promise<RepmgrView> {
    return (await this.viewWithText()).view;
  }

  /** SIGKILL of `node`'s postmaster (the pid in postmaster.pid); repmgrd and the host live on. @throws ExecError when none runs. */
  async kill9Postmaster(node: string): Promise<void> {
    await this.node(node).exec(['sh', '-c', `pid=$(head -1 ${PGDATA}/postmaster.pid) && kill -KILL "$pid"`], { timeoutMs: 5000 });
  }

  /**
   * repmgrd on `node` while PostgreSQL runs on: `kill` (SIGKILL), `freeze` (SIGSTOP), `thaw`
   * (SIGCONT), `start`: the host's boot services, PostgreSQL when no postmaster runs (the node
   * starts as what its data directory says: a primary, or a standby with standby.signal) and then
   * repmgrd when none runs.
   */
  agent(node: string): { kill(): Promise<void>; freeze(): Promise<void>; thaw(): Promise<void>; start(): Promise<void> } {
    const m = this.host(node);
    // By process name (`-x`): a pattern on the command line would match the shell running this script.
    const signal = (sig: string, orFail: boolean) =>
      m
        .exec(['sh', '-c', `pids=$(pgrep -x repmgrd); [ -n "$pids" ] && kill -${sig} $pids${orFail ? '' : ' || true'}`], {
          timeoutMs: 5000,
        })
        .then(() => {});
    return {
      kill: () => signal('KILL', true),
      freeze: () => signal('STOP', true),
      thaw: () => signal('CONT', false),
      start: async () => {
        // sshd is a boot service too (root's): a switchover needs it on every node.
        if (this.ssh) await m.exec(['sh', '-c', SSHD_START], { user: 'root', timeoutMs: 10_000 });
        await m.exec(['sh', '-c', bootScript(node, this.image.binDir)], { timeoutMs: 90_000 });
      },
    };
  }

  /**
   * The heal of a killed postmaster (nemesis/managed.ts): repmgrd never starts a stopped server
   * (it only runs repmgr's commands, whose `service_start_command` is used by `node rejoin`,
   * `standby follow` and a switchover; repmgr 5.3 docs "Service command settings"), so PostgreSQL
   * comes back when the host's service manager starts it, as at a boot (`agent(node).start()`).
   * An old primary started so after a failover runs as a primary again (repmgr #766). The killed
   * postmaster's leftover children are cleared first (`reapKilledPostmasterScript`), as the
   * service manager clears a dead unit's processes before it starts it again.
   * @returns what it did. @throws ExecError when the node does not answer.
   */
  async healKilledPostmaster(node: string): Promise<string> {
    await this.node(node).exec(['sh', '-c', reapKilledPostmasterScript(PGDATA)], { timeoutMs: 30_000 });
    await this.agent(node).start();
    return "PostgreSQL started by the host's service manager (repmgrd never starts a stopped server)";
  }

  /**
   * repmgr's failback of a deposed node (docs, `repmgr node rejoin`: "rejoin a dormant (stopped)
   * node"): a `CHECKPOINT` on `primary` first, PostgreSQL on `node` stopped cleanly
   * (`service_stop_command`'s pg_ctl) when it runs (a crashed one's stale postmaster.pid
   * removed), then `repmgr node rejoin -d <primary's conninfo> --force-rewind`, which rewinds
   * it with pg_rewind, writes standby.signal and its
   * primary_conninfo and starts it as a standby of `primary`. The checkpoint is PostgreSQL's
   * rule (pg_rewind docs: a recently promoted source needs a CHECKPOINT so that its control file
   * shows its new timeline), which repmgr 5.3.3's rejoin does not take: without it, the first
   * run here restarted the old primary unrewound on timeline 1 and it never streamed ("requested
   * starting point … is not in this server's history"). repmgr's output is kept in
   * `<node>-rejoin.log` beside the run's other logs. When pg_rewind fails (second run here:
   * "could not find previous WAL record" — the booted old primary's own checkpoints had recycled
   * the WAL before the fork), the node is cloned again (`repmgr standby clone --force`), started
   * and registered again (`repmgr standby register --force`), the docs' way to re-seed a standby.
   * @returns repmgr's output. @throws ExecError when repmgr refuses, or a clone fails.
   */
  async rejoin(node: string, primary: string): Promise<string> {
    const m = this.node(node);
    const bin = this.image.binDir;
    await this.psql(primary, 'CHECKPOINT');
    // A node whose host crashed and booted fenced has no postmaster but a stale postmaster.pid, whose pid may be another
    // process's in the new namespace: removed, as the boot removes it (`bootScript`), so pg_rewind's recovery can start.
    await m.exec(
      [
        'sh',
        '-c',
        `if pgrep -x postgres >/dev/null; then ${bin}/pg_ctl -D ${PGDATA} -m fast -w stop; else rm -f ${PGDATA}/postmaster.pid; fi`,
      ],
      { timeoutMs: 60_000 },
    );
    const conninfo = `host=${this.hostOf(primary)} port=${PG_PORT} user=repmgr dbname=repmgr connect_timeout=2`;
    const out = `${LOG_MOUNT}/${node}-rejoin.log`;
    const rejoin = await m
      .exec(
        [
          'sh',
          '-c',
          `repmgr -f ${REPMGR_CONF} node rejoin -d '${conninfo}' --force-rewind --verbose >${out} 2>&1; rc=$?; cat ${out}; exit $rc`,
        ],
        { timeoutMs: 180_000 },
      )
      .then(
        (o) => ({ ok: true as const, o }),
        (e: unknown) => ({ ok: false as const, e }),
      );
    if (rejoin.ok) return rejoin.o;
    if (!(rejoin.e instanceof ExecError) || !/pg_rewind execution failed/.test(rejoin.e.output)) throw rejoin.e;
    // pg_rewind could not rewind (the WAL before the fork was recycled by the deposed primary's own
    // checkpoints while it ran again): the docs' other way back is a fresh clone over the old data.
    const clone = await m.exec(
      [
        'repmgr',
        '-h',
        this.hostOf(primary),
        '-U',
        'repmgr',
        '-d',
        'repmgr',
        '-f',
        REPMGR_CONF,
        'standby',
        'clone',
        '--force',
        '--fast-checkpoint',
      ],
      { timeoutMs: 180_000 },
    );
    await m.exec(['sh', '-c', pgStart(node, bin)], { timeoutMs: 120_000 });
    const register = await m.exec(['repmgr', '-f', REPMGR_CONF, 'standby', 'register', '--force'], { timeoutMs: 60_000 });
    return `${rejoin.e.output}\n(pg_rewind failed: cloned again)\n${clone}\n${register}`;
  }

  /** A node's host name on the cluster network (its container's name). */
  private hostOf(node: string): string {
    return `${this.id}-${this.node(node).name}`;
  }

  /**
   * True when repmgr shows a primary `* running`, every other node `running` with that primary as
   * its unmarked upstream (and the witness under it: view.ts `followsPrimary`), and each streams in
   * the primary's pg_stat_replication.
   * @returns the primary's name, or undefined. @throws Error when no node answers.
   */
  async ready(): Promise<string | undefined> {
    const v = await this.view();
    const primary = primaryOf(v);
    if (!primary) return undefined;
    if (!followsPrimary(v, primary, this.nodeNames, this.witness && WITNESS)) return undefined;
    return (await this.streamingFrom(primary)) ? primary : undefined;
  }

  /** True when every database node but `primary` streams in `primary`'s pg_stat_replication. @throws ExecError. */
  private async streamingFrom(primary: string): Promise<boolean> {
    const senders = await this.walSenders(primary);
    return this.nodeNames.filter((n) => n !== primary).every((n) => senders.some((s) => s.name === n && s.state === 'streaming'));
  }

  /** Waits for `ready()`. @returns the primary's name. @throws WaitTimeoutError with the last view seen. */
  async waitForReady(timeoutMs: number): Promise<string> {
    return pollUntil(
      async () => {
        const primary = await this.ready().catch(() => undefined);
        return primary
          ? { done: true, value: primary }
          : {
              done: false,
              seen: await this.view().then(describeView, (e: unknown) => String(e)),
            };
      },
      {
        what: `a repmgr primary and ${this.nodes.length - 1} standbys streaming from it${this.witness ? ', the witness under it' : ''}`,
        timeoutMs,
        intervalMs: 500,
      },
    );
  }

  /** Removes every container and the network. Safe to call twice. */
  async destroy(): Promise<void> {
    await this.removeAll();
  }
}

/** A value as repmgr.conf and postgresql.conf take it: numbers and booleans bare, text in single quotes. */
function confValue(v: PgParam): string {
  return typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);
}

/** The shell command writing `content` to `path` (a quoted here-document: nothing in it is expanded). */
function writeFile(path: string, content: string): string {
  return `cat > ${path} <<'PGCHAOS_EOF'\n${content}\nPGCHAOS_EOF`;
}

const pgLog = (node: string) => `${LOG_MOUNT}/${node}-postgres.log`;
const pgStart = (node: string, bin: string) => `${bin}/pg_ctl -D ${PGDATA} -l ${pgLog(node)} -w -t 60 start`;

/**
 * One node's repmgr.conf: what repmgr's quickstart and its repmgrd chapter set, pgchaos's paths,
 * and the user's settings. The commands are the docs' (`repmgr standby promote -f …`,
 * `repmgr standby follow -f … --upstream-node-id=%n`), with `--log-to-file` so they log where
 * repmgrd does. Exported for its test.
 */
export function repmgrConf(c: RepmgrConfig, node: string, nodeId: number, hostName: string, bin: string): string {
  const self = c.nodes.find((n) => n.name === node);
  // The witness is never promoted: repmgr registers it with priority 0 whatever its repmgr.conf says.
  const priority = node === WITNESS ? 0 : (self?.priority ?? 100);
  const settings: Record<string, PgParam> = {
    node_id: nodeId,
    node_name: node,
    conninfo: `host=${hostName} port=${PG_PORT} user=repmgr dbname=repmgr connect_timeout=2`,
    data_directory: PGDATA,
    pg_bindir: bin,
    log_file: `${LOG_MOUNT}/${node}-repmgr.log`,
    log_level: 'INFO',
    repmgrd_pid_file: PID_FILE,
    failover: c.failover,
    priority,
    reconnect_attempts: c.reconnectAttempts,
    reconnect_interval: c.reconnectIntervalS,
    monitor_interval_secs: c.monitorIntervalS,
    primary_visibility_consensus: c.primaryVisibilityConsensus,
    promote_command: `${bin}/repmgr standby promote -f ${REPMGR_CONF} --log-to-file`,
    follow_command: `${bin}/repmgr standby follow -f ${REPMGR_CONF} --log-to-file --upstream-node-id=%n`,
    service_start_command: pgStart(node, bin),
    service_stop_command: `${bin}/pg_ctl -D ${PGDATA} -m fast -w stop`,
    service_restart_command: `${bin}/pg_ctl -D ${PGDATA} -l ${pgLog(node)} -m fast -w restart`,
    service_reload_command: `${bin}/pg_ctl -D ${PGDATA} reload`,
  };
  return Object.entries(settings)
    .map(([k, v]) => `${k}=${confValue(v)}`)
    .join('\n');
}

/**
 * A primary's (or the witness's) bring-up as user postgres: initdb, the quickstart's postgresql.conf settings and
 * the user's, pg_hba.conf trusting the run's network (the quickstart's `trust` for the repmgr
 * user; the harness connects as postgres from the gateway), started, the repmgr superuser and
 * database with repmgr's search_path.
 */
function initScript(node: string, params: Record<string, PgParam>, subnet: string, bin: string): string {
  const conf: Record<string, PgParam> = {
    listen_addresses: '*',
    wal_level: 'replica',
    max_wal_senders: 10,
    max_replication_slots: 10,
    hot_standby: 'on',
    archive_mode: 'on',
    archive_command: '/bin/true',
    wal_log_hints: 'on',
    shared_preload_libraries: 'repmgr',
    ...params,
  };
  const confText = Object.entries(conf)
    .map(([k, v]) => `${k} = ${confValue(v)}`)
    .join('\n');
  // One command a line under `set -e`: a here-document's end marker must stand on its own line.
  return [
    'set -e',
    `${bin}/initdb -D ${PGDATA} -U postgres --auth-local=trust --auth-host=trust >/dev/null`,
    writeFile('/tmp/pgchaos-postgresql.conf', confText),
    `cat /tmp/pgchaos-postgresql.conf >> ${PGDATA}/postgresql.conf`,
    `printf 'host all all ${subnet} trust\\nhost replication all ${subnet} trust\\n' >> ${PGDATA}/pg_hba.conf`,
    pgStart(node, bin),
    // synchronous_commit local, as repmgr's own sessions (dbutils.c): a user's synchronous_standby_names names standbys not cloned yet.
    `PGOPTIONS='-c synchronous_commit=local' psql -X -q -d postgres -c 'CREATE USER repmgr SUPERUSER' ` +
      `-c 'CREATE DATABASE repmgr OWNER repmgr' ` +
      `-c 'ALTER USER repmgr SET search_path TO repmgr, "$user", public'`,
  ].join('\n');
}

/**
 * A host's boot services, as user postgres: PostgreSQL when no postmaster runs (a stale
 * postmaster.pid of a crashed boot removed first: its pid may be another process's in the new
 * namespace), then repmgrd in the foreground of a background shell when none runs. A PostgreSQL
 * that fails to start leaves the host up without it, as a failed boot service would; repmgrd still starts.
 */
function bootScript(node: string, bin: string): string {
  return (
    `export HOME=/var/lib/postgresql; ` +
    `if ! pgrep -x postgres >/dev/null; then rm -f ${PGDATA}/postmaster.pid; ${pgStart(node, bin)} >/dev/null || echo "postgres did not start" >&2; fi; ` +
    `pgrep -x repmgrd >/dev/null && exit 0; rm -f ${PID_FILE}; ` +
    `nohup ${bin}/repmgrd -f ${REPMGR_CONF} --daemonize=false >>${LOG_MOUNT}/${node}-repmgrd.out 2>&1 </dev/null &`
  );
}
