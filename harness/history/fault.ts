/**
 * A fault as data: what to break (kind), where (target) and how (params). A schedule is a list
 * of these with start times and durations (nemesis/schedule/ draws, checks and shrinks them);
 * the catalogue (nemesis/catalogue.ts) knows how to inject and heal each kind on a live cluster.
 * Being plain JSON, a fault is recorded in the scenario record as it was planned, replayed from a
 * seed, and cut down by shrinking; the nemesis records what it played as `PlayedFault`s.
 */

/**
 * Every fault kind pgchaos can inject. Names say what happens to the node, after Jepsen's
 * nemesis and PostgreSQL's test module (`kill9` is the postmaster, not the host):
 * - `crash-host-loud`: the host dies and its kernel closes every TCP connection (FIN/RST), so
 *   peers learn of it in milliseconds (`docker kill`);
 * - `crash-host-silent`: the host dies like a power loss: its traffic is dropped first, so peers
 *   get nothing and notice only through `wal_sender_timeout`, `wal_receiver_timeout` or TCP
 *   keepalives;
 * - `kill9-postmaster`: SIGKILL of the postmaster while the host lives (crash recovery on start);
 * - `stop-fast`, `stop-immediate`: `pg_ctl stop -m fast|immediate`;
 * - `freeze-host`: every process of the host stopped (cgroup freezer, `docker pause`);
 * - `freeze-postmaster`: SIGSTOP to the postmaster alone; its backends and walsenders run on;
 * - `isolate`: the node's traffic to and from every other node dropped;
 * - `one-way-loss`: packets from the target to `params.to` dropped, the other way delivered;
 * - `split`: the nodes cut into `params.groups`, traffic between groups dropped;
 * - `packet-loss`: a fraction `params.rate` (0–1) of the node's packets dropped at random;
 * - `bandwidth`: the node's outgoing traffic limited to `params.kbit` kbit/s (tbf);
 * - `kill-walreceiver`: the standby's walreceiver terminated (it restarts by itself);
 * - `kill-walsender`: the primary's walsender for the target standby terminated;
 * - `pause-replay`: `pg_wal_replay_pause()` on the standby (a "stuck" standby);
 * - `wal-full`: the node's pg_wal filesystem filled by a ballast file (ENOSPC on the next WAL
 *   segment: a primary PANICs, a standby's walreceiver fails), then freed. Needs a cluster
 *   started with `walMountMb` (db/wal-mount.ts).
 *
 * Faults of a manager's own parts (`MANAGER_FAULT_KINDS`; a cluster under a manager only, never
 * drawn by default). A DCS kind's target names a member of the DCS (etcd): `primary` is the DCS's
 * own leader now (the raft leader), `{ standby: i }` the i-th of its followers sorted by name,
 * `{ node }` a member by name (`etcd1`):
 * - `dcs-kill`: the DCS member dies (SIGKILL of its container); the heal starts it again;
 * - `dcs-freeze`: every process of the DCS member stopped (`docker pause`);
 * - `dcs-isolate`: the DCS member's traffic to and from the cluster network dropped;
 * - `dcs-quorum-loss`: a majority of the DCS killed at once (the target and the next members by
 *   name, 2 of 3), so it can neither elect a leader nor commit a write; the heal starts them;
 * - `kill9-agent`: SIGKILL of the manager's agent on the node (Patroni's `patroni` process); the
 *   host and PostgreSQL live on, unwatched; the heal starts the agent again;
 * - `freeze-agent`: SIGSTOP of the agent alone (Patroni's "frozen_patroni" case); PostgreSQL runs on;
 * - `kill-proxy`: the clients' proxy dies (SIGKILL of HAProxy's container); its target is not read.
 */
export const FAULT_KINDS = [
  'crash-host-loud',
  'crash-host-silent',
  'kill9-postmaster',
  'stop-fast',
  'stop-immediate',
  'freeze-host',
  'freeze-postmaster',
  'isolate',
  'one-way-loss',
  'split',
  'packet-loss',
  'bandwidth',
  'kill-walreceiver',
  'kill-walsender',
  'pause-replay',
  'wal-full',
  'dcs-kill',
  'dcs-freeze',
  'dcs-isolate',
  'dcs-quorum-loss',
  'kill9-agent',
  'freeze-agent',
  'kill-proxy',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A kind that breaks a manager's own part (see `FAULT_KINDS`). */
export type ManagerFaultKind =
  | 'dcs-kill'
  | 'dcs-freeze'
  | 'dcs-isolate'
  | 'dcs-quorum-loss'
  | 'kill9-agent'
  | 'freeze-agent'
  | 'kill-proxy';

/** The kinds that break a manager's own parts (see `FAULT_KINDS`): a cluster without a manager has none of them. */
export const MANAGER_FAULT_KINDS: readonly FaultKind[] = [
  'dcs-kill',
  'dcs-freeze',
  'dcs-isolate',
  'dcs-quorum-loss',
  'kill9-agent',
  'freeze-agent',
  'kill-proxy',
] satisfies ManagerFaultKind[];

/** The kinds whose target is a member of the manager's DCS, not a database node. */
export const DCS_FAULT_KINDS: readonly FaultKind[] = ['dcs-kill', 'dcs-freeze', 'dcs-isolate', 'dcs-quorum-loss'];

/**
 * Whom a fault hits, resolved when it is injected, not when it is planned: after a failover
 * "the primary" is another node, and a replayed schedule must hit the node in the same role.
 * `{ standby: i }` is the i-th standby (0-based) of the current primary's standbys sorted by
 * name, modulo their count; `{ node }` names one node outright.
 */
export type FaultTarget = 'primary' | { standby: number } | { node: string };

/** Parameters of the kinds that take them; see `FAULT_KINDS`. */
export interface FaultParams {
  /** `one-way-loss`: the peer whose packets from the target are dropped. */
  to?: FaultTarget;
  /** `split`: the groups, as targets; every node not named joins the first group. */
  groups?: FaultTarget[][];
  /** `packet-loss`: fraction of packets dropped, 0–1. */
  rate?: number;
  /** `bandwidth`: limit of outgoing traffic, kbit/s. */
  kbit?: number;
}

/** One fault: a plain JSON value. */
export interface Fault {
  kind: FaultKind;
  target: FaultTarget;
  params?: FaultParams;
}

/** A fault placed in time: injected at `atMs` from the schedule's start, healed `durationMs` later. */
export interface ScheduledFault extends Fault {
  /** Position in the schedule as generated (kept through shrinking, so a fault keeps its name). */
  id: number;
  /** Injection time, ms from the start of the schedule. */
  atMs: number;
  /** Time until the heal, ms. */
  durationMs: number;
}

/** A run's faults in time. A plain JSON value: recorded, saved, replayed and shrunk as is. */
export interface Schedule {
  /** The seed it was drawn from (a 32-bit unsigned integer); kept through shrinking, for the record. */
  seed: number;
  /** Length of the fault phase, ms: every fault is healed by then (`atMs + durationMs <= durationMs`). */
  durationMs: number;
  /** Length of the recovery window after the fault phase, ms, with no fault in it. */
  recoveryMs: number;
  /** The faults, sorted by `atMs`, then `id`. */
  faults: ScheduledFault[];
}

/**
 * A scheduled fault as it was played: the nodes it hit and took out (see the catalogue's
 * `InjectedFault.failed`), from `faultT` (when its injection began; `effectiveT` when it was done)
 * to `healT` (when its heal was done; absent: never healed), ms on the scenario clock, and how late
 * the injection began against the schedule (`driftMs`: the runner's own latency, or a heal of the
 * same node it waited for).
 */
export interface PlayedFault {
  /** `ScheduledFault.id`. */
  id: number;
  /** `describeFault` of the fault with its targets resolved. */
  what: string;
  kind: FaultKind;
  nodes: string[];
  failed: string[];
  faultT: number;
  effectiveT: number;
  healT?: number;
  /** The fault took the primary of the moment out. */
  primaryOut: boolean;
  driftMs: number;
}

/** A scheduled fault that could not be injected (its node was down, …), with the reason. */
export interface SkippedFault {
  id: number;
  what: string;
  reason: string;
  /** Its kind (absent in records written before it was kept). */
  kind?: FaultKind;
  /**
   * The catalogue's injection had begun when it failed, so what it did is unknown (a host may
   * have been powered off before the error); false when it was refused before anything was done
   * (its node held by another fault, or fenced).
   */
  attempted?: boolean;
}

/** A short human name of a fault, e.g. `crash-host-silent primary` or `split [primary] | [standby 1]`. */
export function describeFault(f: Fault): string {
  const params: string[] = [];
  if (f.params?.to !== undefined) params.push(`to ${describeTarget(f.params.to)}`);
  if (f.params?.groups) params.push(f.params.groups.map((g) => `[${g.map(describeTarget).join(', ')}]`).join(' | '));
  if (f.params?.rate !== undefined) params.push(`${Math.round(f.params.rate * 100)} %`);
  if (f.params?.kbit !== undefined) params.push(`${f.params.kbit} kbit/s`);
  return [f.kind, describeTarget(f.target), ...params].join(' ');
}

/** `primary`, `standby 1`, or the node's name. */
export function describeTarget(t: FaultTarget): string {
  return t === 'primary' ? 'primary' : 'standby' in t ? `standby ${t.standby}` : t.node;
}
