import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { finishCiFiles } from '../report/junit.ts';
import { pollUntil } from '../wait.ts';
import type { Reporter, SerializedError, TestModule, Vitest } from 'vitest/node';

/**
 * Ends a vitest run with one plain line, `tests: N passed, N failed, N skipped`, that CI and
 * people can read without knowing vitest's output.
 *
 * And a run that failed before any test (the global setup threw: no engine, no image) gets a
 * JUnit file with one failing testcase saying why — vitest's own is an empty, green-looking
 * `<testsuites tests="0">`. Runs after the JUnit reporter (listed after it), so it overwrites that file.
 *
 * Otherwise it finishes the JUnit file from the run's scenario records (harness/report/junit.ts:
 * verdicts, figures and report links in `<system-out>`, an interrupted scenario as an `<error>`, a
 * cancelled run as a failing testcase) and, under GitHub Actions, appends the run's table to the
 * job summary (GITHUB_STEP_SUMMARY).
 */
export default class CountReporter implements Reporter {
  private junitFile: string | undefined;

  onInit(vitest: Vitest): void {
    const out = vitest.config.outputFile;
    this.junitFile = typeof out === 'object' ? out.junit : undefined;
  }

  async onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<SerializedError>, reason: string): Promise<void> {
    const n = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const m of modules) for (const t of m.children.allTests()) n[t.result().state]++;
    process.stdout.write(`\ntests: ${n.passed} passed, ${n.failed} failed, ${n.skipped} skipped\n`);
    if (!this.junitFile) return;
    const file = this.junitFile;
    // vitest runs the reporters' hooks side by side: let the JUnit reporter finish its file first.
    const complete = () => existsSync(file) && readFileSync(file, 'utf8').includes('</testsuites>');
    await pollUntil(async () => (complete() ? { done: true, value: undefined } : { done: false, seen: 'no complete junit.xml yet' }), {
      what: "vitest's JUnit file",
      timeoutMs: 5000,
    }).catch(() => undefined);
    if (n.passed + n.failed === 0 && reason === 'failed') {
      // A global setup's error reaches neither `errors` nor the run's state: global-setup.ts leaves it in a file beside the JUnit file.
      const setup = readSetupError(dirname(file));
      const fallback = [{ message: 'the run failed before its first test (see the output above)' }];
      writeSetupFailure(file, setup ? [setup, ...errors] : errors.length ? errors : fallback);
      return;
    }
    // The scenarios' verdicts, figures and report links into junit.xml, an interrupted scenario as an error, and GitHub's job summary.
    await finishCiFiles(dirname(file), file, { cancelled: reason === 'interrupted' }).catch((e: Error) => {
      process.stderr.write(`pgchaos: could not add the scenarios' verdicts to ${file} or the job summary: ${e.message}\n`);
    });
  }
}

const xml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** A JUnit file whose one testcase, `setup`, fails with the errors that stopped the run before its tests. */
export function writeSetupFailure(path: string, errors: ReadonlyArray<Pick<SerializedError, 'message'> & { stack?: string }>): void {
  const text = errors.map((e) => e.stack ?? e.message).join('\n\n');
  const first = errors[0]?.message ?? 'setup failed';
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    `<?xml version="1.0" encoding="UTF-8" ?>\n<testsuites name="pgchaos" tests="1" failures="1" errors="0" time="0">\n<testsuite name="setup" tests="1" failures="1" errors="0" skipped="0" time="0">\n<testcase classname="pgchaos" name="setup: the run stopped before its first test" time="0">\n<failure message="${xml(first)}" type="SetupError">\n${xml(text)}\n</failure>\n</testcase>\n</testsuite>\n</testsuites>\n`,
  );
}

/** The file global-setup.ts writes when it fails: `<run>/setup-error.txt`. */
export const SETUP_ERROR_FILE = 'setup-error.txt';

function readSetupError(runDir: string): { message: string; stack?: string } | null {
  try {
    const text = readFileSync(join(runDir, SETUP_ERROR_FILE), 'utf8');
    return { message: text.split('\n')[0]!, stack: text };
  } catch {
    return null;
  }
}
