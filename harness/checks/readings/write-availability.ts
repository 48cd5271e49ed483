/**
 * How long writes stayed stopped while nodes enough to commit had no fault on them: the time an
 * ideal failover manager could have had writes back. Reported with each nemesis record (metric
 * `writeAvailability`), not judged. It shows what the end-of-run verdicts cannot: an operator
 * that stalls while faults still fall (soak seed 2 before 46b3d7e: 116 s, against at most 20 s
 * in the other 19 seeds), but also stalls no operator is to blame for (a primary cut off from its
 * standbys still answers the health checks, so nobody fails over; a link fault counts against
 * both ends, see `impairedNodes`).
 *
 * The rule: at the end of each 100 ms interval of a write outage (writer intervals without a
 * commit), take the nodes no fault impairs and since when each has been so. Writes are *due* once
 * a set of them that can commit (model/availability.ts: a primary and enough synchronous standbys
 * for its synchronous_standby_names) has been unimpaired, and no earlier than the outage's start.
 * `overdueMs` is how long the outage went on past that.
 *
 * Why not a verdict: no bound on it is both safe and useful. A node counts from its heal while
 * the operator may still have to start, rewind or re-clone it; the operator's own deadlines (a
 * 40 s standby start, 3 s of failed health checks, a failover, another rejoin) can add up past the
 * 60 s recovery window on PostgreSQL 13 without any defect. And the model may pick any unimpaired
 * node as the primary, as the operator does only when every node lists all the others (the
 * default `ANY 1` over every standby with the `swap` policy).
 */
import type { WriterSample } from '../../history/samples.ts';
import { commitGaps } from './commits.ts';
import { writablePrimary, type CommitRule } from '../../model/availability.ts';
import type { SynchronousCommit } from '../../model/sync-model.ts';
import type { FaultKind } from '../../history/fault.ts';

/** A fault as the runner reports it (`PlayedSchedule.injected`), from `faultT` until `healT` (ms on the scenario clock; undefined: never healed). */
export interface FaultSpan {
  /** Its description (for the report). */
  what: string;
  kind: FaultKind;
  /** The nodes it hit. */
  nodes: readonly string[];
  /** The nodes it took out (down, frozen, unreachable). */
  failed: readonly string[];
  faultT: number;
  healT?: number;
}

/**
 * The nodes a fault may keep from taking part in a commit (as the primary, or a standby
 * confirming it) while in effect:
 * - the nodes it took out (`failed`; for a split, every group but the largest);
 * - both ends of a one-way loss, and the node of a packet loss or a bandwidth limit: replication
 *   over that path stops, or crawls and may hit wal_sender_timeout. Roles are not in the history,
 *   so a one-way loss between two standbys (no replication between them) counts too, and a lossy
 *   primary counts as out although the operator rightly keeps it;
 * - the standby of a paused replay under synchronous_commit = remote_apply (commits wait for
 *   replay; under `on` flush goes on and it confirms them);
 * - none for a killed walreceiver or walsender: the standby streams again within
 *   wal_retrieve_retry_interval (5 s by default), far inside any bound here.
 */
export function impairedNodes(f: FaultSpan, synchronousCommit: SynchronousCommit): readonly string[] {
  const { kind } = f;
  if (kind === 'one-way-loss' || kind === 'packet-loss' || kind === 'bandwidth') return [...new Set([...f.failed, ...f.nodes])];
  if (kind === 'pause-replay' && synchronousCommit === 'remote_apply') return f.nodes;
  return f.failed;
}

/** One write outage and how long it went on once writes were due. */
export interface JudgedOutage {
  /** Its first interval's start and its last interval's end, ms. */
  fromT: number;
  toT: number;
  ms: number;
  /** False when the samples end inside it. */
  ended: boolean;
  /** Longest time it went on once writes were due, ms (0 when they never were during it). */
  overdueMs: number;
  /** At that moment: since when the set that could commit had been unimpaired (ms; writes due from the later of this and `fromT`), and that set, the possible primary first. */
  freeSinceT: number | null;
  freeNodes: string[];
}

export interface WriteAvailability {
  outages: number;
  longestOutageMs: number;
  /** The outage that went on longest once writes were due; null when none went on at all then. */
  worst: JudgedOutage | null;
}

export interface WriteAvailabilityInput {
  /** The writer's intervals, in time order, evenly spaced. */
  samples: readonly WriterSample[];
  faults: readonly FaultSpan[];
  /** Every node of the cluster by name (application_name). */
  nodes: readonly string[];
  /** How each node would release commits as the primary (`Cluster.commitRule()`). */
  rule: CommitRule;
}

/** See the module comment. Nodes count as unimpaired from the first sample when no fault touched them. */
export function writeAvailability(input: WriteAvailabilityInput): WriteAvailability {
  // Which nodes each fault impairs, once: freeSince asks at every interval of every outage.
  const impaired = input.faults.map((f) => ({ ...f, impaired: impairedNodes(f, input.rule.synchronousCommit) }));
  const judged = commitGaps(input.samples).map((o) => judge(o, input, impaired));
  const worst = judged.reduce<JudgedOutage | null>((w, o) => (o.overdueMs > (w?.overdueMs ?? 0) ? o : w), null);
  return { outages: judged.length, longestOutageMs: Math.max(0, ...judged.map((o) => o.ms)), worst };
}

/** A fault with the nodes it impairs (`impairedNodes`). */
type ImpairingFault = FaultSpan & { impaired: readonly string[] };

function judge(o: { from: number; to: number }, input: WriteAvailabilityInput, faults: readonly ImpairingFault[]): JudgedOutage {
  const { samples } = input;
  const interval = samples.length > 1 ? samples[1]!.t - samples[0]!.t : 0;
  const fromT = samples[o.from]!.t;
  const toT = samples[o.to - 1]!.t + interval;
  const judged: JudgedOutage = {
    fromT,
    toT,
    ms: Math.round(toT - fromT),
    ended: o.to < samples.length,
    overdueMs: 0,
    freeSinceT: null,
    // Stryker disable next-line ArrayDeclaration: freeNodes is only read once overdueMs > 0, which sets it.
    freeNodes: [],
  };
  // Judged at the end of each interval of the outage: the faults in effect then decide.
  for (let i = o.from; i < o.to; i++) {
    const t = samples[i]!.t + interval;
    const free = freeSince(t, samples[0]!.t, input, faults);
    if (!free) continue;
    const overdue = t - Math.max(fromT, free.t);
    if (overdue > judged.overdueMs)
      Object.assign(judged, { overdueMs: Math.round(overdue), freeSinceT: Math.round(free.t), freeNodes: free.nodes });
  }
  return judged;
}

/**
 * Since when (ms) a set of nodes that can commit has been unimpaired at `t`, and that set
 * (possible primary first); null when the nodes unimpaired at `t` cannot commit. Nodes join in
 * the order they became unimpaired, so the first set that can commit is the one unimpaired the
 * longest (writablePrimary is monotone in its nodes).
 */
function freeSince(
  t: number,
  originT: number,
  input: WriteAvailabilityInput,
  faults: readonly ImpairingFault[],
): { t: number; nodes: string[] } | null {
  const free: { node: string; since: number }[] = [];
  for (const node of input.nodes) {
    const on = faults.filter((f) => f.faultT <= t && f.impaired.includes(node));
    // Stryker disable next-line all: no history tells it apart: a node still impaired at t would join with a `since` after t, so a set that needs it is never overdue (t - since <= 0). It keeps such nodes out of every set.
    if (on.some((f) => f.healT === undefined || f.healT > t)) continue;
    free.push({ node, since: Math.max(originT, ...on.map((f) => f.healT!)) });
  }
  free.sort((a, b) => a.since - b.since);
  for (let k = 1; k <= free.length; k++) {
    const set = free.slice(0, k).map((f) => f.node);
    const primary = writablePrimary(set, input.rule);
    if (primary !== null) return { t: free[k - 1]!.since, nodes: [primary, ...set.filter((n) => n !== primary)] };
  }
  return null;
}
