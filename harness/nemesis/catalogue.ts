/**
 * The catalogue: how each fault kind (fault.ts) is injected into a live cluster and healed. A
 * fault's targets are resolved when it is injected (the primary now, the i-th standby now), its
 * start and its heal are recorded as one interval (the report shades it on every panel), and no
 * fault throws on a node that is already down: a schedule goes on whatever the faults before it
 * did, and what could not be done is recorded with the reason.
 *
 * What each needs from the machine: host crashes and freezes need only the engine (SIGKILL,
 * cgroup freezer); network faults run iptables (`statistic` match for random loss) and tc `tbf`
 * from a helper container in the node's network namespace (netns.ts): the kernel needs
 * netfilter and the tbf qdisc, `netem` is not needed (and not in this kernel). The harness's own
 * path to a node (the gateway: writer, observer) is left alone by the iptables faults, so the
 * harness sees what happens; `bandwidth` limits all of the node's outgoing traffic.
 */
import type { Cluster } from '../db/cluster.ts';
import type { PgNode } from '../db/pg-node.ts';
import { log } from '../logger.ts';
import {
  describeFault,
  MANAGER_FAULT_KINDS,
  type Fault,
  type FaultKind,
  type FaultTarget,
  type ManagerFaultKind,
} from '../history/fault.ts';

/** Where faults are recorded: `Recorder` (run/recorder.ts) is one. Times are ms on the scenario clock. */
export interface FaultLog {
  readonly clock: { now(): number };
  /**
   * Records `fault`, injected into `o.nodes`: its injection began at `o.at` and it was in effect
   * from `o.inEffectFrom`. @returns its time (`o.at`), the key its heal names.
   */
  fault(fault: Fault, o: { nodes: string[]; at: number; inEffectFrom: number; detail?: Record<string, unknown> }): number;
  /** Records the heal `what` of the fault recorded at `faultT`, begun at `o.at` (default now). @returns its time. */
  heal(faultT: number, what: string, o?: { at?: number; detail?: Record<string, unknown> }): number;
  /** Records that the fault recorded at `faultT` is left in effect to the end of the story, and why. */
  lastsToEnd(faultT: number, why: string): void;
}

/** A fault in effect: what it hit, since when, and how to end it. */
export interface InjectedFault {
  fault: Fault;
  /** The nodes it hit, resolved at injection. */
  nodes: string[];
  /**
   * The nodes it takes out while in effect: down, frozen, or unreachable from the rest (for a
   * split, every group but the largest). What a durability promise counts as failures; a fault
   * that only slows or breaks one connection (loss, bandwidth, a walsender killed, replay
   * paused) takes no node out.
   */
  failed: string[];
  /**
   * When its injection began, ms on the scenario clock: a fault may take effect at any moment of
   * its injection (a primary PANICs while pg_wal is still being filled), so what it caused counts from then.
   */
  faultT: number;
  /**
   * When its injection was done and the fault fully in effect, ms on the scenario clock (≥ faultT;
   * a silent crash drops traffic first and kills ~0.9 s later): what the fault surely did by a
   * moment, such as a node being out when a promotion was decided, is judged from here.
   */
  effectiveT: number;
  /**
   * Ends the fault the catalogue's way (see its kind in `ACTIONS`) and records the heal. Never
   * throws: a heal that cannot be done (its node died since) is recorded with the reason.
   * @returns when the heal began, ms (a repair's time, for the bounds measured from it); the same on a second call.
   */
  heal(): Promise<number>;
  /**
   * Ends the fault by the story's own move instead (`what`, e.g. "start the old primary as a
   * standby of s1"), recorded as its heal. @returns when the move began, ms. @throws what `act` throws (the heal is recorded first).
   */
  healBy(what: string, act: () => Promise<void>): Promise<number>;
  /** Leaves the fault in effect to the end of the story, saying why (the report shades it to the end). */
  lastsToEnd(why: string): void;
}

/**
 * Injects `fault` into `cluster` and records it on `rec` (with `detail`, e.g. what a model predicted of it).
 * @returns the fault in effect. @throws Error when it could not be injected (e.g. its node is
 *   down, a standby-only kind targets the primary, or a manager's kind on a cluster without one);
 *   nothing was recorded then.
 */
export async function injectFault(cluster: Cluster, rec: FaultLog, fault: Fault, detail?: Record<string, unknown>): Promise<InjectedFault> {
  if (MANAGER_FAULT_KINDS.includes(fault.kind))
    throw new Error(
      `${fault.kind} breaks a manager's own part: the built-in cluster has none (run it under a manager: injectManagedFault)`,
    );
  const node = resolveTarget(cluster, fault.target);
  const startT = rec.clock.now();
  const action = await ACTIONS[fault.kind as NodeFaultKind](cluster, node, fault);
  return recordInjected(rec, fault, action, startT, detail);
}

/** Records an injected action as a fault (begun at `startT` ms, in effect now) and wraps its heal; managed.ts uses it too. */
export function recordInjected(
  rec: FaultLog,
  fault: Fault,
  action: Action,
  startT: number,
  detail?: Record<string, unknown>,
): InjectedFault {
  const effectiveT = rec.clock.now();
  const what = describeFault(fault);
  const faultT = rec.fault(fault, { nodes: action.nodes, at: startT, inEffectFrom: effectiveT, ...(detail ? { detail } : {}) });
  log().info({ fault: what, nodes: action.nodes }, 'fault injected');
  let ended: Promise<number> | undefined;
  const end = (how: string, act: () => Promise<Record<string, unknown>>): Promise<number> =>
    (ended ??= (async () => {
      const at = rec.clock.now();
      const result = await act();
      rec.heal(faultT, how, { at, detail: result });
      log().info({ fault: what, ...result }, 'fault healed');
      return at;
    })());
  return {
    fault,
    nodes: action.nodes,
    failed: action.failed ?? [],
    faultT,
    effectiveT,
    heal: () =>
      end(`heal ${what}`, () =>
        action.heal().then(
          (note) => (note ? { note } : {}),
          (e: unknown) => ({ healError: e instanceof Error ? e.message : String(e) }),
        ),
      ),
    async healBy(how, act) {
      let failure: unknown = null;
      const at = await end(how, () =>
        act().then(
          () => ({}),
          (e: unknown) => ((failure = e), { healError: e instanceof Error ? e.message : String(e) }),
        ),
      );
      if (failure !== null) throw failure;
      return at;
    },
    lastsToEnd(why) {
      rec.lastsToEnd(faultT, why);
    },
  };
}

/**
 * The node a target names now: `primary` is the cluster's current primary; `{ standby: i }` the
 * i-th of its standbys sorted by name, modulo their count; `{ node }` that node.
 * @throws Error when the cluster has no standby for `{ standby }`, or no such node.
 */
export function resolveTarget(cluster: Cluster, t: FaultTarget): PgNode {
  if (t === 'primary') return cluster.primary;
  if ('node' in t) return cluster.node(t.node);
  const standbys = [...cluster.standbys].sort((a, b) => a.name.localeCompare(b.name));
  if (!standbys.length) throw new Error(`no standby to target (standby ${t.standby}): the cluster has only its primary`);
  return standbys[t.standby % standbys.length]!;
}

/** An injected action (here and in managed.ts): the nodes it hit (and took out), and its undo, which may say what it left undone. */
export interface Action {
  nodes: string[];
  failed?: string[];
  // biome-ignore lint/suspicious/noConfusingVoidType: a heal resolves to a note, or to nothing when it is a host's own void call
  heal(): Promise<string | void>;
}

type Inject = (cluster: Cluster, node: PgNode, fault: Fault) => Promise<Action>;

/** The kinds of the built-in cluster's catalogue: all but the manager's own parts. */
type NodeFaultKind = Exclude<FaultKind, ManagerFaultKind>;

const ACTIONS: Record<NodeFaultKind, Inject> = {
  'crash-host-loud': (c, n) => down(c, n, () => n.host.crash()),
  'crash-host-silent': (c, n) => down(c, n, () => n.host.crash({ silent: true })),
  'kill9-postmaster': (c, n) => down(c, n, () => n.kill9()),
  'stop-fast': (c, n) => down(c, n, () => n.stop('fast')),
  'stop-immediate': (c, n) => down(c, n, () => n.stop('immediate')),
  'freeze-host': async (_c, n) => {
    await n.host.freeze();
    return { nodes: [n.name], failed: [n.name], heal: () => n.host.thaw() };
  },
  'freeze-postmaster': async (_c, n) => {
    await n.freezePostmaster();
    // Running sessions go on, but nothing can connect: for an operator it is gone.
    return { nodes: [n.name], failed: [n.name], heal: () => n.thawPostmaster() };
  },
  isolate: async (_c, n) => {
    await n.host.disconnect();
    return { nodes: [n.name], failed: [n.name], heal: () => n.host.reconnect() };
  },
  'one-way-loss': async (c, n, f) => {
    const to = resolveTarget(c, required(f, 'to'));
    if (to === n) throw new Error(`${describeFault(f)}: the target and params.to are the same node (${n.name})`);
    const tag = `one-way-loss ${to.name}`;
    await n.host.addRules(tag, [`OUTPUT -d ${await to.host.address()} -j DROP`]);
    return { nodes: [n.name, to.name], heal: () => n.host.removeRules(tag) };
  },
  split: async (c, _n, f) => split(c, required(f, 'groups')),
  'packet-loss': async (_c, n, f) => {
    const p = required(f, 'rate');
    const { subnet, gateway } = n.host.networkOf();
    const loss = `-m statistic --mode random --probability ${p} -j DROP`;
    await n.host.addRules('packet-loss', [
      `INPUT -s ${gateway} -j ACCEPT`,
      `INPUT -s ${subnet} ${loss}`,
      `OUTPUT -d ${gateway} -j ACCEPT`,
      `OUTPUT -d ${subnet} ${loss}`,
    ]);
    return { nodes: [n.name], heal: () => n.host.removeRules('packet-loss') };
  },
  bandwidth: async (_c, n, f) => {
    await n.host.limitBandwidth(required(f, 'kbit'));
    return { nodes: [n.name], heal: () => n.host.unlimitBandwidth() };
  },
  'kill-walreceiver': async (c, n) => {
    standbyOnly(c, n, 'kill-walreceiver');
    if (!(await n.terminateWalReceiver())) throw new Error(`${n.name} has no walreceiver to terminate`);
    return { nodes: [n.name], heal: async () => 'nothing to heal: the startup process starts a new walreceiver' };
  },
  'kill-walsender': async (c, n) => {
    standbyOnly(c, n, 'kill-walsender');
    if (!(await c.primary.terminateWalSender(n.name))) throw new Error(`${c.primary.name} has no walsender for ${n.name} to terminate`);
    return { nodes: [c.primary.name, n.name], heal: async () => `nothing to heal: ${n.name}'s walreceiver reconnects` };
  },
  'pause-replay': async (c, n) => {
    standbyOnly(c, n, 'pause-replay');
    await n.pauseReplay();
    return { nodes: [n.name], heal: () => n.resumeReplay() };
  },
  'wal-full': async (c, n) => {
    const bytes = await n.host.fillWalMount();
    // A segment switch makes the node need a new segment file now (wal_recycle is off on a WAL
    // mount), not once the current segment's 16 MB are used up. The primary may be down.
    await c.primary.safePsql('SELECT pg_switch_wal()', { timeoutMs: 5000 }).catch(() => {});
    log().debug({ node: n.name, bytes }, 'pg_wal filled');
    // A primary that cannot write WAL commits nothing, a standby receives nothing: out, either way.
    return { nodes: [n.name], failed: [n.name], heal: () => freeWal(c, n) };
  },
};

/**
 * Ends `wal-full`: the ballast deleted, then PostgreSQL started if it gave up meanwhile (a
 * primary whose crash recovery could not write its checkpoint exits), under the same rules as
 * the heal of `down`: never a fenced node or an old primary another node replaced.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an Action's heal (see Action)
async function freeWal(cluster: Cluster, node: PgNode): Promise<string | void> {
  const wasPrimary = node === cluster.primary;
  await node.host.freeWalMount();
  return cluster.exclusive(async () => {
    if (await node.running()) return;
    const left = leftDown(cluster, node, wasPrimary);
    if (left) return `pg_wal freed; ${left}`;
    await node.start();
    return `pg_wal freed; ${node.name} had stopped and was started again`;
  });
}

/**
 * A fault that takes PostgreSQL down. Its heal boots the host and starts PostgreSQL again,
 * except on a node the operator fenced or an old primary whose place another node took
 * meanwhile: starting it would make two primaries. It stays down for the operator (rewind or
 * re-clone, write-up 001). The heal holds the topology (`Cluster.exclusive`), so a failover cannot
 * fence and promote halfway through it.
 */
async function down(cluster: Cluster, node: PgNode, act: () => Promise<void>): Promise<Action> {
  const wasPrimary = node === cluster.primary;
  await act();
  return {
    nodes: [node.name],
    failed: [node.name],
    heal: () =>
      cluster.exclusive(async () => {
        const left = leftDown(cluster, node, wasPrimary);
        if (left) return left;
        await node.host.ensureUp();
        await node.start(); // down by construction: a schedule never overlaps two faults on one target
      }),
  };
}

/**
 * Why a heal must not start `node` again, or undefined when it may: the operator fenced it, or
 * it was the primary and another node took its place (starting it would make two primaries; the
 * operator rejoins it by rewind or re-clone).
 */
function leftDown(cluster: Cluster, node: PgNode, wasPrimary: boolean): string | undefined {
  if (cluster.isFenced(node)) return `${node.name} was fenced by the operator: left down for it to rejoin`;
  if (wasPrimary && cluster.primary !== node)
    return `${node.name} was the primary and ${cluster.primary.name} is now: left down for the operator (rewind or re-clone)`;
  return undefined;
}

/** Traffic between the groups dropped both ways, on every node (a node not named joins the first group). */
async function split(cluster: Cluster, groups: FaultTarget[][]): Promise<Action> {
  const named = groups.map((g) => g.map((t) => resolveTarget(cluster, t)));
  const first = named[0] ?? [];
  for (const n of cluster.nodes) if (!named.some((g) => g.includes(n))) first.push(n);
  const address = new Map(await Promise.all(cluster.nodes.map(async (n) => [n, await n.host.address()] as const)));
  const tag = 'split';
  const cut: PgNode[] = [];
  try {
    for (const [i, group] of named.entries()) {
      const others = named.filter((_, j) => j !== i).flat();
      for (const n of group) {
        cut.push(n);
        await n.host.addRules(
          tag,
          others.flatMap((o) => [`INPUT -s ${address.get(o)} -j DROP`, `OUTPUT -d ${address.get(o)} -j DROP`]),
        );
      }
    }
  } catch (e) {
    // Half a split is not recorded as a fault and would never be healed: undo it.
    await Promise.all(cut.map((n) => n.host.removeRules(tag).catch(() => {})));
    throw e;
  }
  const largest = named.reduce((a, b) => (b.length > a.length ? b : a));
  return {
    nodes: cut.map((n) => n.name),
    failed: named
      .filter((g) => g !== largest)
      .flat()
      .map((n) => n.name),
    heal: async () => void (await Promise.all(cut.map((n) => n.host.removeRules(tag)))),
  };
}

function required<K extends keyof NonNullable<Fault['params']>>(f: Fault, key: K): NonNullable<NonNullable<Fault['params']>[K]> {
  const v = f.params?.[key];
  if (v === undefined || v === null) throw new Error(`${f.kind} needs params.${key}`);
  return v as NonNullable<NonNullable<Fault['params']>[K]>;
}

function standbyOnly(cluster: Cluster, node: PgNode, kind: string): void {
  if (node === cluster.primary) throw new Error(`${kind} targets a standby; ${node.name} is the primary`);
}
