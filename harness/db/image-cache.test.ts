/**
 * The image cache without an engine: file names, and saving and loading through a fake engine
 * whose "images" are small tars of JSON, compressed for real (gzip, and zstd when present).
 */
import { execaSync } from 'execa';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cacheFileName,
  GZIP,
  loadImages,
  parseCacheFileName,
  repoSlug,
  saveImages,
  ZSTD,
  type CacheEngine,
  type Codec,
} from './image-cache.ts';

const RECIPE = 'abcdef012345';
const hasZstd = execaSync('zstd', ['--version'], { reject: false }).exitCode === 0;

interface FakeImage {
  id: string;
  recipe: string | undefined;
}

/** An engine whose save writes the image as JSON (plus filler, so compression has work) and whose load parses it back. */
function fakeEngine(
  images: Record<string, FakeImage>,
): CacheEngine & { images: Record<string, FakeImage>; built: string[]; loads: number } {
  const e = {
    images,
    built: [] as string[],
    loads: 0,
    async inspect(name: string) {
      return images[name] ? { ...images[name] } : undefined;
    },
    async majors(repo: string) {
      return Object.keys(images)
        .filter((n) => n.startsWith(`${repo}:`))
        .map((n) => Number(n.split(':')[1]))
        .sort((a, b) => a - b);
    },
    async save(name: string, sink: NodeJS.WritableStream) {
      const img = images[name]!;
      sink.end(JSON.stringify({ name, ...img, filler: 'x'.repeat(200_000) }));
    },
    async load(source: NodeJS.ReadableStream) {
      e.loads++;
      const { name, id, recipe } = JSON.parse(await text(source)) as { name: string } & FakeImage;
      images[name] = { id, recipe };
    },
    async build(major: number, name: string) {
      e.built.push(name);
      images[name] = { id: `sha256:${'b'.repeat(63)}${major % 10}`, recipe: RECIPE };
    },
  };
  return e;
}

const id = (c: string) => `sha256:${c.repeat(64)}`;
const made: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pgchaos-cache-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('cache file names', () => {
  it('carry repository, major, recipe and image id, and parse back', () => {
    const name = cacheFileName('pgchaos/postgres', 15, RECIPE, id('d'), ZSTD);
    expect(name).toBe('pgchaos_postgres-15-abcdef012345-dddddddddddd.tar.zst');
    expect(parseCacheFileName(name)).toMatchObject({
      slug: 'pgchaos_postgres',
      major: 15,
      recipe: RECIPE,
      id: 'dddddddddddd',
      codec: ZSTD,
    });
    expect(parseCacheFileName(cacheFileName('registry.example:5000/team/pg', 13, RECIPE, 'eeeeeeeeeeeeeeee', GZIP))).toMatchObject({
      slug: 'registry.example_5000_team_pg',
      major: 13,
      codec: GZIP,
    });
    expect(repoSlug('pgchaos-test/postgres')).toBe('pgchaos-test_postgres');
  });

  it('ignore other files: partial saves, other tools', () => {
    for (const f of [
      `pgchaos_postgres-15-${RECIPE}-dddddddddddd.tar.zst.partial-42`,
      'README',
      'pgchaos_postgres-15.tar.zst',
      `pgchaos_postgres-15-${RECIPE}-dddddddddddd.tar.xz`,
    ]) {
      expect(parseCacheFileName(f)).toBeUndefined();
    }
  });
});

describe.each<[string, Codec]>([['gzip', GZIP], ...(hasZstd ? [['zstd', ZSTD] as [string, Codec]] : [])])(
  'save and load (%s)',
  (_, codec) => {
    const opts = (engine: CacheEngine) => ({ repo: 'pgchaos/postgres', recipe: RECIPE, engine, codec });

    it('saves each image once, keeps a saved one, and replaces an older file of the same major', async () => {
      const d = dir();
      const engine = fakeEngine({
        'pgchaos/postgres:15': { id: id('1'), recipe: RECIPE },
        'pgchaos/postgres:13': { id: id('2'), recipe: RECIPE },
      });
      const first = await saveImages(d, undefined, opts(engine));
      expect(first.map((o) => [o.major, o.action])).toEqual([
        [13, 'written'],
        [15, 'written'],
      ]);
      expect(first[1]!.bytes).toBeLessThan(100_000); // compressed
      expect((await saveImages(d, [15], opts(engine)))[0]).toMatchObject({ action: 'kept' });
      engine.images['pgchaos/postgres:15'] = { id: id('3'), recipe: RECIPE }; // rebuilt
      const again = await saveImages(d, [15], opts(engine));
      expect(again[0]).toMatchObject({ action: 'written', message: expect.stringMatching(/removed 1 older file of PostgreSQL 15/) });
      expect(readdirSync(d).sort()).toEqual([
        `pgchaos_postgres-13-${RECIPE}-222222222222${codec.ext}`,
        `pgchaos_postgres-15-${RECIPE}-333333333333${codec.ext}`,
      ]);
    });

    it('loads what is absent, skips what is present, and a cold cache loads nothing', async () => {
      const d = dir();
      const source = fakeEngine({
        'pgchaos/postgres:15': { id: id('1'), recipe: RECIPE },
        'pgchaos/postgres:17': { id: id('4'), recipe: RECIPE },
      });
      await saveImages(d, undefined, opts(source));
      const target = fakeEngine({ 'pgchaos/postgres:15': { id: id('1'), recipe: RECIPE } });
      const out = await loadImages(d, undefined, opts(target));
      expect(out.map((o) => [o.major, o.action])).toEqual([
        [15, 'present'],
        [17, 'loaded'],
      ]);
      expect(target.images['pgchaos/postgres:17']).toEqual({ id: id('4'), recipe: RECIPE });
      expect(target.loads).toBe(1);
      expect(await loadImages(join(d, 'nothing-here'), undefined, opts(target))).toEqual([]);
      expect(await loadImages(d, [13], opts(target))).toEqual([]);
    });

    it('a stale file is skipped, a corrupt one is a problem naming the fix', async () => {
      const d = dir();
      const source = fakeEngine({
        'pgchaos/postgres:15': { id: id('1'), recipe: RECIPE },
        'pgchaos/postgres:17': { id: id('4'), recipe: RECIPE },
      });
      await saveImages(d, undefined, opts(source));
      const stale = await loadImages(d, undefined, { ...opts(fakeEngine({})), recipe: '999999999999' });
      expect(stale.map((o) => o.action)).toEqual(['stale', 'stale']);
      expect(stale[0]!.message).toMatch(/skipped .* saved from recipe abcdef012345, this pgchaos builds recipe 999999999999 — delete it/);
      expect(stale[0]!.problem).toBeUndefined();

      const f15 = join(d, readdirSync(d).find((f) => f.includes('-15-'))!);
      truncateSync(f15, Math.floor(readFileSync(f15).length / 2));
      const target = fakeEngine({});
      const [bad, good] = await loadImages(d, undefined, opts(target));
      expect(bad).toMatchObject({ action: 'corrupt' });
      expect(bad!.problem!.message).toMatch(
        new RegExp(
          `${f15} is corrupt or truncated: .+\\n  fix: delete it \\(rm ${f15}\\) and save it again \\(npx pgchaos image --save ${d} 15\\)`,
        ),
      );
      expect(good).toMatchObject({ action: 'loaded' });
      expect(target.images['pgchaos/postgres:15']).toBeUndefined();
    });

    it('a file holding another image than its name says is corrupt', async () => {
      const d = dir();
      const source = fakeEngine({ 'pgchaos/postgres:15': { id: id('1'), recipe: RECIPE } });
      const [saved] = await saveImages(d, undefined, opts(source));
      const renamed = join(d, cacheFileName('pgchaos/postgres', 15, RECIPE, id('9'), codec));
      renameSync(saved!.file!, renamed);
      const [out] = await loadImages(d, undefined, opts(fakeEngine({})));
      expect(out).toMatchObject({
        action: 'corrupt',
        message: expect.stringMatching(/loaded, but pgchaos\/postgres:15 is image 111111111111, not the image 999999999999 its name says/),
      });
    });
  },
);

describe('saving refuses what would be a stale or empty cache', () => {
  const opts = (engine: CacheEngine) => ({ repo: 'pgchaos/postgres', recipe: RECIPE, engine, codec: GZIP });

  it('an image of another recipe, or of none (built before recipes were labelled)', async () => {
    const engine = fakeEngine({
      'pgchaos/postgres:15': { id: id('1'), recipe: '000000000000' },
      'pgchaos/postgres:13': { id: id('2'), recipe: undefined },
    });
    const out = await saveImages(dir(), undefined, opts(engine));
    expect(out.map((o) => o.action)).toEqual(['refused', 'refused']);
    expect(out[1]!.problem!.message).toMatch(
      /pgchaos\/postgres:15 was built by recipe 000000000000, not by this pgchaos's docker\/ \(recipe abcdef012345\)[\s\S]*fix: rebuild it, then save again: docker rmi pgchaos\/postgres:15 && npx pgchaos image 15/,
    );
    expect(out[0]!.problem!.message).toMatch(/pgchaos\/postgres:13 was built by an older pgchaos/);
  });

  it('builds a missing buildable major first; refuses an unbuildable one and an empty engine', async () => {
    const engine = fakeEngine({});
    const out = await saveImages(dir(), [15, 16], opts(engine));
    expect(engine.built).toEqual(['pgchaos/postgres:15']);
    expect(out.map((o) => o.action)).toEqual(['written', 'refused']);
    expect(out[1]!.problem!.message).toMatch(
      /pgchaos\/postgres:16 is not on this engine[\s\S]*fix: pgchaos builds and caches only 13, 15, 17/,
    );
    expect((await saveImages(dir(), [13], { ...opts(fakeEngine({})), build: false }))[0]!.problem!.fix).toBe(
      'build it first: npx pgchaos image 13',
    );
    expect((await saveImages(dir(), undefined, opts(fakeEngine({}))))[0]!.problem!.message).toMatch(
      /no pgchaos\/postgres image is on this engine to save/,
    );
  });
});
