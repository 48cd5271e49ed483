/**
 * No acknowledged write lost where the config and the operator promise it: the loss measured by
 * checkNoAckedLost (lost-writes.ts) judged against what durabilityPromise (model/durability.ts)
 * says the config survives. Loss the promise does not cover (an async config, or more nodes down
 * at once than it survives) is measured and reported, not failed: PostgreSQL never promised it.
 */
import { fmtCount } from './format.ts';
import type { DurabilityPromise } from '../model/durability.ts';
import type { LostWritesEvidence } from './lost-writes.ts';
import { CHECK_IDS, type Verdict, type VerdictStatus } from './verdict.ts';

/** What the loss check needs of checkNoAckedLost's evidence (the whole LostWritesEvidence will do). */
export type LossMeasured = Pick<LostWritesEvidence, 'ackedBatches' | 'lostAcked' | 'lost'>;

export interface PromisedLossEvidence {
  ackedBatches: number;
  lostAcked: number;
  /** `client:seq` of the acknowledged batches lost, as given (checkNoAckedLost lists the first 100). */
  lost: string[];
  /** Most nodes down at the same time in the history. */
  failuresAtOnce: number;
  /** A node's host (operating system) crashed: under remote_write the promise does not cover it. */
  hostCrashed: boolean;
  survivesFailures: number;
  confirmations: number;
  holdsOn: DurabilityPromise['holdsOn'];
  /** The promise is vacuous: commits wait forever under this config (DurabilityPromise.vacuous). */
  vacuous: boolean;
  /** The promise covers the failures seen: then any loss fails the check. */
  promised: boolean;
  /** The promise's sentence, and when it does not cover the failures, why not. */
  why: string;
}

/**
 * No acknowledged batch lost when the promise covers the failures seen:
 * - `unknown` when no batch was acknowledged (nothing could be lost);
 * - promised (failuresAtOnce ≤ promise.survivesFailures, and not a host crash under remote_write):
 *   `failed` on any acknowledged batch lost, else `passed`;
 * - not promised: `passed`, with the loss measured in the evidence and the summary
 *   ("not promised: N acknowledged batches lost (measured)").
 * Phantom, failed-yet-committed and partial batches are checkNoAckedLost's to fail, not this check's.
 * @param lost checkNoAckedLost's evidence for the node the history ended on (or the same three counts).
 * @param failuresAtOnce most nodes (the primary counted) down at the same time in the history; an integer ≥ 0.
 * @param o.hostCrashed any failure was a crash of a node's host or OS (crash-host-*), not only of PostgreSQL: remote_write
 *   (holdsOn 'write') does not survive that (runtime-config-wal.html, synchronous_commit). Default false.
 * @throws RangeError when failuresAtOnce is not an integer ≥ 0 (a harness bug, not evidence).
 */
export function checkLossAgainstPromise(
  lost: LossMeasured,
  promise: DurabilityPromise,
  failuresAtOnce: number,
  o: { hostCrashed?: boolean } = {},
): Verdict<PromisedLossEvidence> {
  if (!Number.isInteger(failuresAtOnce) || failuresAtOnce < 0)
    throw new RangeError(`failuresAtOnce must be an integer ≥ 0, got ${failuresAtOnce}`);
  const hostCrashed = o.hostCrashed ?? false;
  const notCovered = uncovered(promise, failuresAtOnce, hostCrashed);
  const promised = notCovered === null;
  const status: VerdictStatus = lost.ackedBatches === 0 ? 'unknown' : promised && lost.lostAcked > 0 ? 'failed' : 'passed';
  const evidence: PromisedLossEvidence = {
    ackedBatches: lost.ackedBatches,
    lostAcked: lost.lostAcked,
    lost: lost.lost,
    failuresAtOnce,
    hostCrashed,
    survivesFailures: promise.survivesFailures,
    confirmations: promise.confirmations,
    holdsOn: promise.holdsOn,
    vacuous: promise.vacuous,
    promised,
    why: notCovered === null ? promise.why : `${notCovered}: ${promise.why}`,
  };
  return {
    id: CHECK_IDS.promisedLoss,
    check: 'no promised acknowledged commit lost',
    status,
    summary: summary(evidence, status),
    evidence,
  };
}

/** Why the promise does not cover the failures seen, or null when it does. */
function uncovered(promise: DurabilityPromise, failuresAtOnce: number, hostCrashed: boolean): string | null {
  if (failuresAtOnce > promise.survivesFailures) {
    return `${failuresAtOnce} node${failuresAtOnce === 1 ? ' was' : 's were'} down at once, more than the ${promise.survivesFailures} the config survives`;
  }
  if (hostCrashed && promise.holdsOn === 'write') return 'a host crashed, and remote_write does not survive an operating-system crash';
  return null;
}

// Stryker disable all: prose for the report; the tests pin status and evidence, and the phrases
// that name the missing evidence.
function summary(e: PromisedLossEvidence, status: VerdictStatus): string {
  const seen = `${e.failuresAtOnce} node(s) down at once, config survives ${e.survivesFailures}`;
  if (status === 'unknown') return `not enough evidence: no acknowledged batch to lose (${seen})`;
  if (!e.promised) return `not promised: ${e.lostAcked} acknowledged batches lost (measured) of ${e.ackedBatches}; ${e.why}`;
  if (status === 'failed')
    return `${e.lostAcked} of ${e.ackedBatches} acknowledged batches lost where the config promises none (${seen}): ${e.lost.slice(0, 5).join(', ')}; ${e.why}`;
  return `none of ${e.ackedBatches} acknowledged batches lost, as promised (${seen})`;
}
// Stryker restore all

/** The promised-loss check's evidence in one line for the report. */
export function describePromisedLossEvidence(e: PromisedLossEvidence): string {
  const lost = e.lost.length ? ` (${e.lost.slice(0, 8).join(', ')}${e.lost.length > 8 ? ', …' : ''})` : '';
  const promise = e.vacuous ? 'a vacuous promise' : `the config survives ${e.survivesFailures}`;
  return `${fmtCount(e.ackedBatches)} acknowledged, ${fmtCount(e.lostAcked)} lost${lost}; ${e.failuresAtOnce} node(s) out at once against ${promise}${e.hostCrashed ? '; a host crashed' : ''}; ${e.promised ? 'promised' : 'not promised'}`;
}
