/**
 * `pgchaos shrink RUN [run's options]`: cuts a failing nemesis schedule down to its core. For
 * each failing nemesis record of the run, faults are removed and shortened (ddmin,
 * nemesis/schedule/shrink.ts) while a replay of the candidate still fails the same way (the same
 * first failed check); each replay is a `pgchaos run --schedule` of its own. The smallest
 * failing schedule is printed and saved next to the record, with the command that replays it.
 */
import { verdictId } from '../../harness/checks/verdict.ts';
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Schedule } from '../../harness/history/fault.ts';
import { describeSchedule } from '../../harness/nemesis/schedule/describe.ts';
import { shrinkSchedule } from '../../harness/nemesis/schedule/shrink.ts';
import { validateSchedule } from '../../harness/nemesis/schedule/validate.ts';
import { readRun } from '../../harness/report/report.ts';
import type { ScenarioRecord } from '../../harness/report/record.ts';
import { parseStrict, UsageError } from './args.ts';
import { loaderFlags } from './run.ts';
import { builtinScenarioFiles, isDirectory } from './scenarios.ts';

export const SHRINK_HELP = `pgchaos shrink RUN [--max-runs N] [run's options]

Cuts each failing nemesis schedule of the report folder RUN down to its core: faults are
removed and shortened while a replay still fails the same way (the same first failed check).
Every replay is a full pgchaos run of the schedule, so give it the options the failing run had
(--config, --sync, --promote, …; not --pg, --seed, --schedule or --out, which it sets). The
smallest schedule is saved as RUN/shrunk-seed-S-pgNN.json and printed with its replay command.

  --max-runs N   replays per schedule at most (default 12)

Exit codes: 0 done (or nothing failed), 1 a replay could not run, 2 usage error, 130 interrupted.`;

const OPTIONS = { 'max-runs': { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

/** `pgchaos shrink`. @returns the exit code. @throws UsageError for bad arguments (exit 2). */
export async function shrink(argv: string[]): Promise<number> {
  const [runArg, ...rest] = argv;
  if (runArg === '--help' || runArg === '-h') {
    process.stdout.write(`${SHRINK_HELP}\n`);
    return 0;
  }
  if (!runArg || !isDirectory(resolve(runArg)))
    throw new UsageError(
      `pgchaos shrink needs a report folder of a run${runArg ? `; ${runArg} is not one` : ''}`,
      'write it as pgchaos shrink reports/latest',
    );
  const maxIdx = rest.findIndex((a) => a === '--max-runs' || a.startsWith('--max-runs='));
  const width = maxIdx < 0 ? 0 : rest[maxIdx]!.includes('=') ? 1 : 2;
  const ours = rest.slice(maxIdx, maxIdx + width);
  const runOptions = [...rest.slice(0, Math.max(0, maxIdx)), ...rest.slice(maxIdx < 0 ? rest.length : maxIdx + width)];
  const owned = runOptions.find((a) => /^--(out|seed|schedule|pg)(=|$)/.test(a));
  if (owned)
    throw new UsageError(
      `pgchaos shrink sets ${owned.split('=')[0]} of every replay itself`,
      `drop ${owned.split('=')[0]}: the failing record says which schedule and major to replay`,
    );
  const { values } = parseStrict(ours, OPTIONS, 'shrink');
  const maxRuns = Number((values as { 'max-runs'?: string })['max-runs'] ?? 12);
  if (!Number.isInteger(maxRuns) || maxRuns < 1)
    throw new UsageError(`--max-runs ${maxRuns}: expected a whole number above 0`, 'write it as --max-runs 12');
  const runDir = resolve(runArg);
  const failing = (await readRun(runDir)).records.filter((r) => r.status === 'failed' && r.nemesis?.schedule);
  if (!failing.length) {
    process.stderr.write(`pgchaos shrink: no failing nemesis schedule in ${runArg}\n`);
    return 0;
  }
  let code = 0;
  for (const record of failing) code = Math.max(code, await shrinkOne(record, runDir, maxRuns, runOptions));
  return code;
}

async function shrinkOne(record: ScenarioRecord, runDir: string, maxRuns: number, runOptions: string[]): Promise<number> {
  const schedule = validateSchedule(record.nemesis!.schedule);
  const wanted = failureOf(record);
  const say = (s: string) => process.stderr.write(`pgchaos shrink: seed ${schedule.seed}: ${s}\n`);
  say(`${schedule.faults.length} faults, failed with "${wanted}"; replaying smaller schedules (at most ${maxRuns})`);
  const work = mkdtempSync(join(tmpdir(), 'pgchaos-shrink-'));
  const result = await shrinkSchedule(schedule, (candidate) => replayFails(candidate, record.major, work, runOptions, wanted), {
    maxRuns,
    onStep: (s) =>
      say(
        `run ${s.run}: ${s.action === 'remove' ? `without faults ${s.ids.map((i) => `#${i}`).join(', ')}` : `fault #${s.id} ${s.fromMs} → ${s.toMs} ms`}: ${s.failed ? 'still fails' : 'passes'}`,
      ),
  });
  const file = join(runDir, `shrunk-seed-${schedule.seed}-pg${record.major}.json`);
  writeFileSync(file, `${JSON.stringify(result.schedule, null, 2)}\n`);
  say(
    `${result.schedule.faults.length} of ${schedule.faults.length} faults left after ${result.runs} replays${result.exhausted ? ' (budget used up)' : ''}:\n${describeSchedule(result.schedule)}`,
  );
  say(`saved ${file}; replay: pgchaos run nemesis --pg ${record.major} --schedule ${file}`);
  return 0;
}

/** What a failure looks like, to compare replays with: the first failed check's id, else the error's first line without numbers. */
function failureOf(r: Pick<ScenarioRecord, 'verdicts' | 'error'>): string {
  const failed = r.verdicts.find((v) => v.status !== 'passed');
  return failed ? verdictId(failed) : `error: ${(r.error ?? '').split('\n')[0]!.replace(/\d+/g, 'N').slice(0, 80)}`;
}

/** Replays `candidate` in a pgchaos run of its own; true when it fails the same way. */
async function replayFails(candidate: Schedule, major: number, work: string, runOptions: string[], wanted: string): Promise<boolean> {
  const file = join(work, `candidate-${Date.now()}.json`);
  // Nothing happens after the last heal but waiting: the replay ends there (the recovery window stays).
  const end = Math.max(1000, ...candidate.faults.map((f) => f.atMs + f.durationMs));
  writeFileSync(file, JSON.stringify({ ...candidate, durationMs: end }));
  const out = join(work, basename(file, '.json'));
  const story = builtinScenarioFiles().find((f) => basename(f) === 'nemesis.test.ts')!;
  const r = await execa(
    process.execPath,
    [...loaderFlags(), process.argv[1]!, 'run', story, '--pg', String(major), '--schedule', file, '--out', out, ...runOptions],
    { reject: false, stdio: 'inherit' },
  );
  // 2 or 130: the replay could not run or was interrupted, which says nothing about the candidate.
  if (r.exitCode === 2 || r.exitCode === 130 || r.signal)
    throw new Error(`a replay could not run (exit ${r.exitCode ?? r.signal}); shrinking stopped`);
  if (r.exitCode !== 1) return false;
  const { records } = await readRun(join(out, 'latest'));
  return records.some((rec) => rec.status === 'failed' && failureOf(rec) === wanted);
}
