import type { NodeHash } from '../history/samples.ts';
import { CHECK_IDS, type Verdict, type VerdictStatus } from './verdict.ts';

export interface RowHashEvidence {
  nodes: NodeHash[];
  /** Distinct `rows|rowsHash|ledgerRows|ledgerHash` values: 1 when consistent. */
  distinct: number;
}

/**
 * Row-hash consistency: every node has the same counts and hashes.
 *
 * `unknown` when nothing was compared: fewer than two nodes, or nodes that agree on holding no
 * rows at all (empty tables hash alike whatever replication did). Nodes that differ are
 * `failed` even if one of them is empty.
 */
export function checkRowHashes(nodes: readonly NodeHash[]): Verdict<RowHashEvidence> {
  const sig = (n: NodeHash) => `${n.rows}|${n.rowsHash}|${n.ledgerRows}|${n.ledgerHash}`;
  const distinct = new Set(nodes.map(sig)).size;
  // Past the first two tests every node has the same signature, so the first node's row count is everyone's.
  const status: VerdictStatus = nodes.length < 2 ? 'unknown' : distinct > 1 ? 'failed' : nodes[0]!.rows === 0 ? 'unknown' : 'passed';
  return {
    id: CHECK_IDS.rowHashes,
    check: 'row hashes agree',
    status,
    summary: summary(nodes, distinct, status),
    evidence: { nodes: [...nodes], distinct },
  };
}

// Stryker disable all: prose for the report; the tests pin status and evidence, and the phrases
// that name the missing evidence.
function summary(nodes: readonly NodeHash[], distinct: number, status: VerdictStatus): string {
  const each = nodes.map((n) => `${n.node}: ${n.rows} rows, hash ${n.rowsHash}`).join('; ');
  if (nodes.length < 2)
    return `not enough evidence: ${nodes.length === 0 ? 'no node' : 'only one node'} read, nothing to compare${each ? ` (${each})` : ''}`;
  if (status === 'unknown') return `not enough evidence: every node has 0 rows, so nothing was compared (${each})`;
  return each + (status === 'failed' ? ` — ${distinct} different` : '');
}
// Stryker restore all

/** The row-hash check's evidence in one line for the report. */
export function describeRowHashEvidence(e: RowHashEvidence): string {
  const at = e.nodes[0]?.lsn ? ` at ${e.nodes.map((x) => `${x.node} ${x.lsn ?? '—'}`).join(', ')}` : '';
  return `${e.nodes.length} nodes read${at}; ${e.distinct} distinct (rows, hash)`;
}
