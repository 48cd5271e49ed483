import type { Batch, PresentBatch } from '../load/history.ts';
import type { Verdict } from './verdict.ts';

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
  /** Batches present only in part: ledger and rows disagree (first 100). Atomicity says none. */
  partial: string[];
}


/**
 * No acknowledged commit lost: every acked `(client, seq)` is on the node, nothing is there
 * that was neither acked nor of unknown outcome, and every batch present is whole.
 */
export function checkNoAckedLost(node: string, batches: readonly Batch[], present: readonly PresentBatch[]): Verdict<LostWritesEvidence> {
  const key = (b: { client: number; seq: number }) => `${b.client}:${b.seq}`;
  const here = new Map(present.map((p) => [key(p), p]));
  const acked = batches.filter((b) => b.outcome === 'acked');
  const unknown = batches.filter((b) => b.outcome === 'unknown');
  const allowed = new Set([...acked, ...unknown].map(key));
  const lost = acked.filter((b) => !here.has(key(b))).map(key);
  const unexpected = present.filter((p) => !allowed.has(key(p))).map(key);
  const partial = present.filter((p) => p.ledgerRows === null || p.rows === null || p.ledgerRows !== p.rows).map(key);
  const ok = lost.length === 0 && unexpected.length === 0 && partial.length === 0;
  return {
    check: 'no acknowledged commit lost',
    status: ok ? 'passed' : 'failed',
    summary:
      `${node}: ${acked.length} acked batches, ${lost.length} lost; ${unknown.length} unknown (${unknown.filter((b) => here.has(key(b))).length} committed); ` +
      `${unexpected.length} unexpected, ${partial.length} partial`,
    evidence: {
      node,
      ackedBatches: acked.length,
      lostAcked: lost.length,
      lost: lost.slice(0, 100),
      unknownOutcome: unknown.length,
      unknownPresent: unknown.filter((b) => here.has(key(b))).length,
      unexpected: unexpected.slice(0, 100),
      partial: partial.slice(0, 100),
    },
  };
}
