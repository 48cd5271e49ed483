/**
 * What the HA manager under test is and what it saw, as data: which manager a run chose, and its
 * own view of the cluster at a moment (the built-in operator's roles and LSNs, Patroni's
 * `GET /cluster`), recorded at every fault and move. Written by the manager (manager/), read by
 * the report; plain JSON, so a record says a month later which manager and config it ran.
 */

/** The managers a run may choose (config `manager`, flag `--manager`), in the order they were built. */
export const MANAGER_NAMES = ['builtin', 'patroni', 'pg_auto_failover', 'repmgr', 'pgpool'] as const;
/** A manager a run may choose: `builtin` is pgchaos's own operator (manager/builtin.ts), the default. */
export type ManagerName = (typeof MANAGER_NAMES)[number];

/** One node in a manager's view. */
export interface ManagerViewRow {
  node: string;
  /** What the row says the node is, in one vocabulary for every manager: `out` is neither (fenced, stopped, not registered). */
  role: 'primary' | 'standby' | 'out';
  /**
   * The manager's own words for the node's role and state, e.g. `primary running`, `standby
   * streaming sync`, `fenced` (built-in); `leader running`, `sync_standby running` (Patroni).
   */
  state: string;
  /** Timeline ID, when the view has one. */
  timeline: number | null;
  /** The node's WAL position as the view has it (a primary's insert LSN, a standby's flush LSN), or null. */
  lsn: string | null;
  /** Bytes behind the primary, as the view reports it; null when it does not. */
  lagBytes: number | null;
}

/** A manager's own view of the cluster at one moment. */
export interface ManagerView {
  /** When it was read, ms on the scenario clock (the read's end). */
  t: number;
  /** The event (fault or move) it was taken after, by its time, ms; undefined for a view read on its own. */
  after?: number;
  /** The node the manager holds for primary, or null when it holds none (a failover under way, no leader). */
  primary: string | null;
  rows: ManagerViewRow[];
  /** The view as the manager prints it (a table like `patronictl list`), the evidence a DBA reads. */
  raw: string;
  /** Why the view could not be read whole (the primary did not answer, no REST API answered); absent when it was. */
  error?: string;
}

/** The record's manager section: which manager ran the story, under what config, and what it saw. */
export interface ManagerRecord {
  name: ManagerName;
  /** The manager's config as the report shows it: the built-in's promotion rule, Patroni's `bootstrap.dcs`, … */
  config: Record<string, unknown>;
  /** Package versions the manager ran (Patroni's image label); absent for the built-in. */
  versions?: Record<string, string>;
  /** Its views, in time order: one after each fault and move while it ran. */
  views?: ManagerView[];
}
