/**
 * Where pgchaos's own files are, from its sources (`harness/paths.ts`, run by tsx or vitest) and
 * from the published build (`dist/harness/paths.js`, inside a user's node_modules) alike.
 *
 * Layouts: sources `<pkg>/{harness,scenarios,bin,docker}`; build `<pkg>/dist/{harness,scenarios,bin,docker}`
 * (`npm run build` copies docker/ into dist/, so every `new URL('../../docker/…', import.meta.url)`
 * in harness/ resolves in both). Paths relative to this file therefore hold in both layouts;
 * the package root (package.json) is found by walking up.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** True when running from the TypeScript sources (tsx, vitest), false from the built dist/. */
export const FROM_SOURCES = import.meta.url.endsWith('.ts');
/** Extension of pgchaos's own modules in this layout: `.ts` from sources, `.js` from dist/. */
export const MODULE_EXT = FROM_SOURCES ? '.ts' : '.js';

/** pgchaos's package root: the nearest folder above this file whose package.json names `pgchaos`. */
export const PACKAGE_ROOT = findPackageRoot(here);

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'pgchaos') return dir;
      } catch {
        /* not ours: keep walking */
      }
    }
    if (dirname(dir) === dir) throw new Error(`pgchaos: no package.json of pgchaos above ${from}; reinstall pgchaos`);
  }
}

/** pgchaos's package.json (name, version). */
export function packageJson(): { name: string; version: string; description?: string } {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
}

/** docker/ (engine.sh, build-image.sh, Dockerfile.in) of this layout. */
export const DOCKER_DIR = join(here, '..', 'docker');
/** Makes a Docker engine answer (installs and starts docker.io as root on Debian). */
export const ENGINE_SCRIPT = join(DOCKER_DIR, 'engine.sh');
/** Builds pgchaos/postgres:MAJOR offline from Debian's packages. */
export const BUILD_IMAGE_SCRIPT = join(DOCKER_DIR, 'build-image.sh');
/** The built-in scenarios (`*.test.ts` from sources, `*.test.js` in dist/). */
export const BUILTIN_SCENARIOS_DIR = join(here, '..', 'scenarios');
/** vitest global setup of scenario runs. */
export const GLOBAL_SETUP = join(here, 'run', `global-setup${MODULE_EXT}`);
