// @ts-check
/**
 * Mutation testing of the pure parts of the harness: the checks (verdicts over histories), the
 * model (what PostgreSQL should show) and the readings of the writer's history. Run it as
 *   flock /tmp/pgchaos-engine.lock npx stryker run .ci/stryker.config.mjs
 * (the lock keeps it off the two cores while a container run holds them). Narrow it with
 * `--mutate 'harness/checks/**\/*.ts,!harness/**\/*.test.ts'`.
 *
 * Only unit tests run, through .ci/vitest.stryker.config.ts: never the docker or scenarios
 * projects, never their globalSetup, so no container starts.
 *
 * What counts: every mutant of logic, including string literals that decide a verdict (the
 * outcome names 'acked' / 'unknown', the steps 'absent' / 'primary', the `client:seq` key). That
 * is why `mutator.excludedMutations: ['StringLiteral']` is NOT used: it would also drop those.
 * What does not count: the human-readable summaries. Each check builds its summary in a function
 * of its own, fenced by `// Stryker disable all` … `// Stryker restore all` with the reason at the
 * spot; those mutants are reported as ignored and stay out of the score. The phrases that name
 * missing evidence in an `unknown` verdict are built in the logic and asserted by the tests.
 *
 * Nothing is left in the work tree but reports/mutation/: the sandbox lives under it and is
 * deleted at the end whatever happened; reports/ is git-ignored.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  // `*.cases.ts` are test data (PostgreSQL's own expected rows, the oracle the model is tested
  // against), not code under test.
  // checks/ includes readings/, the pure readings of the history the checks and the nemesis report
  // stand on; load/sampling.ts is how the writer and observer turn what they see into history.
  mutate: [
    'harness/checks/**/*.ts',
    'harness/model/**/*.ts',
    'harness/load/sampling.ts',
    '!harness/**/*.test.ts',
    '!harness/**/*.cases.ts',
  ],
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: {
    configFile: '.ci/vitest.stryker.config.ts',
    // Only the test files that import the mutated file run (the dry run and each mutant).
    related: true,
  },
  coverageAnalysis: 'perTest',
  // Two cores, shared with container runs (hence the lock above).
  concurrency: 2,
  incremental: false,
  reporters: ['clear-text', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { reportTests: false, allowColor: false },
  // Not copied into the sandbox: run reports (container logs, a `latest` symlink Stryker cannot
  // copy), scratch files and the build output. Stryker 9.6 no longer ignores /reports by itself.
  ignorePatterns: ['/reports', '/scratch', '/dist'],
  tempDirName: 'reports/mutation/.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 95, low: 90, break: 95 },
};
