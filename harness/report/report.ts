import { readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stepOf } from '../checks/sync-state.ts';
import type { Verdict } from '../checks/verdict.ts';
import { lsnDiff } from '../lsn.ts';
import type { ObserverSample, SyncTransition } from '../load/history.ts';
import { slug, type ScenarioEvent, type ScenarioRecord } from './record.ts';

/** reports/<run>/summary.json */
export interface Summary {
  run: string;
  /** Server version of the first scenario's primary (`SELECT version()`). */
  postgres: string | null;
  scenarios: Array<Pick<ScenarioRecord, 'name' | 'file' | 'status' | 'durationMs' | 'metrics' | 'error'> & { verdicts: Array<Pick<Verdict, 'check' | 'status' | 'summary'>> }>;
}

/**
 * Builds `summary.json` and `index.html` in `runDir` from its `scenarios/*.json`, and points
 * `reports/latest` at `runDir`.
 * @returns the summary, or null when the run recorded no scenario.
 */
export async function writeReport(runDir: string): Promise<Summary | null> {
  const files = await readdir(join(runDir, 'scenarios')).catch(() => [] as string[]);
  const records = await Promise.all(
    files.filter((f) => f.endsWith('.json')).sort().map(async (f) => JSON.parse(await readFile(join(runDir, 'scenarios', f), 'utf8')) as ScenarioRecord),
  );
  if (records.length === 0) return null;
  const summary: Summary = {
    run: basename(runDir),
    postgres: records.find((r) => r.postgres)?.postgres ?? null,
    scenarios: records.map((r) => ({
      name: r.name,
      file: r.file,
      status: r.status,
      durationMs: r.durationMs,
      metrics: r.metrics,
      ...(r.error ? { error: r.error } : {}),
      verdicts: r.verdicts.map((v) => ({ check: v.check, status: v.status, summary: v.summary })),
    })),
  };
  await writeFile(join(runDir, 'summary.json'), JSON.stringify(summary, null, 2));
  await writeFile(join(runDir, 'index.html'), await renderHtml(runDir, summary, records));
  const latest = join(dirname(runDir), 'latest');
  await rm(latest, { force: true });
  await symlink(basename(runDir), latest);
  return summary;
}

const esc = (s: unknown) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const W = 900;
const LEFT = 60;

async function renderHtml(runDir: string, summary: Summary, records: ScenarioRecord[]): Promise<string> {
  const sections = await Promise.all(records.map((r) => renderScenario(runDir, r)));
  const rows = records
    .map((r) => `<tr><td class="${r.status}">${r.status}</td><td><a href="#${slug(r.name)}">${esc(r.name)}</a></td><td>${(r.durationMs / 1000).toFixed(1)} s</td></tr>`)
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>pgchaos ${esc(summary.run)}</title><style>
body{font:14px system-ui,sans-serif;margin:24px;max-width:980px}td,th{padding:2px 8px;text-align:left;vertical-align:top}
.passed{color:#176f2c;font-weight:bold}.failed{color:#b00020;font-weight:bold}.unknown{color:#a65c00;font-weight:bold}svg{background:#fafafa;border:1px solid #ddd}
pre{background:#f4f4f4;padding:8px;overflow:auto;max-height:300px;font-size:12px}.fault{color:#b00020}.move{color:#1f5fbf}.legend{font-size:12px;columns:2;margin:4px 0}
</style></head><body><h1>pgchaos run ${esc(summary.run)}</h1><p>${esc(summary.postgres ?? 'server version unknown')}</p>
<p><a href="summary.json">summary.json</a> · <a href="junit.xml">junit.xml</a> · <a href="pgchaos.log">pgchaos.log</a> (harness log)</p>
<table><tr><th>status</th><th>scenario</th><th>duration</th></tr>${rows}</table>${sections.join('')}</body></html>`;
}

async function renderScenario(runDir: string, r: ScenarioRecord): Promise<string> {
  const end = r.durationMs;
  const x = (t: number) => LEFT + ((W - LEFT - 10) * t) / Math.max(end, 1);
  const verdicts = r.verdicts.map((v) => `<li class="${v.status}">${v.status.toUpperCase()} <b>${esc(v.check)}</b>: ${esc(v.summary)}</li>`).join('');
  const metrics = Object.entries(r.metrics).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(typeof v === 'object' ? JSON.stringify(v) : v)}</td></tr>`).join('');
  const events = r.events.map((e) => `<tr class="${e.kind}"><td>${(e.t / 1000).toFixed(2)} s</td><td>${e.kind}</td><td>${esc(e.what)}</td></tr>`).join('');
  const logs = await Promise.all(
    Object.entries(r.logs).map(async ([node, path]) => {
      const tail = r.status === 'failed' ? (await readFile(join(runDir, path), 'utf8').catch(() => '')).split('\n').slice(-60).join('\n') : '';
      return `<li><a href="${esc(path)}">${esc(node)}.log</a>${tail ? `<pre>${esc(tail)}</pre>` : ''}</li>`;
    }),
  );
  return `<section id="${slug(r.name)}"><h2 class="${r.status}">${esc(r.name)} — ${r.status}</h2><p><code>${esc(r.file)}</code>, ${(r.durationMs / 1000).toFixed(1)} s</p>
${r.error ? `<pre class="failed">${esc(r.error)}</pre>` : ''}<ul>${verdicts}</ul>
<h3>Throughput (TPS per 100 ms; numbered markers: faults red, moves blue)</h3>${tpsChart(r, x)}${legend(r.events)}
<h3>Replication lag behind the primary's flush LSN (MB)</h3>${lagChart(r, x)}
<h3>Role and sync_state per node, as the primary saw them</h3>${lanes(r.observer?.transitions ?? {}, end, x)}
<h3>Metrics</h3><table>${metrics}</table><h3>Events</h3><table>${events}</table><h3>Server logs</h3><ul>${logs.join('')}</ul></section>`;
}

const markerColor = (e: ScenarioEvent) => (e.kind === 'fault' ? '#b00020' : '#1f5fbf');

/** Faults and moves: the ones the charts mark, numbered so that close markers stay readable. */
function marked(events: ScenarioEvent[]): ScenarioEvent[] {
  return events.filter((e) => e.kind !== 'step');
}

function markers(events: ScenarioEvent[], x: (t: number) => number, h: number): string {
  return marked(events)
    .map((e, i) => `<line x1="${x(e.t)}" x2="${x(e.t)}" y1="0" y2="${h}" stroke="${markerColor(e)}" stroke-dasharray="4 3"><title>${esc(e.what)}</title></line>
<text x="${x(e.t) + 2}" y="${12 + 11 * (i % 2)}" font-size="10" font-weight="bold" fill="${markerColor(e)}">${i + 1}</text>`)
    .join('');
}

function legend(events: ScenarioEvent[]): string {
  const items = marked(events).map((e) => `<li style="color:${markerColor(e)}">${(e.t / 1000).toFixed(2)} s ${e.kind}: ${esc(e.what)}</li>`);
  return `<ol class="legend">${items.join('')}</ol>`;
}

function polyline(points: Array<[number, number]>, color: string): string {
  return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`;
}

function axis(h: number, max: number, unit: string): string {
  return `<text x="4" y="14" font-size="10">${max.toFixed(0)} ${unit}</text><text x="4" y="${h - 4}" font-size="10">0</text>`;
}

function tpsChart(r: ScenarioRecord, x: (t: number) => number): string {
  const s = r.writer?.samples ?? [];
  const h = 180;
  const max = Math.max(1, ...s.map((p) => p.tps));
  const y = (v: number) => h - 5 - ((h - 25) * v) / max;
  return `<svg width="${W}" height="${h}">${axis(h, max, 'tps')}${markers(r.events, x, h)}${polyline(s.map((p) => [x(p.t), y(p.tps)]), '#333')}</svg>`;
}

function lagChart(r: ScenarioRecord, x: (t: number) => number): string {
  const samples: ObserverSample[] = r.observer?.samples ?? [];
  const h = 140;
  // One polyline per stretch a standby was connected: no line is drawn across its absence.
  const series = new Map<string, Array<Array<[number, number]>>>();
  for (const s of samples) {
    if (!s.flushLsn) continue;
    for (const [name, runs] of series) if (!s.standbys.some((r) => r.name === name) && runs.at(-1)?.length) runs.push([]);
    for (const row of s.standbys) {
      if (!row.flushLsn) continue;
      const runs = series.get(row.name) ?? [[]];
      series.set(row.name, runs);
      runs.at(-1)!.push([s.t, Math.max(0, Number(lsnDiff(s.flushLsn, row.flushLsn)) / 1048576)]);
    }
  }
  const max = Math.max(1, ...[...series.values()].flat(2).map(([, v]) => v));
  const y = (v: number) => h - 5 - ((h - 25) * v) / max;
  const colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd'];
  const lines = [...series.entries()].map(([name, runs], i) => `${runs.map((pts) => polyline(pts.map(([t, v]) => [x(t), y(v)]), colors[i % 4]!)).join('')}<text x="${W - 60}" y="${14 + 12 * i}" font-size="10" fill="${colors[i % 4]}">${esc(name)}</text>`);
  return `<svg width="${W}" height="${h}">${axis(h, max, 'MB')}${markers(r.events, x, h)}${lines.join('')}</svg>`;
}

const LANE_COLORS: Record<string, string> = { quorum: '#2ca02c', sync: '#2ca02c', potential: '#f0ad4e', async: '#9ecae1', absent: '#d9534f', primary: '#1f5fbf' };

function lanes(transitions: Record<string, SyncTransition[]>, end: number, x: (t: number) => number): string {
  const names = Object.keys(transitions).filter((n) => transitions[n]!.some((t) => t.state !== 'absent'));
  const h = 24 * names.length + 6;
  const rects = names.flatMap((name, i) =>
    transitions[name]!.map((tr, j, all) => {
      const to = all[j + 1]?.t ?? end;
      const label = stepOf(tr);
      return `<rect x="${x(tr.t)}" y="${4 + 24 * i}" width="${Math.max(1, x(to) - x(tr.t))}" height="18" fill="${LANE_COLORS[tr.syncState] ?? '#999'}"><title>${esc(name)} ${esc(label)} from ${(tr.t / 1000).toFixed(2)} s</title></rect>
<text x="${x(tr.t) + 2}" y="${17 + 24 * i}" font-size="10">${x(to) - x(tr.t) > 70 ? esc(label) : ''}</text>`;
    }).concat(`<text x="4" y="${17 + 24 * i}" font-size="11">${esc(name)}</text>`),
  );
  return `<svg width="${W}" height="${h}">${rects.join('')}</svg>`;
}
