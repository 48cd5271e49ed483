/**
 * The side of a cluster the nemesis (runner.ts) plays a schedule on: inject a fault, say which
 * nodes a fault's targets involve now, say the primary now. Two implementations, so one Nemesis
 * plays on either: `builtinFaults` (the built-in `Cluster`, catalogue.ts) and `managedFaults` (a
 * cluster under an HA manager, managed.ts). Node names are whatever the side names: database
 * nodes, and under a manager also DCS members (`etcd0`) and the proxy (`haproxy`), so a fault on
 * a DCS member never holds a database node and the reverse.
 */
import type { Cluster } from '../db/cluster.ts';
import type { Fault, ScheduledFault } from '../history/fault.ts';
import { type FaultLog, type InjectedFault, injectFault, resolveTarget } from './catalogue.ts';
import { injectManagedFaultOn, type ManagedCluster, quorumBreakers, resolveManagedFaultTarget } from './managed.ts';

/** What the nemesis needs of a cluster to play a schedule on it. */
export interface FaultSide {
  /** The part `fault`'s own target names now (a node's name). @throws Error when there is none now (no such node, no leader). */
  target(fault: Fault): Promise<string>;
  /** Every part `fault` would involve now: its target, `to`, its groups, a walsender's primary, a quorum loss's members. Never throws. */
  involved(fault: ScheduledFault): Promise<Set<string>>;
  /** Why `node` may not be hit now (the built-in operator is bringing it back), or undefined when it may. */
  refuses(node: string): string | undefined;
  /**
   * Injects `fault` on `target` (what `target(fault)` returned) and records it on `rec`.
   * @throws Error when it could not be injected; nothing was recorded then.
   */
  inject(rec: FaultLog, fault: Fault, target: string): Promise<InjectedFault>;
  /** The database primary now (the manager's leader), or undefined when there is none or it cannot be read. */
  primary(): Promise<string | undefined>;
}

/** The built-in cluster's side: catalogue.ts, targets resolved on the cluster's roles now, a node the operator fences refused. */
export function builtinFaults(cluster: Cluster): FaultSide {
  return {
    target: async (fault) => resolveTarget(cluster, fault.target).name,
    involved: async (fault) => {
      const nodes = new Set<string>();
      for (const t of [
        fault.target,
        ...(fault.params?.to !== undefined ? [fault.params.to] : []),
        ...(fault.params?.groups?.flat() ?? []),
      ]) {
        try {
          nodes.add(resolveTarget(cluster, t).name);
        } catch {
          // No such node now: the injection itself will say so.
        }
      }
      if (fault.kind === 'kill-walsender') nodes.add(cluster.primary.name);
      return nodes;
    },
    refuses: (node) =>
      cluster.isFenced(resolveTarget(cluster, { node })) ? `${node} is fenced: the operator is bringing it back` : undefined,
    // catalogue.ts resolves the target again, at once: no await between, so on the node just checked.
    inject: (rec, fault) => injectFault(cluster, rec, fault),
    primary: async () => cluster.primary.name,
  };
}

/**
 * A managed cluster's side: managed.ts, a node kind's `primary` the manager's leader now, a DCS
 * kind's the DCS's leader, `kill-proxy` the proxy; a quorum loss involves every member it kills.
 * Nothing is refused: the manager makes its moves whatever is hit (that is what is under test).
 */
export function managedFaults(cluster: ManagedCluster): FaultSide {
  return {
    target: (fault) => resolveManagedFaultTarget(cluster, fault),
    involved: async (fault) => {
      const name = await resolveManagedFaultTarget(cluster, fault).catch(() => undefined);
      if (name === undefined) return new Set();
      return new Set(fault.kind === 'dcs-quorum-loss' ? quorumBreakers(cluster.dcsNames, name) : [name]);
    },
    refuses: () => undefined,
    inject: (rec, fault, target) => injectManagedFaultOn(cluster, rec, fault, target),
    primary: () => cluster.leader(),
  };
}
