import { fmtCount } from './format.ts';
import type { Batch, PresentBatch } from '../history/samples.ts';
import { CHECK_IDS, type Verdict } from './verdict.ts';

export interface LostWritesEvidence {
  node: string;
  ackedBatches: number;
  lostAcked: number;
  /** `client:seq` of acknowledged batches missing on the node (first 100). */
  lost: string[];
  unknownOutcome: number;
  /** Unknown-outcome batches that turned out committed. */
  unknownPresent: number;
  /** Batches on the node that were neither acknowledged nor unknown (first 100): phantom or failed-yet-committed. */
  unexpected: string[];
  /**
   * What the client was told for the unexpected batches it ran (failed, yet committed), by error
   * text, most frequent first: e.g. a proxy's FATAL for a COMMIT the primary made. Absent when none.
   */
  unexpectedErrors?: Array<{ error: string; batches: number }>;
  /** Batches present only in part: ledger and rows disagree (first 100). Atomicity says none. */
  partial: string[];
}

/**
 * No acknowledged commit lost: every acked `(client, seq)` is on the node, nothing is there
 * that was neither acked nor of unknown outcome, and every batch present is whole.
 *
 * `failed` on any lost, unexpected or partial batch; otherwise `unknown` when no batch was
 * acknowledged (nothing could be lost, so "none lost" proves nothing); otherwise `passed`.
 */
export function checkNoAckedLost(node: string, batches: readonly Batch[], present: readonly PresentBatch[]): Verdict<LostWritesEvidence> {
  const key = (b: { client: number; seq: number }) => `${b.client}:${b.seq}`;
  const here = new Map(present.map((p) => [key(p), p]));
  const acked = batches.filter((b) => b.outcome === 'acked');
  const unknown = batches.filter((b) => b.outcome === 'unknown');
  const allowed = new Set([...acked, ...unknown].map(key));
  const lost = acked.filter((b) => !here.has(key(b))).map(key);
  const unexpected = present.filter((p) => !allowed.has(key(p))).map(key);
  const told = new Map<string, number>();
  const failedByKey = new Map(batches.filter((b) => b.outcome === 'failed').map((b) => [key(b), b]));
  for (const k of unexpected) {
    const error = failedByKey.get(k)?.error;
    if (error !== undefined) told.set(error, (told.get(error) ?? 0) + 1);
  }
  const unexpectedErrors = [...told].map(([error, n]) => ({ error, batches: n })).sort((a, b) => b.batches - a.batches);
  // Whole means the ledger's nrows equals the rows counted. A batch with rows but no ledger row
  // (or the reverse) has exactly one side null and differs; with both null nothing of it is there.
  const partial = present.filter((p) => p.rows === null || p.ledgerRows !== p.rows).map(key);
  const unknownPresent = unknown.filter((b) => here.has(key(b))).length;
  const ok = lost.length === 0 && unexpected.length === 0 && partial.length === 0;
  const evidence = {
    node,
    ackedBatches: acked.length,
    lostAcked: lost.length,
    lost: lost.slice(0, 100),
    unknownOutcome: unknown.length,
    unknownPresent,
    unexpected: unexpected.slice(0, 100),
    ...(unexpectedErrors.length ? { unexpectedErrors: unexpectedErrors.slice(0, 10) } : {}),
    partial: partial.slice(0, 100),
  };
  return {
    id: CHECK_IDS.noAckedLost,
    check: 'no acknowledged commit lost',
    status: !ok ? 'failed' : acked.length === 0 ? 'unknown' : 'passed',
    summary: summary(evidence, unexpected.length, partial.length),
    evidence,
  };
}

// Stryker disable all: prose for the report; the tests pin status and evidence, and the phrase
// that names the missing evidence.
function summary(e: LostWritesEvidence, unexpected: number, partial: number): string {
  const counts =
    `${e.node}: ${e.ackedBatches} acked batches, ${e.lostAcked} lost; ${e.unknownOutcome} unknown (${e.unknownPresent} committed); ` +
    `${unexpected} unexpected${e.unexpectedErrors?.length ? ` (the client was told "${e.unexpectedErrors[0]!.error}")` : ''}, ${partial} partial`;
  return e.ackedBatches === 0 && unexpected === 0 && partial === 0
    ? `not enough evidence: no acknowledged batch to lose — ${counts}`
    : counts;
}
// Stryker restore all

/** The lost-write check's evidence in one line for the report. */
export function describeLostWritesEvidence(e: LostWritesEvidence): string {
  const lost = e.lost.length ? ` (${e.lost.slice(0, 8).join(', ')}${e.lost.length > 8 ? ', …' : ''})` : '';
  return `on ${e.node}: ${fmtCount(e.ackedBatches)} acknowledged, ${fmtCount(e.lostAcked)} lost${lost}; ${fmtCount(e.unknownOutcome)} unknown outcome, ${fmtCount(e.unknownPresent)} of them committed; ${e.unexpected.length} unexpected${e.unexpectedErrors?.length ? ` (told "${e.unexpectedErrors[0]!.error}")` : ''}, ${e.partial.length} partial`;
}
