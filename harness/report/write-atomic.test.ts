/**
 * writeFileAtomic on a real full disk: a 64 KiB tmpfs (mounting one needs root; elsewhere the
 * test is skipped, and the docker test of a full reports disk covers the run end to end).
 */
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportsFullError, writeFileAtomic } from './record.ts';

const dir = mkdtempSync(join(tmpdir(), 'pgchaos-atomic-'));
const mounted = await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { reject: false }).then((r) => r.exitCode === 0);

describe.skipIf(!mounted)('writeFileAtomic on a full disk', () => {
  beforeAll(() => writeFileSync(join(dir, 'summary.json'), '{"old":true}'));
  afterAll(() => execa('umount', [dir], { reject: false }));

  it('throws a ReportsFullError naming the folder and the fix, keeps the old file, and leaves no temporary file', async () => {
    const err = await writeFileAtomic(join(dir, 'summary.json'), 'x'.repeat(200_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportsFullError);
    expect((err as ReportsFullError).message).toBe(
      `the reports folder ${dir} is full (ENOSPC)\n  fix: free space there (pgchaos prune --keep 5 removes older runs) or write reports elsewhere: pgchaos run --out DIR`,
    );
    expect(readFileSync(join(dir, 'summary.json'), 'utf8')).toBe('{"old":true}');
    expect(readdirSync(dir)).toEqual(['summary.json']);
  });

  it('writes what fits', async () => {
    await writeFileAtomic(join(dir, 'summary.json'), '{"new":true}');
    expect(readFileSync(join(dir, 'summary.json'), 'utf8')).toBe('{"new":true}');
    expect(readdirSync(dir)).toEqual(['summary.json']);
  });
});
