/**
 * A story skipped before it started (its image lacks pg_rewind: run/needs.ts) as every reader of
 * a run shows it: summary.json, index.html, the GitHub job summary, JUnit's system-out, the run
 * index, the majors matrix and `pgchaos compare`. The fixture run `fixtures/skipped-run` holds
 * one such record and nothing else: nothing was verified, and no reader may call that a pass.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { baseline, scenarioOf } from './compare-fixtures/fixtures.ts';
import { compareMajors, compareSummaries, parseSummary, renderCompareHtml, renderCompareText } from './compare.ts';
import { finishCiFiles, rewriteJunit, stepSummaryMarkdown } from './junit.ts';
import { renderMatrixHtml } from './matrix.ts';
import { buildSummary, parseRecord, readRun, writeReport } from './report.ts';
import type { ScenarioRecord } from './record.ts';
import { listRuns } from './run-index.ts';
import type { Summary } from './summary.ts';

const SKIPPED_RUN = fileURLToPath(new URL('./fixtures/skipped-run', import.meta.url));
const PASSED_RUN = fileURLToPath(new URL('./fixtures/run', import.meta.url));
const ID = 'failback-rewind--unplanned-failover-with-divergence-failback-by-pg-rewind--pg15';
const REASON =
  'it needs pg_rewind, which image mine/postgres-no-rewind:15 (PostgreSQL 15) lacks; install it in the image to run this story';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A copy of the fixture run whose one story was skipped, in a fresh `reports/` folder. */
async function skippedRun(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pgchaos-skipped-'));
  dirs.push(root);
  const runDir = join(root, 'reports', '20261206-120000-5k1p');
  await cp(SKIPPED_RUN, runDir, { recursive: true });
  return runDir;
}

/** The skipped record of the fixture, as the report reads it. */
async function skippedRecord(): Promise<ScenarioRecord> {
  const parsed = parseRecord(await readFile(join(SKIPPED_RUN, 'scenarios', `${ID}.json`), 'utf8'), 15);
  if (!('record' in parsed)) throw new Error(`the fixture is read as a broken record: ${parsed.broken}`);
  return parsed.record;
}

/** A one-scenario summary of `status` on `major` (from the baseline fixture's failback-rewind scenario). */
function oneScenario(run: string, major: number, status: 'passed' | 'skipped'): Summary {
  const s = baseline();
  const x = structuredClone(scenarioOf(s, 'failback-rewind'));
  x.major = major;
  x.id = x.id.replace(/--pg\d+$/, `--pg${major}`);
  x.status = status;
  if (status === 'skipped') {
    x.reason = REASON;
    x.metrics = {};
    x.verdicts = [];
  }
  return {
    ...s,
    run,
    majors: [major],
    scenarios: [x],
    status,
    counts: { passed: +(status === 'passed'), failed: 0, interrupted: 0, skipped: +(status === 'skipped') },
  };
}

describe('summary.json of a run whose only story was skipped', () => {
  it('counts it skipped, with its reason, and the run is skipped, not passed', async () => {
    const runDir = await skippedRun();
    const summary = (await writeReport(runDir))!;
    expect(summary).not.toBeNull();
    const onDisk = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as Summary;
    expect(onDisk.status).toBe('skipped');
    expect(onDisk.counts).toEqual({ passed: 0, failed: 0, interrupted: 0, skipped: 1 });
    expect(onDisk.scenarios).toEqual([expect.objectContaining({ id: ID, major: 15, status: 'skipped', reason: REASON, verdicts: [] })]);
    expect((await readRun(runDir)).broken).toEqual([]);
  });

  it('a run where one passed and one was skipped passed, and counts both', async () => {
    const passed = (await readRun(PASSED_RUN)).records.filter((r) => r.status === 'passed');
    const summary = buildSummary('mixed', null, [...passed, await skippedRecord()]);
    expect(summary.status).toBe('passed');
    expect(summary.counts).toEqual({ passed: 2, failed: 0, interrupted: 0, skipped: 1 });
  });
});

describe('index.html of a run whose only story was skipped', () => {
  it('says no scenario ran and why, in the banner, the list and its section; nothing is green', async () => {
    const runDir = await skippedRun();
    await writeReport(runDir);
    const html = await readFile(join(runDir, 'index.html'), 'utf8');
    expect(html).toContain('<title>pgchaos 20261206-120000-5k1p — skipped</title>');
    expect(html).toContain('<h1>pgchaos run 20261206-120000-5k1p <span class="pill skipped">skipped</span></h1>');
    expect(html).toContain(
      `<div class="banner skipped">No scenario ran: 1 skipped — it needs pg_rewind, which image mine/postgres-no-rewind:15 (PostgreSQL 15) lacks; install it in the image to run this story — 0 passed, 0 failed, 0 interrupted, 1 skipped; PostgreSQL 15</div>`,
    );
    expect(html).not.toMatch(/All \d+ scenarios? passed/);
    expect(html).toContain('<dt>PostgreSQL</dt><dd><div><b>15</b>: no scenario ran (1 skipped)</div></dd>');
    const row = /<table class="list">[\s\S]*?<\/table>/.exec(html)![0];
    expect(row).toContain(`<td><span class="pill skipped">skipped</span></td><td><a href="#${ID}">`);
    expect(row).toContain(`<span class="skipped-t">skipped</span>: ${REASON}`);
    const section = new RegExp(`<section class="scenario skipped" id="${ID}">[\\s\\S]*?</section>`).exec(html)?.[0] ?? '';
    expect(section).toContain(`<span class="skipped-t">Not run, nothing verified:</span> ${REASON}`);
    expect(section).toContain('pgchaos run scenarios/failback-rewind.test.ts --pg 15 -- -t &#39;^unplanned failover');
    expect(section).not.toContain('Server logs');
  });

  it('a run that passed otherwise names the skipped story beside the passes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pgchaos-skipped-'));
    dirs.push(root);
    const runDir = join(root, 'reports', 'mixed');
    await cp(PASSED_RUN, runDir, { recursive: true });
    // The fixture's failed failback-rewind on pg15 replaced by its skipped record.
    await cp(join(SKIPPED_RUN, 'scenarios', `${ID}.json`), join(runDir, 'scenarios', `${ID}.json`));
    const summary = (await writeReport(runDir))!;
    expect([summary.status, summary.counts]).toEqual(['passed', { passed: 2, failed: 0, interrupted: 0, skipped: 1 }]);
    const html = await readFile(join(runDir, 'index.html'), 'utf8');
    expect(html).toContain(
      `<div class="banner passed">All 2 scenarios passed; 1 skipped — ${REASON} — 2 passed, 0 failed, 0 interrupted, 1 skipped`,
    );
  });
});

describe("GitHub's job summary and JUnit of a skipped story", () => {
  it('the job summary says no scenario ran, with the story and why', async () => {
    const md = stepSummaryMarkdown('20261206-120000-5k1p', [await skippedRecord()]);
    expect(md).toMatch(/^### pgchaos run 20261206-120000-5k1p: no scenario ran, 1 skipped\n/);
    expect(md).toContain(`| unplanned failover with divergence: failback by pg_rewind | 15 | ⏭️ skipped | skipped: ${REASON} |  |`);
  });

  it("is appended to the job summary and named in its testcase's system-out", async () => {
    const runDir = await skippedRun();
    const junitFile = join(runDir, 'junit.xml');
    const junit = `<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="1" failures="0" errors="0" time="0.1">
    <testsuite name="scenarios/failback-rewind.test.ts" timestamp="2026-12-06T12:00:04.000Z" hostname="x" tests="1" failures="0" errors="0" skipped="1" time="0.01">
        <testcase classname="scenarios/failback-rewind.test.ts" name="unplanned failover with divergence: failback by pg_rewind [pg15]" time="0">
            <skipped/>
        </testcase>
    </testsuite>
</testsuites>
`;
    await writeFile(junitFile, junit);
    const stepSummary = join(runDir, 'step-summary.md');
    expect(await finishCiFiles(runDir, junitFile, { stepSummary })).toBe(1);
    expect(await readFile(stepSummary, 'utf8')).toContain('no scenario ran, 1 skipped');
    const rewritten = await readFile(junitFile, 'utf8');
    expect(rewritten).toContain('<skipped/>');
    expect(rewritten).toContain(`SKIPPED: ${REASON.replace(/'/g, '&apos;')}`);
    expect(rewritten).toMatch(/failures="0" errors="0" skipped="1"/);
    expect(rewriteJunit(rewritten, [await skippedRecord()])).toBe(rewritten);
  });
});

describe('the run index', () => {
  it('lists a run whose only story was skipped as skipped: no scenario ran', async () => {
    const runDir = await skippedRun();
    await writeReport(runDir);
    const [run] = await listRuns(join(runDir, '..'));
    expect(run!.summary!.status).toBe('skipped');
    const html = await readFile(join(runDir, '..', 'index.html'), 'utf8');
    expect(html).toContain('<td class="skipped">skipped<br><small>no scenario ran: 1 skipped</small></td><td>pg15</td>');
  });
});

describe('the majors matrix', () => {
  it('a story that passed on the base major and was skipped on another regressed there, with the reason', () => {
    const s13 = oneScenario('r', 13, 'passed');
    const s15 = oneScenario('r', 15, 'skipped');
    const run: Summary = { ...s13, majors: [13, 15], scenarios: [...s13.scenarios, ...s15.scenarios] };
    const cmp = compareMajors(run);
    expect(cmp.regressed).toBe(true);
    expect(cmp.diffs[0]!.diff.reasons).toEqual([
      `failback-rewind › ${s15.scenarios[0]!.name} (pg13 → pg15): passed in pg13, skipped in pg15: ${REASON}.`,
    ]);
    const html = renderMatrixHtml(run);
    expect(html).toContain(`>skipped</a> <b class="bad">regressed</b><div class="why">${REASON}</div>`);
    expect(html).toContain('<div class="banner bad"><b>1 regression</b> against pg13');
  });
});

describe('pgchaos compare', () => {
  it('passed in A and skipped in B is a regression with the reason, never the same', () => {
    const a = oneScenario('a', 15, 'passed');
    const b = oneScenario('b', 15, 'skipped');
    const diff = compareSummaries(a, b);
    expect(diff.regressed).toBe(true);
    expect(diff.scenarios[0]).toMatchObject({ status: 'regression', group: 'regressed', b: { status: 'skipped', reason: REASON } });
    expect(diff.reasons).toEqual([`failback-rewind › ${b.scenarios[0]!.name} (pg15): passed in A, skipped in B: ${REASON}.`]);
    expect(renderCompareText(diff)).toMatch(/REGRESSED — 1 regression[\s\S]*REGRESSED {2}.*skipped in B: it needs pg_rewind/);
    const html = renderCompareHtml(diff);
    expect(html).toContain('<span class="skipped">skipped</span>: 0 passed, 0 failed, 1 skipped');
    expect(html).toContain(`<pre>${REASON}</pre>`);
  });

  it('skipped in both is the same: no regression', () => {
    const diff = compareSummaries(oneScenario('a', 15, 'skipped'), oneScenario('b', 15, 'skipped'));
    expect(diff.regressed).toBe(false);
    expect(diff.scenarios[0]).toMatchObject({ status: 'same', group: 'unchanged' });
  });

  it('reads a summary.json with a skipped story, and an older one without skipped counts as 0', async () => {
    const runDir = await skippedRun();
    await writeReport(runDir);
    const read = parseSummary(await readFile(join(runDir, 'summary.json'), 'utf8'), 'summary.json');
    expect([read.status, read.counts.skipped, read.scenarios[0]!.reason]).toEqual(['skipped', 1, REASON]);
    const old = baseline() as unknown as { counts: Record<string, number> };
    expect(old.counts).not.toHaveProperty('skipped');
    expect(parseSummary(JSON.stringify(old), 'old.json').counts).toEqual({ passed: 3, failed: 0, interrupted: 0, skipped: 0 });
    const { counts: _, status: __, ...bare } = old as unknown as Summary;
    expect(parseSummary(JSON.stringify({ ...bare, scenarios: read.scenarios }), 'bare.json')).toMatchObject({
      status: 'skipped',
      counts: { passed: 0, failed: 0, interrupted: 0, skipped: 1 },
    });
  });
});
