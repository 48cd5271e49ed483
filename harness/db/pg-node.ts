import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { ExecError } from '../errors.ts';
import type { Lsn } from '../lsn.ts';
import { log } from '../logger.ts';
import { pollUntil } from '../wait.ts';
import { LOG_MOUNT, PG_PORT, PgHost, type CreateHostOptions } from './host.ts';
import type { PgImage } from './image.ts';
import { WAL_MOUNT } from './wal-mount.ts';
import { guardedClient, TIMELINE_SQL } from './sql-node.ts';
import { historyFileSql } from './timeline-history.ts';

/** The replication user's passfile on every host: next to the data directory, not in it. */
const PASSFILE = '/var/lib/postgresql/.pgpass';

/** Data directory inside every node (the host's disk: it survives pg_ctl stop and docker kill). */
export const PGDATA = '/var/lib/postgresql/data';

/** How to reach a node's PostgreSQL from the harness (through the port Docker publishes on loopback). */
export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** `pg_ctl stop` modes (docs: app-pg-ctl.html): smart waits for clients, fast disconnects them, immediate aborts without a shutdown checkpoint. */
export type StopMode = 'smart' | 'fast' | 'immediate';

/**
 * Which WAL position `lsn()` reads. On a primary: `insert`, `write`, `flush` (pg_current_wal_*_lsn).
 * On a standby: `receive` (pg_last_wal_receive_lsn) and `replay` (pg_last_wal_replay_lsn).
 */
export type LsnKind = 'insert' | 'write' | 'flush' | 'receive' | 'replay';

const LSN_FUNCTION: Record<LsnKind, string> = {
  insert: 'pg_current_wal_insert_lsn()',
  write: 'pg_current_wal_lsn()',
  flush: 'pg_current_wal_flush_lsn()',
  receive: 'pg_last_wal_receive_lsn()',
  replay: 'pg_last_wal_replay_lsn()',
};

/**
 * One walsender of a primary: a row of pg_stat_replication (docs: monitoring-stats.html), in
 * walsender slot order, the order that breaks sync_priority ties (syncrep.c,
 * standby_priority_comparator). Lags in ms, null when the view shows NULL.
 */
export interface WalSenderRow {
  /** application_name: the standby's name. */
  name: string;
  state: string;
  syncPriority: number;
  syncState: string;
  sentLsn: Lsn | null;
  writeLsn: Lsn | null;
  flushLsn: Lsn | null;
  replayLsn: Lsn | null;
  writeLagMs: number | null;
  flushLagMs: number | null;
  replayLagMs: number | null;
}

/**
 * A SQL expression: the walsenders as a JSON array of `WalSenderRow`, in slot order.
 * pg_stat_get_wal_senders() walks WalSndCtl->walsnds in slot order (walsender.c); the
 * pg_stat_replication view's join with pg_stat_activity would not keep that order. A base
 * backup's own walsender (state `backup`) is left out.
 */
export const WAL_SENDERS_JSON = `coalesce((SELECT json_agg(json_build_object(
     'name', a.application_name, 'state', w.state, 'syncPriority', w.sync_priority, 'syncState', w.sync_state,
     'sentLsn', w.sent_lsn, 'writeLsn', w.write_lsn, 'flushLsn', w.flush_lsn, 'replayLsn', w.replay_lsn,
     'writeLagMs', extract(epoch FROM w.write_lag) * 1000, 'flushLagMs', extract(epoch FROM w.flush_lag) * 1000,
     'replayLagMs', extract(epoch FROM w.replay_lag) * 1000) ORDER BY w.ordinality)
   FROM pg_stat_get_wal_senders() WITH ORDINALITY AS w JOIN pg_stat_activity a ON a.pid = w.pid
   WHERE w.state <> 'backup'), '[]')`;

/** Shell run inside a host, with the values it reads from its environment (never spliced into the script). */
interface Step {
  script: string;
  env: Record<string, string>;
}

/**
 * Shell: `pid` = the running postmaster's PID, or exit 1. postmaster.pid survives a host crash,
 * and after a reboot its PID may be another process's (pg_rewind, psql): check it is postgres.
 */
const POSTMASTER_PID = `pid=$(head -1 "$PGDATA/postmaster.pid" 2>/dev/null) && [ "$(cat /proc/$pid/comm 2>/dev/null)" = postgres ] || { echo "no postmaster running"; exit 1; }`;

/**
 * Moves pg_wal onto the host's size-limited WAL filesystem (wal-mount.ts), leaving a symlink as
 * `initdb --waldir` does, unless it is there already. initdb and pg_basebackup leave a real
 * pg_wal in PGDATA (the WAL on the mount then belongs to a data directory discarded since).
 * Safe to cut at any point: the WAL is copied before the mount's old copy is replaced, and
 * PGDATA's own is set aside only once the mount holds it (a start cut after that links to it).
 * Any failure stops the start: `sh -e` does not stop inside an `&&` list, hence the `||`.
 */
const WAL_TO_MOUNT = `if [ ! -L "$PGDATA/pg_wal" ]; then
  if [ -d "$PGDATA/pg_wal" ]; then
    { rm -rf ${WAL_MOUNT}/pg_wal.new && cp -a "$PGDATA/pg_wal" ${WAL_MOUNT}/pg_wal.new && rm -rf ${WAL_MOUNT}/pg_wal && mv ${WAL_MOUNT}/pg_wal.new ${WAL_MOUNT}/pg_wal && rm -rf "$PGDATA/pg_wal.old" && mv "$PGDATA/pg_wal" "$PGDATA/pg_wal.old"; } || { echo "could not move pg_wal to ${WAL_MOUNT}"; exit 1; }
  fi
  { ln -s ${WAL_MOUNT}/pg_wal "$PGDATA/pg_wal" && rm -rf "$PGDATA/pg_wal.old"; } || { echo "could not link pg_wal to ${WAL_MOUNT}/pg_wal"; exit 1; }
fi`;

/** Ends each history file in `timelineHistories`' output (no history file line looks like it). */
const HISTORY_END = '--pgchaos-history-end--';

/** Exit code of `startStep` when pg_ctl cannot start the server. */
const START_FAILED = 90;

/** Writes the replication user's passfile (see `PgNode.writePassfile`). */
function passfileStep(repl: ReplicationUser): Step {
  return { script: `(umask 077; printf '*:*:*:%s:%s\\n' "$RUSER" "$RPW" > ${PASSFILE})`, env: { RUSER: repl.user, RPW: repl.password } };
}

/** Appends lines to postgresql.conf: later lines win (docs: config-setting.html). */
function appendConfStep(conf: string): Step {
  return { script: `printf '%s\\n' "$CONF" >> "$PGDATA/postgresql.conf"`, env: { CONF: conf } };
}

/**
 * Settings for a session whose statements carry a secret: none of them reaches the server log,
 * whatever the user's fragment sets (log_statement, duration logging, statements of errors).
 */
function quietSession(major: number): string {
  // log_min_duration_sample came with PostgreSQL 13.
  return `SET log_statement = 'none'; SET log_min_duration_statement = -1; SET log_min_error_statement = panic;${major >= 13 ? ' SET log_min_duration_sample = -1;' : ''}`;
}

export interface CreateNodeOptions extends CreateHostOptions {
  /** Password of the `postgres` superuser, used by the harness's own connections. */
  superuserPassword: string;
}

/** Connection parameters one node uses to reach another over the cluster network. */
export interface ReplicationUser {
  user: string;
  password: string;
}

/**
 * One PostgreSQL server on its own host (`PgHost`): started and stopped with pg_ctl inside the
 * host, so its data directory survives `stop()`, a host crash + `start()`, and can be rewound
 * in place. Methods follow PostgreSQL's own test module, PostgreSQL::Test::Cluster
 * (src/test/perl/PostgreSQL/Test/Cluster.pm).
 */
export class PgNode {
  private constructor(
    readonly name: string,
    /** The container the server runs in: crash it, boot it, cut it off. */
    readonly host: PgHost,
    readonly image: PgImage,
    private readonly superuserPassword: string,
    /** Path of this node's server log on the harness's machine. */
    readonly logFile: string,
  ) {}

  /**
   * Starts the node's host (the container), without PostgreSQL. Never pulls: a missing image fails fast.
   * @throws when the engine refuses to create or start the container.
   */
  static async create(o: CreateNodeOptions): Promise<PgNode> {
    const host = await PgHost.create(o);
    return new PgNode(o.name, host, o.image, o.superuserPassword, `${o.logDir}/${o.name}.log`);
  }

  /** Name other nodes use to reach this one on the cluster network. */
  get hostname(): string {
    return this.host.hostname;
  }

  /** Connection parameters for the harness's clients; the port is re-read after every host restart. */
  connection(): ConnectionInfo {
    return { host: '127.0.0.1', port: this.host.publishedPort, user: 'postgres', password: this.superuserPassword, database: 'postgres' };
  }

  /** A client of this node that cannot hang or crash the harness (sql-node.ts `guardedClient`), not yet connected. */
  client(applicationName: string, t: { connectTimeoutMs: number; queryTimeoutMs: number }): pg.Client {
    return guardedClient(this.connection(), applicationName, t);
  }

  /**
   * Runs a shell script inside the host as `postgres`, killed after `o.timeoutMs` (default
   * 60 000, as `PgHost.exec`); values `o.env` are passed as environment variables, never spliced
   * into the script. @returns stdout. @throws ExecError as `PgHost.exec`.
   */
  sh(script: string, o: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<string> {
    return this.host.exec(['sh', '-ec', script], { env: { PGDATA, ...o.env }, timeoutMs: o.timeoutMs ?? 60_000 });
  }

  /**
   * initdb of a new primary (PostgreSQL::Test::Cluster `init`): UTF8, C.UTF-8, the superuser
   * `postgres` with a password, peer auth on the socket, scram-sha-256 over TCP.
   * @param conf lines appended to postgresql.conf; @param hba the whole pg_hba.conf.
   */
  async init(o: { conf: string; hba: string; dataChecksums: boolean }): Promise<void> {
    await this.sh(
      `umask 077; printf %s "$PW" > /tmp/pgchaos-pw
       initdb -D "$PGDATA" -U postgres --pwfile=/tmp/pgchaos-pw --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 $CHECKSUMS >/dev/null
       rm -f /tmp/pgchaos-pw
       printf '%s\\n' "$CONF" >> "$PGDATA/postgresql.conf"
       printf '%s\\n' "$HBA" > "$PGDATA/pg_hba.conf"`,
      { env: { PW: this.superuserPassword, CONF: o.conf, HBA: o.hba, CHECKSUMS: o.dataChecksums ? '--data-checksums' : '' } },
    );
  }

  /**
   * Makes this node a standby of `source` by streaming a base backup (pg_basebackup -X stream
   * -R -c fast; PostgreSQL::Test::Cluster `backup` + `init_from_backup` in one step): the
   * backup brings postgresql.conf and pg_hba.conf along, so the standby's settings match the
   * primary's, and -R writes standby.signal and primary_conninfo with this node's application_name.
   */
  async initFromBackup(source: PgNode, repl: ReplicationUser): Promise<void> {
    await this.sh(
      `rm -rf "$PGDATA"/*
       pg_basebackup -d "$CONNINFO" -D "$PGDATA" -X stream -R -c fast`,
      { env: { CONNINFO: this.conninfoFor(source, repl) }, timeoutMs: 600_000 },
    );
  }

  /**
   * Writes the replication user's password to this host's passfile (outside the data directory,
   * which base backups and rewinds replace). Connection strings name the file, never the password:
   * the postmaster logs a changed primary_conninfo verbatim on reload ("parameter
   * "primary_conninfo" changed to ..."), so a password in it would land in the server log.
   */
  async writePassfile(repl: ReplicationUser): Promise<void> {
    await this.run([passfileStep(repl)]);
  }

  /** True while PostgreSQL runs on a live host (`pg_ctl status`). */
  async running(): Promise<boolean> {
    if (!(await this.host.running())) return false;
    return this.sh('pg_ctl -D "$PGDATA" status >/dev/null && echo up || true').then((out) => out.trim() === 'up');
  }

  /**
   * Starts PostgreSQL (pg_ctl start -w), first booting the host if it was killed. A standby is
   * started once it accepts read-only connections (pg_ctl waits for PQping, app-pg-ctl.html).
   * @param o.timeoutMs how long pg_ctl waits, ms (default 120 000; pg_ctl -t takes whole seconds, rounded up).
   * @throws ExecError with the server log's reason (else pg_ctl's output) when the server does not start in time.
   */
  async start(o: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = o.timeoutMs ?? 120_000;
    await this.host.ensureUp();
    await this.runStart([this.startStep(timeoutMs)], timeoutMs);
    log().debug({ node: this.name }, 'started');
  }

  /**
   * First start of the primary of a cluster made from a template (template.ts), in one exec (each
   * costs tens of ms on a busy engine): appends the cluster's own settings `conf` to
   * postgresql.conf, writes the passfile, starts, and gives the superuser this node's password
   * and the replication role `replication`'s: the template's roles have the passwords of the
   * cluster that made it, which nobody uses again. Passwords reach psql on its standard input,
   * the statements are kept out of the server log, and commit with synchronous_commit = local (no
   * standby is there to confirm them).
   * @param o.timeoutMs how long pg_ctl waits for the start, ms (default 120 000, as `start`).
   * @returns the WAL position after the passwords changed: a standby has them once it has replayed it.
   * @throws ExecError as `start`.
   */
  async startFromTemplate(o: { conf: string; replication: ReplicationUser; timeoutMs?: number }): Promise<Lsn> {
    const timeoutMs = o.timeoutMs ?? 120_000;
    const reset: Step = {
      script: `printf "$QUIET SET synchronous_commit = local; ALTER ROLE postgres PASSWORD '%s'; ALTER ROLE %s PASSWORD '%s'; SELECT pg_current_wal_lsn();" "$SPW" "$RUSER" "$RPW" | psql -XAtq -v ON_ERROR_STOP=1 -d postgres`,
      env: { SPW: this.superuserPassword, RUSER: o.replication.user, RPW: o.replication.password, QUIET: quietSession(this.image.major) },
    };
    const out = await this.runStart([appendConfStep(o.conf), passfileStep(o.replication), this.startStep(timeoutMs), reset], timeoutMs);
    log().debug({ node: this.name }, 'started from template');
    return out.trim();
  }

  /**
   * Readies a standby of a cluster made from a template (template.ts) for its first start, in one
   * exec: appends the cluster's own settings `conf` to postgresql.conf, writes the passfile,
   * standby.signal and primary_conninfo towards `primary` (as `writeStandbyConfig`).
   */
  async prepareFromTemplate(o: { conf: string; replication: ReplicationUser; primary: PgNode }): Promise<void> {
    await this.run([appendConfStep(o.conf), passfileStep(o.replication), this.standbyConfigStep(o.primary, o.replication)]);
  }

  /** pg_ctl start waiting up to `timeoutMs` (whole seconds, rounded up), exiting START_FAILED when the server does not start. */
  private startStep(timeoutMs: number): Step {
    return {
      // After the host died the old postmaster.pid is stale; in a new PID namespace its pid can
      // belong to an unrelated process and block the start, as after a real reboot. No postgres
      // process on the host means the file is stale (read from /proc: images may lack procps).
      // The log is made readable by anyone first: pg_ctl creates it 0600, owned by the container's
      // postgres uid, which the user reading the report on the host is not; >> keeps the mode.
      script: `grep -qsx postgres /proc/[0-9]*/comm || rm -f "$PGDATA/postmaster.pid"
         ${this.host.hasWalMount ? WAL_TO_MOUNT : ''}
         touch ${LOG_MOUNT}/${this.name}.log && chmod 0644 ${LOG_MOUNT}/${this.name}.log
         pg_ctl -D "$PGDATA" -l ${LOG_MOUNT}/${this.name}.log -w -t ${Math.ceil(timeoutMs / 1000)} start >/dev/null || exit ${START_FAILED}`,
      env: {},
    };
  }

  /**
   * Runs steps that include `startStep`. pg_ctl only says "Examine the log output": when the
   * server does not start, the error carries the reason from the server log (e.g. a value the
   * server refuses).
   * `timeoutMs` is pg_ctl's; the exec gets 10 s more, for the steps around it.
   * @returns the steps' output.
   */
  private async runStart(steps: Step[], timeoutMs: number): Promise<string> {
    const offset = await this.logOffset();
    try {
      return await this.run(steps, timeoutMs + 10_000);
    } catch (e) {
      if (!(e instanceof ExecError && e.exitCode === START_FAILED)) throw e;
      const reasons = (await this.logs())
        .slice(offset)
        .split('\n')
        .filter((l) => /\b(FATAL|PANIC|ERROR|HINT):|invalid value|unrecognized configuration/.test(l));
      throw new ExecError(
        this.name,
        'pg_ctl start',
        e.exitCode,
        reasons.length ? `the server refused to start; its log says:\n${reasons.slice(-4).join('\n')}` : e.output,
      );
    }
  }

  /** Runs steps in one shell inside the host as `postgres`, stopping at the first that fails (`sh -e`). */
  private run(steps: Step[], timeoutMs = 60_000): Promise<string> {
    return this.sh(steps.map((s) => s.script).join('\n'), { env: Object.assign({}, ...steps.map((s) => s.env)), timeoutMs });
  }

  /**
   * Creates the role standbys replicate as. The password reaches the server on psql's standard
   * input (never a command line), and the statement is kept out of the server log even when it
   * fails (log_min_error_statement = panic): no secret in a log or report. It commits with
   * synchronous_commit = local: no standby could confirm it yet, so it would wait on SyncRep forever.
   */
  async createReplicationUser(repl: ReplicationUser): Promise<void> {
    await this.sh(
      `printf "$QUIET SET synchronous_commit = local; CREATE ROLE %s WITH REPLICATION LOGIN PASSWORD '%s';" "$RUSER" "$RPW" | psql -XAtq -v ON_ERROR_STOP=1 -d postgres`,
      { env: { RUSER: repl.user, RPW: repl.password, QUIET: quietSession(this.image.major) } },
    );
  }

  /**
   * pg_ctl stop in `mode` (PostgreSQL::Test::Cluster `stop($mode)`; smart, fast or immediate,
   * docs: app-pg-ctl.html), waiting until the server is down.
   * @param o.timeoutMs how long pg_ctl waits, ms (default 120 000; whole seconds, rounded up); the exec gets 10 s more.
   * @throws ExecError when the server is not down in time, or no server runs.
   */
  async stop(mode: StopMode = 'fast', o: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = o.timeoutMs ?? 120_000;
    await this.sh(`pg_ctl -D "$PGDATA" -m ${mode} -w -t ${Math.ceil(timeoutMs / 1000)} stop >/dev/null`, { timeoutMs: timeoutMs + 10_000 });
    log().debug({ node: this.name, mode }, 'stopped');
  }

  /**
   * SIGKILL to the postmaster while the host lives, like PostgreSQL::Test::Cluster `kill9`:
   * its children exit when they notice (postmaster death), and the next `start()` runs crash
   * recovery. @throws ExecError when no postmaster runs.
   */
  async kill9(): Promise<void> {
    await this.sh(`${POSTMASTER_PID} && kill -KILL "$pid"`);
    log().debug({ node: this.name }, 'postmaster killed');
  }

  /**
   * SIGSTOP to the postmaster alone: its backends, walsenders and walreceiver run on, but no new
   * connection is accepted and no child that dies is restarted. Undo with `thawPostmaster()`.
   * @throws ExecError when no postmaster runs.
   */
  async freezePostmaster(): Promise<void> {
    await this.sh(`${POSTMASTER_PID} && kill -STOP "$pid"`);
  }

  /** Ends `freezePostmaster()`. */
  async thawPostmaster(): Promise<void> {
    await this.sh(`${POSTMASTER_PID} && kill -CONT "$pid"`);
  }

  /**
   * Terminates this standby's walreceiver (SIGTERM; it is no backend, so pg_terminate_backend
   * cannot reach it). The startup process starts a new one after `wal_retrieve_retry_interval`
   * (5 s by default). @returns false when no walreceiver was running.
   */
  async terminateWalReceiver(): Promise<boolean> {
    const pid = await this.safePsql('SELECT pid FROM pg_stat_wal_receiver');
    if (!pid) return false;
    await this.sh(`kill -TERM ${Number(pid)}`);
    return true;
  }

  /**
   * On a primary: terminates the walsender serving `standby` (pg_terminate_backend on its
   * pg_stat_replication row); the standby's walreceiver reconnects by itself.
   * @returns false when that standby had no walsender.
   */
  async terminateWalSender(standby: string): Promise<boolean> {
    const out = await this.safePsql(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_replication WHERE application_name = '${standby.replace(/'/g, "''")}'`,
    );
    return out.split('\n').includes('t');
  }

  /**
   * Pauses WAL replay on this standby (`pg_wal_replay_pause()`, functions-admin.html): WAL is
   * still received and flushed, so it still confirms `on` commits, but `remote_apply` commits
   * that need it wait. Undo with `resumeReplay()`.
   */
  async pauseReplay(): Promise<void> {
    await this.safePsql('SELECT pg_wal_replay_pause()');
  }

  /** Ends `pauseReplay()`. */
  async resumeReplay(): Promise<void> {
    await this.safePsql('SELECT pg_wal_replay_resume()');
  }

  /**
   * Runs SQL with psql over the local socket, like PostgreSQL::Test::Cluster `safe_psql`.
   * @param o.timeoutMs psql is killed after this, ms (default 60 000).
   * @returns unaligned, tuples-only output, trimmed. @throws ExecError on any SQL error or after `o.timeoutMs`.
   */
  async safePsql(sql: string, o: { timeoutMs?: number } = {}): Promise<string> {
    const cmd = ['psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', sql];
    return (await this.host.exec(cmd, { timeoutMs: o.timeoutMs ?? 60_000 })).trim();
  }

  /**
   * Polls `sql` until its psql output equals `o.expected` (default `t`) for up to `o.timeoutMs`
   * (default 60 000), like PostgreSQL::Test::Cluster `poll_query_until`.
   * @throws WaitTimeoutError with the last output seen.
   */
  async pollQueryUntil(sql: string, o: { expected?: string; timeoutMs?: number } = {}): Promise<void> {
    const expected = o.expected ?? 't';
    const timeoutMs = o.timeoutMs ?? 60_000;
    await pollUntil(
      async () => {
        const out = await this.safePsql(sql);
        return out === expected ? { done: true, value: undefined } : { done: false, seen: JSON.stringify(out) };
      },
      { what: `${this.name}: ${sql} = ${expected}`, timeoutMs },
    );
  }

  /**
   * A WAL position of this node (PostgreSQL::Test::Cluster `lsn`); null where the function returns
   * NULL (e.g. `receive` on a primary). The query is killed after `o.timeoutMs` (default 60 000).
   */
  async lsn(kind: LsnKind, o: { timeoutMs?: number } = {}): Promise<Lsn | null> {
    const out = await this.safePsql(`SELECT ${LSN_FUNCTION[kind]}`, o);
    return out === '' ? null : out;
  }

  /** This primary's walsenders in slot order (see `WalSenderRow`); [] when none. Killed after `o.timeoutMs` (default 60 000). */
  async walSenders(o: { timeoutMs?: number } = {}): Promise<WalSenderRow[]> {
    return JSON.parse(await this.safePsql(`SELECT ${WAL_SENDERS_JSON}`, o)) as WalSenderRow[];
  }

  /** True when the server is a standby (`pg_is_in_recovery()`). */
  async inRecovery(): Promise<boolean> {
    return (await this.safePsql('SELECT pg_is_in_recovery()')) === 't';
  }

  /**
   * Waits until standby `standby` has confirmed `o.lsn` at `o.mode` (default `replay`) in this
   * node's pg_stat_replication (PostgreSQL::Test::Cluster `wait_for_catchup`), for up to
   * `o.timeoutMs` (default 60 000). `o.lsn` defaults to this node's current write position
   * (pg_current_wal_lsn()).
   * @throws WaitTimeoutError with the standby's last row.
   */
  async waitForCatchup(
    standby: string,
    o: { mode?: 'sent' | 'write' | 'flush' | 'replay'; lsn?: Lsn; timeoutMs?: number } = {},
  ): Promise<void> {
    const mode = o.mode ?? 'replay';
    const timeoutMs = o.timeoutMs ?? 60_000;
    const target = o.lsn ?? (await this.lsn('write'));
    await pollUntil(
      async () => {
        const row = await this.safePsql(
          `SELECT coalesce(${mode}_lsn >= '${target}'::pg_lsn, false) AND state = 'streaming', state, ${mode}_lsn FROM pg_stat_replication WHERE application_name = '${standby}' AND state <> 'backup'`,
        );
        return row.startsWith('t|') ? { done: true, value: undefined } : { done: false, seen: row || 'no walsender for it' };
      },
      { what: `${standby} to reach ${mode}_lsn ${target} on ${this.name}`, timeoutMs },
    );
  }

  /**
   * Promotes this standby (`pg_promote(wait => true)`, PostgreSQL 12+; docs: functions-admin.html)
   * and waits until it accepts writes.
   * @throws ExecError when promotion does not finish within 60 s.
   */
  async promote(): Promise<void> {
    const done = await this.safePsql('SELECT pg_promote(true, 60)', { timeoutMs: 70_000 });
    if (done !== 't') throw new ExecError(this.name, 'pg_promote(true, 60)', 1, `returned ${done}`);
    await this.pollQueryUntil('SELECT pg_is_in_recovery()', { expected: 'f', timeoutMs: 30_000 });
  }

  /**
   * The timeline history files in this node's pg_wal (`0000000N.history`: one line per earlier
   * timeline, `parentTLI switchpoint reason`; docs: continuous-archiving.html#BACKUP-TIMELINES),
   * by timeline ID. Works with PostgreSQL down, as long as the host is up.
   * @returns timeline ID → the file's text. @throws ExecError when the host is down.
   */
  async timelineHistories(): Promise<Map<number, string>> {
    // Read from the files, not by SQL: a fenced node is down. One file per timeline past the first.
    const out = await this.sh(
      `for f in "$PGDATA"/pg_wal/*.history; do [ -f "$f" ] && printf '%s\\n' "\${f##*/}" && cat "$f" && echo ${HISTORY_END}; done; true`,
    );
    const histories = new Map<number, string>();
    for (const chunk of out.split(`${HISTORY_END}\n`)) {
      const m = /^([0-9A-F]{8})\.history\n([\s\S]*)$/.exec(chunk);
      if (m) histories.set(parseInt(m[1]!, 16), m[2]!);
    }
    return histories;
  }

  /**
   * The timeline this node is on: a primary's from its current WAL file name; a standby's
   * from its WAL receiver (`received_tli`), else from its last restartpoint.
   */
  async timeline(): Promise<number> {
    return Number(await this.safePsql(TIMELINE_SQL));
  }

  /** The `<timeline>.history` file in pg_wal (docs: continuous-archiving.html, "Timelines"), '' when absent. */
  async historyFile(timeline: number): Promise<string> {
    return this.safePsql(historyFileSql(timeline));
  }

  /**
   * Sets parameters with ALTER SYSTEM (postgresql.auto.conf) and reloads the configuration.
   * Values (a primary_conninfo carries a password) reach psql on standard input, never a
   * command line, and a failing statement is kept out of the server log
   * (log_min_error_statement = panic). psql runs each line of its input as its own statement:
   * ALTER SYSTEM cannot run inside a transaction block.
   * @throws ExecError when the server refuses a name or value (the value is not in the message).
   */
  async alterSystem(settings: Record<string, string>): Promise<void> {
    const script = [
      quietSession(this.image.major),
      ...Object.entries(settings).map(([k, v]) => `ALTER SYSTEM SET ${k} = '${v.replace(/'/g, "''")}';`),
      'SELECT pg_reload_conf();',
    ].join('\n');
    await this.sh('printf "%s\\n" "$SQL" | psql -XAtq -v ON_ERROR_STOP=1 -d postgres >/dev/null', { env: { SQL: script } });
  }

  /**
   * `primary_conninfo` for this node streaming from `primary` as the replication user, with
   * this node's name as application_name (what synchronous_standby_names matches). The password
   * comes from the host's passfile (`writePassfile`), never from the string.
   */
  conninfoFor(primary: PgNode, repl: ReplicationUser): string {
    // connect_timeout and keepalives: a cut-off or frozen source fails pg_rewind / pg_basebackup /
    // the walreceiver in seconds instead of hanging on TCP's default timeouts (libpq-connect.html).
    return `host=${primary.hostname} port=${PG_PORT} user=${repl.user} passfile=${PASSFILE} connect_timeout=5 keepalives_idle=5 keepalives_interval=2 keepalives_count=3 application_name=${this.name}`;
  }

  /**
   * With the server stopped, makes the data directory a standby of `primary`: standby.signal,
   * and primary_conninfo plus recovery_target_timeline = 'latest' in postgresql.auto.conf (any
   * earlier primary_conninfo, e.g. one pg_rewind copied from its source, is replaced).
   */
  async writeStandbyConfig(primary: PgNode, repl: ReplicationUser): Promise<void> {
    await this.run([this.standbyConfigStep(primary, repl)]);
  }

  private standbyConfigStep(primary: PgNode, repl: ReplicationUser): Step {
    return {
      script: `auto="$PGDATA/postgresql.auto.conf"
       grep -Ev '^(primary_conninfo|primary_slot_name|recovery_target_timeline) ' "$auto" > "$auto.new" || true
       printf "primary_conninfo = '%s'\\nrecovery_target_timeline = 'latest'\\n" "$CONNINFO" >> "$auto.new"
       mv "$auto.new" "$auto"
       touch "$PGDATA/standby.signal"`,
      env: { CONNINFO: this.conninfoFor(primary, repl) },
    };
  }

  /**
   * pg_rewind of this stopped node's data directory against the running `source`
   * (docs: app-pgrewind.html). Needs wal_log_hints = on or data checksums on this node.
   * @returns pg_rewind's output. @throws ExecError carrying pg_rewind's message when it refuses or fails.
   */
  async rewind(source: PgNode): Promise<string> {
    return this.sh(
      `pg_rewind --target-pgdata="$PGDATA" --source-server="host=$SRC port=${PG_PORT} user=postgres dbname=postgres connect_timeout=5" --progress 2>&1`,
      { env: { SRC: source.hostname, PGPASSWORD: this.superuserPassword }, timeoutMs: 600_000 },
    );
  }

  /** Current length of the server log in bytes: pass it to `waitForLog` to search only what comes after. */
  async logOffset(): Promise<number> {
    return (await this.logs()).length;
  }

  /**
   * Waits up to `o.timeoutMs` (default 30 000) until a line of the server log after `o.offset`
   * (bytes, from `logOffset()`; default 0) matches `pattern` (PostgreSQL::Test::Cluster `wait_for_log`).
   * @returns the first matching line. @throws WaitTimeoutError with the log's last line.
   */
  async waitForLog(pattern: RegExp, o: { offset?: number; timeoutMs?: number } = {}): Promise<string> {
    const offset = o.offset ?? 0;
    const timeoutMs = o.timeoutMs ?? 30_000;
    return pollUntil(
      async () => {
        const text = (await this.logs()).slice(offset);
        const line = text.split('\n').find((l) => pattern.test(l));
        return line ? { done: true, value: line } : { done: false, seen: text.trimEnd().split('\n').at(-1) || '(empty log)' };
      },
      { what: `${this.name}'s log to match ${pattern}`, timeoutMs, intervalMs: 100 },
    );
  }

  /** The server log so far (pg_ctl -l), readable even when the host is dead; '' before the first start. */
  async logs(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '');
  }
}
