/**
 * The limits the built-in nemesis story draws its schedules within, for scenarios of one's own
 * that want the same: `generateSchedule(seed, defaultLimits({ standbys: 2, durationMs: 120_000 }))`.
 */
import { FAULT_KINDS, MANAGER_FAULT_KINDS, type FaultKind } from '../history/fault.ts';
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
