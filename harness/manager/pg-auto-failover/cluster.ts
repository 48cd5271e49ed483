/**
 * A pg_auto_failover formation on a private Docker network, brought up pg_auto_failover's way
 * (docs/ref/pg_autoctl_create_monitor.rst, pg_autoctl_create_postgres.rst, 2.0):
 *  1. the user's settings are checked (config.ts) and the major's suite is checked to ship
 *     pg_auto_failover (image.ts), before any container starts;
 *  2. the monitor: `pg_autoctl create monitor --run` as its container's command (under tini), so
 *     a booted monitor host starts it again (`pg_autoctl run` once created);
 *  3. the Postgres nodes (`pg0`, then the standbys `s1`, `s2`): each a host kept up by tini, with
 *     `pg_autoctl create postgres … --run` started inside it as user postgres, so the agent can
 *     die while the host lives (as Patroni's nodes are); pg0 registers first and becomes `single`
 *     (initdb), the standbys then clone it with pg_basebackup;
 *  4. `number_sync_standbys`, when the user set it, by `pg_autoctl set formation number-sync-standbys`;
 *  5. the settings read back from the monitor (`appliedSettings`): the start fails when one differs
 *     from the config, and the manager's promise and record read them.
 * Authentication is `trust` inside the run's private network (`--auth trust --no-ssl
 * --pg-hba-lan`): pg_autoctl grants the monitor, the replicator and the `postgres` user/database
 * to the network's CIDR, which includes the gateway the harness connects from.
 * Every container carries the run's labels; `destroy()` removes them, and so does a failed start.
 */
import { log } from '../../logger.ts';
import { pollUntil } from '../../wait.ts';
import { LOG_MOUNT, ManagedNetwork, type Member } from '../managed-network.ts';
import { ManagedNodes, PG_PORT } from '../managed-nodes.ts';
import { checkApplied, checkPafConfig, type PafAppliedSettings, type PafConfig, type PafResolvedNode } from './config.ts';
import { ensurePgAutoFailoverImage, type PgAutoFailoverImage } from './image.ts';
import { describeView, isSecondary, parseView, primaryOf, type PafView } from './view.ts';

const PGDATA = '/var/lib/postgresql/data';
const MONITOR_PGDATA = '/var/lib/postgresql/monitor';
/** pg_autoctl's config file of a data directory: `$XDG_CONFIG_HOME/pg_autoctl/<pgdata>/pg_autoctl.cfg` (HOME is /var/lib/postgresql). */
const cfgOf = (pgdata: string) => `/var/lib/postgresql/.config/pg_autoctl${pgdata}/pg_autoctl.cfg`;
/**
 * pg_autoctl's pid file (`/tmp/pg_autoctl/<pgdata>/pg_autoctl.pid`). A host booted after a crash
 * keeps it, and the new pg_autoctl may get the same pid in the fresh pid namespace: it then
 * refuses to start ("An instance of pg_autoctl is already running"), seen here on 2.0. The agent's
 * start removes it when no pg_autoctl runs.
 */
const pidOf = (pgdata: string) => `/tmp/pg_autoctl${pgdata}/pg_autoctl.pid`;
/** The formation pgchaos runs: pg_autoctl's default. */
export const FORMATION = 'default';

export interface PgAutoFailoverClusterOptions {
  /** PostgreSQL major; default 15 (bookworm: pg_auto_failover 2.0). */
  pgMajor?: number | string;
  /** The user's pg_auto_failover settings (config.ts `PafUserConfig`), checked before anything starts. */
  config?: unknown;
  /** Standby names; default `['s1', 's2']`. The first node is `pg0`. */
  standbys?: string[];
  /** Deadline for a primary in state `primary` and every standby `secondary`, ms; default 180 000. */
  readyTimeoutMs?: number;
}

/** A running pg_auto_failover formation: its monitor and nodes. Create with `PgAutoFailoverCluster.start()`, always end with `destroy()`. */
export class PgAutoFailoverCluster extends ManagedNodes {
  protected readonly nodeWord = 'pg_auto_failover node';
  /** The manager, as the fault catalogue names it (nemesis/managed.ts `ManagedCluster`). */
  readonly manager = 'pg_auto_failover';

  private constructor(
    readonly id: string,
    readonly image: PgAutoFailoverImage,
    readonly config: PafConfig,
    /** The user's config as given (the record shows it). */
    readonly userConfig: Record<string, unknown>,
    readonly monitor: Member,
    /** Postgres nodes, `pg0` first. */
    readonly nodes: Member[],
    /** Container name (= host name on the network) of each node, by node name. */
    private readonly hosts: Map<string, string>,
    private readonly removeAll: () => Promise<void>,
  ) {
    super();
  }

  /** The settings read back from the monitor once the formation was ready (`appliedSettings`); set by `start`. */
  applied: PafAppliedSettings = { numberSyncStandbys: 0, nodes: [] };

  /**
   * Checks the config and the major, then brings the formation up (see the file's header) and
   * waits until the monitor holds a primary in state `primary` and every other node `secondary`.
   * @throws ConfigError before any container starts (a major whose suite ships no
   *   pg_auto_failover, a bad config). @throws WaitTimeoutError when it is not ready in time (the
   *   containers and network are removed first); ExecError when a pg_autoctl command fails; Error
   *   when the monitor holds settings other than the config's (`checkApplied`).
   */
  static async start(opts: PgAutoFailoverClusterOptions = {}): Promise<PgAutoFailoverCluster> {
    const names = ['pg0', ...(opts.standbys ?? ['s1', 's2'])];
    const config = checkPafConfig(opts.config, names);
    const image = await ensurePgAutoFailoverImage(opts.pgMajor ?? 15);
    const net = await ManagedNetwork.create('pg_auto_failover');
    const { id } = net;
    const host = (name: string) => net.host(name);
    const member = (name: string, command?: string[]) => net.member(name, image, { ports: [PG_PORT], ...(command ? { command } : {}) });
    try {
      const [monitor, ...nodes] = await Promise.all([
        member('monitor', ['runuser', '-u', 'postgres', '--', 'sh', '-c', monitorScript(host('monitor'))]),
        ...names.map((n) => member(n)),
      ]);
      const cluster = new PgAutoFailoverCluster(
        id,
        image,
        config,
        { ...((opts.config ?? {}) as Record<string, unknown>) },
        monitor!,
        nodes,
        new Map(names.map((n) => [n, host(n)])),
        () => net.remove(),
      );
      const timeoutMs = opts.readyTimeoutMs ?? 180_000;
      await pollUntil(
        async () => {
          await cluster.view();
          return { done: true, value: true };
        },
        { what: 'the pg_auto_failover monitor to answer pg_autoctl show state', timeoutMs: 60_000, intervalMs: 250 },
      );
      // pg0 first: the first node registered is assigned `single` and runs initdb; the others then clone it.
      await cluster.agent('pg0').start();
      await pollUntil(
        async () => {
          const v = await cluster.view();
          return primaryOf(v) === 'pg0' ? { done: true, value: true } : { done: false, seen: describeView(v) };
        },
        { what: 'pg0 registered as the single node', timeoutMs, intervalMs: 250 },
      );
      await Promise.all(names.slice(1).map((n) => cluster.agent(n).start()));
      await cluster.waitForReady(timeoutMs);
      if (config.numberSyncStandbys !== undefined) {
        await cluster.setNumberSyncStandbys(config.numberSyncStandbys);
        await cluster.waitForReady(timeoutMs);
      }
      cluster.applied = checkApplied(config, await cluster.appliedSettings());
      log().info(
        { cluster: id, image: image.name, ms: Date.now() - net.startedAt },
        `pg_auto_failover formation ready: ${describeView(await cluster.view())}`,
      );
      return cluster;
    } catch (e) {
      await net.remove();
      throw e;
    }
  }

  /** The monitor plays the DCS's part in the catalogue (nemesis/managed.ts): `dcs-kill` on it is "the monitor lost". */
  get dcsNames(): string[] {
    return [this.monitor.name];
  }

  /** The monitor's host. @throws Error for another name. */
  dcsHost(name: string): Member {
    if (name !== this.monitor.name) throw new Error(`no monitor "${name}" (there is: ${this.monitor.name})`);
    return this.monitor;
  }

  /** The monitor, when its `pg_autoctl show state` answers: a single monitor is its own leader. */
  async dcsLeader(): Promise<string | undefined> {
    return (await this.view().then(
      () => true,
      () => false,
    ))
      ? this.monitor.name
      : undefined;
  }

  /** The node the monitor holds for primary now (view.ts `primaryOf`); undefined during a failover or when the monitor does not answer. */
  async leader(): Promise<string | undefined> {
    return this.view().then(primaryOf, () => undefined);
  }

  /**
   * The monitor's view: `pg_autoctl show state --json` run on the monitor's host (5 s).
   * @throws Error when the monitor does not answer (down, frozen) or prints another shape.
   */
  async view(): Promise<PafView> {
    return parseView(await this.monitor.exec(['pg_autoctl', 'show', 'state', '--json', '--pgdata', MONITOR_PGDATA], { timeoutMs: 5000 }));
  }

  /** `pg_autoctl show state` as it prints it (the table a DBA reads). @throws Error when the monitor does not answer. */
  async viewText(): Promise<string> {
    return this.monitor.exec(['pg_autoctl', 'show', 'state', '--pgdata', MONITOR_PGDATA], { timeoutMs: 5000 });
  }

  /**
   * The connection string pg_auto_failover gives applications: `pg_autoctl show uri --formation default`
   * (`postgres://h1:5432,h2:5432,…/postgres?target_session_attrs=read-write&sslmode=prefer`).
   * @throws Error when the monitor does not answer.
   */
  async formationUri(): Promise<string> {
    return (
      await this.monitor.exec(['pg_autoctl', 'show', 'uri', '--formation', FORMATION, '--pgdata', MONITOR_PGDATA], { timeoutMs: 5000 })
    ).trim();
  }

  /** The node whose container (host name on the network) is `hostName`, or undefined. */
  nodeOfHost(hostName: string): string | undefined {
    for (const [n, h] of this.hosts) if (h === hostName) return n;
    return undefined;
  }

  /** SIGKILL of `node`'s postmaster (the pid in postmaster.pid); pg_autoctl and the host live on. @throws ExecError when none runs. */
  async kill9Postmaster(node: string): Promise<void> {
    await this.node(node).exec(['sh', '-c', `pid=$(head -1 ${PGDATA}/postmaster.pid) && kill -KILL "$pid"`], { timeoutMs: 5000 });
  }

  /**
   * pg_autoctl on `node`, every pg_autoctl process (the supervisor and its `node active` and
   * `start/stop postgres` services) while PostgreSQL runs on: `kill` (SIGKILL), `freeze`
   * (SIGSTOP), `thaw` (SIGCONT), `start` (`pg_autoctl create postgres … --run` the first time,
   * `pg_autoctl run` once the node is created; nothing when one runs).
   */
  agent(node: string): { kill(): Promise<void>; freeze(): Promise<void>; thaw(): Promise<void>; start(): Promise<void> } {
    const m = this.node(node);
    const s = this.config.nodes.find((n) => n.name === node)!;
    // By process name (`-x`): a pattern on the command line would match the shell running this script.
    const pids = 'pids=$(pgrep -x pg_autoctl)';
    const signal = (sig: string, orFail: boolean) =>
      m.exec(['sh', '-c', `${pids}; [ -n "$pids" ] && kill -${sig} $pids${orFail ? '' : ' || true'}`], { timeoutMs: 5000 }).then(() => {});
    return {
      kill: () => signal('KILL', true),
      freeze: () => signal('STOP', true),
      thaw: () => signal('CONT', false),
      start: () =>
        m.exec(['sh', '-c', nodeScript(s, this.hosts.get(node)!, this.hosts.get('monitor') ?? `${this.id}-monitor`)]).then(() => {}),
    };
  }

  /**
   * `pg_autoctl set formation number-sync-standbys N`, run on the primary's host (it reaches the
   * monitor with its own config). @throws ExecError when the monitor refuses; Error when there is no primary.
   */
  async setNumberSyncStandbys(n: number): Promise<void> {
    const primary = primaryOf(await this.view());
    if (!primary) throw new Error('no primary to set number_sync_standbys from');
    await this.node(primary).exec(['pg_autoctl', 'set', 'formation', 'number-sync-standbys', String(n), '--pgdata', PGDATA], {
      timeoutMs: 30_000,
    });
  }

  /** The formation's number_sync_standbys as the monitor holds it (`pg_autoctl get formation number-sync-standbys`). @throws Error when it does not answer. */
  async numberSyncStandbys(): Promise<number> {
    const out = await this.monitor.exec(
      [
        'psql',
        '-X',
        '-qAt',
        '-d',
        'pg_auto_failover',
        '-c',
        `SELECT number_sync_standbys FROM pgautofailover.formation WHERE formationid = '${FORMATION}'`,
      ],
      { timeoutMs: 5000 },
    );
    return Number(out.trim());
  }

  /**
   * The formation's number_sync_standbys and each node's candidate priority and replication quorum
   * as the monitor holds them, read from its tables (what `pg_autoctl show settings` prints).
   * @throws Error when the monitor does not answer, or holds no row for a node of this cluster.
   */
  async appliedSettings(): Promise<PafAppliedSettings> {
    const sql =
      `SELECT 'formation', number_sync_standbys, true FROM pgautofailover.formation WHERE formationid = '${FORMATION}' UNION ALL ` +
      `SELECT nodename, candidatepriority, replicationquorum FROM pgautofailover.node WHERE formationid = '${FORMATION}'`;
    const out = await this.monitor.exec(['psql', '-X', '-qAt', '-d', 'pg_auto_failover', '-c', sql], { timeoutMs: 5000 });
    const rows = new Map(
      out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [name, n, q] = l.split('|');
          return [name!, { n: Number(n), q: q === 't' }] as const;
        }),
    );
    const formation = rows.get('formation');
    if (!formation) throw new Error(`the monitor holds no formation "${FORMATION}"`);
    return {
      numberSyncStandbys: formation.n,
      nodes: this.nodeNames.map((name) => {
        const r = rows.get(name);
        if (!r) throw new Error(`the monitor holds no node "${name}" in formation ${FORMATION} (it holds: ${[...rows.keys()].join(', ')})`);
        return { name, candidatePriority: r.n, replicationQuorum: r.q };
      }),
    };
  }

  /**
   * `pg_autoctl perform promotion --name to` on the monitor: pg_auto_failover's switchover to a
   * chosen node (2.0's `perform switchover` takes no target; docs/ref/pg_autoctl_perform_promotion.rst).
   * It waits (up to its own 60 s) for the monitor to report the promotion done.
   * @returns its output. @throws ExecError when pg_auto_failover refuses.
   */
  async promote(to: string): Promise<string> {
    return this.monitor.exec(['pg_autoctl', 'perform', 'promotion', '--name', to, '--formation', FORMATION, '--pgdata', MONITOR_PGDATA], {
      timeoutMs: 90_000,
    });
  }

  /**
   * `pg_autoctl perform switchover` on the monitor: the monitor drains the primary and promotes
   * the candidate it selects (docs/ref/pg_autoctl_perform_switchover.rst). It waits (up to its
   * own 60 s) for a node to reach `primary`.
   * @returns its output. @throws ExecError when pg_auto_failover refuses.
   */
  async performSwitchover(): Promise<string> {
    return this.monitor.exec(['pg_autoctl', 'perform', 'switchover', '--formation', FORMATION, '--pgdata', MONITOR_PGDATA], {
      timeoutMs: 90_000,
    });
  }

  /** `SHOW synchronous_standby_names` on `node`, as pg_autoctl last wrote it. @throws ExecError when the node does not answer. */
  async syncStandbyNames(node: string): Promise<string> {
    return this.psql(node, 'SHOW synchronous_standby_names');
  }

  /**
   * Waits until the monitor holds a primary whose reported and assigned states are both `primary`
   * and every other node is a healthy `secondary`.
   * @returns the primary's name. @throws WaitTimeoutError with the last view seen.
   */
  async waitForReady(timeoutMs: number): Promise<string> {
    return pollUntil(
      async () => {
        const v = await this.view();
        const primary = primaryOf(v);
        const p = v.nodes.find((n) => n.name === primary);
        const others = v.nodes.filter((n) => n.name !== primary);
        // Assigned too: right after a settings change the primary still reports `primary` while assigned `apply_settings`.
        const ok =
          p?.reported === 'primary' && p.assigned === 'primary' && others.length === this.nodes.length - 1 && others.every(isSecondary);
        return ok ? { done: true, value: primary! } : { done: false, seen: describeView(v) };
      },
      { what: `a pg_auto_failover primary and ${this.nodes.length - 1} secondaries`, timeoutMs, intervalMs: 250 },
    );
  }

  /** Removes every container and the network. Safe to call twice. */
  async destroy(): Promise<void> {
    await this.removeAll();
  }
}

/**
 * The monitor's command (as user postgres): `pg_autoctl run` once created, else `pg_autoctl create
 * monitor … --run`; a stale pid file of a crashed boot is removed first (see `pidOf`).
 */
function monitorScript(hostName: string): string {
  return (
    `export HOME=/var/lib/postgresql; rm -f ${pidOf(MONITOR_PGDATA)}; if [ -f ${cfgOf(MONITOR_PGDATA)} ]; then exec pg_autoctl run --pgdata ${MONITOR_PGDATA} >>${LOG_MOUNT}/monitor.log 2>&1; ` +
    `else exec pg_autoctl create monitor --pgdata ${MONITOR_PGDATA} --pgport ${PG_PORT} --hostname ${hostName} --auth trust --no-ssl --run >>${LOG_MOUNT}/monitor.log 2>&1; fi`
  );
}

/** Starts pg_autoctl on a node's host in the background, as user postgres, supervised (`agentStartScript`), unless one runs (see `agent().start`). */
function nodeScript(s: PafResolvedNode, hostName: string, monitorHost: string): string {
  const monitorUri = `postgres://autoctl_node@${monitorHost}:${PG_PORT}/pg_auto_failover?sslmode=disable`;
  const create =
    `pg_autoctl create postgres --pgdata ${PGDATA} --pgport ${PG_PORT} --hostname ${hostName} --name ${s.name} ` +
    `--monitor "${monitorUri}" --formation ${FORMATION} --auth trust --no-ssl --pg-hba-lan --username postgres --dbname postgres ` +
    `--candidate-priority ${s.candidatePriority} --replication-quorum ${s.replicationQuorum} --run`;
  return agentStartScript({
    create,
    run: `pg_autoctl run --pgdata ${PGDATA}`,
    cfg: cfgOf(PGDATA),
    pidFile: pidOf(PGDATA),
    log: `${LOG_MOUNT}/${s.name}.log`,
  });
}

/** Seconds the supervisor waits before starting pg_autoctl again after it failed: systemd's RestartSec default, 100 ms. */
export const AGENT_RESTART_S = 0.1;

/**
 * The shell line that starts pg_autoctl on a node as a service manager keeps it running: `run`
 * once the node is created (its config file `cfg` exists), else `create`; started again,
 * `AGENT_RESTART_S` later, after it exits with an error, with the stale pid file removed first
 * (see `pidOf`). pg_autoctl 2.0 exits so when its monitor does not answer for ~10 s ("pg_autoctl
 * service node-active has already been restarted 5 times in the last 10 seconds, stopping now",
 * seen in a nemesis run while the monitor was isolated), and the unit pg_auto_failover gives for
 * it restarts it (`pg_autoctl show systemd`: `Restart=always`, src/bin/pg_autoctl/systemd_config.c).
 * Unlike that unit, it is left down when it exits cleanly (`pg_autoctl stop`) or is killed by a
 * signal: the `kill9-agent` fault is "the agent dead" until its heal starts it, as for Patroni
 * (patroni/cluster.ts `agentStartScript`). Nothing is started when `bin` (pg_autoctl, by process
 * name) or a supervisor (`<bin>-[s]upervisor`) runs already: two agents on one node would fight.
 * Output to `log`. `bin` is the agent's process name: pg_autoctl, or a test's stand-in.
 */
export function agentStartScript(o: { create: string; run: string; cfg: string; pidFile: string; log: string; bin?: string }): string {
  const bin = o.bin ?? 'pg_autoctl';
  const loop =
    `while :; do rm -f ${o.pidFile}; if [ -f ${o.cfg} ]; then ${o.run}; else ${o.create}; fi; rc=$?; ` +
    `[ $rc -eq 0 ] || [ $rc -gt 128 ] && exit $rc; sleep ${AGENT_RESTART_S}; done`;
  return (
    `pgrep -x ${bin} >/dev/null || pgrep -f '${bin}-[s]upervisor' >/dev/null || ` +
    // `<bin>-super""visor`: the supervisor's name, spelled so that this shell's own command line does not match it.
    `nohup sh -c '${loop}' ${bin}-super""visor >>${o.log} 2>&1 </dev/null &`
  );
}
