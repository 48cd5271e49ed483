import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { currentRun } from '../../run-id.ts';

// Runs the teardown fixtures as a vitest run of their own, spawned by teardown.docker.test.ts.
const run = currentRun();

export default defineConfig({
  root: join(import.meta.dirname, '..', '..', '..'),
  test: {
    include: ['harness/run/__fixtures__/*.fixture.ts'],
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['harness/run/global-setup.ts'],
    hookTimeout: 120_000,
    reporters: ['default'],
    outputFile: { junit: join(run.dir, 'junit.xml') },
  },
});
