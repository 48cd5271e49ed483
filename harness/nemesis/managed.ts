/**
 * The catalogue on a cluster under an HA manager (issue 18 §3): the faults of the manager's own
 * parts (its DCS, its agents, its proxy) and the node faults that apply unchanged to a managed
 * node. The manager makes every move, so a heal only undoes its fault: it boots a host, starts
 * an agent, thaws, reconnects; it never starts PostgreSQL itself (the agent does, its own way:
 * Patroni starts a crashed primary, or a deposed one as a replica of the new leader).
 *
 * The cluster is anything shaped like `ManagedCluster` (Patroni's `PatroniCluster` is one), so
 * the nemesis and the manager never import each other: a story hands the cluster over.
 */
import type { FaultHost } from '../db/host.ts';
import { ConfigError } from '../errors.ts';
import { DCS_FAULT_KINDS, describeFault, type Fault, type FaultKind, type FaultTarget } from '../history/fault.ts';
import { type Action, type FaultLog, type InjectedFault, recordInjected } from './catalogue.ts';

/** A manager's agent on one node (Patroni's `patroni` process). */
export interface ManagerAgent {
  /** SIGKILL of the agent alone; PostgreSQL runs on. @throws when no agent runs. */
  kill(): Promise<void>;
  /** SIGSTOP of the agent alone. @throws when no agent runs. */
  freeze(): Promise<void>;
  /** SIGCONT; nothing to do when it is not stopped. */
  thaw(): Promise<void>;
  /** Starts the agent (which then starts or demotes PostgreSQL its own way); nothing to do when it runs. */
  start(): Promise<void>;
}

/** What the catalogue needs of a cluster under a manager. */
export interface ManagedCluster {
  /** The manager, for messages: `patroni`. */
  readonly manager: string;
  /** The database nodes' names. */
  readonly nodeNames: readonly string[];
  /** The node the manager has as its running leader now; undefined when none (or its view cannot be read). */
  leader(): Promise<string | undefined>;
  /** A database node's host. @throws Error for a name not in `nodeNames`. */
  nodeHost(node: string): FaultHost;
  /** SIGKILL of `node`'s postmaster while its host and agent live. @throws when no postmaster runs. */
  kill9Postmaster(node: string): Promise<void>;
  /** The manager's agent on `node`. */
  agent(node: string): ManagerAgent;
  /** The DCS members' names (`etcd0`…). */
  readonly dcsNames: readonly string[];
  /** The DCS's own leader now (etcd's raft leader); undefined when none answers (quorum lost, all down). */
  dcsLeader(): Promise<string | undefined>;
  /** A DCS member's host. @throws Error for a name not in `dcsNames`. */
  dcsHost(name: string): FaultHost;
  /** The clients' proxy (HAProxy), with its name; absent when clients connect otherwise. */
  readonly proxy?: { name: string; host: FaultHost };
  /**
   * Heals a postmaster `kill9Postmaster` killed, when the manager's agent never starts PostgreSQL
   * itself (repmgr: the host's service manager does, as at a boot); returns what it did. Absent:
   * the agent restarts it on its own (`POSTMASTER_RESTARTED_BY`), and the heal does nothing.
   */
  healKilledPostmaster?(node: string): Promise<string>;
}

/**
 * Who starts a killed postmaster again, per manager whose agent does it by itself: Patroni's HA
 * loop starts a PostgreSQL it finds not running (ha.py: "starting as a secondary", or the leader
 * restarted while it holds the key), pg_autoctl's supervisor restarts its postgres service
 * (pg_auto_failover 2.0 docs, "pg_autoctl run": the postgres and node-active services).
 */
const POSTMASTER_RESTARTED_BY: Readonly<Record<string, string>> = {
  patroni: 'Patroni starts PostgreSQL again on its next HA loop',
  pg_auto_failover: "pg_autoctl's supervisor starts its postgres service again",
};

/** The node kinds that apply to a managed node, each healed without starting PostgreSQL. */
const NODE_KINDS: readonly FaultKind[] = ['crash-host-loud', 'crash-host-silent', 'kill9-postmaster', 'freeze-host', 'isolate'];

/** Every kind `injectManagedFault` injects. */
export const MANAGED_FAULT_KINDS: readonly FaultKind[] = [
  ...NODE_KINDS,
  'dcs-kill',
  'dcs-freeze',
  'dcs-isolate',
  'dcs-quorum-loss',
  'kill9-agent',
  'freeze-agent',
  'kill-proxy',
];

/**
 * The kinds of `MANAGED_FAULT_KINDS` a manager's cluster has no part for, by manager (as
 * `ManagedCluster.manager` names it), each with why: such a kind is neither drawn by default
 * (defaults.ts `managedDefaultKinds`) nor taken when named (`checkManagedKinds`, before any
 * container starts; `injectManagedFault`). pg_auto_failover's DCS is its monitor: "there can be a
 * single monitor node … When the monitor node is not available, there can be no state change in
 * the system" (2.0 docs/faq.rst), so there is no quorum to lose apart from the monitor itself,
 * which `dcs-kill` loses; and it has no proxy: applications connect with the multi-host URI
 * `pg_autoctl show uri` prints (docs/ref/pg_autoctl_show_uri.rst). repmgr has no DCS at all: "repmgr
 * needs to store information about the servers in the cluster in a dedicated database schema …
 * [which] cannot reside on a database server which is not part of the replication cluster" (5.3
 * docs, "Repmgr user and metadata"), so its consensus store is the nodes themselves, which the
 * node kinds already hit; and no proxy: its users connect to the primary directly (issue 18 §2).
 */
export const KINDS_NOT_UNDER: Readonly<Record<string, Readonly<Partial<Record<FaultKind, string>>>>> = {
  pg_auto_failover: {
    'dcs-quorum-loss': "pg_auto_failover's monitor is one node, not a quorum: losing it is dcs-kill on the monitor",
    'kill-proxy': 'pg_auto_failover has no proxy: clients connect with the multi-host URI of pg_autoctl show uri',
  },
  repmgr: {
    'dcs-kill': "repmgr has no DCS: its metadata is the repmgr schema in the nodes' own databases, hit by the node kinds",
    'dcs-freeze': "repmgr has no DCS: its metadata is the repmgr schema in the nodes' own databases, hit by the node kinds",
    'dcs-isolate': "repmgr has no DCS: its metadata is the repmgr schema in the nodes' own databases, hit by the node kinds",
    'dcs-quorum-loss': 'repmgr has no DCS and no quorum: each repmgrd decides from the nodes it can reach',
    'kill-proxy': 'repmgr has no proxy: clients connect to the primary directly',
  },
  // pgpool-II 4.3 keeps its state in its own memory and pgpool_status, with no DCS; with one pgpool
  // (use_watchdog off, runtime-watchdog-config.html) there is no quorum either; it runs no agent on
  // the nodes: its one process is the proxy clients connect through (kill-proxy).
  pgpool: {
    'dcs-kill': 'pgpool has no DCS: its state is in its memory and pgpool_status (kill-proxy kills pgpool)',
    'dcs-freeze': 'pgpool has no DCS: its state is in its memory and pgpool_status',
    'dcs-isolate': 'pgpool has no DCS: its state is in its memory and pgpool_status',
    'dcs-quorum-loss': 'one pgpool without watchdog has no quorum to lose',
    'kill9-agent': 'pgpool runs no agent on the nodes: its one process is the proxy (kill-proxy)',
    'freeze-agent': 'pgpool runs no agent on the nodes: its one process is the proxy (kill-proxy)',
  },
};

/** The kinds `injectManagedFault` injects on a cluster of `manager`: `MANAGED_FAULT_KINDS` but those it has no part for (`KINDS_NOT_UNDER`). */
export function managedKinds(manager: string): FaultKind[] {
  const not = KINDS_NOT_UNDER[manager] ?? {};
  return MANAGED_FAULT_KINDS.filter((k) => !(k in not));
}

/**
 * Checks fault kinds a user named for a nemesis under `manager` (config `nemesis.kinds`, flag
 * `--kinds`), before any container starts.
 * @throws ConfigError naming the first kind the managed catalogue has not (a built-in kind that acts
 *   on PostgreSQL behind the agent's back) or `manager`'s cluster has no part for, and the kinds there are.
 */
export function checkManagedKinds(manager: string, kinds: readonly FaultKind[]): void {
  const there = managedKinds(manager);
  for (const k of kinds) {
    if (there.includes(k)) continue;
    const why = KINDS_NOT_UNDER[manager]?.[k] ?? `${k} is not in the catalogue under a manager`;
    throw new ConfigError(`fault kind ${k} cannot be played under ${manager}: ${why}`, `name kinds from ${there.join(', ')}`);
  }
}

/**
 * Injects `fault` into a cluster under a manager and records it on `rec`, as `injectFault` does
 * for the built-in cluster. A node kind's target names a database node (`primary`: the manager's
 * leader now); a DCS kind's a DCS member (`primary`: the DCS's leader now; fault.ts).
 * @returns the fault in effect; its `failed` nodes are database nodes taken out (a DCS member,
 *   an agent or the proxy takes none out: PostgreSQL runs on).
 * @throws Error when it could not be injected (no leader to target, a kind not in
 *   `managedKinds(cluster.manager)`, no proxy); nothing was recorded then.
 */
export async function injectManagedFault(
  cluster: ManagedCluster,
  rec: FaultLog,
  fault: Fault,
  detail?: Record<string, unknown>,
): Promise<InjectedFault> {
  checkManagedKind(cluster, fault);
  return injectManagedFaultOn(cluster, rec, fault, await resolveManagedFaultTarget(cluster, fault), detail);
}

/**
 * `injectManagedFault` on the node `name` its target was resolved to (`resolveManagedFaultTarget`):
 * the nemesis resolves a target once, checks no other fault holds that node, and hits that very
 * node even if the leader moved meanwhile. The record keeps the fault's own target (`primary`).
 * @throws like `injectManagedFault`.
 */
export async function injectManagedFaultOn(
  cluster: ManagedCluster,
  rec: FaultLog,
  fault: Fault,
  name: string,
  detail?: Record<string, unknown>,
): Promise<InjectedFault> {
  checkManagedKind(cluster, fault);
  const startT = rec.clock.now();
  const action = await act(cluster, fault, name);
  return recordInjected(rec, fault, action, startT, detail);
}

/** @throws Error naming the kinds there are when `fault`'s kind is not in `managedKinds(cluster.manager)`. */
function checkManagedKind(cluster: ManagedCluster, fault: Fault): void {
  const there = managedKinds(cluster.manager);
  if (!there.includes(fault.kind)) {
    const why = KINDS_NOT_UNDER[cluster.manager]?.[fault.kind];
    throw new Error(
      `${fault.kind} is not in the catalogue under a manager (${cluster.manager}${why ? `: ${why}` : ''}): use one of ${there.join(', ')}`,
    );
  }
}

/**
 * The one part `fault` hits now: a database node for a node or agent kind
 * (`resolveManagedTarget`), a DCS member for a DCS kind (`primary`: the DCS's leader; for
 * `dcs-quorum-loss` the first member it kills, see `quorumBreakers`), the proxy's name for `kill-proxy`.
 * @throws Error when there is none now (no leader, no proxy).
 */
export async function resolveManagedFaultTarget(cluster: ManagedCluster, fault: Fault): Promise<string> {
  if (DCS_FAULT_KINDS.includes(fault.kind)) return resolveMember(cluster, fault.target);
  if (fault.kind !== 'kill-proxy') return resolveManagedTarget(cluster, fault.target);
  if (!cluster.proxy) throw new Error(`${describeFault(fault)}: the cluster has no proxy (clients connect to the nodes)`);
  return cluster.proxy.name;
}

/**
 * The database node a target names now: `primary` is the manager's leader, `{ standby: i }` the
 * i-th of the other nodes sorted by name (modulo their count), `{ node }` that node.
 * @throws Error when there is no leader now, or no such node.
 */
export async function resolveManagedTarget(cluster: ManagedCluster, t: FaultTarget): Promise<string> {
  return pick(t, cluster.nodeNames, await cluster.leader(), `${cluster.manager}'s leader`);
}

/** The DCS member a target names now: `primary` is the DCS's leader, `{ standby: i }` the i-th follower. @throws like `resolveManagedTarget`. */
async function resolveMember(cluster: ManagedCluster, t: FaultTarget): Promise<string> {
  return pick(t, cluster.dcsNames, t === 'primary' ? await cluster.dcsLeader() : undefined, "the DCS's leader");
}

function pick(t: FaultTarget, names: readonly string[], leader: string | undefined, leaderName: string): string {
  if (t !== 'primary' && 'node' in t) {
    if (!names.includes(t.node)) throw new Error(`no "${t.node}" to target (there are: ${names.join(', ')})`);
    return t.node;
  }
  if (t === 'primary') {
    if (!leader) throw new Error(`no ${leaderName} to target now`);
    return leader;
  }
  const others = names.filter((n) => n !== leader).sort();
  return others[t.standby % others.length]!;
}

async function act(c: ManagedCluster, f: Fault, name: string): Promise<Action> {
  switch (f.kind) {
    case 'crash-host-loud':
    case 'crash-host-silent': {
      const host = c.nodeHost(name);
      await host.crash({ silent: f.kind === 'crash-host-silent' });
      return {
        nodes: [name],
        failed: [name],
        heal: async () => {
          await host.ensureUp();
          await c.agent(name).start();
          return `host booted, ${c.manager} started: it starts PostgreSQL`;
        },
      };
    }
    case 'kill9-postmaster': {
      await c.kill9Postmaster(name);
      const heal = c.healKilledPostmaster
        ? () => c.healKilledPostmaster!(name)
        : async () => `nothing to heal: ${POSTMASTER_RESTARTED_BY[c.manager] ?? `${c.manager}'s agent starts PostgreSQL again by itself`}`;
      return { nodes: [name], failed: [name], heal };
    }
    case 'freeze-host': {
      const host = c.nodeHost(name);
      await host.freeze();
      return { nodes: [name], failed: [name], heal: () => host.thaw() };
    }
    case 'isolate': {
      const host = c.nodeHost(name);
      await host.disconnect();
      return { nodes: [name], failed: [name], heal: () => host.reconnect() };
    }
    case 'dcs-kill': {
      const host = c.dcsHost(name);
      await host.crash();
      return { nodes: [name], heal: () => host.ensureUp() };
    }
    case 'dcs-freeze': {
      const host = c.dcsHost(name);
      await host.freeze();
      return { nodes: [name], heal: () => host.thaw() };
    }
    case 'dcs-isolate': {
      const host = c.dcsHost(name);
      await host.disconnect();
      return { nodes: [name], heal: () => host.reconnect() };
    }
    case 'dcs-quorum-loss': {
      const members = quorumBreakers(c.dcsNames, name);
      await Promise.all(members.map((m) => c.dcsHost(m).crash()));
      return { nodes: members, heal: async () => void (await Promise.all(members.map((m) => c.dcsHost(m).ensureUp()))) };
    }
    case 'kill9-agent': {
      const agent = c.agent(name);
      await agent.kill();
      return { nodes: [name], heal: async () => (await agent.start(), `${c.manager} started again`) };
    }
    case 'freeze-agent': {
      const agent = c.agent(name);
      await agent.freeze();
      return { nodes: [name], heal: () => agent.thaw() };
    }
    case 'kill-proxy': {
      const proxy = c.proxy;
      if (!proxy) throw new Error(`${describeFault(f)}: the cluster has no proxy (clients connect to the nodes)`);
      await proxy.host.crash();
      return { nodes: [proxy.name], heal: () => proxy.host.ensureUp() };
    }
    default:
      throw new Error(`${f.kind} is not in the catalogue under a manager`);
  }
}

/**
 * The members a quorum loss kills: a majority (⌊n/2⌋ + 1), `first` and the members after it by
 * name, wrapping around; a DCS of 3 loses 2, one of 5 loses 3.
 */
export function quorumBreakers(names: readonly string[], first: string): string[] {
  const sorted = [...names].sort();
  const i = sorted.indexOf(first);
  return Array.from({ length: Math.floor(sorted.length / 2) + 1 }, (_, k) => sorted[(i + k) % sorted.length]!);
}
