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
  /** The vitest project the blobs' tests ran in (`scenarios` for `pgchaos run`, '' for a config without a name), undefined: no blob. */
  project: string | undefined;
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** The `*.json` files of `dir` (none when it is missing). */
async function jsonFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
}

/**
 * The vitest project names of the test files in a blob report (vitest's blob reporter writes
 * flatted JSON: a table whose first row is `[version, files, errors, …]`, strings referenced by
 * their index). vitest's merge keeps only the tests of projects its own config has, so the merge
 * must name the same project the shards ran in.
 * @throws ConfigError when the file is not a blob report.
 */
export async function blobProjects(path: string): Promise<string[]> {
  try {
    const table = JSON.parse(await readFile(path, 'utf8')) as unknown[];
    const at = (i: unknown) => table[Number(i)];
    const files = at((table[0] as unknown[])[1]) as unknown[];
    return [...new Set(files.map((f) => String(at((at(f) as { projectName: unknown }).projectName) ?? '')))];
  } catch (e) {
    const fix = "remove it from the shard's blob/ folder, or run the shard again with pgchaos run";
    throw new ConfigError(`${path} is not a vitest blob report (${(e as Error).message})`, fix);
  }
}

/**
 * Checks every shard, then copies `shardDirs`' `scenarios/`, `logs/` and `blob/` into `outDir`
 * and writes its run.json. Nothing is copied unless every check passes.
 * @throws ConfigError when `outDir` exists and is not empty, a shard folder is missing or holds no
 *   scenario record, two shards recorded the same scenario on the same major (the shards overlap:
 *   not a split of one run), a blob is unreadable, or the blobs come from different vitest projects.
 */
export async function mergeRunDirs(shardDirs: string[], outDir: string): Promise<MergeResult> {
  const outStat = await stat(outDir).catch(() => null);
  const outEntries = outStat?.isDirectory() ? await readdir(outDir) : [];
  if (outStat && (!outStat.isDirectory() || outEntries.length)) {
    const shown = `${outEntries.slice(0, 3).join(', ')}${outEntries.length > 3 ? ', …' : ''}`;
    const what = outStat.isDirectory() ? `is not empty (${shown})` : 'is a file';
    const fix = 'drop --out (the merge then writes a new run folder under reports/) or name a folder that does not exist yet';
    throw new ConfigError(`${outDir} ${what}: a merge writes a new run folder`, fix);
  }
  const seen = new Map<string, string>();
  const projects = new Map<string, string>();
  for (const dir of shardDirs) {
    if (!(await isDir(dir)))
      throw new ConfigError(`${dir} is not a run folder`, 'name the run folders the shards wrote (reports/<run>), one per shard');
    const records = await jsonFiles(join(dir, 'scenarios'));
    if (!records.length)
      throw new ConfigError(
        `${dir} holds no scenario record (scenarios/*.json)`,
        'name the run folders of finished shards; a shard that ran nothing has nothing to merge',
      );
    for (const f of records) {
      const earlier = seen.get(f);
      if (earlier)
        throw new ConfigError(`${f} is in both ${earlier} and ${dir}`, 'merge the shards of one split run (vitest --shard i/n), each once');
      seen.set(f, dir);
    }
    for (const b of await jsonFiles(join(dir, 'blob'))) {
      for (const p of await blobProjects(join(dir, 'blob', b))) projects.set(p, join(dir, 'blob', b));
    }
  }
  if (projects.size > 1) {
    const list = [...projects].map(([p, file]) => `"${p}" (${file})`).join(', ');
    const fix = 'merge the shards of one pgchaos run (pgchaos run -- --shard i/n), each once';
    throw new ConfigError(`the blob reports come from different vitest projects: ${list}`, fix);
  }
  const blobs: string[] = [];
  const contexts: RunContext[] = [];
  await mkdir(outDir, { recursive: true });
  for (const dir of shardDirs) {
    await cp(join(dir, 'scenarios'), join(outDir, 'scenarios'), { recursive: true });
    if (await isDir(join(dir, 'logs'))) await cp(join(dir, 'logs'), join(outDir, 'logs'), { recursive: true });
    for (const b of await jsonFiles(join(dir, 'blob'))) {
      const target = `${basename(dir)}-${b}`;
      await cp(join(dir, 'blob', b), join(outDir, 'blob', target));
      blobs.push(target);
    }
    const ctx = await readFile(join(dir, 'run.json'), 'utf8').then(
      (t) => JSON.parse(t) as RunContext,
      () => null,
    );
    if (ctx) contexts.push(ctx);
  }
  const shards = contexts.map((c) => c.shard ?? c.run);
  if (contexts[0]) {
    const majors = [...new Set(contexts.flatMap((c) => c.majors))];
    const merged: RunContext = {
      ...contexts[0],
      run: basename(outDir),
      majors,
      shard: `merged from ${shardDirs.map((d) => basename(d)).join(', ')} (${shards.join(', ')})`,
    };
    await writeFileAtomic(join(outDir, 'run.json'), JSON.stringify(merged, null, 2));
  }
  return { records: seen.size, blobs, shards, project: projects.size ? [...projects.keys()][0] : undefined };
}
