/**
 * Every check of a story runs (Jepsen composes checkers the same way): a failed verdict is
 * recorded and the story goes on; the story fails at its end, naming every verdict that did not
 * pass. Before, the first failed verdict threw, and the row-hash and one-primary checks after a
 * failed promise never ran (issue 16).
 */
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, test } from 'vitest';
import type { PatroniUserConfig } from '../manager/patroni/config.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import type { ScenarioRecord } from '../report/record.ts';
import { storyFailure, unmetManager, unmetPatroniMode } from './scenario.ts';

test('a failed verdict does not stop the story: every check after it runs and is recorded, then the story fails', async () => {
  const runDir = join(mkdtempSync(join(tmpdir(), 'pgchaos-verdicts-')), 'run');
  const r = await execa(
    join(PACKAGE_ROOT, 'node_modules', '.bin', 'vitest'),
    ['run', '--config', 'harness/run/__fixtures__/verdicts/vitest.config.ts'],
    {
      cwd: PACKAGE_ROOT,
      reject: false,
      all: true,
      env: { PGCHAOS_RUN_DIR: runDir, PGCHAOS_RUN_ID: 'verdicts-test' },
    },
  );
  expect(r.exitCode, r.all).not.toBe(0);
  const [file] = readdirSync(join(runDir, 'scenarios'));
  const record = JSON.parse(readFileSync(join(runDir, 'scenarios', file!), 'utf8')) as ScenarioRecord;
  expect(record.status).toBe('failed');
  expect(record.verdicts.map((v) => `${v.check}:${v.status}`)).toEqual([
    'no promised acknowledged commit lost:failed',
    'row hashes agree:passed',
    'one primary at a time:unknown',
  ]);
  expect(record.metrics).toMatchObject({ ackedBatches: 9000, hashesEqual: true });
  expect(record.error).toBe(
    'no promised acknowledged commit lost (failed): 1095 of 9000 acknowledged batches lost\none primary at a time (unknown): no acknowledged batch',
  );
}, 60_000);

test('storyFailure names the failing verdicts, then what stopped the body', () => {
  const failed = { id: 'row-hashes-agree', check: 'row hashes agree', status: 'failed' as const, summary: 's1: 999 rows', evidence: {} };
  expect(storyFailure([failed], null).message).toBe('row hashes agree (failed): s1: 999 rows');
  const timeout = new Error('timed out waiting for s1 to stream');
  expect(storyFailure([], timeout)).toBe(timeout);
  const both = storyFailure([failed], timeout);
  expect(both.message).toBe('row hashes agree (failed): s1: 999 rows\nthen the story stopped: timed out waiting for s1 to stream');
  expect(both.cause).toBe(timeout);
});

test('a story runs only under the managers it is written for (default builtin), else it is skipped saying which', () => {
  expect(unmetManager(undefined, 'builtin')).toBeUndefined();
  expect(unmetManager(['builtin', 'patroni'], 'patroni')).toBeUndefined();
  expect(unmetManager(undefined, 'patroni')).toBe(
    'skipped: this story is not yet written for manager patroni (it runs under builtin); run it with --manager builtin',
  );
});

describe("unmetPatroniMode: a story asserting a Patroni mode, on the user's patroni.yml", () => {
  const strict = { bootstrap: { dcs: { synchronous_mode: true, synchronous_mode_strict: true } } };
  const story = { config: strict, modes: ['strict'] as const };
  const user = (config: PatroniUserConfig | null) => ({
    manager: 'patroni' as const,
    standbys: ['s1', 's2'],
    patroni: config ? { file: '/home/me/ha/patroni.yml', config } : null,
  });

  it('runs on its own config when the user gives none, and on a user config of its mode', () => {
    expect(unmetPatroniMode(story, user(null))).toBeUndefined();
    expect(unmetPatroniMode(story, user(strict))).toBeUndefined();
  });

  it('skips, naming both modes and the file, on a user config of another mode', () => {
    expect(unmetPatroniMode(story, user({}))).toBe(
      "skipped: this story asserts Patroni's strict replication mode, and patroni.yml runs async mode; without patroniConfig it runs on its own strict config",
    );
  });

  it('never skips a story asserting no mode, nor under another manager', () => {
    expect(unmetPatroniMode({ config: strict }, user({}))).toBeUndefined();
    expect(unmetPatroniMode(story, { ...user({}), manager: 'builtin' })).toBeUndefined();
  });
});
