/**
 * Scenario files: the user's (a folder of `*.test.ts`) and pgchaos's built-in ones, and what
 * each says it checks (its header comment).
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILTIN_SCENARIOS_DIR } from '../../harness/paths.ts';

const SCENARIO_FILE = /\.test\.(ts|mts|js|mjs)$/;

/** Whether a file name is a scenario file (`*.test.ts` and the like, not a declaration). */
export function isScenarioFile(name: string): boolean {
  return SCENARIO_FILE.test(name) && !name.endsWith('.d.ts');
}

/** Scenario files under `dir`, absolute and sorted; node_modules and dot-folders are skipped. */
export function scenarioFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (isScenarioFile(e.name)) out.push(p);
    }
  };
  walk(resolve(dir));
  return out.sort();
}

/** pgchaos's own scenarios. */
export function builtinScenarioFiles(): string[] {
  return scenarioFiles(BUILTIN_SCENARIOS_DIR);
}

/** Whether `dir` is the built-in scenarios folder (pgchaos's own repository runs itself). */
export function isBuiltinDir(dir: string): boolean {
  try {
    return realpathSync(dir) === realpathSync(BUILTIN_SCENARIOS_DIR);
  } catch {
    return false;
  }
}

/** True when `p` exists and is a folder (false when missing or unreadable). */
export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** True when `p` exists and is a regular file (false when missing or unreadable). */
export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * A scenario's header: the first block comment of the file (after a shebang or line comments),
 * its first line as the title, the rest as the story.
 */
export function scenarioHeader(file: string): { title: string; body: string[] } {
  const text = readFileSync(file, 'utf8');
  const m = /^(?:#![^\n]*\n)?(?:\s*\/\/[^\n]*\n)*\s*\/\*\*?([\s\S]*?)\*\//.exec(text);
  if (!m) return { title: '(no header comment)', body: [] };
  const lines = m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, '').trimEnd());
  while (lines.length && !lines[0]!.trim()) lines.shift();
  while (lines.length && !lines.at(-1)!.trim()) lines.pop();
  const [title = '(no header comment)', ...body] = lines;
  while (body.length && !body[0]!.trim()) body.shift();
  return { title: title.trim(), body };
}

/** A path as a glob that matches only itself (vitest's include takes globs). */
export function globLiteral(path: string): string {
  return path.replace(/[*?[\]{}()!+@]/g, '\\$&');
}
