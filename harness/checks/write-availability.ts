/**
 * Writes come back whenever the cluster can take them, however the faults fall: an operator that
 * stops acting (stuck in a move, or failing over to nobody) shows as writes stopped while enough
 * nodes to commit had been free of faults for long. The end-state checks cannot see that: the
 * cluster may look perfect after the last heal.
 *
 * The rule: at each moment of a write outage (writer intervals without a commit), take the nodes
 * with no fault in effect and the time since which each has had none. Writes are *due* from the
 * moment a set of them that can commit (model/availability.ts: a primary and enough synchronous
 * standbys for its synchronous_standby_names) has been free of faults, or from the outage's start
 * when later. An outage that goes on more than `boundMs` past that fails: that is the time the
 * operator is given to detect a failure, promote, repoint and rejoin (the story's recovery
 * window, the same bound it gives after the final heal).
 */
import type { WriterSample } from '../load/history.ts';
import { writablePrimary, type CommitRule } from '../model/availability.ts';
import type { Verdict, VerdictStatus } from './verdict.ts';

/** A fault as the history holds it: the nodes it involved, from `faultT` until `healT` (ms on the scenario clock; undefined: never healed). */
export interface FaultSpan {
  what: string;
  nodes: readonly string[];
  faultT: number;
  healT?: number;
}

/** One write outage and how long it went on after writes were due. */
export interface JudgedOutage {
  /** First and past-the-last interval without a commit, ms. */
  fromT: number;
  toT: number;
  ms: number;
  /** False when the samples end inside it. */
  ended: boolean;
  /** Longest time it went on past the moment writes were due, ms (0 when they never were during it). */
  overdueMs: number;
  /** At that moment: since when writes were due (ms), and the nodes free of faults that could commit, the possible primary first. */
  dueFromT: number | null;
  freeNodes: string[];
}

export interface WriteAvailabilityEvidence {
  boundMs: number;
  commits: number;
  outages: number;
  longestOutageMs: number;
  /** The outage that went on longest past the moment writes were due (null when there was none). */
  worst: JudgedOutage | null;
  /** Outages that went on more than `boundMs` past it. */
  overdue: JudgedOutage[];
}

export interface WriteAvailabilityInput {
  /** The writer's intervals, in time order, evenly spaced. */
  samples: readonly WriterSample[];
  faults: readonly FaultSpan[];
  /** Every node of the cluster by name (application_name). */
  nodes: readonly string[];
  /** How a node's commits are released were it the primary (the config and its promotion policy). */
  rule: CommitRule;
  /** How long writes may stay out after they are due, ms. */
  boundMs: number;
}

/**
 * See the module comment.
 * - `unknown` with no sample or no commit at all (writes never worked: nothing to come back to);
 * - `failed` when an outage went on more than `boundMs` past the moment writes were due;
 * - `passed` otherwise, with the longest outage and the worst overdue time in the evidence.
 * @throws RangeError when boundMs is not a number ≥ 0 (a harness bug, not evidence).
 */
export function checkWritesResume(input: WriteAvailabilityInput): Verdict<WriteAvailabilityEvidence> {
  const { samples, boundMs } = input;
  if (!(boundMs >= 0)) throw new RangeError(`boundMs must be ≥ 0, got ${boundMs}`);
  const commits = samples.reduce((a, s) => a + s.commits, 0);
  const outs = outages(samples).map((o) => judge(o, input));
  const worst = outs.reduce<JudgedOutage | null>((w, o) => (o.overdueMs > (w?.overdueMs ?? 0) ? o : w), null);
  const overdue = outs.filter((o) => o.overdueMs > boundMs);
  const evidence: WriteAvailabilityEvidence = { boundMs, commits, outages: outs.length, longestOutageMs: Math.max(0, ...outs.map((o) => o.ms)), worst, overdue };
  const status: VerdictStatus = commits === 0 ? 'unknown' : overdue.length ? 'failed' : 'passed';
  return { check: 'writes come back when the cluster can take them', status, summary: summary(status, evidence), evidence };
}

/** Runs of intervals without a commit: [first index, past-the-last index). */
function outages(samples: readonly WriterSample[]): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  for (let i = 0; i < samples.length; ) {
    if (samples[i]!.commits > 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < samples.length && samples[j]!.commits === 0) j++;
    out.push({ from: i, to: j });
    i = j;
  }
  return out;
}

function judge(o: { from: number; to: number }, input: WriteAvailabilityInput): JudgedOutage {
  const { samples } = input;
  const interval = samples.length > 1 ? samples[1]!.t - samples[0]!.t : 0;
  const fromT = samples[o.from]!.t;
  const toT = samples[o.to - 1]!.t + interval;
  const judged: JudgedOutage = { fromT, toT, ms: Math.round(toT - fromT), ended: o.to < samples.length, overdueMs: 0, dueFromT: null, freeNodes: [] };
  // Judged at the end of each interval of the outage: the faults in effect then decide.
  for (let i = o.from; i < o.to; i++) {
    const t = samples[i]!.t + interval;
    const due = dueSince(t, samples[0]!.t, input);
    if (!due) continue;
    const overdue = t - Math.max(fromT, due.t);
    if (overdue > judged.overdueMs) Object.assign(judged, { overdueMs: Math.round(overdue), dueFromT: Math.round(due.t), freeNodes: due.nodes });
  }
  return judged;
}

/**
 * Since when (ms) a set of nodes that can commit has been free of faults at `t`, and that set
 * (possible primary first); null when the nodes free of faults at `t` cannot commit. Nodes join
 * in the order they became free, so the first set that can commit is the one free the longest
 * (writablePrimary is monotone).
 */
function dueSince(t: number, originT: number, input: WriteAvailabilityInput): { t: number; nodes: string[] } | null {
  const free: { node: string; since: number }[] = [];
  for (const node of input.nodes) {
    const on = input.faults.filter((f) => f.nodes.includes(node) && f.faultT <= t);
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

// Stryker disable all: prose for the report; the tests pin the status and the evidence.
function summary(status: VerdictStatus, e: WriteAvailabilityEvidence): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  if (status === 'unknown') return 'no batch was acknowledged: writes never worked, so there is nothing to say about them coming back';
  const w = e.overdue[0] ?? e.worst;
  if (status === 'failed' && w) {
    return (
      `writes stopped for ${s(w.ms)} from +${s(w.fromT)}${w.ended ? '' : ' (still stopped when the samples end)'} although ${w.freeNodes.join(', ')} ` +
      `had been free of faults since +${s(w.dueFromT!)} and can commit: ${s(w.overdueMs)} past that, bound ${s(e.boundMs)}`
    );
  }
  const worst = w ? `; the longest after enough nodes to commit were free of faults: ${s(w.overdueMs)}` : '';
  return `${e.outages} write outages, the longest ${s(e.longestOutageMs)}${worst} (bound ${s(e.boundMs)})`;
}
// Stryker restore all
