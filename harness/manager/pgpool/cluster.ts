/**
 * A pgpool-II cluster on a private Docker network: PostgreSQL streaming replication as pgchaos's
 * built-in cluster sets it up, and one pgpool in front that the clients connect through (issue 18
 * §2), brought up as pgpool-II 4.3's docs set a streaming-replication cluster up (example-cluster.html;
 * the samples in /usr/share/doc/pgpool2/examples/):
 *  1. the user's pgpool settings are checked (config.ts) and the major's suite is checked to ship
 *     a pgpool-II pgchaos can configure (image.ts), before any container starts;
 *  2. every host is kept up by tini (the image's default command), so PostgreSQL can die while
 *     the host lives; the database hosts run sshd (the samples' "passwordless SSH" as postgres,
 *     one key for the cluster);
 *  3. the primary `pg0`: initdb, postgresql.conf for streaming replication (wal_level replica,
 *     hot_standby, wal_log_hints for pg_rewind) plus the user's `postgresql` parameters (e.g.
 *     `synchronous_standby_names`), started; `CREATE EXTENSION pgpool_recovery` in template1 and
 *     postgres (write-up 001; install-pgpool-recovery.html); the online-recovery scripts
 *     `recovery_1st_stage` and `pgpool_remote_start` in its data directory (scripts.ts);
 *  4. each standby (`s1`, `s2`): `pg_basebackup -R` from pg0 with its name as application_name,
 *     started;
 *  5. the `pgpool` host: pgpool.conf (`backend_clustering_mode = 'streaming_replication'`, one
 *     backend per node with `ALLOW_TO_FAILOVER`, health and streaming checks, failover and
 *     follow-primary commands, online recovery), pcp.conf and pool_passwd written with `pg_md5`
 *     (write-up 001), then pgpool in the foreground of the host's command, so that killing it is
 *     killing pgpool (the catalogue's `kill-proxy`) and the host's boot starts it again.
 * Authentication: `trust` between the hosts of the run's private network (pgpool's health and
 * streaming checks, the scripts); clients authenticate to pgpool with md5 against pool_passwd.
 * No watchdog (one pgpool). Every container carries the run's labels; `destroy()` removes them,
 * and so does a failed start.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { log } from '../../logger.ts';
import { pollUntil } from '../../wait.ts';
import { LOG_MOUNT, ManagedNetwork, type Member } from '../managed-network.ts';
import { reapKilledPostmasterScript } from '../killed-postmaster.ts';
import { ManagedNodes, PG_PORT } from '../managed-nodes.ts';
import { checkPgpoolApplied, checkPgpoolConfig, type PgParam, type PgpoolApplied, type PgpoolConfig } from './config.ts';
import { ensurePgpoolImage, type PgpoolImage } from './image.ts';
import {
  failoverScript,
  followPrimaryScript,
  PCP_PORT,
  PCP_USER,
  PGPOOL_ETC,
  recoveryFirstStageScript,
  remoteStartScript,
  SSH_KEY,
} from './scripts.ts';
import { attached, describeView, nodeName, parsePoolNodes, primaryOf, type PgpoolView } from './view.ts';

/** pgpool's port, where clients connect (the docs' examples: 9999). */
export const PGPOOL_PORT = 9999;
const PGDATA = '/var/lib/postgresql/data';
/** Written last: the pgpool host's command waits for it before it starts pgpool. */
const READY_FILE = `${PGPOOL_ETC}/ready`;

/** Where the generated passwords wait on pgpool's host until the bring-up writes pcp.conf, pool_passwd and .pcppass (then removed). */
const SECRETS_FILE = '/tmp/pgchaos-secrets';

export interface PgpoolClusterOptions {
  /** PostgreSQL major; default 15 (bookworm: pgpool2 4.3.5). */
  pgMajor?: number | string;
  /** The user's pgpool settings (config.ts: an object or pgpool.conf text), checked before anything starts. */
  config?: unknown;
  /** Standby names; default `['s1', 's2']`. The first node is `pg0`. */
  standbys?: string[];
  /** Deadline for pgpool to show the primary and every standby up and streaming, ms; default 120 000. */
  readyTimeoutMs?: number;
}

/** A running pgpool cluster. Create with `PgpoolCluster.start()`, always end with `destroy()`. */
export class PgpoolCluster extends ManagedNodes {
  protected readonly nodeWord = 'pgpool backend';
  /** The manager, as the fault catalogue names it (nemesis/managed.ts `ManagedCluster`). */
  readonly manager = 'pgpool';
  /** pgpool keeps its state in its own memory and pgpool_status: no DCS member for the catalogue's DCS faults. */
  readonly dcsNames: readonly string[] = [];
  /** The settings pgpool and its nodes run, read back once the cluster was ready (`appliedSettings`); set by `start`. */
  applied: PgpoolApplied | null = null;

  private constructor(
    readonly id: string,
    readonly image: PgpoolImage,
    readonly config: PgpoolConfig,
    /** The user's config as given (the record shows it). */
    readonly userConfig: unknown,
    /** PostgreSQL nodes, `pg0` first; node N is pgpool's backend N. */
    readonly nodes: Member[],
    /** The pgpool host. */
    readonly pgpool: Member,
    /** The clients' password for `postgres` (pool_passwd, md5). */
    private readonly password: string,
    private readonly removeAll: () => Promise<void>,
  ) {
    super();
  }

  /**
   * Checks the config and the major, then brings the cluster up (see the file's header) and waits
   * until `SHOW pool_nodes` shows pg0 the primary and every standby up and streaming.
   * @throws ConfigError before any container starts (a bad config, a major with no suite).
   * @throws WaitTimeoutError when it is not ready in time; ExecError when a command fails (the
   *   containers and network are removed first).
   */
  static async start(opts: PgpoolClusterOptions = {}): Promise<PgpoolCluster> {
    const names = ['pg0', ...(opts.standbys ?? ['s1', 's2'])];
    const config = checkPgpoolConfig(opts.config);
    const image = await ensurePgpoolImage(opts.pgMajor ?? 15);
    const password = randomBytes(12).toString('hex');
    const pcpPassword = randomBytes(12).toString('hex');
    const net = await ManagedNetwork.create('pgpool');
    const { id, network } = net;
    const host = (name: string) => net.host(name);
    const member = (name: string, port: number, command?: string[]) =>
      net.member(name, image, { ports: [port], ...(command ? { command } : {}) });
    try {
      const [pgpool, ...nodes] = await Promise.all([
        member('pgpool', PGPOOL_PORT, ['sh', '-c', pgpoolCommand()]),
        ...names.map((n) => member(n, PG_PORT)),
      ]);
      const cluster = new PgpoolCluster(id, image, config, opts.config ?? null, nodes, pgpool!, password, () => net.remove());
      const bin = image.binDir;
      const facts = { bin, logDir: LOG_MOUNT };
      // One key for the cluster, as the samples' id_rsa_pgpool: pgpool's host and every node hold it, every node accepts it.
      await pgpool!.exec(['sh', '-c', `mkdir -p -m 700 ~/.ssh && ssh-keygen -q -t ed25519 -N '' -C pgchaos-pgpool -f ${SSH_KEY}`]);
      const [privateKey, publicKey] = await Promise.all([pgpool!.exec(['cat', SSH_KEY]), pgpool!.exec(['cat', `${SSH_KEY}.pub`])]);
      await Promise.all(
        nodes.map(async (m) => {
          // One command a line: a here-document's end marker must stand on its own line.
          await m.exec([
            'sh',
            '-c',
            [
              'set -e',
              'mkdir -p -m 700 ~/.ssh',
              writeFile(SSH_KEY, privateKey.trim()),
              writeFile('~/.ssh/authorized_keys', publicKey.trim()),
              `chmod 600 ${SSH_KEY} ~/.ssh/authorized_keys`,
            ].join('\n'),
          ]);
          await m.exec(['sh', '-c', SSHD_START], { user: 'root' });
        }),
      );
      await cluster
        .node('pg0')
        .exec(['sh', '-c', primaryInitScript(config.postgresql, network.subnet, bin, facts)], { timeoutMs: 120_000 });
      // One clone at a time: each pg_basebackup's fast checkpoint may recycle the WAL segment another
      // one's backup started in before its stream reserved it ("requested WAL segment … has already
      // been removed", pg0's log in the every-image run of e4f7520), with wal_keep_size 0 on a new cluster.
      for (const n of names.slice(1)) {
        await cluster
          .node(n)
          .exec(
            [
              'sh',
              '-c',
              `${bin}/pg_basebackup -R -X stream -c fast -D ${PGDATA} -d 'host=${host('pg0')} port=${PG_PORT} user=postgres application_name=${n}' && ${pgStart(n, bin)}`,
            ],
            { timeoutMs: 180_000 },
          );
      }
      const conf = pgpoolConf(
        config,
        names.map((n) => ({ name: n, host: host(n) })),
      );
      // The passwords reach pgpool's host in a file, never on a command line (an ExecError prints its command).
      await pgpool!.container.copyContentToContainer([{ content: `${pcpPassword}\n${password}\n`, target: SECRETS_FILE, mode: 0o600 }]);
      await pgpool!.exec(['chown', 'postgres:postgres', SECRETS_FILE], { user: 'root' });
      await pgpool!.exec(
        [
          'sh',
          '-c',
          [
            'set -e',
            `pcp_pw=$(sed -n 1p ${SECRETS_FILE}); pw=$(sed -n 2p ${SECRETS_FILE}); rm -f ${SECRETS_FILE}`,
            writeFile(`${PGPOOL_ETC}/pgpool.conf`, conf),
            writeFile(`${PGPOOL_ETC}/failover.sh`, failoverScript(facts)),
            writeFile(`${PGPOOL_ETC}/follow_primary.sh`, followPrimaryScript(facts)),
            `chmod 700 ${PGPOOL_ETC}/failover.sh ${PGPOOL_ETC}/follow_primary.sh`,
            // pcp.conf and pool_passwd as write-up 001 and the docs make them: pg_md5.
            `echo "${PCP_USER}:$(/usr/sbin/pg_md5 "$pcp_pw")" > ${PGPOOL_ETC}/pcp.conf`,
            `touch ${PGPOOL_ETC}/pool_passwd && /usr/sbin/pg_md5 --md5auth --username=postgres -f ${PGPOOL_ETC}/pgpool.conf "$pw"`,
            `printf 'local all all trust\\nhost all all 0.0.0.0/0 md5\\n' > ${PGPOOL_ETC}/pool_hba.conf`,
            `echo "localhost:${PCP_PORT}:${PCP_USER}:$pcp_pw" > ~/.pcppass && chmod 600 ~/.pcppass ${PGPOOL_ETC}/pool_passwd ${PGPOOL_ETC}/pcp.conf`,
            `touch ${READY_FILE}`,
          ].join('\n'),
        ],
        { timeoutMs: 30_000 },
      );
      await cluster.waitForReady(opts.readyTimeoutMs ?? 120_000);
      cluster.applied = checkPgpoolApplied(config, await cluster.appliedSettings(), names);
      log().info({ cluster: id, image: image.name, ms: Date.now() - net.startedAt }, 'pgpool cluster ready, primary pg0');
      return cluster;
    } catch (e) {
      await net.remove();
      throw e;
    }
  }

  /** pgpool's backend id of a node (its place in `nodeNames`). @throws Error for an unknown node. */
  nodeId(name: string): number {
    const i = this.nodeNames.indexOf(name);
    if (i < 0) throw new Error(`no pgpool backend "${name}" (nodes: ${this.nodeNames.join(', ')})`);
    return i;
  }

  /** The clients' proxy, as the catalogue's `kill-proxy` takes it: pgpool itself (its host's command is pgpool). */
  get proxy(): { name: string; host: Member } {
    return { name: 'pgpool', host: this.pgpool };
  }

  /** pgpool has no DCS: always undefined. */
  async dcsLeader(): Promise<string | undefined> {
    return undefined;
  }

  /** @throws Error always: pgpool has no DCS member (no watchdog here either). */
  dcsHost(name: string): Member {
    throw new Error(`pgpool has no DCS member "${name}": one pgpool, no watchdog`);
  }

  /** The node pgpool routes writes to now (view.ts `primaryOf`); undefined during a failover or when pgpool does not answer. */
  async leader(): Promise<string | undefined> {
    return this.view().then(primaryOf, () => undefined);
  }

  /** `SHOW pool_nodes` as psql prints it through pgpool's local socket. @throws ExecError when pgpool does not answer. */
  async showPoolNodes(): Promise<string> {
    return this.pgpool.exec(
      ['sh', '-c', `PGCONNECT_TIMEOUT=3 psql -X -h /tmp -p ${PGPOOL_PORT} -U postgres -d postgres -c 'SHOW pool_nodes'`],
      {
        timeoutMs: 8000,
      },
    );
  }

  /** pgpool's view (`SHOW pool_nodes`) with the text it was read from. @throws Error when pgpool does not answer. */
  async viewWithText(): Promise<{ view: PgpoolView; text: string }> {
    const text = await this.showPoolNodes();
    return { view: parsePoolNodes(text), text };
  }

  /**
   * What pgpool and its nodes run: `PGPOOL SHOW ALL` through pgpool's local socket (the running
   * pgpool's values, not the file pgchaos wrote) for the keys pgchaos passes on, and `SHOW` of each
   * of the config's PostgreSQL parameters on every node.
   * @throws ExecError when pgpool or a node does not answer.
   */
  async appliedSettings(): Promise<PgpoolApplied> {
    const all = await this.pgpool.exec(
      ['sh', '-c', `PGCONNECT_TIMEOUT=3 psql -X -At -F '\t' -h /tmp -p ${PGPOOL_PORT} -U postgres -d postgres -c 'PGPOOL SHOW ALL'`],
      { timeoutMs: 8000 },
    );
    const shown = new Map(all.split('\n').map((l) => l.split('\t') as [string, string]));
    const pool = Object.fromEntries(
      Object.keys(this.config.pool)
        .map((k) => [k, shown.get(k) ?? ''])
        .filter(([, v]) => v !== ''),
    );
    const params = Object.keys(this.config.postgresql);
    const nodes = await Promise.all(
      this.nodeNames.map(async (name) => ({
        name,
        postgresql: Object.fromEntries(await Promise.all(params.map(async (p) => [p, await this.psql(name, `SHOW ${p}`)] as const))),
      })),
    );
    return { pool, nodes };
  }

  /** pgpool's view. @throws Error when pgpool does not answer. */
  async view(): Promise<PgpoolView> {
    return (await this.viewWithText()).view;
  }

  /** A pcp command on the pgpool host (`pcp_promote_node`, `pcp_recovery_node`, …) with the cluster's pcp user. @returns its output. @throws ExecError. */
  async pcp(command: string, args: string[], timeoutMs = 120_000): Promise<string> {
    return this.pgpool.exec(['sh', '-c', `/usr/sbin/${command} -w -h localhost -p ${PCP_PORT} -U ${PCP_USER} ${args.join(' ')} 2>&1`], {
      timeoutMs,
    });
  }

  /** SIGKILL of `node`'s postmaster (the pid in postmaster.pid); the host lives on. @throws ExecError when none runs. */
  async kill9Postmaster(node: string): Promise<void> {
    await this.node(node).exec(['sh', '-c', `pid=$(head -1 ${PGDATA}/postmaster.pid) && kill -KILL "$pid"`], { timeoutMs: 5000 });
  }

  /**
   * The heal of a killed postmaster (nemesis/managed.ts), as under repmgr: pgpool never starts a
   * stopped server (its failover_command promotes; follow_primary_command and online recovery
   * start only the nodes they rebuild; pgpool 4.3 docs "Failover and Failback"), so PostgreSQL
   * comes back when the host's service manager starts it, as at a boot (`agent(node).start()`).
   * A deposed primary started so runs as a primary again; pgpool keeps it `down` until recovered.
   * The killed postmaster's leftover children are cleared first (`reapKilledPostmasterScript`): the
   * boot starts PostgreSQL only when no postgres process runs, the race repmgr's seed 2 hit.
   * @returns what it did. @throws ExecError when the node does not answer.
   */
  async healKilledPostmaster(node: string): Promise<string> {
    await this.node(node).exec(['sh', '-c', reapKilledPostmasterScript(PGDATA)], { timeoutMs: 30_000 });
    await this.agent(node).start();
    return "PostgreSQL started by the host's service manager (pgpool never starts a stopped server)";
  }

  /**
   * A node host's boot services (the catalogue's agent): pgpool has no agent on the nodes, so
   * `kill` and `freeze` throw (nemesis/managed.ts KINDS_NOT_UNDER keeps them from being drawn);
   * `start` is the boot: sshd, then PostgreSQL when no postmaster runs (it starts as its data
   * directory says: a deposed primary as a primary, which pgpool keeps `down` until recovered).
   */
  agent(node: string): { kill(): Promise<void>; freeze(): Promise<void>; thaw(): Promise<void>; start(): Promise<void> } {
    const m = this.node(node);
    const none = async () => {
      throw new Error(`pgpool has no agent on ${node}: its one process is the proxy (kill-proxy)`);
    };
    return {
      kill: none,
      freeze: none,
      thaw: async () => {},
      start: async () => {
        await m.exec(['sh', '-c', SSHD_START], { user: 'root' });
        await m.exec(['sh', '-c', bootScript(node, this.image.binDir)], { timeoutMs: 90_000 });
      },
    };
  }

  /** Where clients connect: pgpool's published port on the loopback, as postgres with its pool_passwd password (md5). */
  connectionConfig(): pg.ClientConfig {
    return {
      host: 'localhost',
      port: this.pgpool.mappedPort(PGPOOL_PORT),
      user: 'postgres',
      password: this.password,
      database: 'postgres',
      connectionTimeoutMillis: 2000,
      query_timeout: 3000,
    };
  }

  /**
   * True when pgpool shows a primary attached and every other node an attached standby, each
   * `streaming` from it in the primary's pg_stat_replication.
   * @returns the primary's name, or undefined. @throws Error when pgpool does not answer.
   */
  async ready(): Promise<string | undefined> {
    const v = await this.view();
    const primary = primaryOf(v);
    if (!primary) return undefined;
    const others = v.nodes.filter((n) => nodeName(n) !== primary);
    if (others.length !== this.nodes.length - 1 || !others.every((n) => n.role === 'standby' && attached(n))) return undefined;
    const senders = await this.walSenders(primary);
    return others.every((n) => senders.some((s) => s.name === nodeName(n) && s.state === 'streaming')) ? primary : undefined;
  }

  /** Waits for `ready()`. @returns the primary's name. @throws WaitTimeoutError with the last view seen. */
  async waitForReady(timeoutMs: number): Promise<string> {
    return pollUntil(
      async () => {
        const primary = await this.ready().catch(() => undefined);
        return primary
          ? { done: true, value: primary }
          : { done: false, seen: await this.view().then(describeView, (e: unknown) => String(e)) };
      },
      { what: `pgpool to show a primary and ${this.nodes.length - 1} standbys up, streaming from it`, timeoutMs, intervalMs: 500 },
    );
  }

  /** Removes every container and the network. Safe to call twice. */
  async destroy(): Promise<void> {
    await this.removeAll();
  }
}

/** sshd started when none runs (a host's boot), as root. */
const SSHD_START = 'mkdir -p /run/sshd && (pgrep -x sshd >/dev/null || /usr/sbin/sshd)';

/** A value as pgpool.conf and postgresql.conf take it: numbers bare, booleans on/off, text in single quotes. */
function confValue(v: PgParam): string {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);
}

/** The shell command writing `content` to `path` (a quoted here-document: nothing in it is expanded). */
function writeFile(path: string, content: string): string {
  return `cat > ${path} <<'PGCHAOS_EOF'\n${content}\nPGCHAOS_EOF`;
}

const pgLog = (node: string) => `${LOG_MOUNT}/${node}-postgres.log`;
const pgStart = (node: string, bin: string) => `${bin}/pg_ctl -D ${PGDATA} -l ${pgLog(node)} -w -t 60 start`;

/**
 * The pgpool host's command, run again at each boot: it waits for the configuration, removes what
 * a killed pgpool left (its pid file, its sockets: a new pgpool refuses a pid file of a live
 * process, and the pid may be reused in the new namespace), then runs pgpool in the foreground
 * (`-n`) as postgres, logging to the run's log directory. pgpool_status (in `logdir`) is kept:
 * a pgpool started again remembers which backends it had detached, as on a real host.
 */
function pgpoolCommand(): string {
  return (
    `while [ ! -f ${READY_FILE} ]; do sleep 0.2; done; ` +
    'rm -f /tmp/pgpool.pid /tmp/.s.PGSQL.9999* /tmp/.s.PGSQL.9898*; ' +
    `exec su postgres -s /bin/sh -c 'exec /usr/sbin/pgpool -n -f ${PGPOOL_ETC}/pgpool.conf -F ${PGPOOL_ETC}/pcp.conf ` +
    `-a ${PGPOOL_ETC}/pool_hba.conf >>${LOG_MOUNT}/pgpool.log 2>&1'`
  );
}

/**
 * pgpool.conf: what pgchaos writes for the cluster (the backends, ports, sockets, users, scripts,
 * online recovery) and the user's settings resolved by config.ts. Exported for its test.
 */
export function pgpoolConf(c: PgpoolConfig, backends: Array<{ name: string; host: string }>): string {
  const settings: Record<string, PgParam> = {
    backend_clustering_mode: 'streaming_replication',
    listen_addresses: '*',
    port: PGPOOL_PORT,
    socket_dir: '/tmp',
    pcp_listen_addresses: 'localhost',
    pcp_port: PCP_PORT,
    pcp_socket_dir: '/tmp',
    pid_file_name: '/tmp/pgpool.pid',
    logdir: '/var/log/pgpool',
    use_watchdog: false,
    enable_pool_hba: true,
    pool_passwd: 'pool_passwd',
    load_balance_mode: false,
    sr_check_user: 'postgres',
    sr_check_password: '',
    sr_check_database: 'postgres',
    health_check_user: 'postgres',
    health_check_password: '',
    health_check_database: 'postgres',
    recovery_user: 'postgres',
    recovery_password: '',
    recovery_1st_stage_command: 'recovery_1st_stage',
    recovery_timeout: 90,
    failover_command: c.failoverCommand ? `${PGPOOL_ETC}/failover.sh %d %h %p %D %m %H %M %P %r %R %N %S` : '',
    follow_primary_command: c.followPrimaryCommand ? `${PGPOOL_ETC}/follow_primary.sh %d %h %p %D %m %H %M %P %r %R` : '',
    ...c.pool,
  };
  backends.forEach((b, i) => {
    Object.assign(settings, {
      [`backend_hostname${i}`]: b.host,
      [`backend_port${i}`]: PG_PORT,
      [`backend_weight${i}`]: 1,
      [`backend_data_directory${i}`]: PGDATA,
      [`backend_flag${i}`]: 'ALLOW_TO_FAILOVER',
      [`backend_application_name${i}`]: b.name,
    });
  });
  return Object.entries(settings)
    .map(([k, v]) => `${k} = ${confValue(v)}`)
    .join('\n');
}

/**
 * The primary's bring-up as user postgres: initdb, streaming replication's settings and the
 * user's, pg_hba.conf trusting the run's network, started, the pgpool_recovery extension in
 * template1 and postgres (write-up 001), and the online-recovery scripts in the data directory
 * (pgpool runs them from there: runtime-online-recovery.html), cloned with it to every standby.
 */
function primaryInitScript(params: Record<string, PgParam>, subnet: string, bin: string, facts: { bin: string; logDir: string }): string {
  const conf: Record<string, PgParam> = {
    listen_addresses: '*',
    wal_level: 'replica',
    max_wal_senders: 10,
    max_replication_slots: 10,
    hot_standby: 'on',
    wal_log_hints: 'on',
    ...params,
  };
  const confText = Object.entries(conf)
    .map(([k, v]) => `${k} = ${typeof v === 'boolean' ? (v ? 'on' : 'off') : confValue(v)}`)
    .join('\n');
  return [
    'set -e',
    `${bin}/initdb -D ${PGDATA} -U postgres --auth-local=trust --auth-host=trust >/dev/null`,
    writeFile('/tmp/pgchaos-postgresql.conf', confText),
    `cat /tmp/pgchaos-postgresql.conf >> ${PGDATA}/postgresql.conf`,
    `printf 'host all all ${subnet} trust\\nhost replication all ${subnet} trust\\n' >> ${PGDATA}/pg_hba.conf`,
    writeFile(`${PGDATA}/recovery_1st_stage`, recoveryFirstStageScript(facts)),
    writeFile(`${PGDATA}/pgpool_remote_start`, remoteStartScript(facts)),
    `chmod 700 ${PGDATA}/recovery_1st_stage ${PGDATA}/pgpool_remote_start`,
    pgStart('pg0', bin),
    // No standby streams yet: under the user's synchronous_standby_names these commits would wait
    // forever (syncrep.c), so they wait for the primary's own flush alone (synchronous_commit local).
    `psql -X -q -d template1 -c 'SET synchronous_commit = local' -c 'CREATE EXTENSION pgpool_recovery'`,
    `psql -X -q -d postgres -c 'SET synchronous_commit = local' -c 'CREATE EXTENSION pgpool_recovery'`,
  ].join('\n');
}

/**
 * A database host's boot, as user postgres: PostgreSQL when no postmaster runs (a stale
 * postmaster.pid of a crashed boot removed first: its pid may be another process's in the new
 * namespace). A PostgreSQL that fails to start leaves the host up without it, as a failed boot
 * service would.
 */
function bootScript(node: string, bin: string): string {
  return (
    `if ! pgrep -x postgres >/dev/null; then rm -f ${PGDATA}/postmaster.pid; ` +
    `${pgStart(node, bin)} >/dev/null || echo "postgres did not start" >&2; fi`
  );
}
