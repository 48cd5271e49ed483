/**
 * The report's view of one scenario record: pure functions from the record to what the page
 * draws (smoothed TPS, fault intervals, lag series, sync_state lanes, verdict windows and bars)
 * and to the cluster-state tables at each fault and move. Nothing here touches the file system
 * or the browser; `report.ts` writes the results into the page as JSON and `client.ts` draws them.
 */
import { stepOf } from '../checks/sync-state.ts';
import { checkIdOf, type CheckId, type EvidenceById } from '../checks/describe.ts';
import type { Disagreement } from '../checks/model-agreement.ts';
import { CHECK_IDS, type VerdictStatus } from '../checks/verdict.ts';
import type { ObserverSample, SyncTransition, WriterSample } from '../history/samples.ts';
import { lsnDiff, type Lsn } from '../lsn.ts';
import type { ScenarioEvent, ScenarioRecord } from './record.ts';

/** Seconds, rounded to the millisecond: the page's time unit (ms on the scenario clock / 1000). */
const sec = (ms: number) => Math.round(ms) / 1000;
const r2 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 100) / 100);

/** The sampling interval of samples (the writer's 100 ms by default). */
export function intervalOf(samples: ReadonlyArray<{ t: number }>, fallback = 100): number {
  return samples.length > 1 ? samples[1]!.t - samples[0]!.t : fallback;
}

/**
 * TPS averaged over a window of `windowMs` centred on each sample (pgbench -P 1 reads per
 * second; centring keeps a stall's edge where the raw 100 ms line has it). At the edges the
 * window holds fewer samples; the mean is over the samples it holds.
 */
export function smoothTps(samples: readonly WriterSample[], windowMs = 1000): number[] {
  const interval = intervalOf(samples);
  const k = Math.max(1, Math.round(windowMs / interval));
  const prefix = [0];
  for (const s of samples) prefix.push(prefix[prefix.length - 1]! + s.commits);
  return samples.map((_, i) => {
    const from = Math.max(0, i - Math.floor((k - 1) / 2));
    const to = Math.min(samples.length, i - Math.floor((k - 1) / 2) + k);
    return ((prefix[to]! - prefix[from]!) * 1000) / ((to - from) * interval);
  });
}

/** A fault drawn as a shaded interval: from its injection to its heal, or to the end of the story. */
export interface FaultInterval {
  /** Number shared with moves, in time order: the label on the charts and in the event list. */
  n: number;
  from: number;
  to: number;
  what: string;
  /** The fault's kind (history/fault.ts `FaultKind`); `fault` for a fault event that carries no typed fault (older records). */
  kind: string;
  /** Its kind and the nodes it hit by name, e.g. `freeze-postmaster s2`, `one-way-loss s1 → s2`. */
  label: string;
  /** The band's colour: one per kind (`faultColor`). */
  color: string;
  healedBy?: string;
  /** Never healed: it lasted to the end of the scenario. */
  open: boolean;
  /** Open on purpose: the story said it lasts to the end, and why (`Recorder.lastsToEnd`). */
  lastsToEnd?: string;
}

/** A move drawn as a vertical marker. */
export interface MoveMark {
  n: number;
  t: number;
  what: string;
}

/**
 * A colour per fault kind, by family: crashes red, stops orange, freezes purple, network faults
 * blue and teal, replication-process faults pink and grey, a full pg_wal brown. A kind not
 * listed (a newer catalogue's) gets the crash red.
 */
export const FAULT_COLORS: Readonly<Record<string, string>> = {
  'crash-host-loud': '#cf222e',
  'crash-host-silent': '#8b0820',
  'kill9-postmaster': '#f0605a',
  'stop-fast': '#e8710a',
  'stop-immediate': '#a33f00',
  'freeze-host': '#6f3fd0',
  'freeze-postmaster': '#b08cf5',
  isolate: '#0969da',
  'one-way-loss': '#4aa3f0',
  split: '#033d8b',
  'packet-loss': '#1b7c83',
  bandwidth: '#3fb5c9',
  'kill-walreceiver': '#e85aad',
  'kill-walsender': '#bf3989',
  'pause-replay': '#6e7781',
  'wal-full': '#8c564b',
};

/** The band colour of a fault kind (`FAULT_COLORS`, else red). */
export function faultColor(kind: string): string {
  return Object.hasOwn(FAULT_COLORS, kind) ? FAULT_COLORS[kind]! : '#cf222e';
}

/**
 * A fault's name on the charts: its kind and the nodes it hit, by the names the catalogue
 * recorded at injection (`e.nodes`: a target planned as "standby 1" is named as the node it
 * resolved to). Kinds between two nodes read as an arrow: `one-way-loss s1 → s2` (s1's packets
 * to s2 dropped), `kill-walsender primary → s2` (the primary's walsender for s2). Without the
 * nodes, the planned target; without a typed fault (older records), the event's text.
 */
export function faultLabel(e: Pick<ScenarioEvent, 'what' | 'fault' | 'nodes'>): string {
  if (!e.fault) return e.what;
  const nodes = e.nodes ?? [];
  const t = e.fault.target;
  const planned = t === 'primary' ? 'primary' : 'node' in t ? t.node : `standby ${t.standby}`;
  const pair = (e.fault.kind === 'one-way-loss' || e.fault.kind === 'kill-walsender') && nodes.length === 2;
  return `${e.fault.kind} ${nodes.length ? nodes.join(pair ? ' → ' : ', ') : planned}`;
}

/** Faults as intervals and moves as marks, numbered together in time order; `endT` closes the faults never healed. */
export function faultIntervals(events: readonly ScenarioEvent[], endT: number): { faults: FaultInterval[]; moves: MoveMark[] } {
  const faults: FaultInterval[] = [];
  const moves: MoveMark[] = [];
  numbered(events).forEach(({ e, n }) => {
    if (e.kind === 'fault') {
      const healed = typeof e.until === 'number' && Number.isFinite(e.until);
      const kind = e.fault?.kind ?? 'fault';
      faults.push({
        n,
        from: e.t,
        to: healed ? Math.max(e.t, e.until!) : Math.max(e.t, endT),
        what: e.what,
        kind,
        label: faultLabel(e),
        color: faultColor(kind),
        ...(e.healedBy ? { healedBy: e.healedBy } : {}),
        open: !healed,
        ...(!healed && e.lastsToEnd ? { lastsToEnd: e.lastsToEnd } : {}),
      });
    } else moves.push({ n, t: e.t, what: e.what });
  });
  return { faults, moves };
}

/** Faults and moves in time order with their numbers (steps are not numbered). */
export function numbered(events: readonly ScenarioEvent[]): Array<{ e: ScenarioEvent; n: number }> {
  return events
    .filter((e) => e.kind === 'fault' || e.kind === 'move')
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.t - b.e.t || a.i - b.i)
    .map(({ e }, k) => ({ e, n: k + 1 }));
}

/**
 * The part of the scenario the charts show: from a little before the first sample or event of
 * the story to a little after the last (cluster start-up and the final reads have no samples and
 * would only squeeze the story). Ms on the scenario clock.
 */
export function storyWindow(r: Pick<ScenarioRecord, 'durationMs' | 'events' | 'writer' | 'observer'>): { from: number; to: number } {
  const w = r.writer?.samples ?? [];
  const o = (r.observer?.samples ?? []).filter((s) => !s.error);
  const marks = r.events.filter((e) => e.kind !== 'step');
  const starts = [w[0]?.t, o[0]?.t, ...marks.map((e) => e.t)].filter((x): x is number => typeof x === 'number');
  const ends = [
    w.length ? w[w.length - 1]!.t + intervalOf(w) : undefined,
    o.length ? o[o.length - 1]!.t : undefined,
    ...marks.map((e) => Math.max(e.t, e.until ?? e.t)),
  ].filter((x): x is number => typeof x === 'number');
  if (starts.length === 0) return { from: 0, to: Math.max(1, r.durationMs) };
  const from = Math.max(0, Math.min(...starts) - 300);
  const to = Math.max(from + 1, Math.min(Math.max(r.durationMs, ...ends), Math.max(...ends) + 300));
  return { from, to };
}

/** Bytes `b` is behind `a` (0 when ahead or equal), null when either is missing or not an LSN. */
export function bytesBehind(a: Lsn | null | undefined, b: Lsn | null | undefined): number | null {
  if (!a || !b) return null;
  try {
    const d = Number(lsnDiff(a, b));
    return d > 0 ? d : 0;
  } catch {
    return null;
  }
}

/** Every standby name the observer saw, in the order first seen. */
export function standbyNames(samples: readonly ObserverSample[]): string[] {
  const names: string[] = [];
  for (const s of samples) for (const row of s.standbys ?? []) if (!names.includes(row.name)) names.push(row.name);
  return names;
}

/**
 * Per standby, bytes behind the primary's flush LSN (its flush and its replay position) at each
 * sample; null while it had no walsender, and at a sample that failed (the primary down or cut
 * off), so the chart shows a gap there rather than a line drawn across the outage.
 */
export function lagBytes(samples: readonly ObserverSample[]): {
  t: number[];
  series: Array<{ name: string; flush: Array<number | null>; replay: Array<number | null> }>;
} {
  const ok = (s: ObserverSample) => !s.error && !!s.flushLsn;
  const behind = (s: ObserverSample, name: string, at: 'flushLsn' | 'replayLsn') =>
    ok(s) ? bytesBehind(s.flushLsn, s.standbys.find((r) => r.name === name)?.[at]) : null;
  const series = standbyNames(samples.filter(ok)).map((name) => ({
    name,
    flush: samples.map((s) => behind(s, name, 'flushLsn')),
    replay: samples.map((s) => behind(s, name, 'replayLsn')),
  }));
  return { t: samples.map((s) => s.t), series };
}

/** Per standby, pg_stat_replication's write_lag, flush_lag and replay_lag (ms) at each sample; null at a failed one (a gap, as in lagBytes). */
export function lagTimes(samples: readonly ObserverSample[]): {
  t: number[];
  series: Array<{ name: string; write: Array<number | null>; flush: Array<number | null>; replay: Array<number | null> }>;
} {
  const ok = samples.filter((s) => !s.error);
  const series = standbyNames(ok).map((name) => {
    const rows = samples.map((s) => (s.error ? undefined : s.standbys.find((r) => r.name === name)));
    return {
      name,
      write: rows.map((r) => r2(r?.writeLagMs)),
      flush: rows.map((r) => r2(r?.flushLagMs)),
      replay: rows.map((r) => r2(r?.replayLagMs)),
    };
  });
  return { t: samples.map((s) => s.t), series };
}

/** One stretch of a sync_state lane. */
export interface LaneSpan {
  node: string;
  from: number;
  to: number;
  /** `streaming/quorum`, `absent`, `primary`, … (see `stepOf`). */
  step: string;
  syncState: string;
}

/**
 * The lanes: one per node, each transition a span to the next one (the last to `endT`). Nodes in
 * the order: the first primary, then by name. A node never seen (only `absent`) gets no lane.
 */
export function laneSpans(transitions: Record<string, SyncTransition[]>, endT: number): { nodes: string[]; spans: LaneSpan[] } {
  const seen = Object.keys(transitions).filter((n) => (transitions[n] ?? []).some((t) => t.state !== 'absent'));
  const firstPrimary = seen.find((n) => transitions[n]![0]?.state === 'primary');
  const nodes = [...(firstPrimary ? [firstPrimary] : []), ...seen.filter((n) => n !== firstPrimary).sort()];
  const spans = nodes.flatMap((node) =>
    transitions[node]!.map((tr, i, all) => ({
      node,
      from: tr.t,
      to: Math.max(tr.t, all[i + 1]?.t ?? endT),
      step: stepOf(tr),
      syncState: tr.syncState,
    })),
  );
  return { nodes, spans };
}

/** The step of `node` at `t` from its spans (`—` before the first). */
export function stepAt(spans: readonly LaneSpan[], node: string, t: number): string {
  let step = '—';
  for (const s of spans) if (s.node === node && s.from <= t) step = s.step;
  return step;
}

/** Something a verdict judged, drawn over a panel: the window it looked at, a bound, a point it found. */
export type Overlay =
  | { kind: 'window'; from: number; to: number; status: VerdictStatus; label: string }
  | { kind: 'bar'; from: number; to: number; y: number; status: VerdictStatus; label: string }
  | { kind: 'mark'; t: number; status: VerdictStatus; label: string };

const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const fmtMs = (ms: number) => (Math.abs(ms) >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${Math.round(ms)} ms`);

/** What one check draws: overlays on the throughput panel and on the lanes, and the steady TPS it judged against. */
interface Drawn {
  tps?: Overlay[];
  lanes?: Overlay[];
  steadyTps?: number;
}

/**
 * The chart overlays of each shipped check, by verdict id (checks/verdict.ts `CHECK_IDS`), from
 * its typed evidence (checks/throughput.ts, checks/model-agreement.ts). Each reads its fields
 * defensively: a record of another version may carry other evidence under the same id.
 */
const OVERLAYS: { [K in CheckId]?: (e: Partial<EvidenceById[K]>, status: VerdictStatus, intervalMs: number) => Drawn } = {
  // StallEvidence: the window after the fault in which commits had to stop, and the first zero interval.
  [CHECK_IDS.stall]: (e, status) => {
    if (!num(e.faultT) || !num(e.withinMs)) return {};
    const tps: Overlay[] = [
      { kind: 'window', from: e.faultT, to: e.faultT + e.withinMs, status, label: `stall within ${fmtMs(e.withinMs)}` },
    ];
    if (num(e.firstZeroT))
      tps.push({ kind: 'mark', t: e.firstZeroT, status, label: `0 TPS${num(e.zeroIntervals) ? ` ×${e.zeroIntervals}` : ''}` });
    return { tps };
  },
  // RecoveryEvidence: the window after the repair, the bar TPS had to reach, and when it did.
  [CHECK_IDS.recover]: (e, status) => {
    if (!num(e.repairT) || !num(e.withinMs) || !num(e.steadyTps)) return {};
    const fraction = num(e.fraction) ? e.fraction : 0.5;
    const to = e.repairT + e.withinMs;
    const tps: Overlay[] = [
      { kind: 'window', from: e.repairT, to, status, label: `recover within ${fmtMs(e.withinMs)}` },
      {
        kind: 'bar',
        from: e.repairT,
        to,
        y: fraction * e.steadyTps,
        status,
        label: `${Math.round(fraction * 100)}% of steady ${e.steadyTps.toFixed(0)}`,
      },
    ];
    if (num(e.recoveredT)) tps.push({ kind: 'mark', t: e.recoveredT, status, label: `back +${fmtMs(e.recoveredT - e.repairT)}` });
    return { tps, ...(e.steadyTps > 0 ? { steadyTps: e.steadyTps } : {}) };
  },
  // SustainedEvidence: the window in which writes had to go on, and the bar they had to stay above.
  [CHECK_IDS.sustained]: (e, status) => {
    if (!num(e.fromT) || !num(e.toT) || !num(e.steadyTps)) return {};
    const fraction = num(e.fraction) ? e.fraction : 0.5;
    const tps: Overlay[] = [
      { kind: 'window', from: e.fromT, to: e.toT, status, label: 'writes go on' },
      {
        kind: 'bar',
        from: e.fromT,
        to: e.toT,
        y: fraction * e.steadyTps,
        status,
        label: `${Math.round(fraction * 100)}% of steady ${e.steadyTps.toFixed(0)}`,
      },
    ];
    return { tps, ...(e.steadyTps > 0 ? { steadyTps: e.steadyTps } : {}) };
  },
  // ModelAgreementEvidence: each stretch in which pg_stat_replication differed from the model, on the lanes.
  [CHECK_IDS.modelAgreement]: (e, status, intervalMs) => {
    if (!Array.isArray(e.disagreements)) return {};
    const lanes = (e.disagreements as Partial<Disagreement>[]).flatMap((d): Overlay[] =>
      num(d.fromT) && num(d.toT)
        ? [
            {
              kind: 'window',
              from: d.fromT,
              to: d.toT + intervalMs,
              status: status === 'passed' ? 'unknown' : status,
              label: 'model ≠ pg_stat_replication',
            },
          ]
        : [],
    );
    return { lanes };
  },
};

/**
 * What the throughput and model verdicts judged, as overlays, found by verdict id
 * (`verdictId`: a record written before ids by its check's old name), never by the shape of the
 * evidence: a check of a scenario author's own draws nothing, whatever its evidence holds.
 * Ms on the scenario clock; `tps` overlays go on the throughput panel, `lanes` on the sync_state
 * lanes; `steadyTps` is the first steady TPS a recovery or writes-go-on verdict judged against.
 */
export function verdictOverlays(
  verdicts: ScenarioRecord['verdicts'],
  intervalMs = 100,
): { tps: Overlay[]; lanes: Overlay[]; steadyTps: number | null } {
  const tps: Overlay[] = [];
  const lanes: Overlay[] = [];
  let steadyTps: number | null = null;
  for (const v of verdicts) {
    const id = checkIdOf(v);
    const draw = id && (OVERLAYS[id] as ((e: unknown, status: VerdictStatus, intervalMs: number) => Drawn) | undefined);
    if (!draw || !v.evidence || typeof v.evidence !== 'object') continue;
    const d = draw(v.evidence, v.status, intervalMs);
    tps.push(...(d.tps ?? []));
    lanes.push(...(d.lanes ?? []));
    if (d.steadyTps !== undefined) steadyTps ??= d.steadyTps;
  }
  return { tps, lanes, steadyTps };
}

/** One node's line in a cluster-state table (like `patronictl list`). */
export interface NodeState {
  node: string;
  role: 'primary' | 'standby' | 'unknown';
  /** pg_stat_replication.state; `running` for the primary; `absent` for a node with no walsender. */
  state: string;
  syncState: string | null;
  syncPriority: number | null;
  timeline: number | null;
  sentLsn: Lsn | null;
  flushLsn: Lsn | null;
  replayLsn: Lsn | null;
  /** Bytes the node's replay position is behind the primary's flush LSN. */
  behindBytes: number | null;
  replayLagMs: number | null;
}

/** The cluster as the primary's pg_stat_replication showed it at one observer sample. */
export interface ClusterState {
  /** The sample's time (ms on the scenario clock). */
  sampleT: number;
  primary: string;
  syncRepWaiters: number | null;
  synchronousStandbyNames: string | null;
  nodes: NodeState[];
}

/**
 * The cluster at `t`, reconstructed from the first successful observer sample at or after `t`
 * (what a DBA running `patronictl list` right then would have seen), else the last one before.
 * Nodes the record knows (logs, lanes, samples) with no walsender are listed as `absent`.
 * Timelines come from the metrics `timelineBefore` / `timelineAfter` when recorded: the first
 * primary is on the first, the last (after a change of primary) on the second; a streaming
 * standby is on its primary's. Null when no sample succeeded.
 */
export function clusterStateAt(r: Pick<ScenarioRecord, 'observer' | 'logs' | 'metrics'>, t: number): ClusterState | null {
  const ok = (r.observer?.samples ?? []).filter((s) => !s.error && s.primary && s.primary !== '?');
  if (ok.length === 0) return null;
  const sample = ok.find((s) => s.t >= t) ?? ok[ok.length - 1]!;
  const firstPrimary = ok[0]!.primary;
  const lastPrimary = ok[ok.length - 1]!.primary;
  const changedBefore = ok.some((s) => s.t <= sample.t && s.primary !== firstPrimary);
  const before = num(r.metrics?.timelineBefore) ? r.metrics.timelineBefore : null;
  const after = num(r.metrics?.timelineAfter) ? r.metrics.timelineAfter : null;
  const primaryTimeline =
    !changedBefore && sample.primary === firstPrimary ? before : changedBefore && sample.primary === lastPrimary ? after : null;
  const known = [
    ...Object.keys(r.logs ?? {}),
    ...Object.keys(r.observer?.transitions ?? {}),
    ...ok.flatMap((s) => [s.primary, ...s.standbys.map((x) => x.name)]),
  ];
  const names = [...new Set(known)];
  const primary: NodeState = {
    node: sample.primary,
    role: 'primary',
    state: 'running',
    syncState: null,
    syncPriority: null,
    timeline: primaryTimeline,
    sentLsn: null,
    flushLsn: sample.flushLsn ?? null,
    replayLsn: null,
    behindBytes: null,
    replayLagMs: null,
  };
  const standbys: NodeState[] = sample.standbys.map((row) => ({
    node: row.name,
    role: 'standby',
    state: row.state,
    syncState: row.syncState,
    syncPriority: row.syncPriority,
    timeline: row.state === 'streaming' ? primaryTimeline : null,
    sentLsn: row.sentLsn,
    flushLsn: row.flushLsn,
    replayLsn: row.replayLsn,
    behindBytes: bytesBehind(sample.flushLsn, row.replayLsn),
    replayLagMs: r2(row.replayLagMs),
  }));
  const listed = new Set([sample.primary, ...standbys.map((s) => s.node)]);
  const absent: NodeState[] = names
    .filter((n) => !listed.has(n))
    .sort()
    .map((node) => ({
      node,
      role: 'unknown',
      state: 'absent',
      syncState: null,
      syncPriority: null,
      timeline: null,
      sentLsn: null,
      flushLsn: null,
      replayLsn: null,
      behindBytes: null,
      replayLagMs: null,
    }));
  return {
    sampleT: sample.t,
    primary: sample.primary,
    syncRepWaiters: sample.syncRepWaiters ?? null,
    synchronousStandbyNames: sample.settings?.synchronousStandbyNames ?? null,
    nodes: [primary, ...standbys, ...absent],
  };
}

/** What the page draws for one scenario: columnar series in seconds, ready for uPlot. */
export interface ChartData {
  /** Epoch ms of the scenario's t = 0 (for wall-clock labels); null when unknown. */
  t0: number | null;
  /** The x range every panel shares, seconds. */
  range: [number, number];
  faults: Array<Omit<FaultInterval, 'from' | 'to'> & { from: number; to: number }>;
  moves: MoveMark[];
  /** Writer panels: x, raw TPS per interval, 1 s mean, acked/failed/unknown batches per interval, latency, SyncRep waiters. */
  writer: {
    x: number[];
    tps: Array<number | null>;
    tps1s: Array<number | null>;
    acked: Array<number | null>;
    failed: Array<number | null>;
    unknown: Array<number | null>;
    latMean: Array<number | null>;
    latP99: Array<number | null>;
    waiters: Array<number | null>;
    intervalMs: number;
  } | null;
  lagBytes: { x: number[]; series: Array<{ name: string; flush: Array<number | null>; replay: Array<number | null> }> } | null;
  lagTimes: {
    x: number[];
    series: Array<{ name: string; write: Array<number | null>; flush: Array<number | null>; replay: Array<number | null> }>;
  } | null;
  lanes: { nodes: string[]; spans: LaneSpan[]; x: number[]; steps: string[][] } | null;
  overlays: { tps: Overlay[]; lanes: Overlay[]; steadyTps: number | null };
}

/** Pads columnar data with the window's ends (null values), so every panel's x range is the same. */
function pad<T extends Record<string, unknown>>(x: number[], cols: T, from: number, to: number): { x: number[] } & T {
  const lead = x.length === 0 || x[0]! > from;
  const tail = x.length === 0 || x[x.length - 1]! < to;
  const out: Record<string, unknown> = { x: [...(lead ? [from] : []), ...x, ...(tail ? [to] : [])] };
  const padCol = (c: unknown): unknown =>
    Array.isArray(c) && c.length === x.length ? [...(lead ? [null] : []), ...c, ...(tail ? [null] : [])] : c;
  for (const [k, v] of Object.entries(cols)) {
    out[k] =
      Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null && !Array.isArray(v[0])
        ? (v as Array<Record<string, unknown>>).map((s) => Object.fromEntries(Object.entries(s).map(([kk, vv]) => [kk, padCol(vv)])))
        : padCol(v);
  }
  return out as { x: number[] } & T;
}

/** Keeps the indices of `t` inside [from, to]. */
function inside(t: readonly number[], from: number, to: number): number[] {
  return t.flatMap((v, i) => (v >= from && v <= to ? [i] : []));
}

/** The chart data of a record (times cropped to the story and converted to seconds). */
export function chartData(r: ScenarioRecord): ChartData {
  const win = storyWindow(r);
  const { faults, moves } = faultIntervals(r.events, r.durationMs);
  const from = sec(win.from);
  const to = sec(win.to);
  const samples = r.writer?.samples ?? [];
  const all = r.observer?.samples ?? [];
  const obs = all.filter((s) => !s.error);
  const interval = intervalOf(samples);
  let writer: ChartData['writer'] = null;
  if (samples.length > 0) {
    const smooth = smoothTps(samples);
    const idx = inside(
      samples.map((s) => s.t),
      win.from,
      win.to,
    );
    // SyncRep waiters at each writer interval: the last observer sample at or before it.
    let j = -1;
    const waiters = samples.map((s) => {
      while (j + 1 < obs.length && obs[j + 1]!.t <= s.t + interval) j++;
      return j >= 0 ? (obs[j]!.syncRepWaiters ?? null) : null;
    });
    const pick = <T>(a: T[]) => idx.map((i) => a[i]!);
    writer = {
      ...pad(
        pick(samples.map((s) => sec(s.t))),
        {
          tps: pick(samples.map((s) => r2(s.tps))),
          tps1s: pick(smooth.map(r2)),
          acked: pick(samples.map((s) => s.commits)),
          failed: pick(samples.map((s) => s.failed)),
          unknown: pick(samples.map((s) => s.unknown)),
          latMean: pick(samples.map((s) => r2(s.latMeanMs))),
          latP99: pick(samples.map((s) => r2(s.latP99Ms))),
          waiters: pick(waiters),
        },
        from,
        to,
      ),
      intervalMs: interval,
    };
  }
  // Every sample, the failed ones too: a null there is a gap in the chart, not a line across the outage.
  const bytes = lagBytes(all);
  const times = lagTimes(all);
  const cropCols = <S extends Record<string, unknown>>(t: number[], series: S[]) => {
    const idx = inside(t, win.from, win.to);
    const crop = (a: unknown) => (Array.isArray(a) ? idx.map((i) => a[i]) : a);
    return pad(
      idx.map((i) => sec(t[i]!)),
      { series: series.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, crop(v)])) as S) },
      from,
      to,
    );
  };
  const endT = Math.min(r.durationMs, win.to);
  const { nodes, spans } = laneSpans(r.observer?.transitions ?? {}, endT);
  const laneT = pad(
    obs.map((s) => s.t).filter((t) => t >= win.from && t <= win.to),
    {},
    win.from,
    win.to,
  ).x;
  const lanes = nodes.length
    ? {
        nodes,
        spans: spans
          .map((s) => ({ ...s, from: sec(Math.max(s.from, win.from)), to: sec(Math.min(s.to, win.to)) }))
          .filter((s) => s.to > s.from),
        x: laneT.map(sec),
        steps: nodes.map((n) => laneT.map((t) => stepAt(spans, n, t))),
      }
    : null;
  const ov = verdictOverlays(r.verdicts, interval);
  const secO = (o: Overlay): Overlay => (o.kind === 'mark' ? { ...o, t: sec(o.t) } : { ...o, from: sec(o.from), to: sec(o.to) });
  const t0 = Date.parse(r.startedAt);
  return {
    t0: Number.isFinite(t0) ? t0 : null,
    range: [from, to],
    faults: faults.map((f) => ({ ...f, from: sec(f.from), to: sec(f.to) })),
    moves: moves.map((m) => ({ ...m, t: sec(m.t) })),
    writer,
    lagBytes: bytes.series.length ? cropCols(bytes.t, bytes.series) : null,
    lagTimes: times.series.length ? cropCols(times.t, times.series) : null,
    lanes,
    overlays: { tps: ov.tps.map(secO), lanes: ov.lanes.map(secO), steadyTps: ov.steadyTps === null ? null : r2(ov.steadyTps) },
  };
}
