/**
 * No acknowledged write lost where the config and the operator promise it: the loss measured by
 * checkNoAckedLost (lost-writes.ts) judged against what durabilityPromise (model/durability.ts)
 * says the config survives. Loss the promise does not cover (an async config, or more nodes down
 * at once than it survives) is measured and reported, not failed: PostgreSQL never promised it.
 *
 * Commits a deposed primary acknowledged after a promotion (readings/deposed-acks.ts) are judged
 * apart: the nodes out at a promotion say nothing about them. A synchronous config promises them
 * as any other (each was confirmed by a standby), on the one condition a manager must keep: one
 * primary at a time. So their loss fails wherever the config survives a failure at all.
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
  /**
   * Of `lost`'s batches, those a deposed primary acknowledged after a promotion, as `client:seq`
   * (first 100); [] when none, or when the caller read no failovers. Records written before
   * 2026-12-07 lack it (describePromisedLossEvidence reads it as []).
   */
  lostAfterPromotion: string[];
  /** The promise covers the deposed primary's commits (`survivesFailures` ≥ 1, not vacuous). */
  deposedPromised: boolean;
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
 * - whatever the failures: `failed` on any batch of `o.lostAfterPromotion` where the promise
 *   covers a deposed primary's commits (`survivesFailures` ≥ 1, not vacuous). A config that states
 *   a loss bound instead promises no failure (`survivesFailures` 0: Patroni's async mode), and
 *   its bound counts what the old primary wrote in its last `ttl` (checks/loss-bound.ts).
 * Phantom, failed-yet-committed and partial batches are checkNoAckedLost's to fail, not this check's.
 * @param lost checkNoAckedLost's evidence for the node the history ended on (or the same three counts).
 * @param failuresAtOnce most nodes (the primary counted) down at the same time in the history; an integer ≥ 0.
 * @param o.hostCrashed any failure was a crash of a node's host or OS (crash-host-*), not only of PostgreSQL: remote_write
 *   (holdsOn 'write') does not survive that (runtime-config-wal.html, synchronous_commit). Default false.
 * @param o.lostAfterPromotion the lost batches (`client:seq`, a subset of the lost ones) that a node other
 *   than the promoted primary acknowledged after the promotion (readings/deposed-acks.ts). Default [].
 * @throws RangeError when failuresAtOnce is not an integer ≥ 0, or when `o.lostAfterPromotion` holds more
 *   batches than were lost (a harness bug, not evidence).
 */
export function checkLossAgainstPromise(
  lost: LossMeasured,
  promise: DurabilityPromise,
  failuresAtOnce: number,
  o: { hostCrashed?: boolean; lostAfterPromotion?: readonly string[] } = {},
): Verdict<PromisedLossEvidence> {
  if (!Number.isInteger(failuresAtOnce) || failuresAtOnce < 0)
    throw new RangeError(`failuresAtOnce must be an integer ≥ 0, got ${failuresAtOnce}`);
  const lostAfterPromotion = o.lostAfterPromotion ?? [];
  if (lostAfterPromotion.length > lost.lostAcked)
    throw new RangeError(
      `${lostAfterPromotion.length} deposed primary's batches lost, but only ${lost.lostAcked} acknowledged batches were`,
    );
  const hostCrashed = o.hostCrashed ?? false;
  const notCovered = uncovered(promise, failuresAtOnce, hostCrashed);
  const promised = notCovered === null;
  const deposedPromised = promise.survivesFailures >= 1 && !promise.vacuous;
  const failed = (promised && lost.lostAcked > 0) || (deposedPromised && lostAfterPromotion.length > 0);
  const status: VerdictStatus = lost.ackedBatches === 0 ? 'unknown' : failed ? 'failed' : 'passed';
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
    lostAfterPromotion: lostAfterPromotion.slice(0, 100),
    deposedPromised,
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
  if (status === 'failed' && !e.promised)
    return `${e.lostAfterPromotion.length} of ${e.ackedBatches} acknowledged batches lost that a deposed primary acknowledged after a promotion: ${e.lostAfterPromotion.slice(0, 5).join(', ')}; a second primary took them, and the config promises them under one primary at a time (the ${e.lostAcked - e.lostAfterPromotion.length} other lost: ${e.why})`;
  if (!e.promised) return `not promised: ${e.lostAcked} acknowledged batches lost (measured) of ${e.ackedBatches}; ${e.why}`;
  if (status === 'failed')
    return `${e.lostAcked} of ${e.ackedBatches} acknowledged batches lost where the config promises none (${seen}${e.lostAfterPromotion.length ? `; ${e.lostAfterPromotion.length} of them acknowledged by a deposed primary after a promotion` : ''}): ${e.lost.slice(0, 5).join(', ')}; ${e.why}`;
  return `none of ${e.ackedBatches} acknowledged batches lost, as promised (${seen})`;
}
// Stryker restore all

/** The promised-loss check's evidence in one line for the report. */
export function describePromisedLossEvidence(e: PromisedLossEvidence): string {
  const lost = e.lost.length ? ` (${e.lost.slice(0, 8).join(', ')}${e.lost.length > 8 ? ', …' : ''})` : '';
  const promise = e.vacuous ? 'a vacuous promise' : `the config survives ${e.survivesFailures}`;
  const deposed = e.lostAfterPromotion?.length ? ` (${fmtCount(e.lostAfterPromotion.length)} acknowledged by a deposed primary)` : '';
  return `${fmtCount(e.ackedBatches)} acknowledged, ${fmtCount(e.lostAcked)} lost${lost}${deposed}; ${e.failuresAtOnce} node(s) out at once against ${promise}${e.hostCrashed ? '; a host crashed' : ''}; ${e.promised ? 'promised' : 'not promised'}`;
}
