import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { recordId, writeFileAtomic, writeScenarioRecord, type ScenarioRecord } from './record.ts';

test('record ids are keyed by file, scenario and major: same name in two files or on two majors never collide', () => {
  const a = recordId({ file: 'scenarios/failback-rewind.test.ts', name: 'Fast stop, promote', major: 15 });
  expect(a).toBe('failback-rewind--fast-stop-promote--pg15');
  const ids = new Set([
    a,
    recordId({ file: 'scenarios/failback-rewind.test.ts', name: 'Fast stop, promote', major: 13 }),
    recordId({ file: 'scenarios/other.test.ts', name: 'Fast stop, promote', major: 15 }),
    recordId({ file: 'scenarios/failback-rewind.test.ts', name: 'Fast stop, promote', major: 15, seed: 7 }),
  ]);
  expect(ids.size).toBe(4);
  expect(recordId({ file: 'my/stories/a.test.mts', name: 'x', major: 17 })).toBe('my-stories-a--x--pg17');
});

test('a record is written atomically: the folder holds the finished JSON and no temporary file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pgchaos-record-'));
  const key = { file: 'scenarios/a.test.ts', name: 'a', major: 15 };
  const record = {
    ...key,
    id: recordId(key),
    status: 'passed',
    startedAt: '',
    durationMs: 1,
    rerun: '',
    metrics: {},
    verdicts: [],
    events: [],
    logs: {},
  } satisfies ScenarioRecord;
  const path = await writeScenarioRecord(dir, record);
  expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(record);
  expect(await readdir(join(dir, 'scenarios'))).toEqual(['a--a--pg15.json']);
});

test('writeFileAtomic leaves the old content when the write fails', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pgchaos-record-'));
  const path = join(dir, 'summary.json');
  await writeFileAtomic(path, '{"old":true}');
  await expect(writeFileAtomic(join(dir, 'missing-folder', 'x.json'), '{}')).rejects.toThrow();
  expect(await readFile(path, 'utf8')).toBe('{"old":true}');
});
