/**
 * Stuck (issue 18 §4): after the last heal the cluster must take writes again within the recovery
 * window, whoever makes the moves. A failed verdict carries the manager's own view of the cluster
 * as it was recorded at each fault and move (`patronictl list`, `pg_autoctl show state`, …), so a
 * stuck run says what the manager believed while it did nothing. Pure.
 */
import type { Batch } from '../history/samples.ts';
import { fmtSeconds } from './format.ts';
import { CHECK_IDS, type Verdict } from './verdict.ts';

/** The manager's view of the cluster as recorded at `t` (ms on the scenario clock), in its own words. */
export interface ManagerView {
  t: number;
  /** What it was recorded at, e.g. `fault crash-host-silent primary`, `heal …`, `switchover`. */
  at: string;
  /** The manager's own listing, e.g. `patronictl list` or Patroni's `/cluster` in one line. */
  view: string;
}

export interface StuckEvidence {
  /** When the last heal began, ms. */
  lastHealT: number;
  /** The recovery window, ms. */
  recoveryMs: number;
  /** End of the first batch acknowledged after `lastHealT`, ms; null when none was. */
  firstAckT: number | null;
  /** `firstAckT - lastHealT`, ms; null when no batch was acknowledged after the heal. */
  msToWritable: number | null;
  /** When the writer stopped trying, ms (its attempts to connect count: a ledger records only batches sent). */
  writerStoppedT: number;
  /** The manager's views from the last one at or before the heal on, the last 10. */
  views: ManagerView[];
}

/**
 * The cluster is not stuck: a batch was acknowledged within `recoveryMs` after `lastHealT`.
 * Failed when none was and the writer kept trying past the window; unknown when the writer
 * stopped before the window ended (it cannot tell).
 * @param batches the writer's ledger (any order).
 * @param o.lastHealT when the last heal began, ms; o.recoveryMs the window, ms; o.writerStoppedT
 *   when the writer stopped trying, ms; o.views the manager's recorded views.
 */
export function checkNotStuck(
  batches: readonly Batch[],
  o: { lastHealT: number; recoveryMs: number; writerStoppedT: number; views?: readonly ManagerView[] },
): Verdict<StuckEvidence> {
  const after = batches.filter((b) => b.outcome === 'acked' && b.endT > o.lastHealT);
  const firstAckT = after.length ? Math.min(...after.map((b) => b.endT)) : null;
  const views = [...(o.views ?? [])].sort((a, b) => a.t - b.t);
  const from = views.findLastIndex((v) => v.t <= o.lastHealT);
  const evidence: StuckEvidence = {
    lastHealT: o.lastHealT,
    recoveryMs: o.recoveryMs,
    firstAckT,
    msToWritable: firstAckT === null ? null : firstAckT - o.lastHealT,
    writerStoppedT: o.writerStoppedT,
    views: views.slice(Math.max(0, from)).slice(-10),
  };
  const deadline = o.lastHealT + o.recoveryMs;
  const status = firstAckT !== null && firstAckT <= deadline ? 'passed' : o.writerStoppedT >= deadline ? 'failed' : 'unknown';
  return { id: CHECK_IDS.notStuck, check: 'writes come back after the last heal', status, summary: summary(status, evidence), evidence };
}

function summary(status: string, e: StuckEvidence): string {
  const window = fmtSeconds(e.recoveryMs);
  if (status === 'passed') return `writable ${fmtSeconds(e.msToWritable!)} after the last heal (window ${window})`;
  if (status === 'unknown') return `not enough evidence: the writer stopped before the ${window} window after the last heal ended`;
  const last = e.views.at(-1);
  const late = e.msToWritable === null ? 'no commit after the last heal' : `the first commit ${fmtSeconds(e.msToWritable)} after it`;
  return `stuck: ${late} (window ${window})${last ? `; the manager's last view (${last.at}): ${last.view}` : ''}`;
}

/** The stuck check's evidence in one line for the report. */
export function describeStuckEvidence(e: StuckEvidence): string {
  const views = e.views.map((v) => `${v.at}: ${v.view}`).join(' | ');
  return `${e.msToWritable === null ? 'no commit' : `first commit ${fmtSeconds(e.msToWritable)}`} after the last heal; window ${fmtSeconds(e.recoveryMs)}${views ? `; manager: ${views}` : ''}`;
}
