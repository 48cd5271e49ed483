/**
 * The workload's SQL: the tables the writer fills, its batch statement, and the final reads
 * of what each node holds (the batches present, the write-up's row hashes).
 */
import type { SqlNode } from '../db/sql-node.ts';
import type { Lsn } from '../lsn.ts';
import type { NodeHash, PresentBatch } from '../history/samples.ts';

/** Table of the rows the writer inserts, `batchRows` per batch. */
export const ROWS_TABLE = 'pgchaos_rows';
/** One row per batch, `(client, seq)`, committed in the same transaction as the batch's rows. */
export const LEDGER_TABLE = 'pgchaos_ledger';

/**
 * One batch: a single statement (so one transaction and one round trip, like the write-up's
 * `select dyn_pre(:id)`) that writes the ledger row and `batchRows` rows, and returns:
 * - the timeline the primary writes on: the first 8 hex digits of the WAL file name of its insert
 *   position (pg_walfile_name names files by the current timeline, functions-admin.html). Two
 *   nodes acknowledging on different timelines at the same time are two primaries (split brain);
 * - the insert LSN after the batch's rows and ledger row, before its commit record, so a loss can
 *   be measured in bytes of WAL against a bound stated in bytes (Patroni's
 *   `maximum_lag_on_failover`, checks/loss-bound.ts). The main query reads both inserts (a
 *   data-modifying WITH that nothing reads runs only after the main query, queries-with.html), so
 *   its target list is computed once they are done.
 * $1 client, $2 seq, $3 batchRows.
 */
export const BATCH_SQL = `WITH ledger AS (INSERT INTO ${LEDGER_TABLE} (client, seq, nrows) VALUES ($1, $2, $3) RETURNING 1),
rows AS (INSERT INTO ${ROWS_TABLE} (client, seq, n, payload)
SELECT $1, $2, g, md5(($2::bigint * 100003 + g)::text) FROM generate_series(1, $3) g RETURNING 1)
SELECT ('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::int AS timeline,
pg_current_wal_insert_lsn()::text AS lsn
FROM (SELECT count(*) FROM ledger) l, (SELECT count(*) FROM rows) r`;

export const SCHEMA_SQL = `CREATE TABLE IF NOT EXISTS ${ROWS_TABLE} (client int NOT NULL, seq bigint NOT NULL, n int NOT NULL, payload text NOT NULL);
CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (client int NOT NULL, seq bigint NOT NULL, nrows int NOT NULL, PRIMARY KEY (client, seq))`;

/**
 * Reads every batch on `node`: ledger rows joined with the per-batch row counts of the rows
 * table (a full join, so rows without a ledger row show up too).
 */
export async function readPresentBatches(node: SqlNode): Promise<PresentBatch[]> {
  const out = await node.safePsql(
    `SELECT coalesce(l.client, r.client), coalesce(l.seq, r.seq), coalesce(l.nrows::text, ''), coalesce(r.n::text, '')
     FROM ${LEDGER_TABLE} l FULL JOIN (SELECT client, seq, count(*) AS n FROM ${ROWS_TABLE} GROUP BY client, seq) r
     ON l.client = r.client AND l.seq = r.seq`,
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [c, s, l, r] = line.split('|');
      return { client: Number(c), seq: Number(s), ledgerRows: l ? Number(l) : null, rows: r ? Number(r) : null };
    });
}

/**
 * Reads counts and hashes the write-up's way (write-up 002: `count(*), sum(hashtext(t.*::text))`:
 * a sum, so row order does not matter; in numeric, so it cannot overflow).
 */
export async function readNodeHash(node: SqlNode, lsn: Lsn | null): Promise<NodeHash> {
  const out = await node.safePsql(
    `SELECT (SELECT count(*) || '|' || coalesce(sum(hashtext(t::text)::numeric), 0) FROM ${ROWS_TABLE} t) || '|' ||
            (SELECT count(*) || '|' || coalesce(sum(hashtext(t::text)::numeric), 0) FROM ${LEDGER_TABLE} t)`,
  );
  const [rows, rowsHash, ledgerRows, ledgerHash] = out.split('|');
  return { node: node.name, lsn, rows: Number(rows), rowsHash: rowsHash!, ledgerRows: Number(ledgerRows), ledgerHash: ledgerHash! };
}
