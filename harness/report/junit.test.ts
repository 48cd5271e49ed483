/**
 * junit.xml as a CI test tab shows it: a real vitest run (a fixture project whose tests are named
 * as scenario() names them) writes it with pgchaos's reporters beside the run's records; an
 * interrupted scenario must be an error, each testcase must carry its verdicts, figures and a link
 * into index.html, failure messages must be the verdict's sentence, and GitHub's job summary must
 * get a table.
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../paths.ts';
import { rewriteJunit } from './junit.ts';
import { recordId, writeScenarioRecord, type MetricValue, type ScenarioRecord } from './record.ts';
import { writeReport } from './report.ts';

const VITEST = join(PACKAGE_ROOT, 'node_modules', '.bin', 'vitest');
const COUNT_REPORTER = join(PACKAGE_ROOT, 'harness', 'run', 'count-reporter.ts');
/** The failing verdict of the fixture, and its sentence as verify() passes it to expect. */
const LOST = {
  id: 'writes.promised-loss',
  check: 'no promised acknowledged commit lost',
  summary: '1095 acknowledged batches missing from s2',
};
const SENTENCE = `${LOST.check}: ${LOST.summary}`;
const ONE_PRIMARY = {
  id: 'writes.one-primary',
  check: 'one primary at a time',
  status: 'passed',
  summary: 'never two writable primaries',
  evidence: {},
} as const;

function record(name: string, status: ScenarioRecord['status'], more: Partial<ScenarioRecord> = {}): ScenarioRecord {
  const key = { file: 'stories.test.js', name, major: 15 };
  const rerun = `npx pgchaos run stories.test.js --pg 15 -- -t '^${name} \\[pg15\\]$'`;
  const startedAt = new Date(0).toISOString();
  const empty = { metrics: {}, verdicts: [], events: [], logs: {} };
  return { ...key, id: recordId(key), status, startedAt, durationMs: 1000, rerun, ...empty, ...more };
}

/** The `<testcase>` element of `name` in `junit`. */
function testcase(junit: string, name: string): string {
  const m = new RegExp(`<testcase [^>]*name="${name.replace(/[[\]]/g, '\\$&')}"[^>]*>[\\s\\S]*?</testcase>`).exec(junit);
  expect(m, `no testcase ${name} in\n${junit}`).not.toBeNull();
  return m![0];
}

test('junit.xml: interrupted is an error, each testcase tells verdicts, figures, report section; a table for GitHub', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pgchaos-junit-'));
  const tests = join(root, 'tests');
  mkdirSync(tests);
  writeFileSync(join(tests, 'package.json'), '{"type":"module"}');
  // As scenario() declares them: verify() fails a test with expect(status, `${check}: ${summary}`).toBe('passed');
  // vitest ends the test a cancelled run was running as skipped.
  writeFileSync(
    join(tests, 'stories.test.js'),
    `import { expect, test } from 'vitest';
test('fast failover [pg15]', () => {});
test('unsafe promotion [pg15]', () => { expect('failed', ${JSON.stringify(SENTENCE)}).toBe('passed'); });
test('long soak [pg15]', async (t) => { await t.annotate('1', 'metric timelineBefore'); t.skip(); });
`,
  );
  const run = join(root, 'run');
  const passed = record('fast failover', 'passed', {
    // `schedule`: a non-scalar metric, as records before typed sections had them.
    metrics: { writeOutageMs: 1234, steadyTps: 540.5, lostAcked: 0, queueDrainMs: 840, schedule: { faults: [] } as unknown as MetricValue },
    metricInfo: { queueDrainMs: { unit: 'ms', better: 'lower' } },
    verdicts: [ONE_PRIMARY],
  });
  const failed = record('unsafe promotion', 'failed', {
    error: `${SENTENCE}: expected 'failed' to be 'passed'`,
    metrics: { lostAcked: 1095, writeOutageMs: 2000 },
    verdicts: [{ ...LOST, status: 'failed', evidence: {} }, ONE_PRIMARY],
  });
  const interrupted = record('long soak', 'interrupted', { error: 'interrupted (SIGINT) while it ran' });
  for (const r of [passed, failed, interrupted]) await writeScenarioRecord(run, r);
  const stepSummary = join(root, 'step-summary.md');
  writeFileSync(stepSummary, '# earlier step\n');
  const args = ['run', '--root', tests, '--reporter', 'junit', '--reporter', COUNT_REPORTER, '--outputFile.junit', join(run, 'junit.xml')];
  const r = await execa(VITEST, args, {
    cwd: tests,
    reject: false,
    env: { GITHUB_STEP_SUMMARY: stepSummary },
  });
  expect(r.exitCode, r.stderr).toBe(1);
  const junit = readFileSync(join(run, 'junit.xml'), 'utf8');

  // The interrupted scenario: an error, counted, no longer a green-looking skip.
  const soak = testcase(junit, 'long soak [pg15]');
  expect(soak).toMatch(/<error message="interrupted \(SIGINT\) while it ran" type="Interrupted">/);
  expect(soak).not.toContain('<skipped');
  expect(soak.indexOf('<error')).toBeGreaterThan(soak.indexOf('</properties>')); // JUnit's order: properties, outcome, system-out
  expect(soak.indexOf('<error')).toBeLessThan(soak.indexOf('<system-out>'));
  expect(junit).toMatch(/<testsuites [^>]*tests="3" failures="1" errors="1"/);
  expect(junit).toMatch(/<testsuite name="stories.test.js" [^>]*tests="3" failures="1" errors="1" skipped="0"/);

  // The failure message is the failing verdict's sentence, without vitest's assertion noise.
  const unsafe = testcase(junit, 'unsafe promotion [pg15]');
  expect(unsafe).toContain(`<failure message="${SENTENCE}" type="AssertionError">`);
  expect(unsafe).not.toMatch(/expected &apos;failed&apos;|Received: /);
  expect(unsafe).toContain(`FAILED ${SENTENCE}\nPASSED one primary at a time: never two writable primaries`);

  // system-out: verdicts, scalar figures with units, the report section, the rerun command.
  const fast = testcase(junit, 'fast failover [pg15]');
  expect(fast).toMatch(
    new RegExp(
      [
        '<system-out>',
        'PASSED one primary at a time: never two writable primaries',
        'figures: writeOutageMs 1234 ms, steadyTps 540\\.5 tps, lostAcked 0, queueDrainMs 840 ms',
        'report: index\\.html#stories--fast-failover--pg15',
        'rerun: npx pgchaos run ',
      ].join('\n'),
    ),
  );
  // The link points at the record's section of the HTML report.
  await writeReport(run);
  expect(readFileSync(join(run, 'index.html'), 'utf8')).toContain(`id="${passed.id}"`);

  // GitHub Actions: the run's table appended to the job summary, failures first.
  const md = readFileSync(stepSummary, 'utf8');
  expect(md).toMatch(/^# earlier step\n### pgchaos run run: 1 passed, 1 failed, 1 interrupted\n/);
  expect(md).toContain('| scenario | PostgreSQL | status | failing verdict | key figure |');
  expect(md).toContain(`| unsafe promotion | 15 | ❌ failed | ${SENTENCE} | writeOutageMs 2000 ms |`);
  expect(md).toContain('| long soak | 15 | ⚠️ interrupted | interrupted (SIGINT) while it ran |  |');
  expect(md).toContain('| fast failover | 15 | ✅ passed |  | writeOutageMs 1234 ms |');
  expect(md.indexOf('unsafe promotion')).toBeLessThan(md.indexOf('fast failover'));
}, 60_000);

test('a cancelled run whose scenarios were all skipped gets a failing testcase saying so; a second pass changes nothing', () => {
  const junit = `<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="1" failures="0" errors="0" time="0">
    <testsuite name="a.test.ts" timestamp="x" hostname="vm" tests="1" failures="0" errors="0" skipped="1" time="0">
        <testcase classname="a.test.ts" name="b [pg15]" time="0">
            <skipped/>
        </testcase>
    </testsuite>
</testsuites>
`;
  const once = rewriteJunit(junit, [], { cancelled: true });
  expect(once).toMatch(/<testsuites [^>]*tests="2" failures="0" errors="1"/);
  expect(once).toContain('<testcase classname="pgchaos" name="run: interrupted before every scenario ran" time="0">');
  expect(once).toContain('<error message="interrupted: the run was cancelled');
  expect(rewriteJunit(once, [], { cancelled: true })).toBe(once);
  expect(rewriteJunit(junit, [])).toBe(junit); // not cancelled, no record: vitest's file as it was
});
