/** Test helpers over the fixture summaries of this folder (imported by tests only). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary, SummaryScenario } from '../summary.ts';

export const FIXTURES = import.meta.dirname;

/** The text of a fixture file. */
export const fixtureText = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** A fresh copy of the baseline summary: three scenarios on pg15, all passed. */
export const baseline = (): Summary => JSON.parse(fixtureText('baseline.summary.json')) as Summary;

/** The scenario of `s` whose file contains `file` (and on `major`, when given). */
export function scenarioOf(s: Summary, file: string, major?: number): SummaryScenario {
  const found = s.scenarios.find((x) => x.file.includes(file) && (major === undefined || x.major === major));
  if (!found) throw new Error(`fixture has no scenario ${file}${major ? ` on ${major}` : ''}`);
  return found;
}

/** A copy of `s` as if run `run` had produced it. */
export function asRun(s: Summary, run: string): Summary {
  const c = structuredClone(s);
  c.run = run;
  if (c.context) c.context = { ...c.context, run, startedAt: `${run.slice(0, 4)}-${run.slice(4, 6)}-${run.slice(6, 8)}T${run.slice(9, 11)}:${run.slice(11, 13)}:${run.slice(13, 15)}.000Z` };
  return c;
}

/** A copy of `s` with every scenario moved to `major` (ids follow). */
export function onMajor(s: Summary, major: number): Summary {
  const c = structuredClone(s);
  c.majors = [major];
  for (const x of c.scenarios) {
    x.major = major;
    x.id = x.id.replace(/--pg\d+$/, `--pg${major}`);
  }
  return c;
}

/** One run covering the majors of `parts` (each a one-major summary). */
export function joinMajors(...parts: Summary[]): Summary {
  const c = structuredClone(parts[0]!);
  c.majors = parts.flatMap((p) => p.majors);
  c.scenarios = parts.flatMap((p) => structuredClone(p.scenarios));
  c.counts = { passed: c.scenarios.filter((x) => x.status === 'passed').length, failed: c.scenarios.filter((x) => x.status === 'failed').length, interrupted: 0, skipped: 0 };
  return c;
}
