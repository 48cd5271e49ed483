import { appendFile, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { formatValue } from './compare.ts';
import { keyMetrics } from './html.ts';
import { metricInfo } from './metrics.ts';
import { writeFileAtomic, type ScenarioRecord } from './record.ts';
import { readRun } from './report.ts';
import { countsText, runStatus } from './summary.ts';

/**
 * What pgchaos adds to vitest's junit.xml, since a CI test tab shows nothing else: each
 * scenario's verdict lines, figures (with units), rerun command and a relative link to its section
 * of index.html in `<system-out>`; an interrupted scenario as an `<error>` (vitest writes it as
 * `<skipped/>`, which reads green); failure messages without the test runner's
 * "expected 'failed' to be 'passed'". And, under GitHub Actions, a Markdown table of the
 * scenarios for the job's summary page.
 */

/** The testcase name and type pgchaos adds when a run was cancelled and no scenario says so itself. */
const CANCELLED_CASE = 'run: interrupted before every scenario ran';

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
const unxml = (s: string) => s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ENTITIES[e]!);

/** The attributes of an XML start tag's text (`name="v" …`), unescaped. */
function attributes(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1]!, unxml(m[2]!)]));
}

/** Sets `name="value"` in a start tag's text (added when missing). */
function setAttribute(tag: string, name: string, value: number): string {
  const re = new RegExp(`\\b${name}="[^"]*"`);
  return re.test(tag) ? tag.replace(re, `${name}="${value}"`) : tag.replace(/\s*\/?>$/, (end) => ` ${name}="${value}"${end}`);
}

/** vitest's assertion noise that `verify()`'s expect adds to a verdict's sentence, in message attributes and failure text (escaped). */
const NOISE = [
  /: expected &apos;(?:failed|unknown)&apos; to be &apos;passed&apos;(?: \/\/ Object\.is equality)?/g,
  /\n+Expected: &quot;passed&quot;\nReceived: &quot;(?:failed|unknown)&quot;\n*/g,
];

/** A record's figures for people, with units: scalar metrics only (numbers and yes/no). */
export function recordFigures(r: Pick<ScenarioRecord, 'metrics' | 'metricInfo'>): string[] {
  return Object.entries(r.metrics).flatMap(([name, v]) => {
    if (typeof v === 'boolean') return [`${name} ${v ? 'yes' : 'no'}`];
    if (typeof v !== 'number') return [];
    return [`${name} ${formatValue(v, metricInfo(name, r.metricInfo?.[name]).unit)}`];
  });
}

/** `<system-out>` text of one scenario: its verdicts, figures, link into the report and rerun command. */
export function scenarioText(r: ScenarioRecord): string {
  return [
    ...r.verdicts.map((v) => `${v.status.toUpperCase()} ${v.check}: ${v.summary}`),
    // A scenario that ended without a failing verdict (an error, a timeout, an interruption) says why.
    ...(r.status === 'passed' || !r.error || r.verdicts.some((v) => v.status !== 'passed')
      ? []
      : [`${r.status === 'failed' ? 'FAILED: ' : ''}${r.error.split('\n')[0]}`]),
    ...(r.status === 'skipped' ? [`SKIPPED: ${r.reason ?? 'no reason recorded'}`] : []),
    `figures: ${recordFigures(r).join(', ') || 'none recorded'}`,
    `report: index.html#${r.id}`,
    ...(r.rerun ? [`rerun: ${r.rerun}`] : []),
  ].join('\n');
}

/** `<name> [pgNN]` in `file`: how scenario() names a record's vitest test. */
const testKey = (file: string, name: string) => `${file}\u0000${name}`;

/**
 * vitest's junit.xml with pgchaos's additions (see the top of this file), its counts made to
 * match. Testcases are matched to records by class name (the file) and test name
 * (`<name> [pgNN]`, possibly after `describe > ` prefixes); others keep their content. Running it
 * again changes nothing more.
 * @param cancelled the run was cancelled: when no testcase says so, a failing testcase of its own does.
 */
export function rewriteJunit(text: string, records: ScenarioRecord[], opts: { cancelled?: boolean } = {}): string {
  const byTest = new Map(records.map((r) => [testKey(r.file, `${r.name} [pg${r.major}]`), r]));
  const find = (classname: string, name: string) => {
    const exact = byTest.get(testKey(classname, name));
    if (exact) return exact;
    const inner = name.split(' > ').at(-1)!;
    return byTest.get(testKey(classname, inner));
  };
  const testcases = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  let out = text.replace(testcases, (whole, attrs: string, _end: string, inner: string | undefined) => {
    const a = attributes(attrs);
    let body = inner ?? '\n';
    for (const re of NOISE) body = body.replace(re, (m) => (m.startsWith('\n') ? '\n' : ''));
    const r = find(a.classname ?? '', a.name ?? '');
    if (!r) return inner === undefined ? whole : `<testcase${attrs}>${body}</testcase>`;
    if (r.status === 'interrupted') {
      const message = r.error ?? 'interrupted while it ran';
      const why = `${message}: the run was stopped (Ctrl-C, SIGTERM, a cancelled CI job) before this scenario could finish`;
      const error = `<error message="${xml(message)}" type="Interrupted">\n${xml(why)}\n</error>`;
      const ended = /[ \t]*(?:<skipped\s*\/>|<skipped\b[^>]*>[\s\S]*?<\/skipped>|<failure\b[^>]*>[\s\S]*?<\/failure>)\n?/;
      body = body.replace(ended, '');
      // JUnit's order: properties, then the outcome, then system-out.
      const at = body.includes('</properties>') ? body.indexOf('</properties>') + '</properties>'.length : 0;
      const indent = /\n([ \t]*)$/.exec(body)?.[1] ?? '';
      body = `${body.slice(0, at)}\n${indent}    ${error}${body.slice(at)}`;
    }
    if (!body.includes(`report: index.html#${xml(r.id)}`)) {
      const said = xml(scenarioText(r));
      const indent = /\n([ \t]*)$/.exec(body)?.[1] ?? '';
      body = body.includes('<system-out>')
        ? body.replace('<system-out>', `<system-out>\n${said}`)
        : `${body.trimEnd()}\n${indent}    <system-out>\n${said}\n${indent}    </system-out>\n${indent}`;
    }
    return `<testcase${attrs}>${body}</testcase>`;
  });
  if (opts.cancelled && !out.includes('type="Interrupted"') && !out.includes(xml(CANCELLED_CASE))) {
    const why = 'the run was cancelled (Ctrl-C, SIGTERM, a cancelled CI job): the scenarios marked skipped did not run';
    const suite = [
      '<testsuite name="pgchaos" tests="1" failures="0" errors="1" skipped="0" time="0">',
      `<testcase classname="pgchaos" name="${xml(CANCELLED_CASE)}" time="0">`,
      `<error message="interrupted: ${xml(why)}" type="Interrupted">`,
      '</error>\n</testcase>\n</testsuite>\n',
    ].join('\n');
    out = out.replace(/<\/testsuites>\s*$/, `${suite}</testsuites>\n`);
  }
  return recount(out);
}

/** Sets each testsuite's and the testsuites' tests/failures/errors/skipped from their testcases. */
function recount(text: string): string {
  const total = { tests: 0, failures: 0, errors: 0 };
  const out = text.replace(/(<testsuite\b[^>]*>)([\s\S]*?)(<\/testsuite>)/g, (_, open: string, inner: string, close: string) => {
    const cases = inner.match(/<testcase\b[^>]*?(?:\/>|>[\s\S]*?<\/testcase>)/g) ?? [];
    const n = { tests: cases.length, failures: 0, errors: 0, skipped: 0 };
    for (const c of cases) {
      if (c.includes('<error')) n.errors++;
      else if (c.includes('<failure')) n.failures++;
      else if (c.includes('<skipped')) n.skipped++;
    }
    total.tests += n.tests;
    total.failures += n.failures;
    total.errors += n.errors;
    let tag = open;
    for (const [k, v] of Object.entries(n)) tag = setAttribute(tag, k, v);
    return `${tag}${inner}${close}`;
  });
  return out.replace(/<testsuites\b[^>]*>/, (tag) => Object.entries(total).reduce((t, [k, v]) => setAttribute(t, k, v), tag));
}

/** A Markdown table cell: one line, pipes escaped. */
const cell = (s: string) => s.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

const STATUS_MD = { passed: '✅ passed', failed: '❌ failed', interrupted: '⚠️ interrupted', skipped: '⏭️ skipped' } as const;

/**
 * The GitHub Actions job summary of a run: a count line and a table of its scenarios (status,
 * failing verdict or why it was skipped, key figure), failures first. A run whose scenarios
 * were all skipped says that no scenario ran.
 */
export function stepSummaryMarkdown(run: string, records: ScenarioRecord[]): string {
  const n = { passed: 0, failed: 0, interrupted: 0, skipped: 0 };
  for (const r of records) n[r.status]++;
  const rank = { failed: 0, interrupted: 1, skipped: 2, passed: 3 } as const;
  const rows = [...records]
    .sort((x, y) => rank[x.status] - rank[y.status])
    .map((r) => {
      const failing = r.verdicts.find((v) => v.status !== 'passed');
      const why = failing
        ? `${failing.check}: ${failing.summary}`
        : r.status === 'passed'
          ? ''
          : r.status === 'skipped'
            ? `skipped: ${r.reason ?? 'no reason recorded'}`
            : (r.error ?? '').split('\n')[0]!;
      const [key] = keyMetrics(r, 1);
      const figure = key ? `${key[0]} ${key[1]}` : (recordFigures(r)[0] ?? '');
      return `| ${cell(r.name)} | ${r.major} | ${STATUS_MD[r.status]} | ${cell(why)} | ${cell(figure)} |`;
    });
  return [
    `### pgchaos run ${run}: ${runStatus(n) === 'skipped' ? `no scenario ran, ${n.skipped} skipped` : countsText(n)}`,
    '',
    '| scenario | PostgreSQL | status | failing verdict | key figure |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/**
 * Finishes a run's CI files from its folder's records: rewrites `junitFile` (rewriteJunit) and,
 * when `stepSummary` (default env GITHUB_STEP_SUMMARY) names a file, appends the run's table to it.
 * Does nothing when the run folder holds no record.
 * @returns how many testcases junit.xml lists, or null without a junit file.
 * @throws the file system's errors (unreadable run folder, unwritable junit.xml or summary file).
 */
export async function finishCiFiles(
  runDir: string,
  junitFile: string,
  opts: { cancelled?: boolean; stepSummary?: string } = {},
): Promise<number | null> {
  const { records } = await readRun(runDir);
  const text = await readFile(junitFile, 'utf8').catch(() => null);
  if (text !== null && (records.length || opts.cancelled)) {
    const rewritten = rewriteJunit(text, records, opts);
    if (rewritten !== text) await writeFileAtomic(junitFile, rewritten);
  }
  const summaryFile = opts.stepSummary ?? process.env.GITHUB_STEP_SUMMARY;
  if (summaryFile && records.length) await appendFile(summaryFile, `${stepSummaryMarkdown(basename(runDir), records)}\n`);
  return text === null ? null : ((await readFile(junitFile, 'utf8')).match(/<testcase\b/g)?.length ?? 0);
}
