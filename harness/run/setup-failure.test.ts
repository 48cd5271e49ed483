/**
 * A run that fails before its first test (here: DOCKER_HOST names an engine that does not
 * answer, so the global setup throws) leaves a JUnit file with one failing testcase naming the
 * cause — not vitest's empty `<testsuites tests="0">`, which CI shows as green.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../paths.ts';

test('a setup error is a failing JUnit testcase with the cause', async () => {
  const runDir = join(mkdtempSync(join(tmpdir(), 'pgchaos-setup-')), 'run');
  const r = await execa(
    join(PACKAGE_ROOT, 'node_modules', '.bin', 'vitest'),
    ['run', '--project', 'scenarios', 'scenarios/planned-switchover.test.ts'],
    {
      cwd: PACKAGE_ROOT,
      reject: false,
      env: { DOCKER_HOST: 'tcp://127.0.0.1:1', PGCHAOS_RUN_DIR: runDir, PGCHAOS_RUN_ID: 'setup-failure-test' },
    },
  );
  expect(r.exitCode).not.toBe(0);
  const junit = readFileSync(join(runDir, 'junit.xml'), 'utf8');
  expect(junit).toMatch(/tests="1" failures="1"/);
  // The same check as `pgchaos run` (run/lifecycle.ts): an engine named by DOCKER_HOST is asked, not started.
  expect(junit).toMatch(/<failure message="ConfigError: no Docker engine answers at DOCKER_HOST=tcp:\/\/127.0.0.1:1/);
}, 60_000);
