import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { currentRun } from '../../run-id.ts';

// Runs needs.scenario.ts as a vitest run of its own, spawned by needs.test.ts, with a global
// setup that says the image lacks pg_rewind (no engine, no container).
const run = currentRun();

export default defineConfig({
  root: join(import.meta.dirname, '..', '..', '..'),
  test: {
    include: ['harness/run/__fixtures__/needs.scenario.ts'],
    pool: 'forks',
    globalSetup: ['harness/run/__fixtures__/needs-setup.ts'],
    reporters: ['default', 'junit'],
    outputFile: { junit: join(run.dir, 'junit.xml') },
  },
});
