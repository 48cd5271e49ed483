/**
 * merge-reports joins two real shards: vitest runs two test files split with --shard 1/2 and
 * 2/2, each writing its blob report into its own run folder beside a scenario record (as
 * `pgchaos run -- --shard i/n` does); the merged folder must hold one JUnit file with both
 * testcases and one summary with both records.
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../../harness/paths.ts';
import { recordId, type ScenarioRecord } from '../../harness/report/record.ts';

const VITEST = join(PACKAGE_ROOT, 'node_modules', '.bin', 'vitest');
const PGCHAOS = [join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsx'), join(PACKAGE_ROOT, 'bin', 'pgchaos.ts')];

function record(name: string, status: ScenarioRecord['status']): ScenarioRecord {
  const key = { file: `scenarios/${name}.test.ts`, name, major: 15 };
  return { ...key, id: recordId(key), status, startedAt: new Date(0).toISOString(), durationMs: 1000, rerun: '', metrics: {}, verdicts: [], events: [], logs: {} };
}

async function shard(root: string, i: number, status: ScenarioRecord['status']): Promise<string> {
  const run = join(root, `run-${i}`);
  mkdirSync(join(run, 'scenarios'), { recursive: true });
  const r = record(`story-${i}`, status);
  writeFileSync(join(run, 'scenarios', `${r.id}.json`), JSON.stringify(r));
  writeFileSync(join(run, 'run.json'), JSON.stringify({ run: `run-${i}`, startedAt: '', command: 'pgchaos run', pgchaos: '0', git: null, host: {}, majors: [15], config: {}, shard: `${i}/2` }));
  await execa(VITEST, ['run', '--root', join(root, 'tests'), '--shard', `${i}/2`, '--reporter', 'blob', '--outputFile.blob', join(run, 'blob', `${i}-of-2.json`)], { cwd: join(root, 'tests'), reject: false });
  return run;
}

test('two shards merge into one run: one JUnit file with both testcases, one summary with both records', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pgchaos-merge-'));
  mkdirSync(join(root, 'tests'));
  for (const n of ['a', 'b']) writeFileSync(join(root, 'tests', `${n}.test.js`), `import { test } from 'vitest';\ntest('story ${n}', () => {});\n`);
  writeFileSync(join(root, 'tests', 'package.json'), '{"type":"module"}');
  const runs = [await shard(root, 1, 'passed'), await shard(root, 2, 'failed')];
  const out = join(root, 'merged');
  const r = await execa(PGCHAOS[0]!, [PGCHAOS[1]!, 'merge-reports', ...runs, '--out', out], { cwd: join(root, 'tests'), reject: false, env: { PGCHAOS_REPORTS_DIR: root } });
  expect(r.exitCode, r.stderr).toBe(1); // one merged scenario failed
  const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
  expect(junit).toContain('name="story a"');
  expect(junit).toContain('name="story b"');
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { scenarios: Array<{ name: string }> };
  expect(summary.scenarios.map((s) => s.name).sort()).toEqual(['story-1', 'story-2']);
  expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).shard).toMatch(/1\/2, 2\/2/);
}, 60_000);

test('merging a folder that is not a shard is exit 2 with the fix, and overlapping shards are refused', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pgchaos-merge-'));
  const missing = await execa(PGCHAOS[0]!, [PGCHAOS[1]!, 'merge-reports', join(root, 'nope'), '--out', join(root, 'm1')], { reject: false });
  expect(missing.exitCode).toBe(2);
  expect(missing.stderr).toMatch(/is not a run folder.*fix/s);
  const run = join(root, 'run');
  mkdirSync(join(run, 'scenarios'), { recursive: true });
  const rec = record('x', 'passed');
  writeFileSync(join(run, 'scenarios', `${rec.id}.json`), JSON.stringify(rec));
  const twice = await execa(PGCHAOS[0]!, [PGCHAOS[1]!, 'merge-reports', run, run, '--out', join(root, 'm2')], { reject: false });
  expect(twice.exitCode).toBe(2);
  expect(twice.stderr).toMatch(/is in both/);
}, 60_000);
