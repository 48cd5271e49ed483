import { fmtSeconds } from './format.ts';
import type { SyncTransition } from '../history/samples.ts';
import { CHECK_IDS, type Verdict, type VerdictStatus } from './verdict.ts';

/** An expected step: `state/sync_state` as pg_stat_replication shows them, e.g. `catchup/potential`; or `absent`, `primary`. */
export type SyncStep = string;

export interface SyncSequenceEvidence {
  standby: string;
  expected: SyncStep[];
  /** What the observer saw, collapsed to changes, with times (ms on the scenario clock). */
  observed: Array<{ t: number; step: SyncStep }>;
  /** Index into `observed` of each expected step matched, in order. */
  matched: number[];
}

/** `streaming/quorum`; `absent` for a standby with no walsender; `primary` for the node sampled as primary. */
export function stepOf(t: SyncTransition): SyncStep {
  return t.state === 'absent' || t.state === 'primary' ? t.state : `${t.state}/${t.syncState}`;
}

/**
 * A standby goes through the expected (state, sync_state) steps in this order. Other steps
 * may come between them (a 100 ms sampler can see `startup` on the way), but every expected
 * step must be seen, in order: a missed `catchup/potential` fails the check.
 *
 * `unknown` when the observer recorded nothing for the standby (no sample, so no evidence
 * either way), or when no step was expected (nothing to check).
 */
export function checkSyncSequence(
  standby: string,
  transitions: readonly SyncTransition[],
  expected: SyncStep[],
): Verdict<SyncSequenceEvidence> {
  const observed = transitions.map((t) => ({ t: t.t, step: stepOf(t) }));
  const matched: number[] = [];
  let i = 0;
  for (const want of expected) {
    while (i < observed.length && observed[i]!.step !== want) i++;
    if (i === observed.length) break;
    matched.push(i++);
  }
  const status: VerdictStatus =
    observed.length === 0 || expected.length === 0 ? 'unknown' : matched.length === expected.length ? 'passed' : 'failed';
  return {
    id: `${CHECK_IDS.syncSequence}:${standby}`,
    check: `sync_state sequence of ${standby}`,
    status,
    summary: summary(standby, observed, expected, matched, status),
    evidence: { standby, expected, observed, matched },
  };
}

// Stryker disable all: prose for the report; the tests pin status and evidence, and the phrases
// that name the missing evidence.
function summary(
  standby: string,
  observed: Array<{ step: SyncStep }>,
  expected: SyncStep[],
  matched: number[],
  status: VerdictStatus,
): string {
  if (observed.length === 0) return `not enough evidence: no observation of ${standby} (the observer recorded no sample)`;
  const seen = `${standby}: saw ${observed.map((o) => o.step).join(' → ')}`;
  if (expected.length === 0) return `not enough evidence: no expected step given — ${seen}`;
  return status === 'passed' ? seen : `${seen}; missing ${expected[matched.length]} (expected ${expected.join(' → ')})`;
}
// Stryker restore all

/** The sync_state sequence check's evidence in one line for the report. */
export function describeSyncSequenceEvidence(e: SyncSequenceEvidence): string {
  const observed = e.observed.map((o) => `${o.step} (${fmtSeconds(o.t)})`).join(' → ');
  return `expected ${e.expected.join(' → ') || '—'}; observed ${observed || 'nothing'}`;
}
