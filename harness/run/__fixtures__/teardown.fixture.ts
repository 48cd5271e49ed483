// Scenarios that end badly on purpose, run by teardown.docker.test.ts: whatever the ending,
// their containers and network must be gone afterwards and their records say `failed`.
import { expect } from 'vitest';
import { scenario } from '../scenario.ts';

scenario('fails an assertion', async ({ startCluster }) => {
  const cluster = await startCluster();
  expect(await cluster.primary.inRecovery(), 'deliberately wrong: the primary is not in recovery').toBe(true);
});

scenario(
  'runs past its vitest timeout',
  async ({ startCluster }) => {
    await startCluster();
    await new Promise(() => {}); // never settles: vitest's timeout ends the test
  },
  { timeoutMs: 15_000 },
);
