/**
 * How pg_auto_failover's users reach the primary: one connection string naming every node,
 * `postgres://h1:5432,h2:5432,h3:5432/db?target_session_attrs=read-write` (`pg_autoctl show uri`,
 * docs/ref/pg_autoctl_show_uri.rst), which libpq resolves itself. node-postgres has no multi-host
 * support, so this follows libpq's semantics (libpq-connect.html, "Specifying Multiple Hosts";
 * fe-connect.c): try each host in the order given; a host that refuses or times out, or whose
 * session is not read-write (`in_hot_standby` or `default_transaction_read_only` on, as
 * PostgreSQL 14+ reports them), is skipped for the next; the first that accepts a read-write
 * session wins; when none does, the connection fails naming each host's complaint.
 * One difference: libpq keeps the connection it checked, this endpoint names the node and the
 * caller connects again; a primary demoted in between refuses the write (25006) and the caller
 * asks again, as a libpq client whose session was cut would reconnect.
 */
import type pg from 'pg';
import { type SqlNode, TcpNode } from '../../db/sql-node.ts';

/** A multi-host URI read into its parts. */
export interface MultiHostUri {
  hosts: Array<{ host: string; port: number }>;
  database: string;
  /** Query parameters (`target_session_attrs`, `sslmode`, …). */
  params: Record<string, string>;
}

/**
 * Reads `postgres://[user@]h1[:p1],h2[:p2]/db?k=v&…` (port 5432 when absent). Pure.
 * @throws Error when it is not a postgres:// or postgresql:// URI with at least one host.
 */
export function parseMultiHostUri(uri: string): MultiHostUri {
  const m = /^postgres(?:ql)?:\/\/(?:[^@/]*@)?([^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/.exec(uri.trim());
  if (!m?.[1]) throw new Error(`not a multi-host postgres URI: ${uri}`);
  const hosts = m[1].split(',').map((hp) => {
    const i = hp.lastIndexOf(':');
    return i < 0 ? { host: hp, port: 5432 } : { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
  });
  const params = Object.fromEntries(new URLSearchParams(m[3] ?? ''));
  return { hosts, database: decodeURIComponent(m[2] || 'postgres'), params };
}

/** One host of the string as the harness reaches it: the node's name and its connection (read at each try: published ports change after a boot). */
export interface Host {
  name: string;
  config: () => pg.ClientConfig;
}

/** What a try of one host found: `read-write`, or why it was skipped. */
export type HostCheck = { ok: true } | { ok: false; why: string };

/**
 * Connects to `h` within its config's connect timeout and asks whether its session is read-write
 * (`pg_is_in_recovery()` is libpq's `in_hot_standby`; `default_transaction_read_only`).
 */
export async function checkReadWrite(h: Host): Promise<HostCheck> {
  const node = new TcpNode(h.name, h.config);
  try {
    const out = await node.safePsql("SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only')", { timeoutMs: 3000 });
    const [recovery, readOnly] = out.split('|');
    if (recovery === 't') return { ok: false, why: 'in hot standby' };
    if (readOnly === 'on') return { ok: false, why: 'default_transaction_read_only on' };
    return { ok: true };
  } catch (e) {
    return { ok: false, why: (e as Error).message || String(e) };
  }
}

/**
 * The first of `hosts`, in order, whose check says read-write (libpq's `target_session_attrs=read-write`).
 * @returns it as a SqlNode named after the node. @throws Error naming each host's complaint when none is.
 */
export async function firstReadWrite(hosts: readonly Host[], check: (h: Host) => Promise<HostCheck> = checkReadWrite): Promise<SqlNode> {
  const complaints: string[] = [];
  for (const h of hosts) {
    const r = await check(h);
    if (r.ok) return new TcpNode(h.name, h.config);
    complaints.push(`${h.name}: ${r.why}`);
  }
  throw new Error(`no host of the connection string accepts a read-write session (${complaints.join('; ')})`);
}
