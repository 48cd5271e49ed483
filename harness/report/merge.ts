import { cp, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { writeFileAtomic } from './record.ts';
import type { RunContext } from './summary.ts';

/**
 * Joins the run folders of a split run (one per CI job, `vitest --shard i/n`) into one run
 * folder: every scenario record, server log and blob report, and one run header listing the
 * shards. The report, matrix page and JUnit file are then built from the merged folder as
 * from any run.
 */

/** What a merge took from its shards. */
export interface MergeResult {
  records: number;
  blobs: string[];
  shards: string[];
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

/**
 * Copies `shardDirs`' `scenarios/`, `logs/` and `blob/` into `outDir` and writes its run.json.
 * @throws ConfigError when a shard folder is missing or holds no scenario record, or when two
 *   shards recorded the same scenario on the same major (the shards overlap: not a split of one run).
 */
export async function mergeRunDirs(shardDirs: string[], outDir: string): Promise<MergeResult> {
  const seen = new Map<string, string>();
  const blobs: string[] = [];
  const contexts: RunContext[] = [];
  for (const dir of shardDirs) {
    if (!(await isDir(dir))) throw new ConfigError(`${dir} is not a run folder`, 'name the run folders the shards wrote (reports/<run>), one per shard');
    const records = (await readdir(join(dir, 'scenarios')).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
    if (!records.length) throw new ConfigError(`${dir} holds no scenario record (scenarios/*.json)`, 'name the run folders of finished shards; a shard that ran nothing has nothing to merge');
    for (const f of records) {
      const earlier = seen.get(f);
      if (earlier) throw new ConfigError(`${f} is in both ${earlier} and ${dir}`, 'merge the shards of one split run (vitest --shard i/n), each once');
      seen.set(f, dir);
    }
    await cp(join(dir, 'scenarios'), join(outDir, 'scenarios'), { recursive: true });
    if (await isDir(join(dir, 'logs'))) await cp(join(dir, 'logs'), join(outDir, 'logs'), { recursive: true });
    for (const b of (await readdir(join(dir, 'blob')).catch(() => [] as string[])).filter((f) => f.endsWith('.json'))) {
      const target = `${basename(dir)}-${b}`;
      await cp(join(dir, 'blob', b), join(outDir, 'blob', target));
      blobs.push(target);
    }
    const ctx = await readFile(join(dir, 'run.json'), 'utf8').then((t) => JSON.parse(t) as RunContext, () => null);
    if (ctx) contexts.push(ctx);
  }
  await mkdir(outDir, { recursive: true });
  const shards = contexts.map((c) => c.shard ?? c.run);
  if (contexts[0]) {
    const majors = [...new Set(contexts.flatMap((c) => c.majors))];
    const merged: RunContext = { ...contexts[0], run: basename(outDir), majors, shard: `merged from ${shardDirs.map((d) => basename(d)).join(', ')} (${shards.join(', ')})` };
    await writeFileAtomic(join(outDir, 'run.json'), JSON.stringify(merged, null, 2));
  }
  return { records: seen.size, blobs, shards };
}
