import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { currentRun } from '../../../run-id.ts';

// Runs story.fixture.ts as a vitest run of its own, spawned by harness/run/scenario.test.ts: no
// container, so no global setup.
const run = currentRun();

export default defineConfig({
  root: join(import.meta.dirname, '..', '..', '..', '..'),
  test: {
    include: ['harness/run/__fixtures__/verdicts/*.fixture.ts'],
    reporters: ['default'],
    outputFile: { junit: join(run.dir, 'junit.xml') },
  },
});
