/**
 * The import rules that keep the library easy to change (../shared/design.md, "Where the house
 * grows next"): imports point down the layers, `checks/` reads only histories and the model
 * (never a node), and no file imports itself back through a cycle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const HARNESS = import.meta.dirname;

/** Lower layers first. Top-level files (errors, wait, clock, lsn, logger, run, cleanup, docker) are plumbing. */
const LAYERS = ['plumbing', 'model', 'db', 'load', 'manager', 'checks', 'nemesis', 'report', 'run', 'index'] as const;

/** What `checks/` may import besides plumbing and the model. */
const CHECKS_MAY_READ = ['load/history.ts'];

function layerOf(file: string): number {
  if (file === 'index.ts') return LAYERS.indexOf('index');
  const folder = file.includes('/') ? file.split('/')[0]! : 'plumbing';
  const i = LAYERS.indexOf(folder as (typeof LAYERS)[number]);
  if (i < 0) throw new Error(`harness/${file}: folder "${folder}" has no layer; add it to LAYERS in layers.test.ts`);
  return i;
}

function sources(dir = HARNESS): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name.startsWith('__') ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [relative(HARNESS, p)] : [];
  });
}

/** Relative imports of a file (static, re-exports and dynamic), as paths relative to harness/. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(HARNESS, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => relative(HARNESS, resolve(dirname(join(HARNESS, file)), s)));
}

export function violations(files: string[], imports: (f: string) => string[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    for (const to of imports(f)) {
      if (to.startsWith('..')) out.push(`${f} imports ${to}, outside harness/`);
      else if (layerOf(to) > layerOf(f)) out.push(`${f} (${LAYERS[layerOf(f)]}) imports ${to} (${LAYERS[layerOf(to)]}), a higher layer`);
      else if (
        f.startsWith('checks/') &&
        !to.startsWith('checks/') &&
        layerOf(to) > LAYERS.indexOf('model') &&
        !CHECKS_MAY_READ.includes(to)
      ) {
        out.push(`${f} imports ${to}: checks read only histories and the model`);
      }
    }
  }
  return out;
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
  it('imports point down the layers, and checks read no node', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(violations(files, importsOf)).toEqual([]);
  });
  it('has no import cycle', () => {
    expect(cycles(files, importsOf)).toEqual([]);
  });
  it('catches an upward import, a check reading a node, and a cycle', () => {
    const fake: Record<string, string[]> = {
      'db/cluster.ts': ['load/writer.ts'],
      'checks/row-hash.ts': ['db/pg-node.ts', 'load/history.ts', 'model/sync-model.ts'],
      'load/a.ts': ['load/b.ts'],
      'load/b.ts': ['load/a.ts'],
    };
    const get = (f: string) => fake[f] ?? [];
    expect(violations(Object.keys(fake), get)).toEqual([
      'db/cluster.ts (db) imports load/writer.ts (load), a higher layer',
      'checks/row-hash.ts imports db/pg-node.ts: checks read only histories and the model',
    ]);
    expect(cycles(Object.keys(fake), get)).toEqual([['load/a.ts', 'load/b.ts', 'load/a.ts']]);
  });
});
