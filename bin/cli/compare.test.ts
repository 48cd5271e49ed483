import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PACKAGE_ROOT } from '../../harness/paths.ts';
import { asRun, baseline, fixtureText, scenarioOf } from '../../harness/report/compare-fixtures/fixtures.ts';
import type { Diff } from '../../harness/report/compare.ts';
import { recordId, writeScenarioRecord } from '../../harness/report/record.ts';
import { writeReport } from '../../harness/report/report.ts';
import { Recorder } from '../../harness/run/recorder.ts';
import type { Summary } from '../../harness/report/summary.ts';
import { UsageError } from './args.ts';
import { compare, parseThreshold, resolveRun } from './compare.ts';

const A = '20260101-120000-aaaa';
const B = '20260102-120000-bbbb';

let reports: string;
let stdout: string;

/** Writes a run folder under `reports` holding `summary` (or a summary.json text). */
async function putRun(id: string, summary: Summary | string): Promise<string> {
  const dir = join(reports, id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'summary.json'), typeof summary === 'string' ? summary : JSON.stringify(summary));
  return dir;
}

/** Runs B: the baseline, with writeOutageMs of the switchover at `outageMs`. */
const runB = (outageMs = 2000) => {
  const s = asRun(baseline(), B);
  scenarioOf(s, 'planned-switchover').metrics.writeOutageMs = outageMs;
  return s;
};

async function usage(argv: string[]): Promise<string> {
  const e = await compare(argv).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UsageError);
  return (e as UsageError).message;
}

beforeEach(async () => {
  reports = await mkdtemp(join(tmpdir(), 'pgchaos-compare-'));
  vi.stubEnv('PGCHAOS_REPORTS_DIR', reports);
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('pgchaos compare', () => {
  it("identical runs: exit 0, compare.html and diff.json in B's folder", async () => {
    const a = await putRun(A, asRun(baseline(), A));
    const b = await putRun(B, runB());
    expect(await compare([a, b])).toBe(0);
    expect(stdout).toMatch(
      /^pgchaos compare 20260101-120000-aaaa → 20260102-120000-bbbb: no regression; 0 fixed, 0 new, 0 missing, 3 unchanged\n {2}compare\.html: /,
    );
    const diff = JSON.parse(await readFile(join(b, 'diff.json'), 'utf8')) as Diff;
    expect(diff).toMatchObject({ schema: 1, regressed: false, a: { run: A }, b: { run: B } });
    const html = await readFile(join(b, 'compare.html'), 'utf8');
    expect(html).toContain('<b>No regression</b>');
    expect(html).toContain(`href="${relative(b, join(a, 'index.html'))}"`); // B's page links A's report
  });

  it('a seeded regression (writeOutageMs 2000 → 9000 ms): exit 1, the reason printed first', async () => {
    await putRun(A, asRun(baseline(), A));
    await putRun(B, runB(9000));
    expect(await compare([A, B])).toBe(1); // run ids under PGCHAOS_REPORTS_DIR
    expect(stdout).toMatch(
      /REGRESSED — 1 regression[^\n]*\n {2}REGRESSED {2}planned-switchover › .*: writeOutageMs rose from 2000 ms to 9000 ms \(\+7000 ms, \+350 %\), past the threshold of \+25 % and \+1000 ms\./,
    );
    expect(await readFile(join(reports, B, 'compare.html'), 'utf8')).toContain('<b>REGRESSED</b>');
  });

  it('--threshold loosens a metric: the same runs exit 0', async () => {
    await putRun(A, asRun(baseline(), A));
    await putRun(B, runB(9000));
    expect(await compare([A, B, '--threshold', 'writeOutageMs=400%'])).toBe(0); // +350 % is within 400 %
    expect(await compare([A, B, '--threshold=writeOutageMs=,8000'])).toBe(0); // +7000 ms is within 8000 ms
    expect(await compare([A, B, '--threshold', 'writeOutageMs=300%'])).toBe(1); // past 300 %, and past the default's 1000 ms kept
    expect(await compare([A, B, '--threshold', 'steadyTps=5%'])).toBe(1); // another metric's threshold changes nothing here
  });

  it('a scenario that failed in B: exit 1; --json prints diff.json; --out puts the files elsewhere', async () => {
    await putRun(A, asRun(baseline(), A));
    const b = runB();
    scenarioOf(b, 'quorum').status = 'failed';
    await putRun(B, b);
    const out = join(reports, 'cmp');
    expect(await compare([A, B, '--json', '--out', out])).toBe(1);
    const diff = JSON.parse(stdout) as Diff;
    expect(diff.reasons).toEqual([expect.stringMatching(/^quorum-standby-loss › .*: passed → failed\.$/)]);
    expect(JSON.parse(await readFile(join(out, 'diff.json'), 'utf8'))).toEqual(diff);
    await expect(readFile(join(reports, B, 'diff.json'))).rejects.toThrow(/ENOENT/);
  });

  it('a scenario missing from B: exit 1', async () => {
    await putRun(A, asRun(baseline(), A));
    const b = runB();
    b.scenarios.pop();
    await putRun(B, b);
    expect(await compare([A, B])).toBe(1);
    expect(stdout).toMatch(/REGRESSED {2}failback-rewind › .*: ran in the baseline but not in the new run\./);
  });

  it('latest and previous name the newest runs; run ids and summary.json paths name theirs', async () => {
    const a = await putRun(A, asRun(baseline(), A));
    const first = await putRun('20260101-000000-0000', asRun(baseline(), '20260101-000000-0000'));
    const b = await putRun(B, runB());
    // No latest link: the newest run by start time.
    expect(await resolveRun('latest')).toBe(b);
    expect(await resolveRun('previous')).toBe(a);
    await symlink(A, join(reports, 'latest'));
    expect(await resolveRun('latest')).toBe(a);
    expect(await resolveRun('previous')).toBe(first);
    expect(await resolveRun(A)).toBe(a);
    expect(await resolveRun(join(b, 'summary.json'))).toBe(b);
    expect(await compare(['previous', 'latest'])).toBe(0);
    expect(stdout).toContain(`pgchaos compare 20260101-000000-0000 → ${A}`);
  });

  it('usage mistakes are UsageErrors (exit 2) with the fix', async () => {
    await putRun(A, asRun(baseline(), A));
    await putRun(B, runB());
    expect(await usage([A])).toMatch(
      /compare takes two runs, the baseline then the new one \(got 1: 20260101-120000-aaaa\)[\s\S]*fix: pgchaos compare RUN_A RUN_B/,
    );
    expect(await usage([A, B, '--treshold', 'x=1%'])).toMatch(/unknown option --treshold[\s\S]*did you mean --threshold\?/);
    expect(await usage([A, '20260102-120000-bbbc'])).toMatch(
      /no run "20260102-120000-bbbc": not a folder, and not a run under [\s\S]*fix: did you mean 20260102-120000-bbbb\?/,
    );
    expect(await usage([A, B, '--threshold', 'writeOutageMs=50'])).toMatch(/--threshold writeOutageMs=50: expected NAME=REL%\[,ABS\]/);
    expect(await usage([A, B, '--threshold', 'writeOutgeMs=50%'])).toMatch(
      /--threshold writeOutgeMs: no metric of that name[\s\S]*fix: did you mean writeOutageMs\?/,
    );
    expect(await usage([A, B, '--threshold', 'promotedNode=50%'])).toMatch(/--threshold promotedNode: promotedNode is not compared/);
    const empty = await mkdtemp(join(tmpdir(), 'pgchaos-compare-empty-'));
    vi.stubEnv('PGCHAOS_REPORTS_DIR', empty);
    expect(await usage(['previous', 'latest'])).toMatch(/no run in .* yet, so no "previous"/);
  });

  it('an old or garbled summary, or none: a UsageError saying which and why', async () => {
    await putRun(A, asRun(baseline(), A));
    await putRun('20250601-080000-0bad', fixtureText('old-schema.summary.json'));
    await putRun('20260102-000000-dead', fixtureText('garbled.summary.json'));
    await mkdir(join(reports, 'empty'));
    expect(await usage(['20250601-080000-0bad', A])).toMatch(/0bad\/summary\.json is an older summary[\s\S]*fix: run the scenarios again/);
    expect(await usage([A, '20260102-000000-dead'])).toMatch(/dead\/summary\.json is not valid JSON/);
    expect(await usage([A, 'empty'])).toMatch(/empty has no summary\.json/);
  });

  it('parseThreshold reads REL% and ABS', () => {
    expect(parseThreshold('writeOutageMs=50%,2000')).toEqual(['writeOutageMs', { relative: 0.5, absolute: 2000 }]);
    expect(parseThreshold('steadyTps=12.5%')).toEqual(['steadyTps', { relative: 0.125 }]);
    expect(parseThreshold('lostAcked=,0')).toEqual(['lostAcked', { absolute: 0 }]);
    expect(() => parseThreshold('lostAcked=')).toThrow(UsageError);
  });
});

describe("pgchaos compare on a metric of the user's own scenario", () => {
  /** A run whose one scenario recorded queueDrainMs = `ms` through the Recorder, declared (unit, direction) or not. */
  async function ownRun(id: string, ms: number, declare: boolean): Promise<string> {
    const rec = new Recorder('drain the queue', 'scenarios/own.test.ts');
    if (declare) rec.metric('queueDrainMs', ms, { unit: 'ms', better: 'lower' });
    else rec.metric('queueDrainMs', ms);
    const key = { file: rec.file, name: rec.name, major: 15 };
    const dir = join(reports, id);
    const declared = declare ? { metricInfo: rec.metricInfo } : {};
    const startedAt = new Date(0).toISOString();
    const base = { ...key, id: recordId(key), status: 'passed' as const, startedAt, durationMs: 1000, rerun: '' };
    await writeScenarioRecord(dir, { ...base, metrics: rec.metrics, ...declared, verdicts: [], events: [], logs: {} });
    await writeReport(dir);
    return dir;
  }

  it('a declared metric 23.6× worse is a regression, by default and under --threshold', async () => {
    await ownRun(A, 100, true);
    await ownRun(B, 2360, true);
    const summary = JSON.parse(await readFile(join(reports, B, 'summary.json'), 'utf8')) as Summary;
    expect(summary.metricDictionary.queueDrainMs).toMatchObject({ unit: 'ms', better: 'lower' });
    expect(await compare([A, B])).toBe(1);
    expect(stdout).toMatch(/queueDrainMs/);
    expect(await compare([A, B, '--threshold', 'queueDrainMs=50%,100'])).toBe(1);
    const diff = JSON.parse(await readFile(join(reports, B, 'diff.json'), 'utf8')) as Diff;
    expect(diff.thresholds.queueDrainMs).toMatchObject({ overridden: true, threshold: { relative: 0.5, absolute: 100 } });
    expect(await compare([A, B, '--threshold', 'queueDrainMs=5000%'])).toBe(0); // the override is applied, not ignored
  });

  it("a threshold on an undeclared metric is a usage error naming rec.metric's declaration", async () => {
    await ownRun(A, 100, false);
    await ownRun(B, 2360, false);
    expect(await compare([A, B])).toBe(0); // undeclared: recorded, not compared
    const message = await usage([A, B, '--threshold', 'queueDrainMs=50%']);
    expect(message).toMatch(/queueDrainMs declares no unit and direction[\s\S]*fix: /);
    expect(message).toContain("rec.metric('queueDrainMs', value, { unit: 'ms', better: 'lower' })");
  });
});

describe('pgchaos compare, as a command', () => {
  const PGCHAOS = [join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsx'), join(PACKAGE_ROOT, 'bin', 'pgchaos.ts')] as const;
  const run = (...args: string[]) =>
    execa(PGCHAOS[0], [PGCHAOS[1], 'compare', ...args], { reject: false, env: { PGCHAOS_REPORTS_DIR: reports } });

  it('exits 1 on a regression, 0 without, 2 on an unreadable summary', async () => {
    vi.restoreAllMocks(); // the child's output is its own
    await putRun(A, asRun(baseline(), A));
    await putRun(B, runB(9000));
    await putRun('20260102-000000-dead', fixtureText('garbled.summary.json'));
    const regressed = await run(A, B);
    expect(regressed.stdout).toMatch(/REGRESSED {2}planned-switchover/);
    expect(regressed.exitCode).toBe(1);
    expect((await run(A, A)).exitCode).toBe(0);
    const garbled = await run(A, '20260102-000000-dead');
    expect(garbled.stderr).toMatch(/^pgchaos: .*summary\.json is not valid JSON[\s\S]*fix: /);
    expect(garbled.exitCode).toBe(2);
  }, 60_000);
});
