import { join } from 'node:path';
import { compareMajors, formatDelta, formatThreshold, formatValue, type MajorsDiff, type MetricDelta } from './compare.ts';
import { metricInfo } from './metrics.ts';
import { writeFileAtomic } from './record.ts';
import type { Summary, SummaryScenario } from './summary.ts';
import { esc } from './kit.ts';

/**
 * The matrix page of a run (`matrix.html`): scenarios down, PostgreSQL majors across, each cell
 * the scenario's status and key figures on that major, with the change against the base major
 * (the lowest) as compareMajors judges it. Links go to the run report's sections
 * (`index.html#<id>`).
 */

/** The figures a cell shows, when the scenario recorded them (in this order). */
export const KEY_FIGURES = [
  'readyMs',
  'steadyTps',
  'tpsOneStandbyDown',
  'recoveryMs',
  'writeOutageMs',
  'rewindMs',
  'recloneMs',
  'streamingAfterRestartMs',
  'streamingAfterRewindMs',
  'lostAcked',
  'hashesEqual',
] as const;

const rowKey = (s: Pick<SummaryScenario, 'file' | 'name' | 'seed'>) => JSON.stringify([s.file, s.name, s.seed ?? null]);
const shortFile = (f: string) => f.replace(/^(\.\/)?scenarios\//, '').replace(/\.test\.[cm]?[jt]s$/, '');

/** matrix.html of `summary`: self-contained. */
export function renderMatrixHtml(summary: Summary): string {
  const cmp: MajorsDiff = compareMajors(summary);
  const majors = cmp.majors;
  const rows = new Map<string, SummaryScenario[]>();
  for (const s of summary.scenarios) rows.set(rowKey(s), [...(rows.get(rowKey(s)) ?? []), s]);
  // The delta of a metric of a scenario on a major, against the base major.
  const deltaOf = (s: SummaryScenario, metric: string): MetricDelta | undefined =>
    cmp.diffs
      .find((d) => d.major === s.major)
      ?.diff.scenarios.find((x) => x.b?.id === s.id)
      ?.metrics.find((m) => m.metric === metric);
  const scenarioDiffOf = (s: SummaryScenario) => cmp.diffs.find((d) => d.major === s.major)?.diff.scenarios.find((x) => x.b?.id === s.id);

  const cell = (s: SummaryScenario | undefined, major: number) => {
    if (!s) return `<td class="none">not run on pg${major}</td>`;
    const sd = major === cmp.base ? undefined : scenarioDiffOf(s);
    const flip = sd?.status === 'regression' ? ' <b class="bad">regressed</b>' : sd?.status === 'fix' ? ' <b class="good">fixed</b>' : '';
    const why = s.status === 'skipped' ? `<div class="why">${esc(s.reason ?? 'no reason recorded')}</div>` : '';
    const figures = KEY_FIGURES.filter((k) => s.metrics[k] !== undefined).map((k) => {
      const unit = metricInfo(k).unit;
      const d = major === cmp.base ? undefined : deltaOf(s, k);
      const cls = d?.change === 'regressed' ? 'bad' : d?.change === 'improved' ? 'good' : '';
      const delta =
        d?.kind === 'number' && d.delta !== 0
          ? ` <span class="d">(${esc(formatDelta(d.delta!, unit))})</span>`
          : d?.kind === 'bool' && d.change !== 'same'
            ? ` <span class="d">(was ${esc(formatValue(d.a))})</span>`
            : '';
      return `<li class="${cls}">${esc(k)} <b>${esc(formatValue(s.metrics[k], unit))}</b>${delta}</li>`;
    });
    const cls = sd?.group === 'regressed' ? ' regressed' : '';
    return `<td class="cell${cls}"><a class="${s.status}" href="index.html#${esc(s.id)}">${s.status}</a>${flip}${why}${figures.length ? `<ul>${figures.join('')}</ul>` : ''}</td>`;
  };

  const body = [...rows.values()]
    .map((list) => {
      const first = list[0]!;
      return `<tr><th><code>${esc(shortFile(first.file))}</code><br>${esc(first.name)}${first.seed !== undefined ? ` (seed ${first.seed})` : ''}</th>${majors
        .map((m) =>
          cell(
            list.find((s) => s.major === m),
            m,
          ),
        )
        .join('')}</tr>`;
    })
    .join('');

  const reasons = cmp.diffs.flatMap((d) => d.diff.reasons);
  const fixes = cmp.diffs.flatMap((d) => d.diff.fixes);
  const verdict =
    majors.length < 2
      ? `<p>This run covers ${majors.length ? `one major (pg${majors[0]})` : 'no major'}: nothing to compare. <code>pgchaos run --pg 13,15,17</code> runs the scenarios on several.</p>`
      : reasons.length
        ? `<div class="banner bad"><b>${reasons.length} regression${reasons.length === 1 ? '' : 's'}</b> against pg${cmp.base}<ul>${reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul></div>`
        : `<div class="banner good"><b>No regression</b> against pg${cmp.base} past the thresholds.</div>`;
  const fixList = fixes.length ? `<p>Better than pg${cmp.base}:</p><ul>${fixes.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : '';
  const thresholds = KEY_FIGURES.map((k) => [k, metricInfo(k)] as const)
    .filter(([, i]) => i.better !== 'none')
    .map(
      ([k, i]) =>
        `${esc(k)} ${esc(i.threshold ? formatThreshold(i.threshold, i.better, i.unit) : i.better === 'lower' ? 'any rise' : 'any fall')}`,
    )
    .join(' · ');

  return `<!doctype html><html><head><meta charset="utf-8"><title>pgchaos ${esc(summary.run)}: majors</title><style>
body{font:14px system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{padding:4px 8px;text-align:left;vertical-align:top;border:1px solid #ddd}
.passed{color:#176f2c;font-weight:bold}.failed{color:#b00020;font-weight:bold}.interrupted{color:#a65c00;font-weight:bold}.skipped{color:#57606a;font-weight:bold}.why{font-size:12px;color:#555}.none{color:#888;font-style:italic}
ul{margin:4px 0;padding-left:16px;font-size:12px}li.bad,b.bad{color:#b00020}li.bad{font-weight:bold}li.good,b.good{color:#176f2c}.d{color:#555}td.regressed{background:#fff5f6}
.banner{padding:8px 12px;margin:12px 0;border-radius:4px}.banner.bad{background:#fde7ea;border:1px solid #b00020}.banner.good{background:#e6f4ea;border:1px solid #176f2c}
</style></head><body><h1>pgchaos run ${esc(summary.run)}: PostgreSQL majors side by side</h1>
<p><a href="index.html">the run's report</a> · <a href="summary.json">summary.json</a>${majors.length > 1 ? ` · each major compared with pg${cmp.base}, scenario by scenario (deltas in brackets)` : ''}</p>
${verdict}${fixList}
<table><tr><th>scenario</th>${majors.map((m) => `<th>pg${m}${m === cmp.base && majors.length > 1 ? ' (base)' : ''}</th>`).join('')}</tr>${body || `<tr><td colspan="${majors.length + 1}">no scenario recorded</td></tr>`}</table>
<p style="font-size:12px">Regression past: ${thresholds}; a scenario passing on pg${cmp.base} and not on another major (failed, interrupted, or skipped: nothing verified it there) is a regression.</p>
</body></html>`;
}

/** Writes `<runDir>/matrix.html` (atomically); returns its path. */
export async function writeMatrix(runDir: string, summary: Summary): Promise<string> {
  const path = join(runDir, 'matrix.html');
  await writeFileAtomic(path, renderMatrixHtml(summary));
  return path;
}
