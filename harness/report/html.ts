/**
 * The run's `index.html`: one self-contained page (uPlot, its stylesheet, the page's script and
 * every scenario's chart data inlined) that opens offline. Reading order, as a DBA reads a run:
 * the run header (what ran where, with which config, the command), the verdict banner, the
 * majors matrix when there are several, the scenario list, then per scenario its status and
 * verdicts first, the synchronised panels, the cluster at each fault and move, metrics, logs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describeEvidence } from '../checks/describe.ts';
import { verdictId } from '../checks/verdict.ts';
import { isKnownMetric, metricInfo } from './metrics.ts';
import type { MetricValue, ScenarioEvent, ScenarioRecord } from './record.ts';
import { chartData, clusterStateAt, faultColor, faultLabel, numbered, type ChartData, type ClusterState } from './series.ts';
import type { MetricInfo, RunContext, Summary } from './summary.ts';
import { CLIENT_JS, REPORT_CSS } from './client.ts';
import { esc } from './kit.ts';
import { nemesisTables } from './nemesis-html.ts';

/** A `scenarios/*.json` that could not be read as a record. */
export interface BrokenRecord {
  /** File name under `scenarios/`. */
  file: string;
  reason: string;
}

/** A server log as the page shows it. */
export interface LogView {
  node: string;
  /** Relative to the run folder. */
  path: string;
  exists: boolean;
  /** ERROR / FATAL / PANIC lines in the whole log. */
  counts: Record<string, number>;
  /** Last lines (scenarios that did not pass only), with line numbers. */
  tail: Array<{ n: number; line: string }>;
  /** ERROR/FATAL/PANIC lines before the tail. */
  earlier: Array<{ n: number; line: string }>;
}

export interface ReportInput {
  summary: Summary;
  context: RunContext | null;
  records: ScenarioRecord[];
  broken: BrokenRecord[];
  /** Record id → its logs. */
  logs: Map<string, LogView[]>;
  /** Companion files present in the run folder (summary.json, junit.xml, …). */
  files: string[];
}

/** JSON for a `<script type="application/json">` block: nothing in it can close the block. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

let assets: { js: string; css: string } | null | undefined;

/** uPlot's script and stylesheet from the installed package (sources, dist/ and a user's node_modules alike); null when absent. */
export function uplotAssets(): { js: string; css: string } | null {
  if (assets !== undefined) return assets;
  try {
    const require = createRequire(import.meta.url);
    const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
    assets = { js: js.replace(/<\/script/gi, '<\\/script'), css };
  } catch {
    assets = null;
  }
  return assets;
}

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
/** `21.2 s`, `2 min 0 s`. */
export function dur(ms: number): string {
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** `2026-11-24 18:14:24 UTC` from an ISO time. */
export function utc(iso: string | undefined | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Wall clock of a time on a scenario's clock, to the millisecond. */
function wallAt(startedAt: string, t: number): string {
  const t0 = Date.parse(startedAt);
  return Number.isFinite(t0) ? new Date(t0 + t).toISOString().slice(11, 23) : '';
}

function bytes(v: number): string {
  const a = Math.abs(v);
  if (a >= 1073741824) return `${(v / 1073741824).toFixed(2)} GB`;
  if (a >= 1048576) return `${(v / 1048576).toFixed(1)} MB`;
  if (a >= 1024) return `${(v / 1024).toFixed(0)} kB`;
  return `${v} B`;
}

/**
 * A metric value for people, by its unit (the dictionary's, or what the scenario declared):
 * `ms` (seconds from 10 s up), `tps`, `bytes`, `bool` as yes/no; a metric of no unit (undeclared)
 * bare; null as `—`.
 */
export function formatMetric(name: string, v: MetricValue | undefined, unit = metricInfo(name).unit): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') {
    if (unit === 'ms') return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
    if (unit === 'tps') return `${v.toFixed(1)} TPS`;
    if (unit === 'bytes') return bytes(v);
    return Number.isInteger(v) ? String(v) : v.toFixed(2);
  }
  return String(v);
}

/** The metrics the matrix shows, in this order of preference: the first three a record has. */
const KEY_METRICS = [
  'writeOutageMs',
  'stallMs',
  'recoveryMs',
  'lostAcked',
  'rewindMs',
  'recloneMs',
  'steadyTps',
  'divergedBytes',
  'unknownOutcome',
];

export function keyMetrics(r: Pick<ScenarioRecord, 'metrics'>, n = 3): Array<[string, string]> {
  return KEY_METRICS.filter((k) => r.metrics[k] !== undefined && r.metrics[k] !== null && typeof r.metrics[k] !== 'object')
    .slice(0, n)
    .map((k) => [k, formatMetric(k, r.metrics[k])]);
}

const pill = (status: string) => `<span class="pill ${esc(status)}">${esc(status)}</span>`;

/** The whole page. */
export function renderHtml(input: ReportInput): string {
  const { summary } = input;
  const lib = uplotAssets();
  const title = `pgchaos ${summary.run} — ${summary.status}`;
  const body = [
    header(input),
    matrix(input),
    scenarioList(input),
    ...input.broken.map(
      (b) =>
        `<div class="broken"><b>Broken record</b> <code>scenarios/${esc(b.file)}</code>: ${esc(b.reason)}. Its scenario's result is unknown; it counts as failed.</div>`,
    ),
    ...input.records.map((r) => scenarioSection(r, input.logs.get(r.id) ?? [])),
  ].join('\n');
  const noLib = lib
    ? ''
    : '<div class="broken">Charts are missing: the uplot package was not found next to pgchaos (reinstall pgchaos: <code>npm install</code>).</div>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${lib?.css ?? ''}</style><style>${REPORT_CSS}</style>
</head><body>
${noLib}${body}
${lib ? `<script>${lib.js}</script>\n<script>${CLIENT_JS}</script>` : ''}
</body></html>
`;
}

function header({ summary, context, records, files }: ReportInput): string {
  const c = context;
  const cfg = (c?.config ?? {}) as Record<string, unknown>;
  const writer =
    (cfg.writer as { clients?: number; batchRows?: number } | undefined) ??
    (records.find((r) => r.writer)?.writer as { clients?: number; batchRows?: number } | undefined);
  const servers = summary.majors
    .map((m) => {
      const r = records.find((x) => x.major === m && (x.postgres || x.image));
      const skipped = records.filter((x) => x.major === m && x.status === 'skipped').length;
      return r
        ? `<div><b>${m}</b>: ${esc(r.postgres ?? 'server version not recorded')}${r.image ? ` — image <code>${esc(r.image)}</code>` : ''}</div>`
        : skipped && records.every((x) => x.major !== m || x.status === 'skipped')
          ? `<div><b>${m}</b>: no scenario ran (${skipped} skipped)</div>`
          : `<div><b>${m}</b>: no scenario recorded</div>`;
    })
    .join('');
  const managers = [...new Set(records.map((r) => r.manager?.name).filter(Boolean))];
  const manager = typeof cfg.manager === 'string' ? cfg.manager : managers.join(', ');
  const shown = Object.entries(cfg).filter(
    ([k, v]) =>
      k !== 'writer' &&
      k !== 'manager' &&
      k !== 'patroniConfig' &&
      v !== undefined &&
      v !== null &&
      !(typeof v === 'object' && Object.keys(v as object).length === 0),
  );
  const cfgText = shown
    .map(([k, v]) => `<span class="mono">${esc(k)}</span> ${esc(typeof v === 'string' ? (v === '' ? "''" : v) : JSON.stringify(v))}`)
    .join(' · ');
  const host =
    c?.host && typeof c.host === 'object'
      ? `${esc(c.host.hostname)} (${esc(c.host.platform)}, ${c.host.cpus} CPUs, Node ${esc(c.host.node)}${c.host.docker ? `, ${esc(c.host.docker)}` : ''})`
      : '—';
  const facts: Array<[string, string]> = [
    [
      'started',
      esc(
        utc(
          c?.startedAt ??
            records
              .map((r) => r.startedAt)
              .filter(Boolean)
              .sort()[0],
        ),
      ),
    ],
    [
      'command',
      c?.command ? `<span class="cmd"><code>${esc(c.command)}</code><button class="copy" type="button">copy</button></span>` : '—',
    ],
    ['git', c ? (c.git ? `<span class="mono">${esc(c.git)}</span>` : 'not a git work tree') : '—'],
    ['pgchaos', esc(c?.pgchaos ?? '—')],
    ['host', host],
    ['PostgreSQL', servers || '—'],
    ['manager', manager ? `<b>${esc(manager)}</b>${managerConfig(cfg.patroniConfig)}` : 'builtin (not recorded)'],
    ['config', cfgText || '—'],
    ['writer', writer ? `${writer.clients ?? '?'} clients × ${writer.batchRows ?? '?'} rows per batch` : '—'],
    ...(c?.shard ? ([['shard', esc(c.shard)]] as Array<[string, string]>) : []),
  ];
  return `<header><h1>pgchaos run ${esc(summary.run)} ${pill(summary.status)}</h1>
<div class="banner ${esc(summary.status)}">${esc(bannerText(summary, records))}</div>
<dl class="facts">${facts.map(([a, b]) => `<dt>${esc(a)}</dt><dd>${b}</dd>`).join('')}</dl>
<div class="links">${files.map((f) => `<a href="${esc(f)}">${esc(f)}</a>`).join('')}${c ? '' : '<span class="muted">no run.json: the run header is unknown</span>'}</div></header>`;
}

/**
 * The verdict banner's sentence: `All 3 scenarios passed`, `1 of 3 scenarios failed`, or, when
 * every scenario was skipped, `No scenario ran: 1 skipped — <why>`; the skipped and why they were
 * (each reason once) after the others; then the counts and the majors.
 */
export function bannerText(summary: Pick<Summary, 'status' | 'counts' | 'majors'>, records: readonly ScenarioRecord[]): string {
  const k = summary.counts;
  const ran = k.passed + k.failed + k.interrupted;
  const reasons = [...new Set(records.filter((r) => r.status === 'skipped').map((r) => r.reason ?? 'no reason recorded'))];
  const skipped = k.skipped ? `${k.skipped} skipped — ${reasons.join('; ')}` : '';
  const headline =
    summary.status === 'skipped'
      ? `No scenario ran: ${skipped}`
      : `${summary.status === 'passed' ? `All ${ran} scenario${ran === 1 ? '' : 's'} passed` : `${k.failed} of ${ran} scenario${ran === 1 ? '' : 's'} failed${k.interrupted ? `, ${k.interrupted} interrupted` : ''}`}${skipped ? `; ${skipped}` : ''}`;
  const counts = `${k.passed} passed, ${k.failed} failed, ${k.interrupted} interrupted${k.skipped ? `, ${k.skipped} skipped` : ''}`;
  return `${headline} — ${counts}${summary.majors.length ? `; PostgreSQL ${summary.majors.join(', ')}` : ''}`;
}

/** Scenarios × majors, when the run covers several majors. */
function matrix({ summary, records }: ReportInput): string {
  const majors = summary.majors;
  if (majors.length < 2) return '';
  const rows = new Map<string, ScenarioRecord[]>();
  for (const r of records) {
    const k = `${r.file}\u0000${r.name}`;
    rows.set(k, [...(rows.get(k) ?? []), r]);
  }
  const body = [...rows.values()]
    .map((rs) => {
      const cells = majors.map((m) => {
        const r = rs.find((x) => x.major === m);
        if (!r) return '<td class="cell muted">not run</td>';
        const km = keyMetrics(r)
          .map(([k, v]) => `<span class="m">${esc(k)} ${esc(v)}</span>`)
          .join('');
        return `<td class="cell"><a href="#${esc(r.id)}">${pill(r.status)}</a>${km}</td>`;
      });
      return `<tr><td>${esc(rs[0]!.name)}<div class="muted mono">${esc(rs[0]!.file)}</div></td>${cells.join('')}</tr>`;
    })
    .join('');
  return `<h3>Matrix: scenarios × PostgreSQL majors</h3><table class="matrix"><tr><th>scenario</th>${majors.map((m) => `<th>PostgreSQL ${m}</th>`).join('')}</tr>${body}</table>`;
}

function verdictCounts(r: ScenarioRecord): string {
  const bad = r.verdicts.filter((v) => v.status !== 'passed');
  return `${r.verdicts.length - bad.length}/${r.verdicts.length}`;
}

function scenarioList({ records }: ReportInput): string {
  const rows = records
    .map((r) => {
      const bad = r.verdicts.find((v) => v.status !== 'passed');
      const why = bad
        ? `<span class="${bad.status}-t">${esc(bad.check)}</span>: ${esc(bad.summary)}`
        : r.error
          ? esc(r.error.split('\n')[0])
          : r.status === 'skipped'
            ? `<span class="skipped-t">skipped</span>: ${esc(r.reason ?? 'no reason recorded')}`
            : '';
      const ran = r.status !== 'skipped';
      const km = keyMetrics(r)
        .map(([k, v]) => `${esc(k)} ${esc(v)}`)
        .join('<br>');
      return `<tr><td>${pill(r.status)}</td><td><a href="#${esc(r.id)}">${esc(r.name)}</a></td><td>${r.major || '—'}</td><td>${ran ? dur(r.durationMs) : '—'}</td><td>${ran ? verdictCounts(r) : '—'}</td><td class="muted nowrap">${km}</td><td>${why}</td></tr>`;
    })
    .join('');
  return `<h3>Scenarios</h3><table class="list"><tr><th>status</th><th>scenario</th><th>PG</th><th>duration</th><th>verdicts passed</th><th>key figures</th><th>first verdict not passed, or why it did not run</th></tr>${rows}</table>`;
}

function scenarioSection(r: ScenarioRecord, logs: LogView[]): string {
  if (r.status === 'skipped') return skippedSection(r);
  const bad = r.verdicts.filter((v) => v.status !== 'passed');
  const verdictLine =
    r.verdicts.length === 0
      ? '<span class="muted">no verdict recorded</span>'
      : bad.length === 0
        ? `<span class="passed-t">all ${r.verdicts.length} verdicts passed</span>`
        : `<span class="failed-t">${bad.length} of ${r.verdicts.length} verdicts did not pass:</span> ${bad.map((v) => `<b>${esc(v.check)}</b>`).join(', ')}`;
  const verdicts = r.verdicts
    .map(
      (v) =>
        `<tr><td class="st">${pill(v.status)}</td><td><b>${esc(v.check)}</b> <span class="mono muted" title="the verdict's id: what compare and the matrix pair verdicts by">${esc(verdictId(v))}</span><br>${esc(v.summary)}<div class="ev">${esc(describeEvidence(v))}</div></td></tr>`,
    )
    .join('');
  const cl = r.cluster ?? {};
  const clusterText = Object.entries(cl)
    .map(
      ([k, v]) =>
        `<span class="mono">${esc(k)}</span> ${esc(typeof v === 'string' ? (v === '' ? "''" : v) : Array.isArray(v) ? v.join(', ') : JSON.stringify(v))}`,
    )
    .join(' · ');
  const data = chartData(r);
  const hasCharts = data.writer || data.lagBytes || data.lanes;
  return `<section class="scenario ${esc(r.status)}" id="${esc(r.id)}">
<div class="shead">${pill(r.status)}<h2>${esc(r.name)}</h2><span class="muted">PostgreSQL ${r.major || '?'} · ${dur(r.durationMs)} · started ${esc(utc(r.startedAt))}</span></div>
<div class="sub"><code>${esc(r.file)}</code>${r.manager ? ` · manager <b>${esc(r.manager.name)}</b>` : ''}${r.image ? ` · image <code>${esc(r.image)}</code>` : ''}${r.postgres ? ` · ${esc(r.postgres.split(' on ')[0])}` : ''}</div>
${clusterText ? `<div class="sub">${clusterText}${r.writer ? ` · writer ${r.writer.clients} clients × ${r.writer.batchRows} rows` : ''}</div>` : ''}
${r.rerun ? `<div class="cmd"><code>${esc(r.rerun)}</code><button class="copy" type="button">copy</button></div>` : ''}
<div class="verdict-line">${verdictLine}</div>
${r.error ? `<pre class="error">${esc(r.error)}</pre>` : ''}
<table class="verdicts">${verdicts}</table>
${hasCharts ? `${faultKey(data.faults)}<div class="charts" data-scenario="${esc(r.id)}"></div><script type="application/json" id="data-${esc(r.id)}">${scriptJson(data)}</script>${laneKey(data.lanes !== null)}` : '<p class="muted">No samples recorded: no charts.</p>'}
${nemesisTables(r.nemesis)}
${events(r)}
${states(r)}
${metrics(r)}
${sections(r)}
${managerViews(r)}
${logSection(r, logs)}
</section>`;
}

/** A story that never started: why, and how to rerun it; no cluster, verdicts, charts or logs to show. */
function skippedSection(r: ScenarioRecord): string {
  return `<section class="scenario skipped" id="${esc(r.id)}">
<div class="shead">${pill(r.status)}<h2>${esc(r.name)}</h2><span class="muted">PostgreSQL ${r.major || '?'} · skipped ${esc(utc(r.startedAt))}</span></div>
<div class="sub"><code>${esc(r.file)}</code></div>
${r.rerun ? `<div class="cmd"><code>${esc(r.rerun)}</code><button class="copy" type="button">copy</button></div>` : ''}
<div class="verdict-line"><span class="skipped-t">Not run, nothing verified:</span> ${esc(r.reason ?? 'no reason recorded')}</div>
</section>`;
}

/**
 * The key of the fault bands: one line per kind, in its colour, listing each fault of that kind by
 * its number and the nodes it hit, when it was in effect (seconds, as on the x axis), and whether
 * it was healed or lasts to the end (and why).
 */
export function faultKey(faults: ChartData['faults']): string {
  if (faults.length === 0) return '';
  const kinds = [...new Set(faults.map((f) => f.kind))];
  const lines = kinds.map((kind) => {
    const of = faults.filter((f) => f.kind === kind);
    const items = of.map((f) => {
      const target = f.label.startsWith(`${kind} `) ? f.label.slice(kind.length + 1) : f.label;
      const span = f.open
        ? `${f.from.toFixed(1)} s → end${f.lastsToEnd ? ` (${esc(f.lastsToEnd)})` : ' (never healed)'}`
        : `${f.from.toFixed(1)}–${f.to.toFixed(1)} s`;
      return `<span class="fk-item"><span class="num" style="background:${esc(f.color)}">${f.n}</span> ${esc(target)} <span class="muted">${span}</span></span>`;
    });
    const name = kind === 'fault' ? 'fault <span class="muted">(kind not recorded: an older record)</span>' : esc(kind);
    return `<div><span class="fk-swatch" style="background:${esc(of[0]!.color)}"></span><b class="mono">${name}</b> ${items.join(' ')}</div>`;
  });
  return `<div class="fault-key"><span class="muted">faults by kind (bands closed at their heal; a dashed strip with an arrow lasts to the end):</span>${lines.join('')}</div>`;
}

function laneKey(show: boolean): string {
  if (!show) return '';
  const colors: Array<[string, string, string]> = [
    ['primary', '#3b6fd0', '#fff'],
    ['sync', '#1a7f37', '#fff'],
    ['quorum', '#2da44e', '#fff'],
    ['potential', '#e3a008', '#1b1f24'],
    ['async', '#9cc3e6', '#1b1f24'],
    ['absent (no walsender)', '#f6d5d5', '#1b1f24'],
  ];
  return `<div class="lane-key muted">sync_state: ${colors.map(([n, bg, fg]) => `<span style="background:${bg};color:${fg}">${esc(n)}</span>`).join('')}</div>`;
}

/** An event's number as on the charts: a fault's in its kind's colour. */
function numTag(e: ScenarioEvent, n: number): string {
  const style = e.kind === 'fault' && e.fault ? ` style="background:${esc(faultColor(e.fault.kind))}"` : '';
  return `<span class="num ${e.kind}"${style}>${n}</span>`;
}

/** An event's text; a fault by its kind and the nodes it hit, with the target as planned when that differs ("standby 1"). */
function eventName(e: ScenarioEvent): string {
  if (e.kind !== 'fault') return esc(e.what);
  const label = faultLabel(e);
  return label === e.what ? esc(label) : `${esc(label)} <span class="muted">(planned: ${esc(e.what)})</span>`;
}

function events(r: ScenarioRecord): string {
  if (r.events.length === 0) return '';
  const nums = new Map(numbered(r.events).map(({ e, n }) => [e, n]));
  const rows = [...r.events]
    .sort((a, b) => a.t - b.t)
    .map((e) => {
      const n = nums.get(e);
      const until =
        e.kind === 'fault'
          ? typeof e.until === 'number'
            ? `until ${sec(e.until)}${e.healedBy ? ` (${esc(e.healedBy)})` : ''}`
            : `to the end${e.lastsToEnd ? ` (${esc(e.lastsToEnd)})` : ''}`
          : '';
      const detail = e.detail && Object.keys(e.detail).length ? JSON.stringify(e.detail) : '';
      const shortDetail =
        detail.length > 160
          ? `<details><summary>${esc(detail.slice(0, 120))}…</summary><pre>${esc(JSON.stringify(e.detail, null, 1))}</pre></details>`
          : esc(detail);
      return `<tr class="${e.kind}"><td class="t">${n ? `${numTag(e, n)}` : ''}</td><td class="t">${sec(e.t)}</td><td class="t muted">${esc(wallAt(r.startedAt, e.t))}</td><td class="k">${e.kind}</td><td>${eventName(e)}${until ? ` <span class="muted">${until}</span>` : ''}${shortDetail ? `<div class="muted mono">${shortDetail}</div>` : ''}</td></tr>`;
    })
    .join('');
  return `<h3>Events</h3><table class="events"><tr><th>#</th><th>t</th><th>UTC</th><th>kind</th><th>what</th></tr>${rows}</table>`;
}

function stateTable(s: ClusterState): string {
  const rows = s.nodes
    .map((x) => {
      const cells = [
        x.node,
        x.role === 'unknown' ? '—' : x.role,
        x.state,
        x.syncState === null ? '' : `${x.syncState}${x.syncPriority !== null ? ` (${x.syncPriority})` : ''}`,
        x.timeline ?? '',
        x.flushLsn ?? '',
        x.replayLsn ?? '',
        x.behindBytes === null ? '' : bytes(x.behindBytes),
        x.replayLagMs === null ? '' : `${Math.round(x.replayLagMs)} ms`,
      ];
      return `<tr${x.state === 'absent' ? ' class="muted"' : ''}>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
    })
    .join('');
  return `<table><tr><th>node</th><th>role</th><th>state</th><th>sync (prio)</th><th title="timeline">TL</th><th>flush LSN</th><th>replay LSN</th><th title="replay LSN behind the primary's flush LSN">behind</th><th title="pg_stat_replication.replay_lag">lag</th></tr>${rows}</table>`;
}

function states(r: ScenarioRecord): string {
  const marks = numbered(r.events);
  if (marks.length === 0 || !(r.observer?.samples ?? []).length) return '';
  const cards = marks
    .map(({ e, n }) => {
      const s = clusterStateAt(r, e.t);
      if (!s) return '';
      const note = `sampled ${s.sampleT >= e.t ? '+' : ''}${Math.round(s.sampleT - e.t)} ms after · ${s.syncRepWaiters ?? '?'} commits waiting on SyncRep${s.synchronousStandbyNames !== null ? ` · synchronous_standby_names '${esc(s.synchronousStandbyNames)}'` : ''}`;
      return `<div class="state"><h5>${numTag(e, n)} ${sec(e.t)} ${e.kind}: ${eventName(e)}</h5><div class="muted">${note}</div>${stateTable(s)}</div>`;
    })
    .join('');
  return `<h3>Cluster at each fault and move</h3><p class="muted">As the primary's pg_stat_replication showed it at the first observer sample at or after the event (like <code>patronictl list</code>); TL: timeline where recorded.</p><div class="states">${cards}</div>`;
}

const BETTER: Record<MetricInfo['better'], string> = { lower: 'lower is better', higher: 'higher is better', none: 'not compared' };

/**
 * The metrics as a table: value in its unit, the unit, which way `pgchaos compare` judges it, and
 * its meaning. A metric of the scenario's own without a declared unit is marked undeclared.
 */
function metrics(r: ScenarioRecord): string {
  const items = Object.entries(r.metrics);
  if (items.length === 0) return '';
  const rows = items
    .map(([k, v]) => {
      const declared = r.metricInfo && Object.hasOwn(r.metricInfo, k) ? r.metricInfo[k] : undefined;
      const info = metricInfo(k, declared);
      const own = !isKnownMetric(k);
      const unit = info.unit ? esc(info.unit) : own && !declared ? '<span class="warn-t">undeclared</span>' : '—';
      const text = formatMetric(k, v, info.unit);
      const cell = text.includes('\n') ? `<pre class="val">${esc(text)}</pre>` : esc(text);
      return `<tr><td class="mono">${esc(k)}${own && declared ? ' <span class="muted">(own)</span>' : ''}</td><td class="val">${cell}</td><td>${unit}</td><td class="muted">${BETTER[info.better]}</td><td class="muted">${esc(info.description)}</td></tr>`;
    })
    .join('');
  return `<h3>Metrics</h3><table class="metrics"><tr><th>metric</th><th>value</th><th>unit</th><th>compare</th><th>meaning</th></tr>${rows}</table>`;
}

/**
 * The manager's own config file in the run header (run.json's `config.patroniConfig`, written by
 * run/context.ts with its secrets already redacted): its path and its content, folded; '' when the
 * run header has none (the built-in manager, or a run from before the field).
 */
function managerConfig(given: unknown): string {
  if (!given || typeof given !== 'object') return '';
  const { file, content } = given as { file?: unknown; content?: unknown };
  if (typeof file !== 'string') return " with Patroni's defaults (no patroniConfig)";
  const text = typeof content === 'string' ? content : '';
  return ` with <code>${esc(file)}</code><details><summary>its content as pgchaos read it, passwords redacted</summary><pre>${esc(text)}</pre></details>`;
}

/** The manager's config and its own views of the cluster, one after each fault and move, folded: the evidence of a stuck cluster. */
function managerViews(r: ScenarioRecord): string {
  const m = r.manager;
  if (!m?.views?.length) return '';
  const config = Object.entries(m.config)
    .map(([k, v]) => `<span class="mono">${esc(k)}</span> ${esc(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join(' · ');
  const views = m.views
    .map(
      (v) =>
        `<div><b>${(v.t / 1000).toFixed(1)} s</b>${v.after === undefined ? '' : ` (after the event at ${(v.after / 1000).toFixed(1)} s)`}<pre>${esc(v.raw)}</pre></div>`,
    )
    .join('');
  return `<h3>Manager ${esc(m.name)}: its own view</h3><p class="muted">${config}</p><details><summary>${m.views.length} views, one after each fault and move</summary>${views}</details>`;
}

/** The record's typed sections other than the nemesis one: nodes at the end, a promotion, lost writes, the loss matrix, legacy leftovers. */
function sections(r: ScenarioRecord): string {
  const out: string[] = [];
  const m = r.lossMatrix;
  if (m) {
    const c = m.config;
    const rows = m.steps
      .map((s) => {
        const cls = s.observed === null ? '' : s.observed === s.predicted ? 'passed-t' : 'failed-t';
        const ms = (x: number | null | undefined) => (typeof x === 'number' ? Math.round(x).toLocaleString('en-US') : '—');
        return `<tr><td>${esc(s.step)}</td><td>${esc(s.predicted)}</td><td class="${cls}">${esc(s.observed ?? '—')}</td><td>${typeof s.tps === 'number' ? Math.round(s.tps) : '—'}</td><td>${ms(s.recoveryMs)}</td><td>${esc(s.catchup ?? '—')}</td><td>${ms(s.streamingMs)}</td><td class="mono">${s.rows.map(esc).join('<br>')}</td></tr>`;
      })
      .join('');
    out.push(
      `<h3>Standby-loss matrix</h3><p class="muted">standbys ${esc(c.standbys.join(', '))} · synchronous_standby_names '${esc(c.synchronousStandbyNames)}' · synchronous_commit ${esc(c.synchronousCommit)}</p>` +
        `<table class="loss-matrix"><tr><th>step</th><th>model predicts</th><th>observed</th><th>TPS</th><th>recovery (ms)</th><th>catchup seen</th><th>to streaming (ms)</th><th>walsenders: name state/priority/sync_state</th></tr>${rows}</table>`,
    );
  }
  const p = r.promotion;
  if (p) {
    const rows = p.standbys
      .map(
        (s) =>
          `<tr${s.node === p.promoted ? ' class="promoted"' : ''}><td>${esc(s.node)}${s.node === p.promoted ? ' <b>promoted</b>' : ''}</td><td class="mono">${esc(s.receiveLsn ?? '—')}</td><td class="mono">${esc(s.replayLsn ?? '—')}</td></tr>`,
      )
      .join('');
    out.push(
      `<h3>Promotion</h3><table class="promotion"><tr><th>standby</th><th>receive LSN</th><th>replay LSN</th></tr>${rows}</table>` +
        (p.history
          ? `<div class="muted">timeline history file of ${esc(p.promoted)}:</div><pre class="history">${esc(p.history)}</pre>`
          : ''),
    );
  }
  if (r.lostSample?.length)
    out.push(
      `<h3>Lost writes (sample)</h3><p>Acknowledged batches missing from the final primary (up to 10), as client:seq: <span class="mono">${r.lostSample.map(esc).join(', ')}</span></p>`,
    );
  const n = r.nodesAtEnd;
  if (n?.length) {
    const rows = n
      .map(
        (x) =>
          `<tr><td>${esc(x.node)}</td><td>${x.timeline ?? '—'}</td><td>${x.rows === null ? '—' : x.rows.toLocaleString('en-US')}</td></tr>`,
      )
      .join('');
    out.push(`<h3>Nodes at the end</h3><table class="nodes-at-end"><tr><th>node</th><th>timeline</th><th>rows</th></tr>${rows}</table>`);
  }
  const legacy = Object.entries(r.legacyMetrics ?? {});
  if (legacy.length)
    out.push(
      `<h3>Other figures <span class="muted">(an older record's non-scalar metrics)</span></h3>${legacy.map(([k, v]) => `<details><summary class="mono">${esc(k)}</summary><pre>${esc(JSON.stringify(v, null, 1))}</pre></details>`).join('')}`,
    );
  return out.join('\n');
}

function highlight(lines: Array<{ n: number; line: string }>): string {
  return lines
    .map(({ n, line }) => {
      const level = /\b(ERROR|FATAL|PANIC):/.exec(line)?.[1];
      const text = `${String(n).padStart(5)}  ${esc(line)}`;
      return level ? `<span class="${level}">${text}</span>` : text;
    })
    .join('\n');
}

function logSection(r: ScenarioRecord, logs: LogView[]): string {
  if (logs.length === 0) return '<h3>Server logs</h3><p class="muted">none recorded</p>';
  const links = logs
    .map((l) => {
      const counts = Object.entries(l.counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ');
      return l.exists
        ? `<a href="${esc(l.path)}">${esc(l.node)}.log</a>${counts ? `<span class="logcount failed-t">${esc(counts)}</span>` : ''}`
        : `<span class="muted">${esc(l.node)}.log (missing)</span>`;
    })
    .join(' · ');
  const tails =
    r.status === 'passed'
      ? ''
      : logs
          .filter((l) => l.exists)
          .map(
            (l) =>
              `<details open><summary>${esc(l.node)}.log: last ${l.tail.length} lines${l.earlier.length ? `, and ${l.earlier.length} earlier ERROR/FATAL/PANIC lines` : ''}</summary><pre class="log">${l.earlier.length ? `${highlight(l.earlier)}\n  ⋮\n` : ''}<span class="tail">${highlight(l.tail)}</span></pre></details>`,
          )
          .join('');
  return `<h3>Server logs</h3><div>${links}</div>${tails}`;
}
