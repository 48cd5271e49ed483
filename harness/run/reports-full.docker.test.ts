/**
 * A run whose reports folder fills up after its scenarios passed (a real full disk: a tmpfs, which
 * needs root to mount): `pgchaos run` says which folder is full and the fix, exits 3, and keeps
 * what fitted, without a stack trace, a temporary file or a truncated junit.xml.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docker, RUN_LABEL } from '../docker.ts';
import type { ScenarioRecord } from '../report/record.ts';
import { newRunId } from '../run-id.ts';

/** Containers and networks labelled with run `id`, as the engine lists them. */
async function leftovers(id: string): Promise<{ containers: string[]; networks: string[] }> {
  const d = await docker();
  const filters = { label: [`${RUN_LABEL}=${id}`] };
  return {
    containers: (await d.listContainers({ all: true, filters })).map((c) => c.Names.join(',')),
    networks: (await d.listNetworks({ filters })).map((n) => n.Name),
  };
}

/** The statuses of the run's scenario records. */
async function statuses(dir: string): Promise<string[]> {
  const files = await readdir(join(dir, 'scenarios')).catch(() => [] as string[]);
  return Promise.all(files.map(async (f) => (JSON.parse(await readFile(join(dir, 'scenarios', f), 'utf8')) as ScenarioRecord).status));
}

/** Mounts a tmpfs of `size` on a new folder. @returns the folder, or null where mounting is not allowed (not root). */
async function tinyDisk(size: string): Promise<string | null> {
  const dir = await mkdtemp(join(tmpdir(), 'pgchaos-full-'));
  if ((await execa('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { reject: false })).exitCode === 0) return dir;
  await rm(dir, { recursive: true, force: true });
  return null;
}

// Whether this machine lets us mount one (probed and unmounted at once: a test filtered out leaves nothing mounted).
const probe = await tinyDisk('64k');
if (probe) await execa('umount', [probe]).then(() => rm(probe, { recursive: true }));

// A real full disk: a 2 MiB tmpfs as the reports folder, filled once the scenario has written its record. Mounting
// needs root; without it the test is skipped (write-atomic.test.ts is skipped alike).
describe.skipIf(!probe)('a full reports disk', () => {
  it('after an all-green run: says which folder is full and the fix, exits 3, keeps the records, leaves no temporary or truncated file', async () => {
    const reports = (await tinyDisk('2m'))!;
    // Under the project (gitignored scratch/), so the scenario's imports resolve.
    const dir = join('scratch', `reports-full-${process.pid}`);
    try {
      await mkdir(dir, { recursive: true });
      const file = join(dir, 'fills-the-disk.test.ts');
      await writeFile(
        file,
        [
          "import { appendFileSync } from 'node:fs';",
          "import { join } from 'node:path';",
          "import { afterAll } from 'vitest';",
          "import { scenario } from '../../harness/run/scenario.ts';",
          "scenario('passes, then the reports disk fills', async (ctx) => void ctx.rec.step('nothing to do'));",
          'afterAll(() => {',
          "  const filler = join(process.env.PGCHAOS_RUN_DIR!, '..', 'filler');",
          '  try {',
          '    for (;;) appendFileSync(filler, Buffer.alloc(4096));',
          '  } catch {',
          '    /* full */',
          '  }',
          '});',
          '',
        ].join('\n'),
      );
      const id = newRunId();
      const r = await execa('node', ['--import', 'tsx', 'bin/pgchaos.ts', 'run', '--out', reports, file], {
        env: { PGCHAOS_RUN_ID: id, PGCHAOS_LOG_LEVEL: 'warn' },
        reject: false,
      });
      const out = `${r.stdout}\n${r.stderr}`;
      expect(r.exitCode, out).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`the reports folder ${reports}/${id}\\S* is full \\(ENOSPC\\)`));
      expect(r.stderr).toMatch(
        /fix: free space there \(pgchaos prune --keep 5 removes older runs\) or write reports elsewhere: pgchaos run --out DIR/,
      );
      expect(out, 'no stack trace').not.toMatch(/^\s+at /m);
      const files = (await readdir(reports, { recursive: true })).map(String);
      expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const junit = join(reports, id, 'junit.xml');
      if (existsSync(junit)) expect(await readFile(junit, 'utf8')).toMatch(/<\/testsuites>\s*$/);
      expect(await statuses(join(reports, id))).toEqual(['passed']);
      expect(await leftovers(id)).toEqual({ containers: [], networks: [] });
    } finally {
      await execa('umount', [reports], { reject: false });
      await rm(reports, { recursive: true, force: true });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
