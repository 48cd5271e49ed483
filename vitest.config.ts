import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { currentRun } from './harness/run-id.ts';

// The run id is fixed here, in the main vitest process, so every worker and the JUnit file
// share it (workers inherit PGCHAOS_RUN_ID / PGCHAOS_RUN_DIR).
const run = currentRun();

/** The stories written for pg_auto_failover (scenarios/managed/pg-auto-failover-*.test.ts). */
const PAF_STORIES = 'scenarios/managed/pg-auto-failover-*.test.ts';
/** repmgr's stories: run under repmgr by their own project, and skipped nowhere else. */
const REPMGR_STORIES = 'scenarios/managed/repmgr-*.test.ts';
/** pgpool-II's stories: run under pgpool by their own project, and skipped nowhere else. */
const PGPOOL_STORIES = 'scenarios/managed/pgpool-*.test.ts';

const containers = {
  // Real containers on a 2-core machine: one file at a time.
  pool: 'forks' as const,
  fileParallelism: false,
  globalSetup: ['harness/run/global-setup.ts'],
  testTimeout: 300_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    reporters: ['default', 'junit', './harness/run/count-reporter.ts'],
    outputFile: { junit: join(run.dir, 'junit.xml') },
    projects: [
      // groupOrder: projects run one after the other (vitest runs them in parallel otherwise), so
      // container tests never share the machine's two cores with a scenario's timing verdicts.
      {
        test: {
          name: 'unit',
          include: ['harness/**/*.test.ts', 'bin/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['harness/**/*.docker.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      { test: { name: 'docker', include: ['harness/**/*.docker.test.ts'], ...containers, sequence: { groupOrder: 1 } } },
      {
        test: {
          name: 'scenarios',
          include: ['scenarios/**/*.test.ts'],
          exclude: ['scenarios/managed/**'],
          ...containers,
          sequence: { groupOrder: 2 },
        },
      },
      // The stories under an HA manager of its own (issue 18), apart so the built-in suite's time
      // stays what it was: `npm test` runs them last, each manager's under it (harness/run/config.ts
      // MANAGER_ENV): Patroni's, then pg_auto_failover's, then repmgr's, then pgpool's.
      {
        test: {
          name: 'managers',
          include: ['scenarios/managed/**/*.test.ts'],
          exclude: [PAF_STORIES, REPMGR_STORIES, PGPOOL_STORIES],
          env: { PGCHAOS_MANAGER: 'patroni' },
          ...containers,
          sequence: { groupOrder: 3 },
        },
      },
      {
        test: {
          name: 'managers-paf',
          include: [PAF_STORIES],
          env: { PGCHAOS_MANAGER: 'pg_auto_failover' },
          ...containers,
          sequence: { groupOrder: 4 },
        },
      },
      {
        test: {
          name: 'managers-repmgr',
          include: [REPMGR_STORIES],
          env: { PGCHAOS_MANAGER: 'repmgr' },
          ...containers,
          sequence: { groupOrder: 5 },
        },
      },
      {
        test: {
          name: 'managers-pgpool',
          include: [PGPOOL_STORIES],
          env: { PGCHAOS_MANAGER: 'pgpool' },
          ...containers,
          sequence: { groupOrder: 6 },
        },
      },
    ],
  },
});
