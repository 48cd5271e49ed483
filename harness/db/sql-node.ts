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
  /**
   * A proxy's only (absent on a node itself, which acknowledges its own commits): the node behind
   * the proxy that the connected client `c` reached, by name. A TCP connection through a proxy
   * (HAProxy) reaches one server for its whole life, so the writer asks once per connection and
   * the ledger names the server that acknowledged each batch, not the proxy: otherwise every
   * commit names `haproxy`, and the one-primary check (checks/split-brain.ts) could not fail.
   * @throws Error when the server does not answer (the connection is then unusable).
   */
  backendOf?(c: pg.Client): Promise<string>;
}

/**
 * The server's own address on the connection, as its host answers it: `inet_server_addr()`
 * (functions-info.html: "the IP address on which the server accepted the current connection"), the
 * node's address on the cluster network even when a proxy or Docker's port publishing relayed it.
 */
export const SERVER_ADDRESS_SQL = 'SELECT host(inet_server_addr()) AS address';

/**
 * The node's timeline ID, as a primary writes on it or a standby receives it: a primary's from
 * the WAL file name of its current LSN (pg_walfile_name names files by the current timeline,
 * functions-admin.html), a standby's from its WAL receiver, else its last checkpoint's.
 */
export const TIMELINE_SQL = `SELECT CASE WHEN pg_is_in_recovery()
  THEN coalesce((SELECT received_tli FROM pg_stat_wal_receiver), (SELECT timeline_id FROM pg_control_checkpoint()))
  ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END`;

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

/**
 * Names the server behind a proxy that a connection reached, from the server's address on it
 * (`SERVER_ADDRESS_SQL`): `nodeAt(address)` (the manager's map of its nodes' addresses), else
 * `<proxy>→<address>` (still one name per server, so two servers never share one). Cancelled
 * after `timeoutMs`. @throws Error when the server does not answer.
 */
export async function backendName(
  proxy: string,
  c: pg.Client,
  nodeAt: (address: string) => Promise<string | undefined>,
  timeoutMs = 5000,
): Promise<string> {
  const r = await c.query<{ address: string | null }>({ text: SERVER_ADDRESS_SQL, query_timeout: timeoutMs } as pg.QueryConfig);
  const address = r.rows[0]?.address ?? null;
  if (address === null) return `${proxy}→local`;
  return (await nodeAt(address)) ?? `${proxy}→${address}`;
}

/**
 * A server reached over TCP at `config` (host, port, user, password, database); see `SqlNode`.
 * With `nodeAt` it is a proxy: `backendOf` names the node behind it a connection reached (`backendName`).
 */
/**
 * A node-postgres client (not yet connected) to `config` that cannot hang or crash the harness:
 * connect and query timeouts in ms, TCP keepalives, and an `error` listener, without which Node
 * exits when the server dies under an idle client (the failure then surfaces as the pending
 * call's rejection).
 */
export function guardedClient(
  config: pg.ClientConfig,
  applicationName: string,
  t: { connectTimeoutMs: number; queryTimeoutMs: number },
): pg.Client {
  const c = new pg.Client({
    ...config,
    application_name: applicationName,
    connectionTimeoutMillis: t.connectTimeoutMs,
    query_timeout: t.queryTimeoutMs,
    keepAlive: true,
  });
  c.on('error', () => {});
  return c;
}

export class TcpNode implements SqlNode {
  readonly backendOf?: (c: pg.Client) => Promise<string>;

  constructor(
    readonly name: string,
    private readonly config: () => pg.ClientConfig,
    nodeAt?: (address: string) => Promise<string | undefined>,
  ) {
    if (nodeAt) this.backendOf = (c) => backendName(name, c, nodeAt);
  }

  client(applicationName: string, t: { connectTimeoutMs: number; queryTimeoutMs: number }): pg.Client {
    return guardedClient(this.config(), applicationName, t);
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
