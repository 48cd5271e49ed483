/**
 * The limits the built-in nemesis story draws its schedules within, for scenarios of one's own
 * that want the same: `generateSchedule(seed, defaultLimits({ standbys: 2, durationMs: 120_000 }))`.
 */
import { FAULT_KINDS, MANAGER_FAULT_KINDS, type FaultKind } from '../history/fault.ts';
import type { DurabilityPromise } from '../model/durability.ts';
import { MANAGED_FAULT_KINDS, managedKinds } from './managed.ts';
import type { ScheduleLimits } from './schedule/generate.ts';

/**
 * The kinds drawn unless named. `crash-host-loud` and `stop-fast` are left to the scripted
 * stories: the silent crash and the immediate stop are the harder versions of the same loss.
 * `wal-full` is opt-in: it puts every node's pg_wal in the engine's memory (db/wal-mount.ts).
 * The manager's own parts (`MANAGER_FAULT_KINDS`) exist only under a manager.
 */
export const DEFAULT_FAULT_KINDS: readonly FaultKind[] = FAULT_KINDS.filter(
  (k) => k !== 'crash-host-loud' && k !== 'stop-fast' && k !== 'wal-full' && !MANAGER_FAULT_KINDS.includes(k),
);

/** After the last heal: time for the operator to rejoin and repoint every node, ms. */
export const DEFAULT_RECOVERY_MS = 60_000;

/**
 * The story's limits: at most two faults at once, each 2–15 s, 3 s apart on one target, then
 * `DEFAULT_RECOVERY_MS` of recovery. `standbys` is the cluster's count; `durationMs` the faulty part.
 */
export function defaultLimits(o: { standbys: number; durationMs: number; kinds?: readonly FaultKind[] }): ScheduleLimits {
  return {
    kinds: o.kinds ?? DEFAULT_FAULT_KINDS,
    standbys: o.standbys,
    durationMs: o.durationMs,
    recoveryMs: DEFAULT_RECOVERY_MS,
    maxConcurrent: 2,
    minFaultMs: 2000,
    maxFaultMs: 15_000,
    minGapMs: 3000,
  };
}

/**
 * The kinds a nemesis under an HA manager draws unless named: every kind `injectManagedFault`
 * injects (managed.ts `MANAGED_FAULT_KINDS`) but `crash-host-loud`, for the reason
 * `DEFAULT_FAULT_KINDS` gives. So: the node kinds that apply to a managed node unchanged (a
 * silent host crash, a postmaster killed, a host frozen, a host isolated; each healed without
 * starting PostgreSQL, the manager does), because those are the failures a manager exists for;
 * and the manager's own parts (a DCS member killed, frozen or isolated, the DCS's quorum lost, the
 * agent killed or frozen, the proxy killed), because a manager's loss and split-brain bugs sit
 * there (issue 18 §3; Patroni 3.0.2's frozen leader taking its lock back,
 * docs/findings/2026-12-06-patroni-faults.md). The built-in's other kinds (stops, the walreceiver
 * and walsender, replay pauses, the network shapers, splits) are not in the managed catalogue:
 * they act on PostgreSQL behind the agent's back or need the built-in's node handles.
 */
export const MANAGED_DEFAULT_KINDS: readonly FaultKind[] = MANAGED_FAULT_KINDS.filter((k) => k !== 'crash-host-loud');

/**
 * `MANAGED_DEFAULT_KINDS` that `manager`'s cluster has the part for (managed.ts `managedKinds`):
 * Patroni all of them; pg_auto_failover neither `dcs-quorum-loss` (its one monitor is no quorum:
 * `dcs-kill` on it is "the monitor lost") nor `kill-proxy` (no proxy).
 */
export function managedDefaultKinds(manager: string): FaultKind[] {
  const there = managedKinds(manager);
  return MANAGED_DEFAULT_KINDS.filter((k) => there.includes(k));
}

/** The managed kinds that take a database node out (`InjectedFault.failed`, managed.ts): what a durability promise counts. */
export const MANAGED_NODE_OUT_KINDS: readonly FaultKind[] = [
  'crash-host-loud',
  'crash-host-silent',
  'kill9-postmaster',
  'freeze-host',
  'isolate',
];

/**
 * `defaultLimits` for a nemesis under a manager whose config promises `promise` on a cluster of
 * `nodes` database nodes: when the promise survives some failures but not all (`0 <
 * survivesFailures < nodes`), at most that many database nodes are taken out at once
 * (`nodesOut`), so that a loss is a broken promise and never a schedule beyond it. A promise that
 * survives every failure (Patroni's synchronous mode, model/patroni-promise.ts) needs no such
 * limit; one that survives none (asynchronous) is measured, not judged, so none either.
 */
export function managedLimits(o: {
  standbys: number;
  durationMs: number;
  promise: Pick<DurabilityPromise, 'survivesFailures'>;
  kinds?: readonly FaultKind[];
}): ScheduleLimits {
  const nodes = o.standbys + 1;
  const limits = defaultLimits({ standbys: o.standbys, durationMs: o.durationMs, kinds: o.kinds ?? MANAGED_DEFAULT_KINDS });
  const max = o.promise.survivesFailures;
  return max > 0 && max < nodes ? { ...limits, nodesOut: { kinds: MANAGED_NODE_OUT_KINDS, max } } : limits;
}
