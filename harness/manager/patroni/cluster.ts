/**
 * A Patroni cluster on a private Docker network, brought up Patroni's way:
 *  1. the user's config is checked (config.ts) and the merged patroni.yml of the first node is
 *     judged by Patroni's own `patroni --validate-config` in a throwaway container: a bad config
 *     fails before any cluster container starts;
 *  2. three etcd members (etcd 3.4, v3 API, Patroni's `etcd3` DCS) on the run's network;
 *  3. the Patroni nodes (`pg0`, then the standbys `s1`, `s2`): each a host kept up by tini, with
 *     Patroni started inside it as user postgres (so the agent can die while the host lives); the
 *     first to take the leader lock runs initdb, the others clone it with pg_basebackup;
 *  4. HAProxy in front, checking each node's REST API `GET /primary` (port 8008, 200 on the
 *     running leader only), as Patroni's haproxy.cfg does: clients connect to its port 5000.
 * Every container carries the run's labels; `destroy()` removes them, and so does a failed start.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { log } from '../../logger.ts';
import { pollUntil } from '../../wait.ts';
import { shInImage } from '../../db/image.ts';
import { LOG_MOUNT, ManagedNetwork, type Member, type MemberSpec, newClusterId } from '../managed-network.ts';
import { parseWalSenders, WAL_SENDERS_SQL, type WalSender } from '../managed-nodes.ts';
import {
  checkPatroniConfig,
  nodeConfig,
  parseValidation,
  PG_PORT,
  RESTAPI_PORT,
  validationError,
  type PatroniNodeFacts,
  type PatroniUserConfig,
} from './config.ts';
import { ensurePatroniImage, type PatroniImage } from './image.ts';
import { describeView, leaderOf, parseView, type PatroniView } from './view.ts';

const CONFIG_FILE = '/etc/patroni/patroni.yml';
const HAPROXY_CONFIG = '/etc/haproxy/pgchaos.cfg';
/** HAProxy's port for writes (the leader), as in Patroni's haproxy.cfg. */
export const HAPROXY_PORT = 5000;
const ETCD_CLIENT_PORT = 2379;
const ETCD_PEER_PORT = 2380;
const PGDATA = '/var/lib/postgresql/data';

/** HAProxy's health checks of the nodes: `default-server inter … fall … rise …`. */
export interface HaproxyChecks {
  /** Interval between checks, ms. */
  interMs: number;
  /** Failed checks in a row that take a server out. */
  fall: number;
  /** Good checks in a row that put it back. */
  rise: number;
}

/** Patroni's own haproxy.cfg (repository root, 3.0.2): `inter 3s fall 3 rise 2`. */
export const PATRONI_HAPROXY_CHECKS: HaproxyChecks = { interMs: 3000, fall: 3, rise: 2 };

export interface PatroniClusterOptions {
  /** PostgreSQL major; default 15 (bookworm: patroni 3.0.2). */
  pgMajor?: number | string;
  /** The user's Patroni config (config.ts `PatroniUserConfig`), checked before anything starts. */
  config?: unknown;
  /** Standby names; default `['s1', 's2']`. The first node is `pg0`. */
  standbys?: string[];
  /** HAProxy's checks; default Patroni's haproxy.cfg. */
  haproxy?: HaproxyChecks;
  /** Deadline for a leader and every standby running and streaming, ms; default 120 000. */
  readyTimeoutMs?: number;
}

/** A running Patroni cluster: its etcd, its nodes, HAProxy. Create with `PatroniCluster.start()`, always end with `destroy()`. */
export class PatroniCluster {
  private constructor(
    readonly id: string,
    readonly image: PatroniImage,
    readonly config: PatroniUserConfig,
    readonly etcd: Member[],
    /** Patroni nodes, `pg0` first. */
    readonly nodes: Member[],
    readonly haproxy: Member,
    readonly superuser: { username: string; password: string },
    private readonly removeAll: () => Promise<void>,
  ) {}

  /**
   * Checks the config, validates it with Patroni, then brings the cluster up (see the file's
   * header) and waits until Patroni reports a running leader and every standby running, and the
   * leader's pg_stat_replication shows each standby `streaming`.
   * @throws ConfigError before any cluster container starts: a major whose Debian suite lacks
   *   Patroni 3 / etcd 3.4, a bad config (pgchaos's checks or `patroni --validate-config`).
   * @throws WaitTimeoutError when the cluster is not ready in time (it is removed first).
   */
  static async start(opts: PatroniClusterOptions = {}): Promise<PatroniCluster> {
    const config = checkPatroniConfig(opts.config);
    const image = await ensurePatroniImage(opts.pgMajor ?? 15);
    const names = ['pg0', ...(opts.standbys ?? ['s1', 's2'])];
    const etcdNames = ['etcd0', 'etcd1', 'etcd2'];
    const superuser = { username: 'postgres', password: secret() };
    const replication = { username: 'replicator', password: secret() };
    // Container names are the host names on the cluster network (managed-network.ts `host`); the
    // id is chosen first because the validated config names them.
    const id = newClusterId();
    const host = (name: string) => `${id}-${name}`;
    const facts = (name: string, etcdHosts: string[]) => ({
      name,
      host: host(name),
      etcdHosts,
      dataDir: PGDATA,
      binDir: image.binDir,
      superuser,
      replication,
    });
    await validatePatroniConfig(image, config, facts(names[0]!, [`127.0.0.1:${ETCD_CLIENT_PORT}`]));

    const net = await ManagedNetwork.create('patroni', id);
    const member = (name: string, spec: MemberSpec) => net.member(name, image, spec);
    try {
      const initialCluster = etcdNames.map((n) => `${n}=http://${host(n)}:${ETCD_PEER_PORT}`).join(',');
      const etcd = await Promise.all(
        etcdNames.map((n) =>
          member(n, {
            // etcd 3.4 serves the v3 API (Patroni's etcd3 module) by default.
            command: [
              'sh',
              '-c',
              `exec etcd --name ${n} --data-dir /var/lib/etcd/${n} --listen-client-urls http://0.0.0.0:${ETCD_CLIENT_PORT} ` +
                `--advertise-client-urls http://${host(n)}:${ETCD_CLIENT_PORT} --listen-peer-urls http://0.0.0.0:${ETCD_PEER_PORT} ` +
                `--initial-advertise-peer-urls http://${host(n)}:${ETCD_PEER_PORT} --initial-cluster ${initialCluster} ` +
                `--initial-cluster-state new --initial-cluster-token ${id} >>${LOG_MOUNT}/${n}.log 2>&1`,
            ],
          }),
        ),
      );
      const etcdHosts = etcdNames.map((n) => `${host(n)}:${ETCD_CLIENT_PORT}`);
      const nodes = await Promise.all(
        names.map((n) =>
          member(n, {
            ports: [PG_PORT, RESTAPI_PORT],
            files: [{ content: `${JSON.stringify(nodeConfig(config, facts(n, etcdHosts)), null, 2)}\n`, target: CONFIG_FILE }],
          }),
        ),
      );
      // Patroni under the host's init, not as it: the agent can be killed while PostgreSQL and the host live on.
      await Promise.all(
        nodes.map(async (m) => {
          await m.exec(['sh', '-c', `chown postgres:postgres ${CONFIG_FILE} && chmod 600 ${CONFIG_FILE}`], { user: 'root' });
          await startAgent(m);
        }),
      );
      const haproxy = await member('haproxy', {
        ports: [HAPROXY_PORT],
        files: [
          {
            content: haproxyConfig(
              names.map((n) => ({ name: n, host: host(n) })),
              opts.haproxy ?? PATRONI_HAPROXY_CHECKS,
            ),
            target: HAPROXY_CONFIG,
          },
        ],
        command: ['sh', '-c', `exec haproxy -db -f ${HAPROXY_CONFIG} >>${LOG_MOUNT}/haproxy.log 2>&1`],
      });
      const cluster = new PatroniCluster(id, image, config, etcd, nodes, haproxy, superuser, () => net.remove());
      await cluster.waitForReady(opts.readyTimeoutMs ?? 120_000);
      log().info(
        { cluster: id, image: image.name, ms: Date.now() - net.startedAt },
        `patroni cluster ready: ${describeView(await cluster.view())}`,
      );
      return cluster;
    } catch (e) {
      await net.remove();
      throw e;
    }
  }

  /** A Patroni node by name. @throws Error naming the nodes there are. */
  node(name: string): Member {
    const n = this.nodes.find((m) => m.name === name);
    if (!n) throw new Error(`no Patroni node "${name}" (nodes: ${this.nodes.map((m) => m.name).join(', ')})`);
    return n;
  }

  /** The manager, as the fault catalogue names it (nemesis/managed.ts `ManagedCluster`). */
  readonly manager = 'patroni';

  /** The Patroni nodes' names, `pg0` first. */
  get nodeNames(): string[] {
    return this.nodes.map((m) => m.name);
  }

  /** The etcd members' names. */
  get dcsNames(): string[] {
    return this.etcd.map((m) => m.name);
  }

  /** HAProxy, the clients' way in. */
  get proxy(): { name: string; host: Member } {
    return { name: this.haproxy.name, host: this.haproxy };
  }

  /** A Patroni node's host (the catalogue's `FaultHost`). @throws Error naming the nodes there are. */
  nodeHost(name: string): Member {
    return this.node(name);
  }

  /** An etcd member's host. @throws Error naming the members there are. */
  dcsHost(name: string): Member {
    const m = this.etcd.find((e) => e.name === name);
    if (!m) throw new Error(`no etcd member "${name}" (members: ${this.dcsNames.join(', ')})`);
    return m;
  }

  /**
   * The running leader in Patroni's `/cluster` now, as most of the nodes whose REST API answers
   * (2 s each) see it: a node cut off from etcd may serve a view its DCS client still holds.
   * Returns as soon as a majority of all the nodes agree, so a node whose Patroni is frozen (its
   * REST API never answers) does not cost each lookup the full 2 s: the nemesis resolves a target
   * several times per fault, and seed 7 of the soak had injections 8 s late behind such lookups.
   * @returns undefined when no node answers, or the most say there is none (ties: the first node's word).
   */
  async leader(): Promise<string | undefined> {
    const seen: Array<string | undefined> = this.nodes.map(() => undefined);
    const majority = Math.floor(this.nodes.length / 2) + 1;
    const word = () => {
      const votes = new Map<string, number>();
      for (const v of seen) if (v !== undefined) votes.set(v, (votes.get(v) ?? 0) + 1);
      return [...votes.entries()].sort((a, b) => b[1] - a[1])[0];
    };
    await new Promise<void>((resolve) => {
      let pending = this.nodes.length;
      this.nodes.forEach(async (m, i) => {
        try {
          const res = await fetch(`http://localhost:${m.mappedPort(RESTAPI_PORT)}/cluster`, { signal: AbortSignal.timeout(2000) });
          seen[i] = leaderOf(parseView(await res.json())) ?? '';
        } catch {
          // No answer: no vote.
        }
        if (--pending === 0 || (word()?.[1] ?? 0) >= majority) resolve();
      });
    });
    return word()?.[0] || undefined;
  }

  /**
   * etcd's own (raft) leader now: each running, unfrozen member answers the v3 API's
   * `POST /v3/maintenance/status` (etcd 3.4's gRPC gateway) with its id and its leader's, within 3 s.
   * @returns the member whose id is the leader some member reports; undefined when none answers
   *   or none has a leader (quorum lost).
   */
  async dcsLeader(): Promise<string | undefined> {
    const script =
      'import json,sys,urllib.request as u; r=u.urlopen(u.Request("http://127.0.0.1:2379/v3/maintenance/status", b"{}"), timeout=2); ' +
      'j=json.load(r); print(j["header"]["member_id"], j.get("leader", "0"))';
    const answers = await Promise.all(
      this.etcd.map(async (m) => {
        if (!(await m.running()) || (await m.frozen())) return undefined;
        const out = await m.exec(['python3', '-c', script], { timeoutMs: 3000 }).catch(() => undefined);
        const [id, leader] = out?.trim().split(' ') ?? [];
        return id && leader ? { name: m.name, id, leader } : undefined;
      }),
    );
    const seen = answers.filter((a) => a !== undefined);
    return seen.find((a) => seen.some((b) => b.leader === a.id && a.id !== '0'))?.name;
  }

  /** SIGKILL of `node`'s postmaster (the pid in postmaster.pid); Patroni and the host live on. @throws ExecError when none runs. */
  async kill9Postmaster(node: string): Promise<void> {
    await this.node(node).exec(['sh', '-c', `pid=$(head -1 ${PGDATA}/postmaster.pid) && kill -KILL "$pid"`], { timeoutMs: 5000 });
  }

  /**
   * Patroni's agent on `node`, the `patroni` process alone (PostgreSQL, its child by
   * fork-and-setsid, runs on): `kill` (SIGKILL), `freeze` (SIGSTOP, Patroni's "frozen_patroni"),
   * `thaw` (SIGCONT), `start` (as at bring-up, when no agent runs).
   */
  agent(node: string): { kill(): Promise<void>; freeze(): Promise<void>; thaw(): Promise<void>; start(): Promise<void> } {
    const m = this.node(node);
    // `[b]in/…`: the pattern does not match the shell that runs pgrep.
    const pids = `pids=$(pgrep -f '[b]in/patroni ${CONFIG_FILE}')`;
    const signal = (sig: string, orFail: boolean) =>
      m.exec(['sh', '-c', `${pids}; [ -n "$pids" ] && kill -${sig} $pids${orFail ? '' : ' || true'}`], { timeoutMs: 5000 }).then(() => {});
    return {
      kill: () => signal('KILL', true),
      freeze: () => signal('STOP', true),
      thaw: () => signal('CONT', false),
      start: () => startAgent(m).then(() => {}),
    };
  }

  /** `SHOW synchronous_standby_names` on `node`, as Patroni last wrote it there. @throws ExecError when the node does not answer. */
  async syncStandbyNames(node: string): Promise<string> {
    return this.psql(node, 'SHOW synchronous_standby_names');
  }

  /**
   * Patroni's view, `GET /cluster` of the first node whose REST API answers (through its
   * published port; 2 s per node).
   * @throws Error when no node answers, with each node's complaint.
   */
  async view(): Promise<PatroniView> {
    const complaints: string[] = [];
    for (const m of this.nodes) {
      try {
        const port = m.mappedPort(RESTAPI_PORT);
        const res = await fetch(`http://localhost:${port}/cluster`, { signal: AbortSignal.timeout(2000) });
        return parseView(await res.json());
      } catch (e) {
        complaints.push(`${m.name}: ${(e as Error).message}`);
      }
    }
    throw new Error(`no Patroni REST API answers (${complaints.join('; ')})`);
  }

  /**
   * `GET <path>` of one node's REST API, e.g. `/primary` (200 on the running leader), `/sync`.
   * @returns the HTTP status, or 0 when the node does not answer within 2 s.
   */
  async restStatus(node: string, path: string): Promise<number> {
    const port = this.node(node).mappedPort(RESTAPI_PORT);
    return fetch(`http://localhost:${port}${path}`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status,
      () => 0,
    );
  }

  /**
   * Runs `patronictl -c patroni.yml ARGS` on the first running node (its own config names the DCS).
   * @returns its output. @throws ExecError when it fails; Error when no node runs.
   */
  async patronictl(args: string[], o: { timeoutMs?: number } = {}): Promise<string> {
    for (const m of this.nodes) if (await m.running()) return m.exec(['patronictl', '-c', CONFIG_FILE, ...args], o);
    throw new Error('no Patroni node is running to run patronictl on');
  }

  /**
   * A planned switchover by Patroni's own command: `patronictl switchover --leader L --candidate C --force`.
   * @returns patronictl's output. @throws ExecError when Patroni refuses (e.g. no healthy candidate).
   */
  async switchover(leader: string, candidate: string): Promise<string> {
    return this.patronictl(['switchover', '--leader', leader, '--candidate', candidate, '--force'], { timeoutMs: 60_000 });
  }

  /** `psql` on a node through its local socket as the superuser: rows as `|`-separated lines. @throws ExecError. */
  async psql(node: string, sql: string): Promise<string> {
    return (
      await this.node(node).exec(['psql', '-X', '-qAt', '-U', 'postgres', '-d', 'postgres', '-c', sql], { timeoutMs: 10_000 })
    ).trim();
  }

  /** The leader's pg_stat_replication: one row per walsender, application_name, state and sync_state. */
  async walSenders(leader: string): Promise<WalSender[]> {
    return parseWalSenders(await this.psql(leader, WAL_SENDERS_SQL));
  }

  /** Where clients connect: HAProxy's published port on the loopback, as the superuser. */
  connectionConfig(): pg.ClientConfig {
    return {
      host: 'localhost',
      port: this.haproxy.mappedPort(HAPROXY_PORT),
      user: this.superuser.username,
      password: this.superuser.password,
      database: 'postgres',
      connectionTimeoutMillis: 2000,
      query_timeout: 3000,
    };
  }

  /** A direct connection to one node's PostgreSQL (its published port), bypassing HAProxy: a misrouted client's. */
  nodeConnectionConfig(node: string): pg.ClientConfig {
    return { ...this.connectionConfig(), port: this.node(node).mappedPort(PG_PORT) };
  }

  /**
   * Waits for a running leader, every other node running as a replica, and each of them
   * `streaming` in the leader's pg_stat_replication.
   * @returns the leader's name. @throws WaitTimeoutError with the last view and walsenders seen.
   */
  async waitForReady(timeoutMs: number): Promise<string> {
    return pollUntil(
      async () => {
        const view = await this.view();
        const leader = leaderOf(view);
        const others = this.nodes.filter((m) => m.name !== leader).map((m) => m.name);
        if (!leader) return { done: false, seen: describeView(view) };
        const running = others.every((n) => view.members.some((m) => m.name === n && m.state === 'running'));
        const senders = await this.walSenders(leader);
        const streaming = others.every((n) => senders.some((s) => s.name === n && s.state === 'streaming'));
        if (running && streaming) return { done: true, value: leader };
        return {
          done: false,
          seen: `${describeView(view)}; walsenders: ${senders.map((s) => `${s.name} ${s.state}/${s.syncState}`).join(', ') || 'none'}`,
        };
      },
      { what: `a Patroni leader and ${this.nodes.length - 1} streaming replicas`, timeoutMs, intervalMs: 250 },
    );
  }

  /** Removes every container and the network. Safe to call twice. */
  async destroy(): Promise<void> {
    await this.removeAll();
  }
}

/**
 * Runs `patroni --validate-config` on `merged` in a throwaway container of the image (removed
 * when it ends), with a listener standing in for etcd: Patroni's validator connects to every
 * DCS host (validator.py `validate_host_port`), and no cluster container may start first.
 * @throws ConfigError naming the user's field (config.ts `validationError`).
 */
/**
 * Has Patroni's own `patroni --validate-config` judge `config` as a node gets it (merged with the
 * node's fields by `nodeConfig`), in one throwaway container of `image` that is gone when it
 * ends; nothing of a cluster starts. `node` defaults to a first node `pg0` with fresh passwords:
 * `PatroniCluster.start` passes its own; `prepareRun` (run/lifecycle.ts) checks a run's config
 * with the default before any scenario. Patroni 3.0.2's validator wants an etcd to answer at the
 * configured host, so a listener on 127.0.0.1:2379 stands in for one.
 * @throws ConfigError naming the user's refused field and the fix (`validationError`); an Error
 *   when Patroni refused only fields pgchaos wrote (a defect of pgchaos).
 */
export async function validatePatroniConfig(image: PatroniImage, config: PatroniUserConfig, node?: PatroniNodeFacts): Promise<void> {
  const facts = node ?? {
    name: 'pg0',
    host: 'pgchaos-validate-pg0',
    etcdHosts: [`127.0.0.1:${ETCD_CLIENT_PORT}`],
    dataDir: PGDATA,
    binDir: image.binDir,
    superuser: { username: 'postgres', password: secret() },
    replication: { username: 'replicator', password: secret() },
  };
  await validate(image, config, nodeConfig(config, facts));
}

async function validate(image: PatroniImage, user: PatroniUserConfig, merged: Record<string, unknown>): Promise<void> {
  const script = `cat >/tmp/patroni.yml
    python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1", ${ETCD_CLIENT_PORT})); s.listen(8); time.sleep(30)' &
    for i in 1 2 3 4 5 6 7 8 9 10; do python3 -c 'import socket; socket.create_connection(("127.0.0.1", ${ETCD_CLIENT_PORT}), 1)' 2>/dev/null && break; sleep 0.1; done
    patroni --validate-config /tmp/patroni.yml; rc=$?; kill %1 2>/dev/null; exit $rc`;
  const r = await shInImage(image, script, { input: JSON.stringify(merged), timeoutMs: 60_000 });
  if (r.exitCode === 0) return;
  const complaints = parseValidation(r.stderr || r.stdout);
  throw validationError(complaints, user, `patroni ${image.versions.patroni ?? '?'}`);
}

/**
 * HAProxy's configuration: Patroni's haproxy.cfg with the check aimed at `GET /primary` (200
 * only on the running leader; docs/rest_api.rst), and `on-marked-down shutdown-sessions` so
 * clients of a demoted or dead leader are cut off and reconnect to the new one.
 *
 * Each server is found by its host name through Docker's embedded DNS (127.0.0.11), re-resolved
 * every second (`resolvers`, HAProxy 2.6 configuration.txt §5.3), not once at start: a host the
 * nemesis crashed boots with whatever address the network hands it, possibly another node's old
 * one. Resolved once, HAProxy kept checking the old address, got the replica now there answering
 * 503, and had no server for the leader: no client could connect for the rest of the run (seed 16
 * of the strict soak, a false stuck verdict). Real hosts keep their addresses; this keeps HAProxy
 * on the host, as a production HAProxy keeps on a fixed address.
 */
export function haproxyConfig(nodes: Array<{ name: string; host: string }>, checks: HaproxyChecks): string {
  return [
    'global',
    '    maxconn 100',
    'resolvers docker',
    '    nameserver dns 127.0.0.11:53',
    '    resolve_retries 3',
    '    timeout resolve 1s',
    '    timeout retry 1s',
    '    hold valid 1s',
    '    hold other 1s',
    '    hold refused 1s',
    '    hold nx 1s',
    '    hold timeout 1s',
    '    hold obsolete 1s',
    'defaults',
    '    mode tcp',
    '    retries 2',
    '    timeout client 30m',
    '    timeout connect 4s',
    '    timeout server 30m',
    '    timeout check 5s',
    'listen primary',
    `    bind *:${HAPROXY_PORT}`,
    '    option httpchk GET /primary',
    '    http-check expect status 200',
    `    default-server inter ${checks.interMs}ms fall ${checks.fall} rise ${checks.rise} on-marked-down shutdown-sessions`,
    // init-addr: a node that is down when HAProxy starts must not stop it from starting.
    ...nodes.map(
      (n) => `    server ${n.name} ${n.host}:${PG_PORT} maxconn 100 check port ${RESTAPI_PORT} resolvers docker init-addr last,libc,none`,
    ),
    '',
  ].join('\n');
}

/** Starts Patroni on a node's host as user postgres, in the background, supervised (`agentStartScript`), unless an agent runs already. */
async function startAgent(m: Member): Promise<void> {
  await m.exec(['sh', '-c', agentStartScript(CONFIG_FILE, `${LOG_MOUNT}/${m.name}.log`)]);
}

/** Seconds the supervisor waits before starting Patroni again after it failed. */
export const AGENT_RESTART_S = 1;

/**
 * The shell line that starts Patroni with `config` the way Debian's patroni.service runs it
 * (`Restart=on-failure`, shipped in the image): started again, `AGENT_RESTART_S` later, after it
 * exits with an error, as Patroni 3.0.2 does when it starts while its DCS has no quorum
 * (`EtcdConnectionFailed: No more machines in the cluster`, seen in a nemesis run); left down
 * when it exits cleanly or is killed by a signal (the `kill9-agent` fault: the agent stays down
 * until its heal starts it). Unless Patroni (`bin/patroni <config>`) or a supervisor of it
 * (`patroni-supervisor:<config>`) runs already: two agents on one node would fight. Output to `log`.
 */
export function agentStartScript(config: string, log: string): string {
  const loop = `while :; do patroni ${config}; rc=$?; [ $rc -eq 0 ] || [ $rc -gt 128 ] && exit $rc; sleep ${AGENT_RESTART_S}; done`;
  return (
    `pgrep -f '[b]in/patroni ${config}' >/dev/null || pgrep -f 'patroni-[s]upervisor:${config}' >/dev/null || ` +
    // `patroni-super""visor:<config>`: the supervisor's name, spelled so that the line itself (this shell's command) does
    // not match, and naming its config so that only its own supervisor counts (a host running the unit test sees every
    // container's processes too).
    `nohup sh -c '${loop}' patroni-super""visor:${config} >>${log} 2>&1 </dev/null &`
  );
}

function secret(): string {
  return randomBytes(12).toString('hex');
}
