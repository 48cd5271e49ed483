/**
 * The seam every HA manager fits: the defender a story runs against the nemesis. A manager owns
 * the cluster's life: it brings the cluster up its own way, makes every move (failover, rejoin,
 * switchover), and says what it sees; the story injects faults and reads, and never promotes,
 * rewinds or repoints behind its back (issue 18 §1).
 *
 * The shape follows how the stories use today's operator and cluster (scenarios/nemesis.test.ts):
 * bring the cluster up, point the writer at it, start the manager's moves, play faults, wait until
 * it has settled, read its failovers and its config's promise for the verdicts, stop it.
 * Implementations: manager/builtin.ts (`BuiltinManager`, pgchaos's own operator). Patroni's
 * cluster (manager/patroni/) joins next, on the same seam.
 */
import type { SqlNode } from '../db/sql-node.ts';
import type { FailoverRecord } from '../history/failover.ts';
import type { ManagerName, ManagerRecord, ManagerView, ManagerViewRow } from '../history/manager.ts';
import type { DurabilityPromise } from '../model/durability.ts';

/**
 * Where clients connect, the way the manager's users connect, so an outage is measured as an
 * application sees it; a `WriteTarget` for the writer and the observer (load/writer.ts):
 * - `primary`: straight to the node the manager holds for primary, asked again after every lost
 *   connection (the built-in operator);
 * - `proxy`: one address that routes to the primary (HAProxy checking Patroni's `GET /primary`):
 *   `currentPrimary()` is always the proxy, whose `backendOf` names the node each connection
 *   reached, so the ledger records the server that acknowledged a batch (and the proxy as `via`).
 */
export interface ClientEndpoint {
  via: 'primary' | 'proxy';
  /** Where that is, for the record: `haproxy:5000 → GET /primary`. */
  describe: string;
  currentPrimary(): Promise<SqlNode>;
}

/** A planned switchover the manager made by its own command. Times are ms on the scenario clock. */
export interface SwitchoverRecord {
  from: string;
  to: string;
  /** When the command was given. */
  startedT: number;
  /** When the manager reported `to` as the primary. */
  doneT: number;
  /** What the command printed, or the moves it made, for the report. */
  output: string;
}

/**
 * One HA manager running one cluster. Made by the manager's own start (e.g.
 * `BuiltinManager.start`), which brings the cluster up its way and returns once it takes writes.
 * Methods other than `start`/`stop` may be called at any time; none makes a move the manager
 * would not make by itself, except `switchover`, which asks it to.
 */
export interface HaManager {
  readonly name: ManagerName;
  /** The nodes by name, the primary the manager started with first. */
  readonly nodeNames: readonly string[];
  /** Where the story's clients connect (see ClientEndpoint). */
  clients(): ClientEndpoint;
  /**
   * A direct connection to the database node `name`, bypassing any proxy: for reading its rows,
   * LSNs and walsenders, as a DBA would on that host. @throws Error for a name not in `nodeNames`.
   */
  node(name: string): SqlNode;
  /**
   * Starts the manager's moves (the built-in's watcher and move loop; a manager that runs on its
   * own, as Patroni does, starts following its view). Returns at once; a second call does nothing.
   */
  start(): void;
  /**
   * The manager's own view of the cluster now: typed rows, and its raw text as evidence. Never
   * throws: a view it could not read whole says why in `error`.
   */
  view(): Promise<ManagerView>;
  /** Each failover the manager made, in order: who, when declared failed, decided, promoted. */
  readonly failovers: readonly FailoverRecord[];
  /** True when the manager has nothing left to do: no node waiting to rejoin, every standby streaming from the primary. */
  settled(): Promise<boolean>;
  /**
   * A planned switchover to `to`, by the manager's own command (`patronictl switchover`; the
   * built-in: the write-ups' §11 procedure). @throws Error when the manager refuses.
   */
  switchover(to: string): Promise<SwitchoverRecord>;
  /** What the manager's config promises about acknowledged commits, for the promised-loss verdict. */
  promise(): DurabilityPromise;
  /** The record's manager section: which manager, its config, its versions (views are the caller's to add). */
  describe(): ManagerRecord;
  /** Stops the manager's moves (the move in progress ends first). The cluster stays up; the story's teardown removes it. */
  stop(): Promise<void>;
}

/** The view's rows as a table like `patronictl list` prints: node, role, state, timeline, LSN, lag. */
export function viewTable(rows: readonly ManagerViewRow[]): string {
  const head = ['node', 'role', 'state', 'TL', 'LSN', 'lag (bytes)'];
  const cells = rows.map((r) => [r.node, r.role, r.state, r.timeline?.toString() ?? '', r.lsn ?? '', r.lagBytes?.toString() ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  return [rule, line(head), rule, ...cells.map(line), rule].join('\n');
}
