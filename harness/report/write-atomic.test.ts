/**
 * writeFileAtomic on a real full disk: a 64 KiB tmpfs (mounting one needs root; elsewhere the
 * test is skipped, and the docker test of a full reports disk covers the run end to end).
 */
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportsFullError, writeFileAtomic } from './record.ts';

/** Mounts a 64 KiB tmpfs on a new folder. @returns the folder, or null where mounting is not allowed (not root). */
async function tinyDisk(): Promise<string | null> {
  const dir = mkdtempSync(join(tmpdir(), 'pgchaos-atomic-'));
  if ((await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { reject: false })).exitCode === 0) return dir;
  rmSync(dir, { recursive: true, force: true });
  return null;
}

async function unmount(dir: string): Promise<void> {
  await execa('umount', [dir], { reject: false });
  rmSync(dir, { recursive: true, force: true });
}

// Probed and unmounted at once: a run that filters these tests out leaves nothing behind.
const probe = await tinyDisk();
if (probe) await unmount(probe);

describe.skipIf(!probe)('writeFileAtomic on a full disk', () => {
  let dir = '';
  beforeAll(async () => {
    dir = (await tinyDisk())!;
    writeFileSync(join(dir, 'summary.json'), '{"old":true}');
  });
  afterAll(() => unmount(dir));

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
