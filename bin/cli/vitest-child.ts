/**
 * The vitest run of `pgchaos run`, in a process (group) of its own started by run.ts: vitest's
 * Node API with pgchaos's own settings (no vitest config file is read — the user's project may
 * have one for other tests), the scenario files run.ts chose, and the user's vitest options
 * (after `--`). Exit code: vitest's (0 passed, 1 failed), 2 when no scenario matched its filters, 130 when
 * interrupted (the reports are still written). When run.ts dies without a word (SIGKILL), this
 * process notices within a second, stops the run as for Ctrl-C and removes the run's containers
 * itself. A stdout or stderr that is gone (`pgchaos run | head`, a closed terminal) is ignored.
 *
 *   node vitest-child.js '<ChildPlan as JSON>'
 */
import { dirname, join } from 'node:path';
import { createVitest, parseCLI, type Reporter, type Vitest } from 'vitest/node';
import { GLOBAL_SETUP } from '../../harness/paths.ts';
import { finishRun } from '../../harness/run/lifecycle.ts';
import CountReporter from '../../harness/run/count-reporter.ts';
import { rmSync } from 'node:fs';
import { isDiskFull, noteReportsFull, reportsFull, ReportsFullError } from '../../harness/report/record.ts';
import { REPORTS_FULL_EXIT, STOP_SIGNALS, tolerateClosedOutput, watchParent } from './interrupt.ts';
import { globLiteral } from './scenarios.ts';

/** What run.ts hands over. */
export interface ChildPlan {
  /** The user's project: vitest's root, where relative names are shown from. */
  root: string;
  /** Absolute paths of the scenario files to run. */
  files: string[];
  /** vitest's own arguments (after `--`). */
  vitestArgs: string[];
  /** The run's report folder (junit.xml goes there). */
  runDir: string;
}

/** `<run>/blob/<shard index>-of-<count>.json` (or `all.json` for an unsplit run): one file per shard, as vitest --merge-reports reads them. */
export function blobFile(runDir: string, shard: string | undefined): string {
  return join(runDir, 'blob', shard ? `${shard.replace('/', '-of-')}.json` : 'all.json');
}

async function main(): Promise<number> {
  tolerateClosedOutput();
  const plan = JSON.parse(process.argv[2] ?? '') as ChildPlan;
  const { filter, options: user } = parseCLI(['vitest', 'run', ...plan.vitestArgs]);
  const { reporters, '--': _rest, ...userOptions } = user as typeof user & { '--'?: unknown };
  // The shard vitest parsed, for the run header (run.json, written by the global setup in this process).
  if (userOptions.shard) process.env.PGCHAOS_SHARD = String(userOptions.shard);
  const vitest = await createVitest('test', {
    ...userOptions,
    // What pgchaos decides: which files, one at a time in forks (real containers on few cores), the
    // global setup (engine, sweep of crashed runs, image), timeouts, and where the reports go.
    config: false,
    root: plan.root,
    include: plan.files.map(globLiteral),
    exclude: [],
    name: 'scenarios', // the global setup writes the run's report after the project of this name
    watch: false,
    run: true,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: [GLOBAL_SETUP],
    testTimeout: userOptions.testTimeout ?? 300_000,
    hookTimeout: userOptions.hookTimeout ?? 120_000,
    // The blob report lets `pgchaos merge-reports` join the shards of a split run (vitest --shard) into one JUnit file.
    reporters: [
      ...(reporters ? [reporters].flat() : ['default']),
      'junit',
      ['blob', { outputFile: blobFile(plan.runDir, userOptions.shard) }],
      new CountReporter(),
    ],
    outputFile: { junit: join(plan.runDir, 'junit.xml') },
  });
  keepGoingWhenFull(vitest, plan.runDir, blobFile(plan.runDir, userOptions.shard));
  // Ctrl-C (run.ts passes it on to this process group): vitest cancels the run — the running
  // scenario's worker removes its containers (harness/cleanup.ts), so it ends within seconds and
  // records itself as interrupted — and the reporters still finish, so junit.xml stays whole.
  let cancelled = false;
  const cancel = () => {
    if (cancelled) return;
    cancelled = true;
    void vitest.cancelCurrentRun('keyboard-input');
  };
  for (const sig of Object.keys(STOP_SIGNALS) as (keyof typeof STOP_SIGNALS)[]) {
    // vitest's logger exits the process 1 ms after a signal, before any reporter has written: take the signal over.
    for (const l of process.listeners(sig)) process.off(sig, l);
    process.on(sig, cancel);
  }
  // run.ts is gone (SIGKILL, or it crashed): nobody will pass Ctrl-C on or sweep after us. Stop the
  // whole group (this process and vitest's workers, whose cleanups remove their containers) as
  // Ctrl-C would, and sweep at the end in its place.
  let orphaned = false;
  const stopWatching = watchParent(() => {
    orphaned = true;
    process.stderr.write(
      '\npgchaos: the pgchaos process that started this run is gone: stopping the run, then removing its containers ...\n',
    );
    try {
      process.kill(-process.pid, 'SIGINT');
    } catch {
      cancel(); // not a group leader (started by hand): at least stop vitest
    }
  });
  try {
    await vitest.start(filter);
  } catch (e) {
    if ((e as Error).name !== 'FilesNotFoundError') {
      process.stderr.write(`pgchaos: vitest could not run: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  }
  await vitest.close();
  stopWatching();
  if (orphaned) {
    const runId = process.env.PGCHAOS_RUN_ID;
    if (runId) await finishRun({ id: runId, dir: plan.runDir }, { report: true });
    return 130;
  }
  if (cancelled) return 130;
  // No file, or files whose every test was filtered out (`-t typo`): nothing was verified, and a
  // JUnit file of skips must not pass for a green run.
  const tests = vitest.state.getFiles().flatMap((f) => f.tasks);
  const ran = tests.filter((t) => t.result?.state === 'pass' || t.result?.state === 'fail').length;
  if (ran === 0) {
    // Stories skipped for what their image lacks (run/needs.ts) say why; that is not a filter's typo.
    const why = [
      ...new Set(
        tests
          .flatMap((t) => ('annotations' in t ? t.annotations : []))
          .filter((a) => a.type === 'skipped')
          .map((a) => a.message),
      ),
    ];
    process.stderr.write(
      why.length
        ? `pgchaos: every scenario selected was skipped, so nothing was verified: ${why.join('; ')}\n  fix: use an image that has what they need (pgchaos doctor checks it), or select other scenarios\n`
        : `pgchaos: no scenario matched vitest's filters (${plan.vitestArgs.join(' ')}): nothing ran\n  fix: pgchaos list shows the scenarios; check the filter after --\n`,
    );
    return 2;
  }
  const code = Number(process.exitCode ?? 0);
  const full = reportsFull();
  if (!full) return code;
  process.stderr.write(
    `pgchaos: ${full.problem}: the report could not be written whole; the scenario records in ${plan.runDir}/scenarios and what else fitted were kept\n  fix: ${full.fix}\n`,
  );
  return code === 0 ? REPORTS_FULL_EXIT : code;
}

/**
 * Makes the reporters that write files at the end (JUnit, blob) survive a full disk: the run's
 * verdicts are known by then, so a report that does not fit is noted (`noteReportsFull`) and its
 * partial file removed — a truncated junit.xml would pass for a report — instead of a stack trace.
 */
function keepGoingWhenFull(vitest: Vitest, runDir: string, blob: string): void {
  // vitest's list of reporter instances (not in its types; BlobReporter is not exported to wrap it ourselves).
  const reporters = (vitest as unknown as { reporters?: Reporter[] }).reporters ?? [];
  for (const r of reporters) {
    const end = r.onTestRunEnd?.bind(r);
    const file = ({ JUnitReporter: join(runDir, 'junit.xml'), BlobReporter: blob } as Record<string, string>)[r.constructor.name];
    if (!end || !file) continue;
    r.onTestRunEnd = async (...args: Parameters<typeof end>) => {
      try {
        await end(...args);
      } catch (e) {
        if (!isDiskFull(e)) throw e;
        noteReportsFull(new ReportsFullError(dirname(file), e.code!));
        rmSync(file, { force: true });
      }
    };
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`pgchaos: vitest could not run: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
