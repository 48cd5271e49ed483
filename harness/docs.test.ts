/**
 * Every relative link in README.md and docs/ leads somewhere: the file exists, and a `#anchor`
 * names a heading of that file as GitHub renders it. The docs cite the write-ups, the findings
 * and each other by anchor, so a renamed heading must fail here, not in a reader's browser.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** GitHub's heading anchor (github-slugger): lower case, punctuation and symbols dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown text, duplicates numbered as GitHub does (`a`, `a-1`, …). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of withoutFences(markdown).split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The text with fenced code blocks blanked: a `#` line inside one is no heading. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ' '));
}

/** The text with fenced code blocks and inline code blanked (links inside them are examples, not links). */
function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, (c) => ' '.repeat(c.length));
}

/** Relative link targets of a Markdown text (`[text](target)`, `![alt](target)`) without a scheme; `#a` is an anchor of the text. */
export function links(markdown: string): string[] {
  const targets = [...withoutCode(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/**
 * The broken links of `files` (paths relative to the root), one line each: `file: target (why)`.
 * `read` gives a file's text, `exists` whether a path (file or folder) exists.
 */
export function brokenLinks(files: string[], read: (f: string) => string, exists: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const file of files) {
    for (const target of links(read(file))) {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const to = path === '' ? file : relative(ROOT, resolve(ROOT, dirname(file), decodeURI(path)));
      if (!exists(to)) {
        out.push(`${file}: ${target} (no file ${to})`);
        continue;
      }
      if (anchor !== undefined && to.endsWith('.md') && !anchors(read(to)).has(decodeURIComponent(anchor))) {
        out.push(`${file}: ${target} (no heading #${anchor} in ${to})`);
      }
    }
  }
  return out;
}

function markdownFiles(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? markdownFiles(p) : e.name.endsWith('.md') ? [p] : [];
  });
}

describe('links in README.md and docs/', () => {
  it('every relative link resolves to a file, and every anchor to a heading', () => {
    const files = ['README.md', ...markdownFiles('docs')];
    expect(files.length).toBeGreaterThan(5);
    expect(
      brokenLinks(
        files,
        (f) => readFileSync(join(ROOT, f), 'utf8'),
        (f) => existsSync(join(ROOT, f)),
      ),
    ).toEqual([]);
  });

  it('catches a missing file, a missing anchor, and ignores code and absolute links', () => {
    const fake: Record<string, string> = {
      'README.md': [
        '# pgchaos',
        'See [the guide](docs/guide.md#install), [gone](docs/gone.md), [bad anchor](docs/guide.md#nowhere),',
        '[self](#pgchaos), ![shot](docs/img/gone.png), [web](https://example.com/x.md), `[code](nope.md)`',
        '```',
        '[fenced](nope.md)',
        '```',
      ].join('\n'),
      'docs/guide.md': '# Guide\n## Install\n## 000 §11 — planned `switchover`: promote\n## Install\n[up](../README.md#pgchaos)',
    };
    const broken = brokenLinks(
      ['README.md', 'docs/guide.md'],
      (f) => fake[f]!,
      (f) => f in fake,
    );
    expect(broken).toEqual([
      'README.md: docs/gone.md (no file docs/gone.md)',
      'README.md: docs/guide.md#nowhere (no heading #nowhere in docs/guide.md)',
      'README.md: docs/img/gone.png (no file docs/img/gone.png)',
    ]);
    expect([...anchors(fake['docs/guide.md']!)]).toEqual(['guide', 'install', '000-11--planned-switchover-promote', 'install-1']);
  });
});
