/**
 * `pgchaos compare <runA> <runB>`: what changed from a baseline run A to run B — scenarios that
 * flipped, and metrics that moved past their thresholds — as compare.html, diff.json, a short text
 * and the exit code (1 when something regressed).
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import { ConfigError } from '../../harness/errors.ts';
import { compareSummaries, readSummary, renderCompareHtml, renderCompareText, type Threshold } from '../../harness/report/compare.ts';
import { METRICS } from '../../harness/report/metrics.ts';
import { writeFileAtomic } from '../../harness/report/record.ts';
import { listRuns } from '../../harness/report/run-index.ts';
import type { Summary } from '../../harness/report/summary.ts';
import { reportsDir } from '../../harness/run-id.ts';
import { parseStrict, UsageError } from './args.ts';

export const COMPARE_HELP = `usage: pgchaos compare RUN_A RUN_B [options]

Compares run B with the baseline run A, scenario by scenario (same file, name and PostgreSQL
major; when each run covers one major and they differ, the major is ignored): scenarios that
went from passed to failed (or to skipped: their image lacked what they need), scenarios of A
that B did not run, and metrics that got worse past their threshold are regressions; the reverse
are fixes. Writes compare.html and diff.json into
B's folder (or --out DIR) and prints the regressions, then the fixes.

A run is a run folder, a run id under ./reports (PGCHAOS_REPORTS_DIR), latest, or previous
(the run before latest).

  --threshold NAME=REL%[,ABS]  a metric's regression threshold, replacing the default's bounds
                               given (repeatable): writeOutageMs=50%,2000 (worse by more than
                               50 % and 2000 ms), steadyTps=10%, lostAcked=,0 (any rise)
  --ignore-major               match scenarios by file and name only (run A on pg13, B on pg15)
  --out DIR                    where compare.html and diff.json go (default: B's run folder)
  --json                       print diff.json instead of the text summary
  -h, --help                   this text

Default thresholds: timings (…Ms) worse by more than 25 % and 1000 ms; TPS 15 % lower; any rise
of lostAcked; a check metric (hashesEqual, catchupSeen) going from true to false.
A metric of your own scenario is compared when it declares its unit and which way is worse where
it is recorded: rec.metric('queueDrainMs', ms, { unit: 'ms', better: 'lower' }) (ms and tps take
the defaults above; any other unit, any worsening, unless it declares a threshold). A --threshold
on a metric that declares neither is a usage error.

Examples:
  pgchaos compare previous latest
  pgchaos compare reports/20261122-031502-7f3a reports/latest --threshold writeOutageMs=50%,2000

exit codes: 0 no regression · 1 a regression past its threshold · 2 usage error (unknown run, unreadable summary)`;

const OPTIONS = {
  threshold: { type: 'string', multiple: true },
  'ignore-major': { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses one `--threshold NAME=REL%[,ABS]`.
 * @throws UsageError for a malformed one.
 */
export function parseThreshold(text: string): [string, Partial<Threshold>] {
  const m = /^([A-Za-z_][\w.]*)=(?:(\d+(?:\.\d+)?)%)?(?:,(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!m || (m[2] === undefined && m[3] === undefined)) {
    throw new UsageError(
      `--threshold ${text}: expected NAME=REL%[,ABS]`,
      "write it as --threshold writeOutageMs=50%,2000 (relative %, then an absolute amount in the metric's unit), --threshold steadyTps=10% or --threshold lostAcked=,0",
    );
  }
  return [
    m[1]!,
    { ...(m[2] !== undefined ? { relative: Number(m[2]) / 100 } : {}), ...(m[3] !== undefined ? { absolute: Number(m[3]) } : {}) },
  ];
}

/**
 * The run folder a command-line name stands for: a folder (or its summary.json), a run id under
 * `reports`, `latest`, or `previous` (the run before latest).
 * @throws UsageError when it names none.
 */
export async function resolveRun(name: string, reports = reportsDir()): Promise<string> {
  if (name === 'latest' || name === 'previous') {
    const latestLink = join(reports, 'latest');
    const latest = existsSync(latestLink) ? realpathSync(latestLink) : undefined;
    const runs = (await listRuns(reports)).map((r) => join(reports, r.dir));
    const newest = latest ?? runs[0];
    if (!newest)
      throw new UsageError(`no run in ${reports} yet, so no "${name}"`, 'run the scenarios first (pgchaos run), or name a run folder');
    if (name === 'latest') return newest;
    const at = runs.findIndex((r) => realpathSync(r) === realpathSync(newest));
    const previous = at >= 0 ? runs[at + 1] : runs.find((r) => realpathSync(r) !== realpathSync(newest));
    if (!previous)
      throw new UsageError(
        `no run before ${basename(newest)} in ${reports}, so no "previous"`,
        'run the scenarios again, then compare previous latest; or name two run folders',
      );
    return previous;
  }
  for (const candidate of [resolve(name), join(reports, name)]) {
    const st = statSync(candidate, { throwIfNoEntry: false });
    if (st?.isDirectory()) return candidate;
    if (st?.isFile() && basename(candidate) === 'summary.json') return dirname(candidate);
  }
  const known = (await listRuns(reports)).map((r) => r.dir);
  const near = known.length ? closest(name, known) : undefined;
  throw new UsageError(
    `no run "${name}": not a folder, and not a run under ${reports}`,
    near && distance(name, near) <= Math.max(2, Math.floor(near.length / 3))
      ? `did you mean ${near}?`
      : known.length
        ? `name a run folder, latest, previous, or a run id such as ${known.slice(0, 3).join(', ')}`
        : 'name a run folder (no run in the reports folder yet: pgchaos run writes one)',
  );
}

async function load(dir: string): Promise<Summary> {
  try {
    return await readSummary(dir);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.problem, e.fix);
    throw e;
  }
}

/**
 * Runs `pgchaos compare`.
 * @returns 0 no regression, 1 a regression past its threshold (a verdict flip, a missing scenario, a metric).
 * @throws UsageError (exit 2) for a wrong number of runs, an unknown option, a malformed or
 *   unknown --threshold, a run that does not exist, or a summary this pgchaos cannot read.
 */
export async function compare(argv: string[]): Promise<number> {
  const { values, positionals } = parseStrict(argv, OPTIONS, 'compare');
  const v = values as { threshold?: string[]; 'ignore-major'?: boolean; out?: string; json?: boolean; help?: boolean };
  if (v.help) {
    process.stdout.write(`${COMPARE_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 2) {
    throw new UsageError(
      `compare takes two runs, the baseline then the new one (got ${positionals.length}${positionals.length ? `: ${positionals.join(' ')}` : ''})`,
      'pgchaos compare RUN_A RUN_B, e.g. pgchaos compare previous latest',
    );
  }
  const overrides = Object.fromEntries((v.threshold ?? []).map(parseThreshold));
  const dirA = await resolveRun(positionals[0]!);
  const dirB = await resolveRun(positionals[1]!);
  const [a, b] = [await load(dirA), await load(dirB)];
  const recorded = new Set([...Object.keys(METRICS), ...[a, b].flatMap((s) => s.scenarios.flatMap((x) => Object.keys(x.metrics)))]);
  for (const name of Object.keys(overrides)) {
    if (recorded.has(name)) continue;
    const near = closest(name, [...recorded]);
    throw new UsageError(
      `--threshold ${name}: no metric of that name (neither in the dictionary nor in these runs)`,
      distance(name, near) <= Math.max(2, Math.floor(near.length / 3))
        ? `did you mean ${near}?`
        : `pick one of ${[...recorded].filter((n) => Object.hasOwn(METRICS, n) && METRICS[n]!.better !== 'none').join(', ')}`,
    );
  }
  for (const name of Object.keys(overrides)) {
    if (Object.hasOwn(METRICS, name) && METRICS[name]!.better === 'none') {
      throw new UsageError(
        `--threshold ${name}: ${name} is not compared (${METRICS[name]!.description})`,
        `set thresholds on metrics that have a better direction: ${Object.keys(METRICS)
          .filter((n) => METRICS[n]!.better !== 'none')
          .join(', ')}`,
      );
    }
    // A scenario's own metric is judged only when its records declared which way is worse (summary.json's metricDictionary).
    const declared = [b, a]
      .map((s) => (Object.hasOwn(s.metricDictionary, name) ? s.metricDictionary[name]! : undefined))
      .find((d) => d && d.better !== 'none');
    if (!Object.hasOwn(METRICS, name) && !declared) {
      throw new UsageError(
        `--threshold ${name}: ${name} declares no unit and direction, so no threshold can apply to it`,
        `declare them where the scenario records it, e.g. rec.metric('${name}', value, { unit: 'ms', better: 'lower' }), ` +
          'run it again, then compare those runs',
      );
    }
  }
  const diff = compareSummaries(a, b, { thresholds: overrides, ...(v['ignore-major'] ? { match: 'scenario' as const } : {}) });
  const out = resolve(v.out ?? dirB);
  await mkdir(out, { recursive: true });
  const rel = (dir: string) => relative(out, join(dir, 'index.html')) || 'index.html';
  await writeFileAtomic(join(out, 'compare.html'), renderCompareHtml(diff, { a: rel(dirA), b: rel(dirB) }));
  await writeFileAtomic(join(out, 'diff.json'), `${JSON.stringify(diff, null, 1)}\n`);
  if (v.json) process.stdout.write(`${JSON.stringify(diff, null, 1)}\n`);
  else process.stdout.write(`${renderCompareText(diff)}\n  compare.html: ${join(out, 'compare.html')}\n`);
  return diff.regressed ? 1 : 0;
}
