import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './args.ts';
import { prune, runFolders, toPrune } from './prune.ts';

/** A reports folder with five runs, one a day from 2026-12-01, `latest` on the newest, and a folder that is not a run. */
function reports(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgchaos-prune-'));
  for (let d = 1; d <= 5; d++) {
    const run = join(dir, `2026120${d}-100000-ab0${d}`);
    mkdirSync(join(run, 'logs', 'c1'), { recursive: true });
    writeFileSync(join(run, 'logs', 'c1', 'primary.log'), 'x'.repeat(1000 * d));
  }
  mkdirSync(join(dir, 'my-notes'));
  symlinkSync('20261205-100000-ab05', join(dir, 'latest'));
  return dir;
}

describe('pgchaos prune', () => {
  it('lists the run folders newest first, with their size, and nothing that is not a run', async () => {
    const runs = await runFolders(reports());
    expect(runs.map((r) => r.name)).toEqual([
      '20261205-100000-ab05',
      '20261204-100000-ab04',
      '20261203-100000-ab03',
      '20261202-100000-ab02',
      '20261201-100000-ab01',
    ]);
    expect(runs[0]!.bytes).toBe(5000);
  });

  it('--keep N keeps the newest N; --older-than DAYS removes only older runs; both: a run must be both; latest is never removed', async () => {
    const runs = await runFolders(reports());
    const now = Date.parse('2026-12-05T12:00:00Z');
    const names = (rule: Parameters<typeof toPrune>[1], latest?: string) =>
      toPrune(runs, { now, ...rule }, latest).map((r) => r.name.slice(6, 8));
    expect(names({ keep: 2 })).toEqual(['03', '02', '01']);
    expect(names({ olderThanDays: 2 })).toEqual(['03', '02', '01']);
    expect(names({ keep: 4, olderThanDays: 2 })).toEqual(['01']);
    expect(names({ keep: 0 }, '20261205-100000-ab05')).toEqual(['04', '03', '02', '01']);
    expect(() => toPrune(runs, {})).toThrow(UsageError);
  });

  it('removes the folders (--dry-run: none), keeps what is not a run, and refuses a bad number', async () => {
    const dir = reports();
    await prune(['--keep', '2', '--out', dir, '--dry-run']);
    expect(readdirSync(dir)).toHaveLength(7);
    expect(await prune(['--keep', '2', '--out', dir])).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['20261204-100000-ab04', '20261205-100000-ab05', 'latest', 'my-notes']);
    expect(existsSync(join(dir, 'latest', 'logs'))).toBe(true);
    await expect(prune(['--keep=-1', '--out', dir])).rejects.toThrow(/--keep -1 is not a whole number/);
    await expect(prune(['--older-than', 'week', '--out', dir])).rejects.toThrow(UsageError);
  });
});
