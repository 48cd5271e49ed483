/**
 * The manager failed over as its config says it may (issue 18 §4, §5): the failovers it made are
 * the ones the story predicts, each from the primary that failed to a node the config allows.
 * Patroni under `synchronous_mode` is the case it is made for: "A node that is not the leader or
 * current synchronous standby is not allowed to promote itself automatically"
 * (docs/replication_modes.rst, 3.0.2), so a crashed leader's successor must be the standby its
 * DCS `/sync` key named; a standby loss or a planned switchover makes no failover at all. Read
 * from the manager's own records (`HaManager.failovers`: Patroni's, a leader change not asked for
 * in its view). Pure.
 */
import type { FailoverRecord } from '../history/failover.ts';
import { CHECK_IDS, type Verdict, type VerdictStatus } from './verdict.ts';

/** A failover the story predicts: from the primary that failed, to one of `to` (the nodes the config allows). */
export interface PredictedFailover {
  from: string;
  to: readonly string[];
  /** Why these (e.g. "the sync standby in /sync"), for the report. */
  why: string;
}

export interface FailoversEvidence {
  predicted: PredictedFailover[];
  /** The failovers the manager recorded, in order: from, to, when decided (ms on the scenario clock). */
  seen: Array<Pick<FailoverRecord, 'from' | 'to' | 'decidedT'>>;
  /** Per failover position, what differs from the prediction; [] when nothing does. */
  differences: string[];
}

/**
 * Failed when the manager's failovers differ from `predicted`: a different number, or one whose
 * old primary or new one is not what was predicted; passed otherwise (no failover predicted and
 * none made passes: a switchover is not one). Never unknown: the manager's record is the evidence.
 */
export function checkFailovers(
  seen: readonly Pick<FailoverRecord, 'from' | 'to' | 'decidedT'>[],
  predicted: readonly PredictedFailover[],
): Verdict<FailoversEvidence> {
  const differences: string[] = [];
  const n = Math.max(seen.length, predicted.length);
  for (let i = 0; i < n; i++) {
    const s = seen[i];
    const p = predicted[i];
    if (!s) differences.push(`failover ${i + 1} predicted (${p!.from} → ${p!.to.join(' or ')}), none made`);
    else if (!p) differences.push(`failover ${i + 1} made (${s.from} → ${s.to}), none predicted`);
    else {
      if (s.from !== p.from) differences.push(`failover ${i + 1} replaced ${s.from}, predicted ${p.from}`);
      if (!p.to.includes(s.to)) differences.push(`failover ${i + 1} promoted ${s.to}, predicted ${p.to.join(' or ')} (${p.why})`);
    }
  }
  const status: VerdictStatus = differences.length ? 'failed' : 'passed';
  const evidence: FailoversEvidence = {
    predicted: predicted.map((p) => ({ ...p, to: [...p.to] })),
    seen: seen.map(({ from, to, decidedT }) => ({ from, to, decidedT })),
    differences,
  };
  return { id: CHECK_IDS.failovers, check: 'failovers as the config allows', status, summary: summary(evidence), evidence };
}

// Stryker disable all: prose for the report; the tests pin status and evidence.
function summary(e: FailoversEvidence): string {
  if (e.differences.length) return `unexpected failovers: ${e.differences.join('; ')}`;
  if (!e.seen.length) return 'no failover, as predicted';
  return `as predicted: ${e.seen.map((s, i) => `${s.from} → ${s.to} (${e.predicted[i]!.why})`).join(', then ')}`;
}
// Stryker restore all

/** The failovers check's evidence in one line for the report. */
export function describeFailoversEvidence(e: FailoversEvidence): string {
  const seen = e.seen.map((s) => `${s.from} → ${s.to}`).join(', ') || 'none';
  const predicted = e.predicted.map((p) => `${p.from} → ${p.to.join('|')}`).join(', ') || 'none';
  return `made: ${seen}; predicted: ${predicted}${e.differences.length ? `; ${e.differences.length} difference(s)` : ''}`;
}
