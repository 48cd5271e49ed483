/**
 * merge-reports joins two real shards: vitest runs two test files split with --shard 1/2 and
 * 2/2, each writing its blob report into its own run folder beside a scenario record (as
 * `pgchaos run -- --shard i/n` does); the merged folder must hold one JUnit file with both
 * testcases and one summary with both records.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../../harness/paths.ts';
import { recordId, type ScenarioRecord } from '../../harness/report/record.ts';

const VITEST = join(PACKAGE_ROOT, 'node_modules', '.bin', 'vitest');
const PGCHAOS = [join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsx'), join(PACKAGE_ROOT, 'bin', 'pgchaos.ts')];

function record(name: string, status: ScenarioRecord['status'], file = `scenarios/${name}.test.ts`): ScenarioRecord {
  const key = { file, name, major: 15 };
  return {
    ...key,
    id: recordId(key),
    status,
    startedAt: new Date(0).toISOString(),
    durationMs: 1000,
    rerun: '',
    metrics: {},
    verdicts: [],
    events: [],
    logs: {},
  };
}

/**
 * A project folder of two test files, `a.test.js` and `b.test.js`, whose tests are named as
 * scenario() names them (`story a [pg15]`); `project`: the vitest project name its config gives
 * (`pgchaos run` names its project `scenarios`), none without.
 */
function project(root: string, projectName?: string): string {
  const dir = join(root, 'tests');
  mkdirSync(dir);
  for (const n of ['a', 'b']) {
    writeFileSync(join(dir, `${n}.test.js`), `import { test } from 'vitest';\ntest('story ${n} [pg15]', () => {});\n`);
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  if (projectName) writeFileSync(join(dir, 'vitest.config.js'), `export default { test: { name: ${JSON.stringify(projectName)} } };\n`);
  return dir;
}

/** Shard i of 2: its records (default one, `story-<i>`) and vitest's blob report of `--shard i/2` over `tests`. */
async function shard(root: string, tests: string, i: number, records: ScenarioRecord[]): Promise<string> {
  const run = join(root, `run-${i}`);
  mkdirSync(join(run, 'scenarios'), { recursive: true });
  for (const r of records) writeFileSync(join(run, 'scenarios', `${r.id}.json`), JSON.stringify(r));
  writeFileSync(
    join(run, 'run.json'),
    JSON.stringify({
      run: `run-${i}`,
      startedAt: '',
      command: 'pgchaos run',
      pgchaos: '0',
      git: null,
      host: {},
      majors: [15],
      config: {},
      shard: `${i}/2`,
    }),
  );
  const blob = join(run, 'blob', `${i}-of-2.json`);
  const args = ['run', '--root', tests, '--shard', `${i}/2`, '--reporter', 'blob', '--outputFile.blob', blob];
  const r = await execa(VITEST, args, { cwd: tests, reject: false });
  expect(existsSync(blob), r.stderr).toBe(true);
  return run;
}

const merge = (cwd: string, ...args: string[]) =>
  execa(PGCHAOS[0]!, [PGCHAOS[1]!, 'merge-reports', ...args], { cwd, reject: false, env: { PGCHAOS_REPORTS_DIR: join(cwd, '..') } });

test('two shards merge into one run: one JUnit file with both testcases, one summary with both records', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pgchaos-merge-'));
  const tests = project(root);
  const runs = [await shard(root, tests, 1, [record('story-1', 'passed')]), await shard(root, tests, 2, [record('story-2', 'failed')])];
  const out = join(root, 'merged');
  const r = await merge(tests, ...runs, '--out', out);
  expect(r.exitCode, r.stderr).toBe(1); // one merged scenario failed
  const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
  expect(junit).toContain('name="story a [pg15]"');
  expect(junit).toContain('name="story b [pg15]"');
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { scenarios: Array<{ name: string }> };
  expect(summary.scenarios.map((s) => s.name).sort()).toEqual(['story-1', 'story-2']);
  expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).shard).toMatch(/1\/2, 2\/2/);
}, 60_000);

test("shards of pgchaos run (a vitest project named 'scenarios') merge into a junit.xml that lists every testcase", async () => {
  const root = mkdtempSync(join(tmpdir(), 'pgchaos-merge-'));
  const tests = project(root, 'scenarios');
  const runs = [
    await shard(root, tests, 1, [record('story a', 'passed', 'a.test.js')]),
    await shard(root, tests, 2, [record('story b', 'passed', 'b.test.js')]),
  ];
  const blob = readFileSync(join(runs[0]!, 'blob', '1-of-2.json'), 'utf8');
  expect(blob).toContain('"scenarios"'); // the blob names its project, as pgchaos run's do
  const out = join(root, 'merged');
  const r = await merge(tests, ...runs, '--out', out);
  expect(r.exitCode, r.stderr).toBe(0);
  const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
  expect(junit).toMatch(/<testsuites [^>]*tests="2"/);
  expect(junit).toContain('name="story a [pg15]"');
  expect(junit).toContain('name="story b [pg15]"');
  expect(junit).toContain('report: index.html#a--story-a--pg15'); // each testcase tells its record, as pgchaos run's junit.xml does
}, 60_000);

test('a merged junit.xml with fewer testcases than records is no green run: exit 1, saying so', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pgchaos-merge-'));
  const tests = project(root, 'scenarios');
  // Shard 1 recorded two scenarios, but its blob holds one test: the JUnit file would miss one.
  const runs = [
    await shard(root, tests, 1, [record('story a', 'passed', 'a.test.js'), record('story c', 'passed', 'c.test.js')]),
    await shard(root, tests, 2, [record('story b', 'passed', 'b.test.js')]),
  ];
  const r = await merge(tests, ...runs, '--out', join(root, 'merged'));
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toMatch(/junit\.xml lists 2 testcases for 3 merged scenario records[\s\S]*fix: /);
}, 60_000);

test('a folder that is not a shard is exit 2 with the fix; overlapping shards are refused before anything is copied', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pgchaos-merge-'));
  const missing = await execa(PGCHAOS[0]!, [PGCHAOS[1]!, 'merge-reports', join(root, 'nope'), '--out', join(root, 'm1')], {
    reject: false,
  });
  expect(missing.exitCode).toBe(2);
  expect(missing.stderr).toMatch(/is not a run folder.*fix/s);
  const run = join(root, 'run');
  mkdirSync(join(run, 'scenarios'), { recursive: true });
  const rec = record('x', 'passed');
  writeFileSync(join(run, 'scenarios', `${rec.id}.json`), JSON.stringify(rec));
  const twice = await execa(PGCHAOS[0]!, [PGCHAOS[1]!, 'merge-reports', run, run, '--out', join(root, 'm2')], { reject: false });
  expect(twice.exitCode).toBe(2);
  expect(twice.stderr).toMatch(/is in both/);
  expect(existsSync(join(root, 'm2'))).toBe(false); // the refused merge wrote nothing
}, 60_000);

test('a non-empty --out is refused (exit 2, naming the fix): a merge never mixes with what a folder already holds', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pgchaos-merge-'));
  const run = join(root, 'run');
  mkdirSync(join(run, 'scenarios'), { recursive: true });
  const rec = record('x', 'passed');
  writeFileSync(join(run, 'scenarios', `${rec.id}.json`), JSON.stringify(rec));
  const out = join(root, 'out');
  mkdirSync(join(out, 'scenarios'), { recursive: true });
  writeFileSync(join(out, 'scenarios', 'earlier.json'), '{}');
  const r = await execa(PGCHAOS[0]!, [PGCHAOS[1]!, 'merge-reports', run, '--out', out], { reject: false });
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toMatch(/out is not empty \(scenarios\): a merge writes a new run folder[\s\S]*fix: drop --out/);
  expect(existsSync(join(out, 'scenarios', `${rec.id}.json`))).toBe(false);
}, 60_000);

test('a story skipped in a shard is no failure: exit 0 beside a pass, 2 when every story was skipped (nothing verified)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pgchaos-merge-'));
  const tests = project(root, 'scenarios');
  const runs = [
    await shard(root, tests, 1, [record('story a', 'passed', 'a.test.js')]),
    await shard(root, tests, 2, [record('story b', 'skipped', 'b.test.js')]),
  ];
  const r = await merge(tests, ...runs, '--out', join(root, 'merged'));
  expect(r.exitCode, r.stderr).toBe(0);
  const skipped = mkdtempSync(join(tmpdir(), 'pgchaos-merge-'));
  const only = project(skipped, 'scenarios');
  const both = [
    await shard(skipped, only, 1, [record('story a', 'skipped', 'a.test.js')]),
    await shard(skipped, only, 2, [record('story b', 'skipped', 'b.test.js')]),
  ];
  const s = await merge(only, ...both, '--out', join(skipped, 'merged'));
  expect(s.exitCode, s.stderr).toBe(2);
  expect(JSON.parse(readFileSync(join(skipped, 'merged', 'summary.json'), 'utf8')).status).toBe('skipped');
}, 90_000);
