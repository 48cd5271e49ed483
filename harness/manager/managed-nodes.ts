/**
 * The database nodes of a managed cluster whose PostgreSQL runs in its own container on the
 * cluster network (managed-network.ts `Member`), reached as each manager's docs have a DBA reach
 * them: by name, through the local socket as `postgres`, or through the node's published port.
 * pg_auto_failover's, repmgr's and pgpool-II's clusters share these accessors; Patroni's differs
 * (its superuser and password on both ways in) and keeps its own.
 */
import type pg from 'pg';
import type { Member } from './managed-network.ts';

/** PostgreSQL's port inside every node's container. */
export const PG_PORT = 5432;

/** One walsender of a primary's pg_stat_replication. */
export interface WalSender {
  /** application_name, as the manager sets it on its standbys. */
  name: string;
  state: string;
  syncState: string;
}

/** A standby's receive and replay LSN, null for a node not in recovery. */
export interface Position {
  name: string;
  receiveLsn: string | null;
  replayLsn: string | null;
}

/** The nodes' accessors (see the file's header); a cluster extends it and names its nodes. */
export abstract class ManagedNodes {
  /** The database nodes' hosts, `pg0` first. */
  abstract readonly nodes: Member[];
  /** What a node is called in errors: `repmgr node`, `pgpool backend`. */
  protected abstract readonly nodeWord: string;

  /** The database nodes' names, `pg0` first. */
  get nodeNames(): string[] {
    return this.nodes.map((m) => m.name);
  }

  /** A node's host by name. @throws Error naming the nodes there are. */
  node(name: string): Member {
    const n = this.nodes.find((m) => m.name === name);
    if (!n) throw new Error(`no ${this.nodeWord} "${name}" (nodes: ${this.nodeNames.join(', ')})`);
    return n;
  }

  /** A node's host (the catalogue's `FaultHost`). @throws Error naming the nodes there are. */
  nodeHost(name: string): Member {
    return this.node(name);
  }

  /** `psql` on a node through its local socket: rows as `|`-separated lines. @throws ExecError. */
  async psql(node: string, sql: string): Promise<string> {
    return (await this.node(node).exec(['psql', '-X', '-qAt', '-d', 'postgres', '-c', sql], { timeoutMs: 10_000 })).trim();
  }

  /** The primary's pg_stat_replication: application_name, state and sync_state, by application_name. @throws ExecError. */
  async walSenders(primary: string): Promise<WalSender[]> {
    return parseWalSenders(await this.psql(primary, WAL_SENDERS_SQL));
  }

  /** Receive and replay LSN of a standby (null for a node not in recovery). @throws ExecError when it does not answer. */
  async position(node: string): Promise<Position> {
    const [r, p] = (await this.psql(node, 'SELECT pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()')).split('|');
    return { name: node, receiveLsn: r || null, replayLsn: p || null };
  }

  /**
   * The timeline a primary writes on now: the first 8 hex digits of the WAL file name of its
   * insert LSN (`pg_walfile_name(pg_current_wal_lsn())`), the server's own, not a checkpoint's.
   * @throws ExecError when the node does not answer or is in recovery (PostgreSQL refuses WAL
   *   control functions there); Error when the answer is not a timeline.
   */
  async timeline(node: string): Promise<number> {
    const out = await this.psql(node, 'SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)');
    const tl = Number.parseInt(out, 16);
    if (!/^[0-9A-F]{8}$/.test(out) || !(tl > 0)) throw new Error(`${node}: "${out}" is not a timeline`);
    return tl;
  }

  /** A direct connection to one node's PostgreSQL through its published port, as `postgres` (trust from the network's CIDR). */
  nodeConnectionConfig(node: string): pg.ClientConfig {
    return {
      host: 'localhost',
      port: this.node(node).mappedPort(PG_PORT),
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: 2000,
      query_timeout: 3000,
    };
  }
}

/** The query behind every managed cluster's `walSenders`: one row per walsender, by application_name. */
export const WAL_SENDERS_SQL = 'SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY application_name';

/** `WAL_SENDERS_SQL`'s rows as `psql -At` prints them (`|`-separated, a line each). Pure. */
export function parseWalSenders(out: string): WalSender[] {
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, state, syncState] = l.split('|');
      return { name: name!, state: state!, syncState: syncState! };
    });
}
