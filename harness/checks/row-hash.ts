import type { Lsn } from '../lsn.ts';
import type { PgNode } from '../pg-node.ts';
import { LEDGER_TABLE, ROWS_TABLE } from '../writer.ts';
import type { Verdict } from './verdict.ts';

/** One node's contents: row counts and order-independent hashes of the writer's tables. */
export interface NodeHash {
  node: string;
  /** The LSN the node had replayed (or, on the primary, written) when it was read. */
  lsn: Lsn | null;
  rows: number;
  rowsHash: string;
  ledgerRows: number;
  ledgerHash: string;
}

/**
 * Reads counts and hashes the seed's way (seed 002: `count(*), sum(hashtext(t.*::text))`:
 * a sum, so row order does not matter; in numeric, so it cannot overflow).
 */
export async function readNodeHash(node: PgNode, lsn: Lsn | null): Promise<NodeHash> {
  const out = await node.safePsql(
    `SELECT (SELECT count(*) || '|' || coalesce(sum(hashtext(t::text)::numeric), 0) FROM ${ROWS_TABLE} t) || '|' ||
            (SELECT count(*) || '|' || coalesce(sum(hashtext(t::text)::numeric), 0) FROM ${LEDGER_TABLE} t)`,
  );
  const [rows, rowsHash, ledgerRows, ledgerHash] = out.split('|');
  return { node: node.name, lsn, rows: Number(rows), rowsHash: rowsHash!, ledgerRows: Number(ledgerRows), ledgerHash: ledgerHash! };
}

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
    ok,
    summary: nodes.map((n) => `${n.node}: ${n.rows} rows, hash ${n.rowsHash}`).join('; ') + (ok ? '' : ` — ${distinct} different`),
    evidence: { nodes: [...nodes], distinct },
  };
}
