/**
 * `pgchaos prune`: removes old run folders from the reports folder, which otherwise grows by one
 * folder (server logs included) per run.
 */
import { existsSync, readlinkSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { writeRunIndex } from '../../harness/report/run-index.ts';
import { reportsDir } from '../../harness/run-id.ts';
import { parseStrict, UsageError } from './args.ts';
import { PRUNE_HELP } from './help.ts';

/** What to remove: runs past the `keep` newest and/or started more than `olderThanDays` days before `now`; both given, a run must be both. */
export interface PruneRule {
  keep?: number;
  olderThanDays?: number;
  /** Epoch ms (default: now). */
  now?: number;
}

/** One run folder of a reports folder. */
export interface RunFolder {
  /** Folder name (the run id unless `--out` named it). */
  name: string;
  /** When the run started, epoch ms: its run.json's startedAt, else its id's time, else the folder's mtime. */
  startedMs: number;
  /** Bytes of its files. */
  bytes: number;
}

/**
 * The run folders of `dir`, newest first: folders named like a run id or holding a run.json or
 * summary.json (anything else in the folder is not pgchaos's, and never pruned).
 */
export async function runFolders(dir: string): Promise<RunFolder[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const runs = await Promise.all(
    entries
      .filter((e) => e.isDirectory())
      .map(async (e): Promise<RunFolder | null> => {
        const path = join(dir, e.name);
        const idStart = startOfId(e.name);
        if (idStart === undefined && !existsSync(join(path, 'run.json')) && !existsSync(join(path, 'summary.json'))) return null;
        const fromJson = await readFile(join(path, 'run.json'), 'utf8')
          .then((t) => Date.parse((JSON.parse(t) as { startedAt?: string }).startedAt ?? ''))
          .catch(() => Number.NaN);
        const startedMs = Number.isFinite(fromJson) ? fromJson : (idStart ?? (await stat(path)).mtimeMs);
        return { name: e.name, startedMs, bytes: await du(path) };
      }),
  );
  return runs.filter((r): r is RunFolder => r !== null).sort((a, b) => b.startedMs - a.startedMs || b.name.localeCompare(a.name));
}

/**
 * The run folders `rule` removes from `runs` (newest first, as `runFolders` returns them). The
 * run `latest` points to is never among them.
 * @throws UsageError when the rule names neither --keep nor --older-than.
 */
export function toPrune(runs: readonly RunFolder[], rule: PruneRule, latest?: string): RunFolder[] {
  if (rule.keep === undefined && rule.olderThanDays === undefined) {
    throw new UsageError(
      'pgchaos prune needs to know what to remove',
      'say how many runs to keep, how old a run must be, or both: pgchaos prune --keep 10 --older-than 30',
    );
  }
  const before = rule.olderThanDays === undefined ? Infinity : (rule.now ?? Date.now()) - rule.olderThanDays * 86_400_000;
  return runs.filter((r, i) => i >= (rule.keep ?? 0) && r.startedMs < before && r.name !== latest);
}

/**
 * `pgchaos prune [--keep N] [--older-than DAYS] [--out DIR] [--dry-run]`: removes old run
 * folders, then rewrites the run index (reports/index.html).
 * @returns 0. @throws UsageError for a bad or missing option.
 */
export async function prune(argv: string[]): Promise<number> {
  const { values } = parseStrict(
    argv,
    {
      help: { type: 'boolean', short: 'h' },
      keep: { type: 'string' },
      'older-than': { type: 'string' },
      out: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    'prune',
  );
  if (values.help) {
    process.stdout.write(`${PRUNE_HELP}\n`);
    return 0;
  }
  const number = (flag: string, v: unknown, min: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(
        `${flag} ${String(v)} is not a whole number from ${min} up`,
        `give ${flag} a whole number, e.g. ${flag} ${min + 5}`,
      );
    return n;
  };
  const keep = number('--keep', values.keep, 0);
  const olderThanDays = number('--older-than', values['older-than'], 0);
  const dir = values.out ? resolve(values.out as string) : reportsDir();
  const shown = relative(process.cwd(), dir) || '.';
  const latest = latestTarget(dir);
  const runs = await runFolders(dir);
  const gone = toPrune(
    runs,
    { ...(keep !== undefined ? { keep } : {}), ...(olderThanDays !== undefined ? { olderThanDays } : {}) },
    latest,
  );
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  const total = gone.reduce((s, r) => s + r.bytes, 0);
  if (values['dry-run']) {
    for (const r of gone) process.stdout.write(`would remove ${join(shown, r.name)} (${mb(r.bytes)})\n`);
    process.stdout.write(`would remove ${gone.length} of ${runs.length} runs in ${shown} (${mb(total)})\n`);
    return 0;
  }
  for (const r of gone) await rm(join(dir, r.name), { recursive: true, force: true });
  if (gone.length && existsSync(join(dir, 'index.html'))) await writeRunIndex(dir);
  process.stdout.write(`removed ${gone.length} of ${runs.length} runs in ${shown} (${mb(total)}); ${runs.length - gone.length} kept\n`);
  return 0;
}

/** The folder name `<dir>/latest` points to, if it is a link. */
function latestTarget(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, 'latest'));
  } catch {
    return undefined;
  }
}

/** The start time a run id carries (`20261122-031502-7f3a`, UTC), epoch ms. */
function startOfId(id: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-[0-9a-f]+$/.exec(id);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : undefined;
}

/** Bytes of the files under `path` (0 for what cannot be read). */
async function du(path: string): Promise<number> {
  const entries = await readdir(path, { withFileTypes: true, recursive: true }).catch(() => []);
  const sizes = await Promise.all(
    entries
      .filter((e) => e.isFile())
      .map((e) =>
        stat(join(e.parentPath, e.name)).then(
          (s) => s.size,
          () => 0,
        ),
      ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}
