/**
 * The unit tests only, for Stryker (.ci/stryker.config.mjs). Unlike the root vitest.config.ts it
 * has no projects, no globalSetup (which starts Docker for the docker and scenarios projects), no
 * JUnit reporter and no run directory: a mutant run never touches a container or writes a report.
 */
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// The folder above .ci/: the repository, or the Stryker sandbox this file was copied into.
const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  // Vitest's results cache goes inside the sandbox (deleted with it), not into node_modules/.vite.
  cacheDir: 'reports/mutation/.vite',
  test: {
    include: ['harness/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'harness/**/*.docker.test.ts'],
    reporters: ['default'],
    globalSetup: [],
  },
});
