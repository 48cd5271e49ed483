import { execa } from 'execa';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../paths.ts';
import type { ScenarioRecord } from '../report/record.ts';
import { noteImageLacks, unmetNeeds, type ImageLacks } from './needs.ts';

const image = { name: 'mine/pg:15', major: 15, kind: 'user' as const, binDir: '/usr/lib/postgresql/15/bin', keepAlive: undefined };

describe('unmetNeeds', () => {
  it("says why a story cannot run on its major's image, and nothing when it can", () => {
    const lacks: ImageLacks = {};
    expect(noteImageLacks(lacks, image, { missing: [] })).toBeUndefined();
    expect(noteImageLacks(lacks, image, { missing: [{ binary: 'pg_rewind', neededFor: 'failback by pg_rewind' }] })).toMatch(
      /image mine\/pg:15 \(PostgreSQL 15\) has no pg_rewind \(failback by pg_rewind\): the stories that need it \(needs: \['pg_rewind'\]\) are skipped/,
    );
    expect(unmetNeeds(['pg_rewind'], 15, lacks)).toMatch(/it needs pg_rewind, which image mine\/pg:15 \(PostgreSQL 15\) lacks/);
    expect(unmetNeeds(undefined, 15, lacks)).toBeUndefined();
    expect(unmetNeeds(['pg_rewind'], 17, lacks)).toBeUndefined();
    expect(unmetNeeds(['pg_rewind'], 15, undefined)).toBeUndefined();
  });
});

describe('a story that needs what its image lacks', () => {
  it('is skipped with the reason (JUnit <skipped/> and a property), and the others run', async () => {
    const runDir = join(mkdtempSync(join(tmpdir(), 'pgchaos-needs-')), 'run');
    const r = await execa(
      join(PACKAGE_ROOT, 'node_modules', '.bin', 'vitest'),
      ['run', '--config', 'harness/run/__fixtures__/needs.vitest.config.ts'],
      {
        cwd: PACKAGE_ROOT,
        reject: false,
        env: { PGCHAOS_RUN_DIR: runDir, PGCHAOS_RUN_ID: 'needs-test', PGCHAOS_PG_MAJOR: '15', PGCHAOS_CONFIG: '' },
      },
    );
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const junit = readFileSync(join(runDir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/tests="2" failures="0" errors="0" skipped="1"/);
    const skipped = /<testcase [^>]*name="needs pg_rewind \[pg15\]"[^>]*>([\s\S]*?)<\/testcase>/.exec(junit)?.[1] ?? '';
    expect(skipped).toMatch(/<skipped\/>/);
    expect(skipped).toMatch(
      /<property name="skipped" value="skipped: it needs pg_rewind, which image example\/postgres-without-rewind:15 \(PostgreSQL 15\) lacks/,
    );
    expect(junit).toMatch(/<testcase [^>]*name="needs nothing more \[pg15\]"[^>]*>(?:(?!<skipped)[\s\S])*?<\/testcase>/);
    // Its record, so that summary.json, the report, the run index and compare know it did not run.
    const id = 'harness-run-fixtures-needs-scenario-ts--needs-pg-rewind--pg15';
    const record = JSON.parse(readFileSync(join(runDir, 'scenarios', `${id}.json`), 'utf8')) as ScenarioRecord;
    expect(record).toMatchObject({
      file: 'harness/run/__fixtures__/needs.scenario.ts',
      name: 'needs pg_rewind',
      major: 15,
      id,
      status: 'skipped',
      reason:
        'it needs pg_rewind, which image example/postgres-without-rewind:15 (PostgreSQL 15) lacks; install it in the image to run this story',
      durationMs: 0,
      metrics: {},
      verdicts: [],
      events: [],
      logs: {},
    });
    expect(record.rerun).toMatch(/harness\/run\/__fixtures__\/needs\.scenario\.ts --pg 15 -- -t '\^needs pg_rewind \\\[pg15\\\]\$'$/);
    expect(record).not.toHaveProperty('cluster');
    expect(record).not.toHaveProperty('image');
  }, 60_000);
});
