/**
 * The import rules that keep the library easy to change (docs/architecture.md, "Layering rules";
 * ../shared/design.md, "Where the house grows next"):
 * 1. imports point down the layers: plumbing < model < db < history < {load, nemesis, manager,
 *    checks} < report < run < index;
 * 2. rooms of one layer never import each other; in particular the nemesis (the adversary) and the
 *    manager (the defender) meet only in a story, which passes each what it needs;
 * 3. `checks/` reads only `history/` and `model/` (and plumbing): a verdict is a pure function of
 *    the history and the model, never of a node;
 * 4. `report/` never imports `db/`, `load/`, `nemesis/`, `manager/` or `run/`: it draws records;
 * 5. nothing imports from outside `harness/`, and no import cycle;
 * 6. no folder shares its name with a file (`run.ts` beside `run/` reads as one thing);
 * 7. the built-in stories (scenarios/) import from harness/ only its public entry points, the ones
 *    package.json exports (`pgchaos`, `pgchaos/checks`, …): they use the API users have.
 * Tests (`*.test.ts`) are stories of their own and may import across rooms.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const HARNESS = import.meta.dirname;

/** The layers, lowest first; the rooms of one layer are siblings. Top-level files are plumbing (errors, wait, clock, lsn, …). */
const LAYERS: readonly (readonly string[])[] = [
  ['plumbing'],
  ['model'],
  ['db'],
  ['history'],
  ['load', 'nemesis', 'manager', 'checks'],
  ['report'],
  ['run'],
  ['index'],
];

/** Rooms that may read fewer rooms than their layer allows, and why. */
const READS_ONLY: Readonly<Record<string, { rooms: readonly string[]; why: string }>> = {
  checks: { rooms: ['plumbing', 'model', 'history'], why: 'checks read only history/ and model/' },
  report: {
    rooms: ['plumbing', 'model', 'history', 'checks'],
    why: 'the report never imports db/, load/, nemesis/, manager/ or run/: it draws records',
  },
};

/**
 * Imports that break a rule and are accepted for now, each with its reason (`from` and `to` are
 * files relative to harness/). None today; one that is no longer needed fails the test, so the
 * list cannot outlive its reason.
 */
const EXCEPTIONS: readonly { from: string; to: string; why: string }[] = [];

/** The room of a file: its top folder, `index` for index.ts, `plumbing` for the other top-level files. */
export function roomOf(file: string): string {
  if (file === 'index.ts') return 'index';
  return file.includes('/') ? file.split('/')[0]! : 'plumbing';
}

function layerOf(file: string): number {
  const room = roomOf(file);
  const i = LAYERS.findIndex((rooms) => rooms.includes(room));
  if (i < 0) throw new Error(`harness/${file}: folder "${room}" has no layer; add it to LAYERS in layers.test.ts`);
  return i;
}

function sources(dir = HARNESS): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name.startsWith('__') ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [relative(HARNESS, p)] : [];
  });
}

/** Every folder under harness/ (but `__fixtures__`-like ones), relative to it. */
function folders(dir = HARNESS): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() && !e.name.startsWith('__') ? [relative(HARNESS, join(dir, e.name)), ...folders(join(dir, e.name))] : [],
  );
}

/** Relative imports of a file (static, re-exports and dynamic), as paths relative to harness/. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(HARNESS, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => relative(HARNESS, resolve(dirname(join(HARNESS, file)), s)));
}

/** The rule `f` importing `to` breaks, or null. */
function brokenRule(f: string, to: string): string | null {
  if (to.startsWith('..')) return `${f} imports ${to}, outside harness/`;
  const [from, into] = [roomOf(f), roomOf(to)];
  if (from === into) return null;
  if (layerOf(to) > layerOf(f)) return `${f} (${from}) imports ${to} (${into}), a higher layer`;
  if (layerOf(to) === layerOf(f)) {
    if ([from, into].sort().join() === 'manager,nemesis')
      return `${f} imports ${to}: the nemesis and the manager never import each other (they meet in a story)`;
    return `${f} (${from}) imports ${to} (${into}): rooms of one layer never import each other`;
  }
  const only = READS_ONLY[from];
  if (only && !only.rooms.includes(into)) return `${f} imports ${to}: ${only.why}`;
  return null;
}

/** The imports that break a rule, less the accepted `exceptions`; an exception that matches nothing is reported too. */
export function violations(files: string[], imports: (f: string) => string[], exceptions = EXCEPTIONS): string[] {
  const out: string[] = [];
  const used = new Set<(typeof exceptions)[number]>();
  for (const f of files) {
    for (const to of imports(f)) {
      const broken = brokenRule(f, to);
      if (broken === null) continue;
      const accepted = exceptions.find((e) => e.from === f && e.to === to);
      if (accepted) used.add(accepted);
      else out.push(broken);
    }
  }
  for (const e of exceptions) if (!used.has(e)) out.push(`exception ${e.from} -> ${e.to} is no longer needed: remove it (${e.why})`);
  return out;
}

/** Folders that share their name with a file beside them (`run/` and `run.ts`). */
export function nameClashes(files: string[], dirs: string[]): string[] {
  const all = new Set(dirs);
  return files.filter((f) => all.has(f.replace(/\.ts$/, ''))).map((f) => `${f} shares its name with the folder ${f.replace(/\.ts$/, '')}/`);
}

export function cycles(files: string[], imports: (f: string) => string[]): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const to of imports(f)) {
      if (state.get(to) === 'open') found.push([...stack.slice(stack.indexOf(to)), to]);
      else if (!state.has(to) && files.includes(to)) visit(to);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

describe('harness layering', () => {
  const files = sources();
  it('imports point down the layers, rooms of a layer stay apart, checks and the report read only what they may', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(violations(files, importsOf)).toEqual([]);
  });
  it('has no import cycle', () => {
    expect(cycles(files, importsOf)).toEqual([]);
  });
  it('has no folder named like a file', () => {
    expect(nameClashes(files, folders())).toEqual([]);
  });

  describe('fails on a deliberately bad import graph', () => {
    const check = (fake: Record<string, string[]>, exceptions: typeof EXCEPTIONS = []) =>
      violations(Object.keys(fake), (f) => fake[f] ?? [], exceptions);
    it('an upward import', () => {
      expect(check({ 'db/cluster.ts': ['load/writer.ts'], 'history/samples.ts': ['nemesis/runner.ts'] })).toEqual([
        'db/cluster.ts (db) imports load/writer.ts (load), a higher layer',
        'history/samples.ts (history) imports nemesis/runner.ts (nemesis), a higher layer',
      ]);
    });
    it('a check reading a node, the writer or a fault injector', () => {
      expect(
        check({
          'checks/row-hash.ts': ['db/pg-node.ts', 'load/sampling.ts', 'nemesis/catalogue.ts', 'history/samples.ts', 'model/sync-model.ts'],
        }),
      ).toEqual([
        'checks/row-hash.ts imports db/pg-node.ts: checks read only history/ and model/',
        'checks/row-hash.ts (checks) imports load/sampling.ts (load): rooms of one layer never import each other',
        'checks/row-hash.ts (checks) imports nemesis/catalogue.ts (nemesis): rooms of one layer never import each other',
      ]);
    });
    it('the nemesis and the manager importing each other', () => {
      expect(check({ 'nemesis/runner.ts': ['manager/builtin.ts'], 'manager/builtin.ts': ['nemesis/runner.ts'] })).toEqual([
        'nemesis/runner.ts imports manager/builtin.ts: the nemesis and the manager never import each other (they meet in a story)',
        'manager/builtin.ts imports nemesis/runner.ts: the nemesis and the manager never import each other (they meet in a story)',
      ]);
    });
    it('the report importing a node, the load, the nemesis, the manager or the run', () => {
      const why = 'the report never imports db/, load/, nemesis/, manager/ or run/: it draws records';
      expect(
        check({
          'report/html.ts': [
            'db/pg-node.ts',
            'load/writer.ts',
            'nemesis/runner.ts',
            'manager/builtin.ts',
            'checks/verdict.ts',
            'history/fault.ts',
          ],
          'report/record.ts': ['run/recorder.ts'],
        }),
      ).toEqual([
        `report/html.ts imports db/pg-node.ts: ${why}`,
        `report/html.ts imports load/writer.ts: ${why}`,
        `report/html.ts imports nemesis/runner.ts: ${why}`,
        `report/html.ts imports manager/builtin.ts: ${why}`,
        'report/record.ts (report) imports run/recorder.ts (run), a higher layer',
      ]);
    });
    it('an import from outside harness/, and a folder with no layer', () => {
      expect(check({ 'load/writer.ts': ['../bin/cli/run.ts'] })).toEqual(['load/writer.ts imports ../bin/cli/run.ts, outside harness/']);
      expect(() => check({ 'attic/old.ts': ['errors.ts'] })).toThrow(/folder "attic" has no layer/);
    });
    it('accepts a listed exception, and fails on one no longer needed', () => {
      const exception = { from: 'report/html.ts', to: 'db/pg-node.ts', why: 'a test of the mechanism' };
      expect(check({ 'report/html.ts': ['db/pg-node.ts'] }, [exception])).toEqual([]);
      expect(check({ 'report/html.ts': [] }, [exception])).toEqual([
        'exception report/html.ts -> db/pg-node.ts is no longer needed: remove it (a test of the mechanism)',
      ]);
    });
    it('a cycle', () => {
      const fake: Record<string, string[]> = { 'load/a.ts': ['load/b.ts'], 'load/b.ts': ['load/a.ts'] };
      expect(cycles(Object.keys(fake), (f) => fake[f] ?? [])).toEqual([['load/a.ts', 'load/b.ts', 'load/a.ts']]);
    });
    it('a folder named like a file', () => {
      expect(
        nameClashes(['run.ts', 'run/scenario.ts', 'nemesis/schedule.ts', 'errors.ts'], ['run', 'nemesis', 'nemesis/schedule']),
      ).toEqual(['run.ts shares its name with the folder run/', 'nemesis/schedule.ts shares its name with the folder nemesis/schedule/']);
    });
  });
});

/** harness/ files that are public entry points, by the package.json export that publishes them. */
function publicEntries(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(HARNESS, '..', 'package.json'), 'utf8')) as { exports: Record<string, { default?: string }> };
  const entries = new Map<string, string>();
  for (const [sub, target] of Object.entries(pkg.exports)) {
    const m = target.default?.match(/^\.\/dist\/harness\/(.+)\.js$/);
    if (m) entries.set(`${m[1]}.ts`, sub === '.' ? 'pgchaos' : `pgchaos/${sub.slice(2)}`);
  }
  return entries;
}

/** Imports of the stories (`file` relative to the repository) into harness/ that are not a public entry point. */
export function privateImports(stories: Record<string, string[]>, entries: ReadonlyMap<string, string>): string[] {
  return Object.entries(stories).flatMap(([file, specs]) =>
    specs
      .map((spec) => relative(HARNESS, resolve(HARNESS, '..', dirname(file), spec)))
      .filter((to) => !to.startsWith('..') && !entries.has(to))
      .map(
        (to) =>
          `${file} imports harness/${to}: use ${[...entries.values()].join(', ')} (harness/${[...entries.keys()].join(', harness/')})`,
      ),
  );
}

describe('the built-in stories', () => {
  const entries = publicEntries();
  it('import only the public entry points, which all exist', () => {
    const dir = join(HARNESS, '..', 'scenarios');
    const stories = Object.fromEntries(
      readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => {
          const text = readFileSync(join(dir, f), 'utf8');
          return [`scenarios/${f}`, [...text.matchAll(/(?:from\s+|import\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!)];
        }),
    );
    expect(Object.keys(stories).length).toBeGreaterThan(0);
    expect(privateImports(stories, entries)).toEqual([]);
    for (const file of entries.keys()) expect(sources()).toContain(file);
  });
  it('fail on an import of an internal file', () => {
    expect(privateImports({ 'scenarios/x.test.ts': ['../harness/index.ts', '../harness/db/cluster.ts'] }, entries)).toEqual([
      expect.stringMatching(/^scenarios\/x\.test\.ts imports harness\/db\/cluster\.ts: use pgchaos, pgchaos\/checks/),
    ]);
  });
});
