import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verdictId, type VerdictStatus } from '../checks/verdict.ts';
import { ConfigError } from '../errors.ts';
import { isKnownMetric, metricInfo } from './metrics.ts';
import { isMetricValue, SCENARIO_STATUSES } from './record.ts';
import { countsText, runStatus, type MetricInfo, type Summary, type SummaryScenario } from './summary.ts';
import { esc } from './kit.ts';

/**
 * Two runs side by side: which scenarios flipped (passed → failed is a regression, failed →
 * passed a fix, a scenario that ran in A but not in B is a regression too: coverage lost, and so
 * is one that passed in A and was skipped in B: nothing verified it), and
 * which metrics moved past their thresholds in the bad direction (METRICS says which direction
 * and how far). Pure: summaries in, a Diff out; the renderers turn it into compare.html and
 * diff.json. `compareMajors` is the same over the majors of one run (the matrix page).
 */

export type Threshold = NonNullable<MetricInfo['threshold']>;
type Status = SummaryScenario['status'];

/** How one metric moved from run A to run B. */
export interface MetricDelta {
  metric: string;
  unit: string;
  better: MetricInfo['better'];
  /** The value in run A and in run B; `undefined` (absent from diff.json) when that run did not record it. */
  a?: unknown;
  b?: unknown;
  /** `number`: both finite numbers; `bool`: both true/false/null; `other`: anything else, only said to be the same or not. */
  kind: 'number' | 'bool' | 'other';
  /** Numbers: b − a. */
  delta?: number;
  /** Numbers: b / a; null when a is 0. */
  ratio?: number | null;
  /** The threshold applied (the dictionary's, or an override); absent = any worsening counts. */
  threshold?: Threshold;
  /** `regressed`: worse past the threshold; `improved`: better past it; `changed`: moved within it, or not comparable. */
  change: 'regressed' | 'improved' | 'changed' | 'same';
  /** One sentence, for `regressed` and `improved`. */
  reason?: string;
}

/** A check whose status differs between the runs (`null`: the check is not in that run). */
export interface VerdictFlip {
  /** The verdict's stable id (what the pairing keys on). */
  id: string;
  /** Its check's name, as B words it (A's when B has none). */
  check: string;
  a: VerdictStatus | null;
  b: VerdictStatus | null;
  /** B's summary sentence (A's when B has none). */
  summary: string;
}

/** One side of a matched scenario. */
export interface ScenarioSide {
  id: string;
  major: number;
  status: Status;
  error?: string;
  /** Status `skipped`: why it did not run. */
  reason?: string;
}

/** One scenario compared. */
export interface ScenarioDiff {
  file: string;
  name: string;
  seed?: number;
  /** `file › name (pg15)`, or `(pg13 → pg15)` across majors: how reasons name it. */
  label: string;
  a: ScenarioSide | null;
  b: ScenarioSide | null;
  /**
   * The scenario's own verdict: `regression` passed → failed/interrupted/skipped; `fix` the
   * reverse; `missing` in A only; `new` in B only; `same` otherwise (skipped in both included).
   */
  status: 'regression' | 'fix' | 'new' | 'missing' | 'same';
  verdictFlips: VerdictFlip[];
  metrics: MetricDelta[];
  /** Where it sorts: regressed (status or a metric), fixed (status or a metric, nothing regressed), new, unchanged. */
  group: 'regressed' | 'fixed' | 'new' | 'unchanged';
  /** One sentence per regression (status, missing, or metric). */
  regressions: string[];
  /** One sentence per fix or improvement. */
  fixes: string[];
}

/** A run as the diff names it. */
export interface RunRef {
  run: string;
  startedAt: string | null;
  git: string | null;
  majors: number[];
  status: Summary['status'];
  counts: Summary['counts'];
  /** synchronous_standby_names and synchronous_commit of the run's config, when its context says. */
  config: { synchronous_standby_names?: unknown; synchronous_commit?: unknown };
  /** The machine's 1-minute load average per CPU as the run started; null when the run did not record it. */
  loadPerCpu: number | null;
}

/** `diff.json`: what compare.html shows, and what the exit code is decided on. */
export interface Diff {
  schema: 1;
  a: RunRef;
  b: RunRef;
  /** `id`: same file, name and major; `scenario`: same file and name, the major ignored (comparing majors). */
  match: 'id' | 'scenario';
  /** Sorted: regressed, fixed, new, unchanged. */
  scenarios: ScenarioDiff[];
  /** Something regressed past its threshold, or a scenario flipped to failed, or went missing. */
  regressed: boolean;
  /** One sentence per regression. */
  reasons: string[];
  /** One sentence per fix or improvement. */
  fixes: string[];
  /** Why a change in throughput or timing may be the machine's, not the code's (a run started on a loaded machine); empty when none. */
  caveats: string[];
  counts: { regressed: number; fixed: number; new: number; missing: number; unchanged: number };
  /** The metrics the diff judged (better ≠ none), with the threshold used: the dictionary's, or an override. */
  thresholds: Record<string, { unit: string; better: 'lower' | 'higher'; threshold?: Threshold; overridden: boolean; description: string }>;
}

export interface CompareOptions {
  /** Per metric: replaces the dictionary's bounds given here, keeps the others. */
  thresholds?: Record<string, Partial<Threshold>>;
  /** Default: `id`, or `scenario` when each run covers one major and they differ. */
  match?: 'id' | 'scenario';
}

const GROUP_ORDER = { regressed: 0, fixed: 1, new: 2, unchanged: 3 } as const;

/**
 * Compares run B against the baseline run A.
 * Scenarios are matched by file + name + seed + major (`match: 'id'`), or by file + name + seed
 * with the major ignored (`'scenario'`; several majors of one scenario pair in major order).
 */
export function compareSummaries(a: Summary, b: Summary, opts: CompareOptions = {}): Diff {
  const match = opts.match ?? defaultMatch(a, b);
  const dict = (name: string) => describeMetric(name, opts.thresholds, b, a);
  const pairs = pairScenarios(a.scenarios, b.scenarios, match);
  const scenarios = pairs.map(([sa, sb]) => compareScenario(sa, sb, dict));
  scenarios.sort((x, y) => GROUP_ORDER[x.group] - GROUP_ORDER[y.group]);
  const reasons = scenarios.flatMap((s) => s.regressions);
  const fixes = scenarios.flatMap((s) => s.fixes);
  const thresholds: Diff['thresholds'] = {};
  for (const name of [...new Set(scenarios.flatMap((s) => s.metrics.map((m) => m.metric)))].sort()) {
    const d = dict(name);
    if (d.better === 'none') continue;
    thresholds[name] = {
      unit: d.unit,
      better: d.better,
      ...(d.threshold ? { threshold: d.threshold } : {}),
      overridden: Object.hasOwn(opts.thresholds ?? {}, name),
      description: d.description,
    };
  }
  return {
    schema: 1,
    a: runRef(a),
    b: runRef(b),
    match,
    scenarios,
    regressed: reasons.length > 0,
    reasons,
    fixes,
    caveats: loadCaveats(runRef(a), runRef(b)),
    counts: {
      regressed: scenarios.filter((s) => s.group === 'regressed').length,
      fixed: scenarios.filter((s) => s.group === 'fixed').length,
      new: scenarios.filter((s) => s.status === 'new').length,
      missing: scenarios.filter((s) => s.status === 'missing').length,
      unchanged: scenarios.filter((s) => s.group === 'unchanged').length,
    },
    thresholds,
  };
}

/** The majors of one run compared: each other major against the base. */
export interface MajorsDiff {
  run: string;
  base: number;
  /** Every major of the run, ascending. */
  majors: number[];
  /** One per major other than the base, ascending. */
  diffs: Array<{ major: number; diff: Diff }>;
  regressed: boolean;
}

/**
 * The matrix comparison: within one run, each major against `base` (default the lowest), scenario
 * by scenario (file + name), with the same verdict and metric rules as two runs.
 * @throws ConfigError when `base` is not a major of the run.
 */
export function compareMajors(s: Summary, base?: number, opts: Omit<CompareOptions, 'match'> = {}): MajorsDiff {
  const majors = [...new Set([...s.majors, ...s.scenarios.map((x) => x.major)])].sort((x, y) => x - y);
  const b = base ?? majors[0];
  if (b === undefined) return { run: s.run, base: NaN, majors, diffs: [], regressed: false };
  if (!majors.includes(b))
    throw new ConfigError(
      `PostgreSQL ${b} is not a major of run ${s.run} (it ran ${majors.join(', ') || 'none'})`,
      `compare against one of ${majors.join(', ')}`,
    );
  const only = (m: number): Summary => ({ ...s, majors: [m], scenarios: s.scenarios.filter((x) => x.major === m) });
  const diffs = majors
    .filter((m) => m !== b)
    .map((m) => ({ major: m, diff: compareSummaries(only(b), only(m), { ...opts, match: 'scenario' }) }));
  return { run: s.run, base: b, majors, diffs, regressed: diffs.some((d) => d.diff.regressed) };
}

function defaultMatch(a: Summary, b: Summary): 'id' | 'scenario' {
  const ma = new Set(a.scenarios.map((s) => s.major));
  const mb = new Set(b.scenarios.map((s) => s.major));
  return ma.size === 1 && mb.size === 1 && [...ma][0] !== [...mb][0] ? 'scenario' : 'id';
}

function runRef(s: Summary): RunRef {
  const cfg = s.context?.config ?? {};
  return {
    run: s.run,
    startedAt: s.context?.startedAt ?? null,
    git: s.context?.git ?? null,
    majors: s.majors,
    status: s.status,
    counts: s.counts,
    loadPerCpu: loadPerCpu(s.context?.host),
    config: {
      ...('synchronous_standby_names' in cfg ? { synchronous_standby_names: cfg.synchronous_standby_names } : {}),
      ...('synchronous_commit' in cfg ? { synchronous_commit: cfg.synchronous_commit } : {}),
    },
  };
}

/** 1-minute load average per CPU of a run's host, 2 decimals; null when not recorded. */
function loadPerCpu(host: { cpus: number; loadAverage?: number[] } | undefined): number | null {
  const l = host?.loadAverage?.[0];
  return l === undefined || !host?.cpus ? null : Math.round((l / host.cpus) * 100) / 100;
}

/**
 * A run that started with more runnable work than CPUs (1-minute load per CPU above LOADED_PER_CPU)
 * shares the machine with something else: its throughput and timings measure that too. Said for
 * each such run, never used to excuse a regression (the verdicts stand as they are).
 */
export function loadCaveats(a: RunRef, b: RunRef): string[] {
  return (
    [
      ['A', a],
      ['B', b],
    ] as const
  )
    .filter(([, r]) => r.loadPerCpu !== null && r.loadPerCpu > LOADED_PER_CPU)
    .map(
      ([side, r]) =>
        `run ${side} (${r.run}) started on a loaded machine (1-minute load ${r.loadPerCpu} per CPU): its throughput and timings measure the machine's other work too; rerun on a quiet machine before reading a change in them as the code's.`,
    );
}

/** Load per CPU above which a run is said to have started on a loaded machine. */
export const LOADED_PER_CPU = 1;

/** The dictionary entry of a metric for this comparison: pgchaos's own, else the runs' dictionaries; an override's bounds replace the default's. */
function describeMetric(name: string, overrides: CompareOptions['thresholds'], ...runs: Summary[]): MetricInfo {
  let info = metricInfo(name);
  if (!isKnownMetric(name)) {
    const fromRun = runs.map((r) => (Object.hasOwn(r.metricDictionary ?? {}, name) ? r.metricDictionary[name] : undefined)).find(Boolean);
    if (fromRun) info = { ...fromRun };
  }
  const o = overrides && Object.hasOwn(overrides, name) ? overrides[name] : undefined;
  if (o) {
    const t: Threshold = { ...info.threshold };
    if (o.relative !== undefined) t.relative = o.relative;
    if (o.absolute !== undefined) t.absolute = o.absolute;
    info = { ...info, threshold: t };
  }
  return info;
}

const pairKey = (s: SummaryScenario, match: 'id' | 'scenario') =>
  JSON.stringify([s.file, s.name, s.seed ?? null, ...(match === 'id' ? [s.major] : [])]);

function pairScenarios(
  as: SummaryScenario[],
  bs: SummaryScenario[],
  match: 'id' | 'scenario',
): Array<[SummaryScenario | null, SummaryScenario | null]> {
  const group = (list: SummaryScenario[]) => {
    const m = new Map<string, SummaryScenario[]>();
    for (const s of list) m.set(pairKey(s, match), [...(m.get(pairKey(s, match)) ?? []), s]);
    for (const v of m.values()) v.sort((x, y) => x.major - y.major);
    return m;
  };
  const ga = group(as);
  const gb = group(bs);
  const out: Array<[SummaryScenario | null, SummaryScenario | null]> = [];
  for (const key of new Set([...ga.keys(), ...gb.keys()])) {
    const la = ga.get(key) ?? [];
    const lb = gb.get(key) ?? [];
    for (let i = 0; i < Math.max(la.length, lb.length); i++) out.push([la[i] ?? null, lb[i] ?? null]);
  }
  return out;
}

function label(sa: SummaryScenario | null, sb: SummaryScenario | null): string {
  const s = (sb ?? sa)!;
  const file = s.file.replace(/^(\.\/)?scenarios\//, '').replace(/\.test\.[cm]?[jt]s$/, '');
  const majors = sa && sb && sa.major !== sb.major ? `pg${sa.major} → pg${sb.major}` : `pg${s.major}`;
  return `${file} › ${s.name} (${majors}${s.seed !== undefined ? `, seed ${s.seed}` : ''})`;
}

function compareScenario(sa: SummaryScenario | null, sb: SummaryScenario | null, dict: (n: string) => MetricInfo): ScenarioDiff {
  const s = (sb ?? sa)!;
  const lab = label(sa, sb);
  const side = (x: SummaryScenario | null): ScenarioSide | null =>
    x
      ? { id: x.id, major: x.major, status: x.status, ...(x.error ? { error: x.error } : {}), ...(x.reason ? { reason: x.reason } : {}) }
      : null;
  const status: ScenarioDiff['status'] = !sa
    ? 'new'
    : !sb
      ? 'missing'
      : sa.status === 'passed' && sb.status !== 'passed'
        ? 'regression'
        : sa.status !== 'passed' && sb.status === 'passed'
          ? 'fix'
          : 'same';
  const verdictFlips = sa && sb ? flips(sa, sb) : [];
  const metrics = sa && sb ? compareMetrics(sa.metrics ?? {}, sb.metrics ?? {}, dict, lab) : [];
  const failedChecks = verdictFlips.filter((f) => f.b === 'failed' || f.b === 'unknown').map((f) => `${f.check} ${f.b}`);
  const regressions: string[] = [];
  const fixes: string[] = [];
  // Two runs name their sides A and B; the majors of one run (or --ignore-major), by major.
  const named = (x: SummaryScenario, name: string) => (sa && sb && sa.major !== sb.major ? `pg${x.major}` : name);
  if (status === 'regression' && sb!.status === 'skipped')
    regressions.push(
      `${lab}: passed in ${named(sa!, 'A')}, skipped in ${named(sb!, 'B')}: ${sb!.reason ? firstLine(sb!.reason) : 'no reason recorded'}.`,
    );
  else if (status === 'regression')
    regressions.push(
      `${lab}: ${sa!.status} → ${sb!.status}${failedChecks.length ? ` (${failedChecks.join('; ')})` : sb!.error ? ` (${firstLine(sb!.error)})` : ''}.`,
    );
  if (status === 'missing')
    regressions.push(`${lab}: ran in ${sa!.status === 'passed' ? 'the baseline' : `the baseline (${sa!.status})`} but not in the new run.`);
  if (status === 'fix') fixes.push(`${lab}: ${sa!.status} → passed.`);
  for (const m of metrics) if (m.change === 'regressed') regressions.push(m.reason!);
  for (const m of metrics) if (m.change === 'improved') fixes.push(m.reason!);
  const group: ScenarioDiff['group'] = regressions.length ? 'regressed' : fixes.length ? 'fixed' : status === 'new' ? 'new' : 'unchanged';
  return {
    file: s.file,
    name: s.name,
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
    label: lab,
    a: side(sa),
    b: side(sb),
    status,
    verdictFlips,
    metrics,
    group,
    regressions,
    fixes,
  };
}

const firstLine = (s: string) => {
  const l = s.split('\n')[0]!.trim();
  return l.length > 160 ? `${l.slice(0, 157)}…` : l;
};

/**
 * Checks whose status differs, paired by verdict id (`verdictId`: a record written before ids
 * pairs through its check name), never by the wording of a name or summary; an id that occurs
 * several times pairs by occurrence.
 */
function flips(sa: SummaryScenario, sb: SummaryScenario): VerdictFlip[] {
  const keyed = (s: SummaryScenario) => {
    const seen = new Map<string, number>();
    return new Map(
      (s.verdicts ?? []).map((v) => {
        const id = verdictId(v);
        const n = seen.get(id) ?? 0;
        seen.set(id, n + 1);
        return [`${id}\u0000${n}`, v] as const;
      }),
    );
  };
  const ka = keyed(sa);
  const kb = keyed(sb);
  const out: VerdictFlip[] = [];
  for (const k of new Set([...ka.keys(), ...kb.keys()])) {
    const va = ka.get(k);
    const vb = kb.get(k);
    if (va?.status === vb?.status) continue;
    out.push({
      id: k.split('\u0000')[0]!,
      check: (vb ?? va)!.check,
      a: va?.status ?? null,
      b: vb?.status ?? null,
      summary: (vb ?? va)!.summary,
    });
  }
  return out;
}

const isBoolish = (v: unknown) => v === true || v === false || v === null;

function compareMetrics(
  ma: Record<string, unknown>,
  mb: Record<string, unknown>,
  dict: (n: string) => MetricInfo,
  lab: string,
): MetricDelta[] {
  // A summary written before metrics were scalars holds tables among them (timelines, rowsPerNode,
  // the matrix): they are the record's sections now, not metrics, and are not compared.
  const scalar = (v: unknown) => v === undefined || isMetricValue(v);
  const names = [...new Set([...Object.keys(ma), ...Object.keys(mb)])].filter((n) => scalar(ma[n]) && scalar(mb[n])).sort();
  return names.map((metric) => {
    const info = dict(metric);
    const a = ma[metric];
    const b = mb[metric];
    const base = { metric, unit: info.unit, better: info.better, ...(a !== undefined ? { a } : {}), ...(b !== undefined ? { b } : {}) };
    if (typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b)) {
      const delta = b - a;
      const ratio = a === 0 ? null : b / a;
      const judged = info.better !== 'none';
      const worse = info.better === 'lower' ? delta : info.better === 'higher' ? -delta : 0;
      const regressed = judged && beyond(worse, a, info.threshold);
      const improved = judged && beyond(-worse, a, info.threshold);
      const change = regressed ? 'regressed' : improved ? 'improved' : delta === 0 ? 'same' : 'changed';
      const d: MetricDelta = {
        ...base,
        kind: 'number',
        delta,
        ratio,
        ...(judged && info.threshold ? { threshold: info.threshold } : {}),
        change,
      };
      if (regressed || improved) {
        const past = info.threshold ? `, past the threshold of ${formatThreshold(info.threshold, info.better, info.unit)}` : '';
        d.reason = `${lab}: ${metric} ${delta > 0 ? 'rose' : 'fell'} from ${formatValue(a, info.unit)} to ${formatValue(b, info.unit)} (${formatDelta(delta, info.unit)}${a === 0 ? '' : `, ${formatPercent(delta / Math.abs(a))}`})${regressed ? past : ''}.`;
      }
      return d;
    }
    if (info.unit === 'bool' && isBoolish(a) && isBoolish(b)) {
      // true is the good value of a bool metric: true → false regresses, false → true is a fix; null (not compared) only changes.
      const judged = info.better !== 'none';
      const change =
        a === b ? 'same' : judged && a === true && b === false ? 'regressed' : judged && a === false && b === true ? 'improved' : 'changed';
      const d: MetricDelta = { ...base, kind: 'bool', change };
      if (change === 'regressed' || change === 'improved') d.reason = `${lab}: ${metric} went from ${a} to ${b}.`;
      return d;
    }
    const same = a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
    return { ...base, kind: 'other', change: same ? 'same' : 'changed' };
  });
}

/** Whether a worsening of `worse` (in the metric's unit) from `a` is past every bound of `t` (any worsening without a threshold). */
function beyond(worse: number, a: number, t: Threshold | undefined): boolean {
  if (!(worse > 0)) return false;
  if (t?.absolute !== undefined && !(worse > t.absolute)) return false;
  if (t?.relative !== undefined && a !== 0 && !(worse / Math.abs(a) > t.relative)) return false;
  return true;
}

/** `2000 ms`, `512 tps`, `true`, `"s2"`. */
export function formatValue(v: unknown, unit = ''): string {
  if (v === undefined) return '—';
  if (typeof v === 'number')
    return `${Number.isInteger(v) ? v : +v.toFixed(2)}${unit && unit !== 'count' && unit !== 'bool' && unit !== 'timeline' ? ` ${unit}` : ''}`;
  if (typeof v === 'string') return v;
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}

/** `+7000 ms`, `−80 tps`. */
export function formatDelta(delta: number, unit = ''): string {
  return `${delta > 0 ? '+' : delta < 0 ? '−' : '±'}${formatValue(Math.abs(delta), unit)}`;
}

/** `+350 %`, `−17.5 %` of a fraction. */
export function formatPercent(fraction: number): string {
  return `${fraction > 0 ? '+' : fraction < 0 ? '−' : '±'}${+(Math.abs(fraction) * 100).toFixed(1)} %`;
}

/** `+25 % and +1000 ms` (a rise is worse), `−15 %` (a fall is worse); `any rise` for `{absolute: 0}`. */
export function formatThreshold(t: Threshold, better: MetricInfo['better'], unit: string): string {
  const sign = better === 'higher' ? '−' : '+';
  const parts = [
    ...(t.relative !== undefined ? [`${sign}${+(t.relative * 100).toFixed(2)} %`] : []),
    ...(t.absolute !== undefined && t.absolute > 0 ? [`${sign}${formatValue(t.absolute, unit)}`] : []),
  ];
  if (!parts.length) return better === 'higher' ? 'any fall' : 'any rise';
  return parts.join(' and ');
}

// ---------------------------------------------------------------------------------------------
// Reading summary.json

/**
 * Parses a `summary.json` text, checking it is one this pgchaos reads (schema 2).
 * @param where the file, for messages.
 * @throws ConfigError saying what is wrong (not JSON, an older or newer schema, a missing field) and what to do.
 */
export function parseSummary(text: string, where: string): Summary {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      `${where} is not valid JSON (${(e as Error).message}): the run was probably cut off while writing it`,
      'pick another run (pgchaos compare RUN_A RUN_B, runs are the folders of ./reports), or run the scenarios again',
    );
  }
  if (!j || typeof j !== 'object' || Array.isArray(j))
    throw new ConfigError(`${where} is not a pgchaos summary (not a JSON object)`, 'name a run folder written by pgchaos run');
  const o = j as Record<string, unknown>;
  if (o.schema === undefined) {
    throw new ConfigError(
      `${where} is an older summary (before summary schema 2: no majors, record ids or metric dictionary), which compare cannot match scenario by scenario`,
      'run the scenarios again with this pgchaos (pgchaos run) and compare the new runs',
    );
  }
  if (o.schema !== 2) {
    throw new ConfigError(
      `${where} has summary schema ${JSON.stringify(o.schema)}; this pgchaos reads schema 2`,
      typeof o.schema === 'number' && o.schema > 2
        ? 'compare it with the pgchaos version that wrote it (npx pgchaos@latest compare …)'
        : 'run the scenarios again with this pgchaos (pgchaos run)',
    );
  }
  const bad = (what: string) =>
    new ConfigError(
      `${where} is not a valid pgchaos summary: ${what}`,
      'run the scenarios again with this pgchaos (pgchaos run), or pick another run',
    );
  if (typeof o.run !== 'string') throw bad('"run" is not a string');
  if (!Array.isArray(o.scenarios)) throw bad('"scenarios" is not a list');
  o.scenarios.forEach((s: unknown, i) => {
    const x = s as Record<string, unknown> | null;
    if (!x || typeof x !== 'object') throw bad(`scenarios[${i}] is not an object`);
    for (const f of ['file', 'name', 'id'] as const) if (typeof x[f] !== 'string') throw bad(`scenarios[${i}].${f} is not a string`);
    if (typeof x.major !== 'number') throw bad(`scenarios[${i}].major is not a number`);
    if (!SCENARIO_STATUSES.includes(x.status as SummaryScenario['status']))
      throw bad(`scenarios[${i}].status is ${JSON.stringify(x.status)}`);
    if (x.metrics !== undefined && (typeof x.metrics !== 'object' || x.metrics === null || Array.isArray(x.metrics)))
      throw bad(`scenarios[${i}].metrics is not an object`);
    if (x.verdicts !== undefined && !Array.isArray(x.verdicts)) throw bad(`scenarios[${i}].verdicts is not a list`);
  });
  const scenarios = o.scenarios as SummaryScenario[];
  const majors = Array.isArray(o.majors) ? (o.majors as number[]) : [...new Set(scenarios.map((s) => s.major))];
  // A summary written before `skipped` existed counts none.
  const counts = o.counts && typeof o.counts === 'object' ? { skipped: 0, ...(o.counts as Partial<Summary['counts']>) } : undefined;
  return {
    ...(o as unknown as Summary),
    majors,
    context: (o.context as Summary['context']) ?? null,
    counts: (counts as Summary['counts'] | undefined) ?? countStatuses(scenarios),
    status: (o.status as Summary['status']) ?? runStatus(countStatuses(scenarios)),
    scenarios: scenarios.map((s) => ({ ...s, metrics: s.metrics ?? {}, verdicts: s.verdicts ?? [] })),
    metricDictionary: (o.metricDictionary as Summary['metricDictionary']) ?? {},
  };
}

function countStatuses(ss: SummaryScenario[]): Summary['counts'] {
  return Object.fromEntries(SCENARIO_STATUSES.map((k) => [k, ss.filter((s) => s.status === k).length])) as Summary['counts'];
}

/**
 * Reads `<runDir>/summary.json`.
 * @throws ConfigError when there is none, or it is not one this pgchaos reads.
 */
export async function readSummary(runDir: string): Promise<Summary> {
  const path = join(runDir, 'summary.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT'
        ? `${runDir} has no summary.json (the run did not get to write its report, or this is not a run folder)`
        : `cannot read ${path}: ${(e as Error).message}`,
      'name a run folder of ./reports that has a summary.json, or run the scenarios again',
    );
  }
  return parseSummary(text, path);
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** `2026-01-02 12:00:00 UTC` of an ISO 8601 time (as is when it is not one). */
export function shortTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** The text `pgchaos compare` prints: the verdict, then regressions, then fixes. */
export function renderCompareText(diff: Diff): string {
  const c = diff.counts;
  const head = `pgchaos compare ${diff.a.run} → ${diff.b.run}${diff.match === 'scenario' ? ' (matched by scenario, majors ignored)' : ''}: ${diff.regressed ? `REGRESSED — ${diff.reasons.length} regression${diff.reasons.length === 1 ? '' : 's'}` : 'no regression'}; ${c.fixed} fixed, ${c.new} new, ${c.missing} missing, ${c.unchanged} unchanged`;
  return [
    head,
    ...diff.reasons.map((r) => `  REGRESSED  ${r}`),
    ...diff.fixes.map((r) => `  fixed      ${r}`),
    ...(diff.caveats ?? []).map((r) => `  note       ${r}`),
  ].join('\n');
}

/** Links from compare.html to each run's report (`…/index.html`); scenario anchors are appended. */
export interface CompareLinks {
  a?: string;
  b?: string;
}

/** compare.html: self-contained; regressions first (red), then fixes, new, and the unchanged folded; the thresholds used at the end. */
export function renderCompareHtml(diff: Diff, links: CompareLinks = {}): string {
  const link = (side: 'a' | 'b', id: string | undefined, text: string) =>
    links[side] && id ? `<a href="${esc(`${links[side]}#${id}`)}">${esc(text)}</a>` : esc(text);
  const runCell = (r: RunRef, side: 'a' | 'b') => {
    const cfg = Object.entries(r.config)
      .map(([k, v]) => `${k} = <code>${esc(typeof v === 'string' ? `'${v}'` : JSON.stringify(v))}</code>`)
      .join('<br>');
    return `<td class="nw">${links[side] ? `<a href="${esc(links[side]!)}">${esc(r.run)}</a>` : esc(r.run)}</td><td class="nw">${esc(r.startedAt ? shortTime(r.startedAt) : '—')}</td><td>${esc(r.git ? r.git.slice(0, 12) + (r.git.endsWith('+dirty') ? '+dirty' : '') : '—')}</td><td>${r.majors.map((m) => `pg${m}`).join(', ')}</td><td><span class="${r.status}">${r.status}</span>: ${esc(countsText(r.counts))}</td><td>${cfg || '—'}</td>`;
  };
  const metricRow = (m: MetricDelta) => {
    const cls = m.change === 'regressed' ? 'bad' : m.change === 'improved' ? 'good' : m.change === 'changed' ? 'moved' : '';
    const t =
      m.threshold && m.better !== 'none'
        ? formatThreshold(m.threshold, m.better, m.unit)
        : m.better === 'none'
          ? 'not compared'
          : 'any worsening';
    const delta =
      m.kind === 'number'
        ? `${formatDelta(m.delta!, m.unit)}${m.a === 0 || m.delta === 0 ? '' : ` (${formatPercent(m.delta! / Math.abs(m.a as number))})`}`
        : '';
    return `<tr class="${cls}"><td><b>${esc(m.metric)}</b></td><td>${esc(formatValue(m.a, m.unit))}</td><td>${esc(formatValue(m.b, m.unit))}</td><td>${esc(delta)}</td><td>${esc(t)}</td><td>${m.change}</td></tr>`;
  };
  const section = (s: ScenarioDiff, open: boolean) => {
    const st = (x: ScenarioSide | null, side: 'a' | 'b') =>
      x ? `<span class="${x.status}">${link(side, x.id, x.status)}</span>` : '<i>not run</i>';
    const flips = s.verdictFlips.length
      ? `<ul>${s.verdictFlips.map((f) => `<li><b>${esc(f.check)}</b>: <span class="${f.a}">${f.a ?? 'absent'}</span> → <span class="${f.b}">${f.b ?? 'absent'}</span> — ${esc(f.summary)}</li>`).join('')}</ul>`
      : '';
    const order = { regressed: 0, improved: 1, changed: 2, same: 3 } as const;
    const shown = s.metrics.filter((m) => m.change !== 'same' || m.kind === 'number').sort((x, y) => order[x.change] - order[y.change]);
    const metrics = shown.length
      ? `<table class="m"><tr><th>metric</th><th>A</th><th>B</th><th>Δ</th><th>threshold</th><th></th></tr>${shown.map(metricRow).join('')}</table>`
      : '';
    const why = s.status === 'regression' ? (s.b?.error ?? s.b?.reason) : s.b?.status === 'skipped' ? s.b.reason : undefined;
    const err = why ? `<pre>${esc(firstLine(why))}</pre>` : '';
    return `<details class="sc ${s.group}"${open ? ' open' : ''}><summary><b>${esc(s.label)}</b> — ${st(s.a, 'a')} → ${st(s.b, 'b')}</summary>${[...s.regressions, ...s.fixes].length ? `<ul class="why">${[...s.regressions, ...s.fixes].map((r) => `<li>${esc(r.startsWith(`${s.label}: `) ? r.slice(s.label.length + 2) : r)}</li>`).join('')}</ul>` : ''}${err}${flips}${metrics}</details>`;
  };
  const groups: Array<[ScenarioDiff['group'], string, boolean]> = [
    ['regressed', 'Regressions', true],
    ['fixed', 'Fixes and improvements', true],
    ['new', 'New in B', false],
    ['unchanged', 'Unchanged (within thresholds)', false],
  ];
  const body = groups
    .map(([g, title, open]) => {
      const list = diff.scenarios.filter((s) => s.group === g);
      return list.length ? `<h2 class="g-${g}">${title} (${list.length})</h2>${list.map((s) => section(s, open)).join('')}` : '';
    })
    .join('');
  const thresholds = Object.entries(diff.thresholds)
    .map(
      ([name, t]) =>
        `<tr><td><b>${esc(name)}</b>${t.overridden ? ' <i>(override)</i>' : ''}</td><td>${esc(t.unit)}</td><td>${t.better === 'lower' ? 'a rise is worse' : 'a fall is worse'}</td><td>${esc(t.threshold ? formatThreshold(t.threshold, t.better, t.unit) : t.better === 'lower' ? 'any rise' : 'any fall')}</td><td>${esc(t.description)}</td></tr>`,
    )
    .join('');
  const banner = diff.regressed
    ? `<div class="banner bad"><b>REGRESSED</b>: ${diff.reasons.length} regression${diff.reasons.length === 1 ? '' : 's'}<ul>${diff.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul></div>`
    : `<div class="banner good"><b>No regression</b> past the thresholds${diff.fixes.length ? `; ${diff.fixes.length} fix${diff.fixes.length === 1 ? '' : 'es'} or improvement${diff.fixes.length === 1 ? '' : 's'}` : ''}.</div>`;
  const caveats = (diff.caveats ?? []).length
    ? `<div class="banner note"><b>Note</b><ul>${diff.caveats.map((r) => `<li>${esc(r)}</li>`).join('')}</ul></div>`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>pgchaos compare ${esc(diff.a.run)} → ${esc(diff.b.run)}</title><style>
body{font:14px system-ui,sans-serif;margin:24px;max-width:1100px}td,th{padding:2px 8px;text-align:left;vertical-align:top}table{border-collapse:collapse}
.passed{color:#176f2c;font-weight:bold}.failed,.unknown{color:#b00020;font-weight:bold}.interrupted{color:#a65c00;font-weight:bold}.skipped{color:#57606a;font-weight:bold}
.banner{padding:8px 12px;margin:12px 0;border-radius:4px}.banner.bad{background:#fde7ea;border:1px solid #b00020}.banner.good{background:#e6f4ea;border:1px solid #176f2c}.banner.note{background:#fff8e1;border:1px solid #a65c00}
.sc{border-left:4px solid #ccc;padding:4px 10px;margin:6px 0}.sc.regressed{border-color:#b00020;background:#fff5f6}.sc.fixed{border-color:#176f2c}.sc.new{border-color:#1f5fbf}
tr.bad td{background:#fde7ea;color:#b00020}tr.good td{background:#e6f4ea}tr.moved td{background:#fafae6}.g-regressed{color:#b00020}.g-fixed{color:#176f2c}
table.m{margin:6px 0;font-size:13px}table.m th{border-bottom:1px solid #ccc}pre{background:#f4f4f4;padding:6px;font-size:12px;overflow:auto}summary{cursor:pointer}.nw{white-space:nowrap}
</style></head><body><h1>pgchaos compare</h1>
<table><tr><th></th><th>run</th><th>started</th><th>git</th><th>majors</th><th>status</th><th>config</th></tr>
<tr><th>A (baseline)</th>${runCell(diff.a, 'a')}</tr><tr><th>B</th>${runCell(diff.b, 'b')}</tr></table>
<p>Scenarios matched by ${diff.match === 'id' ? 'file, name and PostgreSQL major' : 'file and name, the major ignored'}. A scenario regresses when it passed in A and not in B (failed, interrupted, or skipped: nothing verified it), when it ran in A only, or when a metric got worse past every bound of its threshold (a boolean check metric going from true to false).</p>
${banner}${caveats}${body || '<p>No scenario in either run.</p>'}
<h2>Thresholds</h2><table class="m"><tr><th>metric</th><th>unit</th><th>direction</th><th>regression past</th><th>meaning</th></tr>${thresholds || '<tr><td colspan="5">no judged metric in these runs</td></tr>'}</table>
<p><a href="diff.json">diff.json</a></p></body></html>`;
}
