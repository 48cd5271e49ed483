import { readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  isMetricValue,
  recordId,
  SCENARIO_STATUSES,
  writeFileAtomic,
  type LossMatrixRecord,
  type MetricValue,
  type NemesisRecord,
  type NodeAtEnd,
  type PromotionRecord,
  type ScenarioEvent,
  type ScenarioRecord,
  type ScenarioStatus,
} from './record.ts';
import { renderHtml, type BrokenRecord, type LogView, type ReportInput } from './html.ts';
import { writeMatrix } from './matrix.ts';
import { metricDictionary } from './metrics.ts';
import { writeRunIndex } from './run-index.ts';
import { runStatus, type RunContext, type Summary, type SummaryScenario } from './summary.ts';

export type { Summary } from './summary.ts';
export type { BrokenRecord } from './html.ts';

/**
 * Builds a run's report from its folder: `summary.json` (schema 2) and a self-contained
 * `index.html` from `scenarios/*.json` and `run.json` (and `matrix.html`, comparing the majors,
 * when the run covers several), then points `reports/latest` at the run and rewrites the run
 * index `reports/index.html`.
 * A record that cannot be read (half-written, not JSON, not a record) is reported as a broken
 * record — a failed entry in the summary and a red box in the page — never a crash.
 * @returns the summary, or null when the run recorded no scenario (nothing is written then).
 */
export async function writeReport(runDir: string): Promise<Summary | null> {
  const { context, records, broken } = await readRun(runDir);
  if (records.length === 0 && broken.length === 0) return null;
  const summary = buildSummary(basename(runDir), context, records, broken);
  await writeFileAtomic(join(runDir, 'summary.json'), JSON.stringify(summary, null, 2));
  if (summary.majors.length > 1) await writeMatrix(runDir, summary);
  const logs = new Map(await Promise.all(records.map(async (r) => [r.id, await readLogs(runDir, r)] as const)));
  const input: ReportInput = { summary, context, records, broken, logs, files: await presentFiles(runDir) };
  await writeFileAtomic(join(runDir, 'index.html'), renderHtml(input));
  const latest = join(dirname(runDir), 'latest');
  await rm(latest, { force: true });
  await symlink(basename(runDir), latest);
  await writeRunIndex(dirname(runDir));
  return summary;
}

/** Reads a run folder: its context (null without `run.json`), its records in report order, and the records that could not be read. */
export async function readRun(runDir: string): Promise<{ context: RunContext | null; records: ScenarioRecord[]; broken: BrokenRecord[] }> {
  // A missing or garbled run.json leaves the header unknown; it never stops the report.
  const context = await readFile(join(runDir, 'run.json'), 'utf8')
    .then((t) => JSON.parse(t) as unknown)
    .then((c) => (c && typeof c === 'object' && !Array.isArray(c) ? (c as RunContext) : null))
    .catch(() => null);
  const majors = runMajors(context);
  const files = (await readdir(join(runDir, 'scenarios')).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  const records: ScenarioRecord[] = [];
  const broken: BrokenRecord[] = [];
  for (const f of files) {
    const parsed = parseRecord(await readFile(join(runDir, 'scenarios', f), 'utf8').catch((e: Error) => `\u0000${e.message}`), majors[0]);
    if ('record' in parsed) records.push(parsed.record);
    else broken.push({ file: f, reason: parsed.broken });
  }
  return { context, records: orderRecords(records, majors), broken };
}

/** The majors run.json lists (none when it lists none, or is missing). */
function runMajors(context: RunContext | null): number[] {
  return Array.isArray(context?.majors) ? context.majors.filter((m) => typeof m === 'number') : [];
}

/**
 * A record from its JSON text, with the fields older records lack filled in (id, major, rerun,
 * logs, events), or why it is not one. `defaultMajor`: the run's first major, for records that
 * predate `major` and name no server version.
 */
export function parseRecord(text: string, defaultMajor?: number): { record: ScenarioRecord } | { broken: string } {
  if (text.startsWith('\u0000')) return { broken: `cannot read it: ${text.slice(1)}` };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { broken: `not JSON (${(e as Error).message}); ${text.length} bytes, half-written?` };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { broken: 'not a scenario record: not a JSON object' };
  const r = raw as Partial<ScenarioRecord> & Record<string, unknown>;
  const missing = [
    typeof r.name !== 'string' && 'name',
    typeof r.file !== 'string' && 'file',
    !SCENARIO_STATUSES.includes(r.status as ScenarioStatus) && 'status',
  ].filter(Boolean);
  if (missing.length) return { broken: `not a scenario record: no valid ${missing.join(', ')}` };
  const fromVersion = /PostgreSQL (\d+)/.exec(typeof r.postgres === 'string' ? r.postgres : '')?.[1];
  const major = typeof r.major === 'number' ? r.major : fromVersion ? Number(fromVersion) : (defaultMajor ?? 0);
  const arr = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);
  const record: ScenarioRecord = {
    ...(r as ScenarioRecord),
    major,
    id:
      typeof r.id === 'string' && r.id
        ? r.id
        : recordId({ file: r.file!, name: r.name!, major, ...(typeof r.seed === 'number' ? { seed: r.seed } : {}) }),
    startedAt: typeof r.startedAt === 'string' ? r.startedAt : '',
    durationMs: typeof r.durationMs === 'number' && Number.isFinite(r.durationMs) ? r.durationMs : 0,
    rerun: typeof r.rerun === 'string' ? r.rerun : '',
    metrics: r.metrics && typeof r.metrics === 'object' ? r.metrics : {},
    verdicts: arr<ScenarioRecord['verdicts'][number]>(r.verdicts).filter((v) => v && typeof v.check === 'string'),
    events: arr<ScenarioRecord['events'][number]>(r.events)
      .filter((e) => e && typeof e.t === 'number')
      .map(typedFaultOf),
    logs: r.logs && typeof r.logs === 'object' ? r.logs : {},
  };
  const legacy = r.nemesis === undefined ? legacyNemesis(record.metrics as Record<string, unknown>) : undefined;
  return { record: liftNonScalars(legacy ? { ...record, nemesis: legacy } : record) };
}

/** The catalogue's fault as a record carries it. */
type Fault = NonNullable<ScenarioEvent['fault']>;

/**
 * A fault event as this version records it: records written before events carried the typed
 * fault kept it, and the nodes it hit, in `detail.fault` and `detail.nodes`; they move up to
 * `fault` and `nodes` (the report names and colours bands by them). Other events as they are.
 */
function typedFaultOf(e: ScenarioEvent): ScenarioEvent {
  if (e.kind !== 'fault' || e.fault || !e.detail) return e;
  const { fault, nodes, ...rest } = e.detail as { fault?: unknown; nodes?: unknown } & Record<string, unknown>;
  const f = fault as Partial<Fault> | undefined;
  if (!f || typeof f !== 'object' || typeof f.kind !== 'string' || f.target === undefined) return e;
  const names = Array.isArray(nodes) && nodes.every((n) => typeof n === 'string') ? { nodes: nodes as string[] } : {};
  const { detail: _, ...event } = e;
  return { ...event, fault: f as Fault, ...(e.nodes ? {} : names), ...(Object.keys(rest).length ? { detail: rest } : {}) };
}

/**
 * A record whose metrics are scalars only: a record written before metrics were (pgchaos ≤ 0.1.0
 * filed node tables, LSN maps, the matrix and the nemesis schedule as metrics) gets their typed
 * sections from them — `timelines` + `rowsPerNode` → `nodesAtEnd`, `otherReceiveLsns` (with
 * `promotedNode`, `promotedReceiveLsn`) + `history` → `promotion`, `lostSample`, `config` +
 * `matrix` → `lossMatrix` — and any other non-scalar goes to `legacyMetrics`, so old runs render
 * and compare as new ones do. A record that already has a section keeps it.
 */
export function liftNonScalars(r: ScenarioRecord): ScenarioRecord {
  const raw = r.metrics as Record<string, unknown>;
  const metrics: Record<string, MetricValue> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (isMetricValue(v)) metrics[k] = v;
    else rest[k] = v;
  }
  const obj = (x: unknown): Record<string, unknown> | undefined =>
    x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
  const out: ScenarioRecord = { ...r, metrics };
  const taken = new Set<string>();
  // The nemesis section was lifted from these by legacyNemesis.
  // What legacyNemesis took into the nemesis section (the same values), by metric name.
  const lifted: Record<string, unknown> = {
    schedule: r.nemesis?.schedule,
    failovers: r.nemesis?.failovers,
    faultImpact: r.nemesis?.impacts,
    byKind: r.nemesis?.byKind,
    faultsSkipped: r.nemesis?.skipped,
    outAtPromotion: r.nemesis?.outAtPromotion,
    writeAvailability: r.nemesis?.writeAvailability,
  };
  for (const [k, v] of Object.entries(lifted)) if (v !== undefined && rest[k] === v) taken.add(k);
  const timelines = obj(rest.timelines);
  const rows = obj(rest.rowsPerNode);
  if (!r.nodesAtEnd && (timelines || rows)) {
    const names = [...new Set([...Object.keys(timelines ?? {}), ...Object.keys(rows ?? {})])];
    const num = (x: unknown) => (typeof x === 'number' ? x : null);
    out.nodesAtEnd = names.map((node): NodeAtEnd => ({ node, timeline: num(timelines?.[node]), rows: num(rows?.[node]) }));
    taken.add('timelines').add('rowsPerNode');
  }
  const others = obj(rest.otherReceiveLsns);
  if (!r.promotion && typeof metrics.promotedNode === 'string' && (others || typeof raw.history === 'string')) {
    const lsn = (x: unknown) => (typeof x === 'string' ? x : null);
    const promotion: PromotionRecord = {
      promoted: metrics.promotedNode,
      standbys: [
        { node: metrics.promotedNode, receiveLsn: lsn(metrics.promotedReceiveLsn) },
        ...Object.entries(others ?? {}).map(([node, v]) => ({ node, receiveLsn: lsn(v) })),
      ],
      ...(typeof raw.history === 'string' ? { history: raw.history } : {}),
    };
    out.promotion = promotion;
    taken.add('otherReceiveLsns');
    delete metrics.history;
  }
  if (!r.lostSample && Array.isArray(rest.lostSample)) {
    out.lostSample = rest.lostSample.map(String);
    taken.add('lostSample');
  }
  const config = obj(rest.config);
  if (!r.lossMatrix && config && Array.isArray(rest.matrix)) {
    out.lossMatrix = { config: config as unknown as LossMatrixRecord['config'], steps: rest.matrix as LossMatrixRecord['steps'] };
    taken.add('config').add('matrix');
  }
  const left = Object.entries(rest).filter(([k]) => !taken.has(k));
  if (left.length) out.legacyMetrics = { ...(r.legacyMetrics ?? {}), ...Object.fromEntries(left) };
  return out;
}

/**
 * The nemesis section of a record written before records had one, when its metrics held the
 * schedule (and, as it did then, failovers, faultImpact, byKind, writeAvailability): so that
 * `pgchaos shrink` and the report read an older run as they read a new one.
 */
function legacyNemesis(m: Record<string, unknown>): NemesisRecord | undefined {
  if (!m.schedule || typeof m.schedule !== 'object') return undefined;
  const seed = typeof m.seed === 'number' ? m.seed : Number((m.schedule as { seed?: unknown }).seed);
  const list = <T>(x: unknown): T[] | undefined => (Array.isArray(x) ? (x as T[]) : undefined);
  const n: NemesisRecord = { seed, schedule: m.schedule as NemesisRecord['schedule'] };
  const failovers = list<NonNullable<NemesisRecord['failovers']>[number]>(m.failovers);
  const impacts = list<NonNullable<NemesisRecord['impacts']>[number]>(m.faultImpact);
  const byKind = list<NonNullable<NemesisRecord['byKind']>[number]>(m.byKind);
  const skipped = list<NonNullable<NemesisRecord['skipped']>[number]>(m.faultsSkipped);
  // Per failover, the nodes out (older records kept only a count per failover: left as it was).
  const outAtPromotion = list<unknown>(m.outAtPromotion)?.every((x) => Array.isArray(x) && x.every((n) => typeof n === 'string'))
    ? (m.outAtPromotion as string[][])
    : undefined;
  return {
    ...n,
    ...(failovers ? { failovers } : {}),
    ...(impacts ? { impacts } : {}),
    ...(byKind ? { byKind } : {}),
    ...(skipped ? { skipped } : {}),
    ...(outAtPromotion ? { outAtPromotion } : {}),
    ...(m.writeAvailability && typeof m.writeAvailability === 'object'
      ? { writeAvailability: m.writeAvailability as NemesisRecord['writeAvailability'] }
      : {}),
  };
}

/** Report order: by file, then scenario name, then major in the run's order (then as listed). */
function orderRecords(records: ScenarioRecord[], majors: number[]): ScenarioRecord[] {
  const rank = (m: number) => (majors.includes(m) ? majors.indexOf(m) : majors.length + m);
  return [...records].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.name.localeCompare(b.name) || rank(a.major) - rank(b.major) || (a.seed ?? 0) - (b.seed ?? 0),
  );
}

/** `summary.json` of a run. A broken record counts as a failed scenario (its result is unknown); a skipped one as skipped (`runStatus`). */
export function buildSummary(run: string, context: RunContext | null, records: ScenarioRecord[], broken: BrokenRecord[] = []): Summary {
  const scenarios: SummaryScenario[] = records.map((r) => ({
    id: r.id,
    file: r.file,
    name: r.name,
    major: r.major,
    ...(r.seed !== undefined ? { seed: r.seed } : {}),
    status: r.status,
    ...(r.error ? { error: r.error } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    ...(r.postgres ? { postgres: r.postgres } : {}),
    ...(r.image ? { image: r.image } : {}),
    rerun: r.rerun,
    metrics: r.metrics,
    verdicts: r.verdicts,
  }));
  for (const b of broken) {
    const id = b.file.replace(/\.json$/, '');
    scenarios.push({
      id,
      file: '',
      name: id,
      major: Number(/--pg(\d+)/.exec(id)?.[1] ?? 0),
      status: 'failed',
      error: `broken record scenarios/${b.file}: ${b.reason}`,
      startedAt: '',
      durationMs: 0,
      rerun: '',
      metrics: {},
      verdicts: [],
    });
  }
  const counts = { passed: 0, failed: 0, interrupted: 0, skipped: 0 };
  for (const s of scenarios) counts[s.status]++;
  const majors = runMajors(context);
  for (const r of records) if (!majors.includes(r.major)) majors.push(r.major);
  const names = [...new Set(records.flatMap((r) => Object.keys(r.metrics)))].sort();
  return {
    schema: 2,
    run,
    context,
    majors,
    status: runStatus(counts),
    counts,
    scenarios,
    metricDictionary: metricDictionary(names, Object.assign({}, ...records.map((r) => r.metricInfo ?? {}))),
  };
}

const LEVEL = /\b(ERROR|FATAL|PANIC):/;
const TAIL_LINES = 80;

/** A record's server logs: counts of ERROR/FATAL/PANIC lines, and for a scenario that did not pass the tail and earlier such lines. */
async function readLogs(runDir: string, r: ScenarioRecord): Promise<LogView[]> {
  return Promise.all(
    Object.entries(r.logs).map(async ([node, path]): Promise<LogView> => {
      const text = await readFile(join(runDir, path), 'utf8').catch(() => null);
      if (text === null) return { node, path, exists: false, counts: {}, tail: [], earlier: [] };
      const lines = text.replace(/\n$/, '').split('\n');
      const counts: Record<string, number> = {};
      const flagged: Array<{ n: number; line: string }> = [];
      lines.forEach((line, i) => {
        const m = LEVEL.exec(line);
        if (m) {
          counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
          flagged.push({ n: i + 1, line });
        }
      });
      const show = r.status !== 'passed';
      const from = Math.max(0, lines.length - TAIL_LINES);
      return {
        node,
        path,
        exists: true,
        counts,
        tail: show ? lines.slice(from).map((line, i) => ({ n: from + i + 1, line })) : [],
        earlier: show ? flagged.filter((f) => f.n <= from).slice(-50) : [],
      };
    }),
  );
}

/** Which of the run's companion files exist (the header links only those). */
async function presentFiles(runDir: string): Promise<string[]> {
  const names = ['matrix.html', 'summary.json', 'run.json', 'junit.xml', 'pgchaos.log'];
  const found = await Promise.all(
    names.map((n) =>
      stat(join(runDir, n)).then(
        () => n,
        () => null,
      ),
    ),
  );
  return found.filter((n): n is string => n !== null);
}
