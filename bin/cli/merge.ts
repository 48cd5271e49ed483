/**
 * `pgchaos merge-reports <run> <run> ... [--out DIR]`: joins the run folders of a split run
 * (CI jobs each running `pgchaos run -- --shard i/n`) into one run folder with one report,
 * one matrix page, one summary.json and one JUnit file (vitest's own --merge-reports over the
 * shards' blob reports).
 */
import { join, resolve } from 'node:path';
import { startVitest } from 'vitest/node';
import { finishCiFiles } from '../../harness/report/junit.ts';
import { mergeRunDirs } from '../../harness/report/merge.ts';
import { writeReport } from '../../harness/report/report.ts';
import { newRunId, reportsDir } from '../../harness/run-id.ts';
import { parseStrict, UsageError } from './args.ts';

export const MERGE_HELP = `usage: pgchaos merge-reports RUN_DIR RUN_DIR ... [--out DIR]

Joins the report folders of a run split across CI jobs (pgchaos run -- --shard 1/3, 2/3, 3/3)
into one new run folder (default ./reports/<new run id>, or --out DIR); run it in the project
folder the shards ran in: every scenario record
and server log, one index.html, matrix.html, summary.json and one junit.xml merged by vitest.
--out must not exist yet (or be empty); nothing is written unless every shard checks out.
Exit 0 when every merged scenario passed (or was skipped, if one passed), 1 when one failed or
was interrupted or junit.xml lists fewer testcases than there are scenario records, 2 when every
scenario was skipped (nothing was verified, as pgchaos run) and on a usage error (a folder that
is no shard, overlapping shards).`;

/**
 * Runs `pgchaos merge-reports`.
 * @returns 0 all merged scenarios passed (skipped ones aside), 1 one failed or was interrupted, or the merged junit.xml
 *   lists fewer testcases than records, 2 every one was skipped.
 * @throws UsageError (exit 2) for fewer than one run folder or an unknown option; ConfigError (exit 2) from
 *   mergeRunDirs: a non-empty --out, a folder that is no shard, overlapping shards.
 */
export async function mergeReports(argv: string[]): Promise<number> {
  const { values, positionals } = parseStrict(argv, { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, 'merge-reports');
  if (values.help) {
    process.stdout.write(`${MERGE_HELP}\n`);
    return 0;
  }
  if (positionals.length < 1)
    throw new UsageError(
      'merge-reports needs the run folders of the shards',
      'pgchaos merge-reports reports/<run of shard 1> reports/<run of shard 2> ...',
    );
  const out = resolve((values.out as string | undefined) ?? join(reportsDir(), newRunId()));
  const merged = await mergeRunDirs(
    positionals.map((p) => resolve(p)),
    out,
  );
  const junitFile = join(out, 'junit.xml');
  if (merged.blobs.length) {
    // vitest joins the shards' results into one JUnit file, as `vitest --merge-reports` does.
    const vitest = await startVitest('test', [], {
      config: false,
      // The blobs name test files relative to the project they ran in: merge from that folder, as CI does after checkout.
      root: process.cwd(),
      // vitest keeps only the tests of the projects it has: name the shards' own (`scenarios` under pgchaos run).
      ...(merged.project ? { name: merged.project } : {}),
      watch: false,
      mergeReports: join(out, 'blob'),
      reporters: [['junit', { outputFile: junitFile }]],
    });
    await vitest.close();
  }
  const summary = await writeReport(out);
  process.stderr.write(
    `pgchaos: merged ${merged.records} scenario records from ${positionals.length} runs (${merged.shards.join(', ')}) into ${out}\n`,
  );
  // Each scenario's verdicts, figures and report link into junit.xml, and GitHub's job summary, as `pgchaos run` writes them.
  const testcases = (await finishCiFiles(out, junitFile)) ?? 0;
  // A JUnit file that lists fewer testcases than there are records would show CI a partial (or empty) green run.
  if (testcases < merged.records) {
    process.stderr.write(
      `pgchaos: ${junitFile} lists ${testcases} testcases for ${merged.records} merged scenario records: ` +
        'it must not pass for the whole run\n' +
        '  fix: run merge-reports in the project folder the shards ran in, with the pgchaos they ran ' +
        "(the blob reports in each shard's blob/ name their test files from there)\n",
    );
    return 1;
  }
  // Skipped stories verified nothing: with nothing else, the merged run is no pass (as pgchaos run says with exit 2).
  return summary?.status === 'passed' ? 0 : summary?.status === 'skipped' ? 2 : 1;
}
