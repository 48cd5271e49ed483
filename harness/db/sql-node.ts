/**
 * What the load and the readings need of a server: a client that cannot hang the harness, and a
 * query whose output reads like `psql -XAtq`. A `PgNode` (a node pgchaos runs itself) is one; a
 * `TcpNode` is one for a server pgchaos reaches only over TCP: a node an HA manager runs, or the
 * proxy (HAProxy, pgpool) its clients connect through.
 */
import pg from 'pg';

export interface SqlNode {
  /** The node's name (`pg0`, `s1`), or the proxy's (`haproxy`): what the ledger records a commit against. */
  readonly name: string;
  /**
   * A node-postgres client, not yet connected, with connect and query timeouts in ms and an
   * `error` listener (without which Node exits when the server dies under an idle client).
   */
  client(applicationName: string, t: { connectTimeoutMs: number; queryTimeoutMs: number }): pg.Client;
  /**
   * Runs `sql` (one or more statements) and returns its rows as `psql -XAtq` prints them: fields
   * joined by `|`, rows by newlines, NULL as the empty string, trimmed. The query is cancelled
   * after `o.timeoutMs` (default 60 000). @throws Error with the server's message.
   */
  safePsql(sql: string, o?: { timeoutMs?: number }): Promise<string>;
}

/** Every column as the server's text, as psql prints it (no parsing into numbers, dates or booleans). */
const AS_TEXT = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

/** Rows of one or more results as `psql -XAtq` prints them. Pure. */
export function psqlText(results: pg.QueryArrayResult | pg.QueryArrayResult[]): string {
  const all = Array.isArray(results) ? results : [results];
  return all
    .flatMap((r) => r.rows ?? [])
    .map((row) => row.map((v) => (v === null ? '' : String(v))).join('|'))
    .join('\n')
    .trim();
}

/** A server reached over TCP at `config` (host, port, user, password, database); see `SqlNode`. */
export class TcpNode implements SqlNode {
  constructor(
    readonly name: string,
    private readonly config: () => pg.ClientConfig,
  ) {}

  client(applicationName: string, t: { connectTimeoutMs: number; queryTimeoutMs: number }): pg.Client {
    const c = new pg.Client({
      ...this.config(),
      application_name: applicationName,
      connectionTimeoutMillis: t.connectTimeoutMs,
      query_timeout: t.queryTimeoutMs,
      keepAlive: true,
    });
    c.on('error', () => {});
    return c;
  }

  async safePsql(sql: string, o: { timeoutMs?: number } = {}): Promise<string> {
    const timeoutMs = o.timeoutMs ?? 60_000;
    const c = this.client('pgchaos-harness', { connectTimeoutMs: Math.min(timeoutMs, 5000), queryTimeoutMs: timeoutMs });
    try {
      await c.connect();
      const r = (await c.query({ text: sql, rowMode: 'array', types: AS_TEXT })) as unknown as pg.QueryArrayResult | pg.QueryArrayResult[];
      return psqlText(r);
    } finally {
      await c.end().catch(() => {});
    }
  }
}
