import type { NodeHash } from '../load/history.ts';
import type { Verdict } from './verdict.ts';

export interface RowHashEvidence {
  nodes: NodeHash[];
  /** Distinct `rows|rowsHash|ledgerRows|ledgerHash` values: 1 when consistent. */
  distinct: number;
}

/** Row-hash consistency: every node has the same counts and hashes (and there are at least two nodes to compare). */
export function checkRowHashes(nodes: readonly NodeHash[]): Verdict<RowHashEvidence> {
  const sig = (n: NodeHash) => `${n.rows}|${n.rowsHash}|${n.ledgerRows}|${n.ledgerHash}`;
  const distinct = new Set(nodes.map(sig)).size;
  const ok = nodes.length >= 2 && distinct === 1;
  return {
    check: 'row hashes agree',
    status: ok ? 'passed' : 'failed',
    summary: nodes.map((n) => `${n.node}: ${n.rows} rows, hash ${n.rowsHash}`).join('; ') + (ok ? '' : ` — ${distinct} different`),
    evidence: { nodes: [...nodes], distinct },
  };
}
