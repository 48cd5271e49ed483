import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatValue, parseSummary, shortTime } from './compare.ts';
import { metricInfo } from './metrics.ts';
import { writeFileAtomic } from './record.ts';
import { countsText, type Summary } from './summary.ts';
import { esc } from './kit.ts';

/**
 * `reports/index.html`: every run folder under the reports folder that has a summary.json,
 * newest first, with its status counts, majors, config and key figures, and links to its report
 * and matrix page. A summary this pgchaos cannot read (an older schema, a garbled file) is
 * listed as unreadable with the reason; it never stops the index.
 */

/** One run folder as the index lists it. */
export interface RunEntry {
  /** The folder's name (the run id unless `--out` named it otherwise). */
  dir: string;
  /** When the run started: its context's, else run.json's, else its id's time, else when its summary.json was written. ISO 8601. */
  startedAt: string;
  summary: Summary | null;
  /** Why the summary could not be read (first line), when it could not. */
  unreadable?: string;
}

/** The figures the index shows per run: the worst value over the run's scenarios. */
const INDEX_FIGURES: Array<{ metric: string; worst: 'max' | 'min' }> = [
  { metric: 'writeOutageMs', worst: 'max' },
  { metric: 'recoveryMs', worst: 'max' },
  { metric: 'rewindMs', worst: 'max' },
  { metric: 'recloneMs', worst: 'max' },
  { metric: 'streamingAfterRewindMs', worst: 'max' },
  { metric: 'steadyTps', worst: 'min' },
];

/**
 * The run folders of `reportsDir` that have a summary.json, newest first (the `latest` link is
 * not a run of its own). Never throws for a broken summary: it is returned with `unreadable`.
 */
export async function listRuns(reportsDir: string): Promise<RunEntry[]> {
  const entries = await readdir(reportsDir, { withFileTypes: true }).catch(() => []);
  const runs = await Promise.all(
    entries
      .filter((e) => e.isDirectory())
      .map(async (e): Promise<RunEntry | null> => {
        const path = join(reportsDir, e.name, 'summary.json');
        const st = await stat(path).catch(() => null);
        if (!st?.isFile()) return null;
        const fallback = async () => (await runJsonStart(join(reportsDir, e.name))) ?? startOfId(e.name) ?? st.mtime.toISOString();
        try {
          const summary = parseSummary(await readFile(path, 'utf8'), `${e.name}/summary.json`);
          return { dir: e.name, startedAt: summary.context?.startedAt ?? (await fallback()), summary };
        } catch (err) {
          return {
            dir: e.name,
            startedAt: await fallback(),
            summary: null,
            unreadable: String((err as Error).message ?? err).split('\n')[0]!,
          };
        }
      }),
  );
  return runs
    .filter((r): r is RunEntry => r !== null)
    .sort((a, b) => (a.startedAt === b.startedAt ? b.dir.localeCompare(a.dir) : b.startedAt.localeCompare(a.startedAt)));
}

/** `startedAt` of a run folder's run.json, if it has a readable one. */
async function runJsonStart(runDir: string): Promise<string | undefined> {
  try {
    const j = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as { startedAt?: unknown };
    return typeof j.startedAt === 'string' ? j.startedAt : undefined;
  } catch {
    return undefined;
  }
}

/** The start time a run id carries (`20261122-031502-7f3a`: UTC), as ISO 8601. */
function startOfId(id: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-[0-9a-f]+$/.exec(id);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` : undefined;
}

/** The run index's HTML for `runs` (as listRuns returns them); `has(dir, file)` says whether a run folder holds a file. */
export function renderRunIndexHtml(runs: RunEntry[], has: (dir: string, file: string) => boolean = () => true): string {
  const rows = runs.map((r, i) => {
    const href = (f: string) => `${encodeURIComponent(r.dir)}/${f}`;
    if (!r.summary) {
      return `<tr class="unreadable"><td class="nw"><code>${esc(r.dir)}</code></td><td class="nw">${esc(shortTime(r.startedAt))}</td><td colspan="4"><b>unreadable</b>: ${esc(r.unreadable ?? 'no summary')}</td><td>${has(r.dir, 'index.html') ? `<a href="${href('index.html')}">report</a>` : ''}</td></tr>`;
    }
    const s = r.summary;
    const c = s.counts;
    const cfg = s.context?.config ?? {};
    const config = ['synchronous_standby_names', 'synchronous_commit']
      .filter((k) => k in cfg)
      .map((k) => `${k} = <code>${esc(typeof cfg[k] === 'string' ? `'${cfg[k]}'` : JSON.stringify(cfg[k]))}</code>`)
      .join('<br>');
    const figures = INDEX_FIGURES.flatMap(({ metric, worst }) => {
      const values = s.scenarios.map((x) => x.metrics?.[metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (!values.length) return [];
      const v = worst === 'max' ? Math.max(...values) : Math.min(...values);
      return [`${esc(metric)} ${worst} <b>${esc(formatValue(v, metricInfo(metric).unit))}</b>`];
    });
    const links = [
      has(r.dir, 'index.html') ? `<a href="${href('index.html')}">report</a>` : '',
      has(r.dir, 'matrix.html') ? `<a href="${href('matrix.html')}">matrix</a>` : '',
      has(r.dir, 'compare.html') ? `<a href="${href('compare.html')}">compare</a>` : '',
    ].filter(Boolean);
    const prev = runs.slice(i + 1).find((p) => p.summary);
    const cmd = prev ? `<br><code class="cmd">pgchaos compare ${esc(prev.dir)} ${esc(r.dir)}</code>` : '';
    const counts = s.status === 'skipped' ? `no scenario ran: ${c.skipped} skipped` : countsText(c);
    return `<tr><td class="nw"><a href="${href('index.html')}"><code>${esc(r.dir)}</code></a>${s.context?.git ? `<br><small>git ${esc(s.context.git.slice(0, 12))}${s.context.git.endsWith('+dirty') ? '+dirty' : ''}</small>` : ''}</td><td class="nw">${esc(shortTime(r.startedAt))}</td><td class="${s.status}">${s.status}<br><small>${counts}</small></td><td>${s.majors.map((m) => `pg${m}`).join(', ')}</td><td>${config || '—'}</td><td>${figures.join('<br>') || '—'}</td><td>${links.join(' · ')}${cmd}</td></tr>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>pgchaos runs</title><style>
body{font:14px system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{padding:4px 8px;text-align:left;vertical-align:top;border-bottom:1px solid #ddd}
.passed{color:#176f2c;font-weight:bold}.failed{color:#b00020;font-weight:bold}.interrupted{color:#a65c00;font-weight:bold}.skipped{color:#57606a;font-weight:bold}tr.unreadable td{color:#777}small,.cmd{font-size:11px;color:#555;font-weight:normal}.nw{white-space:nowrap}
</style></head><body><h1>pgchaos runs</h1><p>${runs.length} run${runs.length === 1 ? '' : 's'}, newest first. Key figures are the worst over each run's scenarios (max for timings, min for TPS).</p>
<table><tr><th>run</th><th>started</th><th>status</th><th>majors</th><th>config</th><th>key figures</th><th>pages</th></tr>${rows.join('') || '<tr><td colspan="7">no run with a summary.json yet</td></tr>'}</table></body></html>`;
}

/** Writes `<reportsDir>/index.html` (atomically) listing the runs there; returns its path. */
export async function writeRunIndex(reportsDir: string): Promise<string> {
  const runs = await listRuns(reportsDir);
  const path = join(reportsDir, 'index.html');
  await writeFileAtomic(
    path,
    renderRunIndexHtml(runs, (dir, file) => existsSync(join(reportsDir, dir, file))),
  );
  return path;
}
