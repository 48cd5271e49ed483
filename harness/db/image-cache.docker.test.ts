/**
 * The image cache round trip on the real engine: pgchaos/postgres:15 under a test name (a
 * config-only derived image carrying this pgchaos's recipe label; the real image is never
 * touched) is saved, found present, removed, loaded back with the same id, and a truncated
 * copy is reported corrupt.
 */
import { execa } from 'execa';
import { copyFileSync, mkdtempSync, rmSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dockerCache, loadImages, parseCacheFileName, saveImages } from './image-cache.ts';
import { recipeHash, RECIPE_LABEL } from './image.ts';

const REPO = 'pgchaos-test-cache/postgres';
const NAME = `${REPO}:15`;
const dir = mkdtempSync(join(tmpdir(), 'pgchaos-image-cache-'));
let id: string;

beforeAll(async () => {
  const dockerfile = `FROM pgchaos/postgres:15\nLABEL ${RECIPE_LABEL}="${recipeHash()}"\n`;
  const b = await execa('docker', ['build', '-q', '-t', NAME, '-'], { input: dockerfile, env: { DOCKER_BUILDKIT: '0' }, reject: false });
  expect(b.exitCode, b.stderr).toBe(0);
  id = (await dockerCache.inspect(NAME))!.id;
}, 120_000);

afterAll(async () => {
  await execa('docker', ['rmi', NAME], { reject: false });
  rmSync(dir, { recursive: true, force: true });
});

it('saves the image to one named file, and loads it back after it was removed', async () => {
  const [saved] = await saveImages(dir, [15], { repo: REPO, build: false });
  expect(saved, saved?.message).toMatchObject({ action: 'written' });
  const file = saved!.file!;
  expect(parseCacheFileName(file.split('/').at(-1)!)).toMatchObject({ major: 15, recipe: recipeHash(), id: id.slice(7, 19) });
  console.info(saved!.message);

  expect((await loadImages(dir, undefined, { repo: REPO }))[0]).toMatchObject({ action: 'present' });
  expect((await saveImages(dir, [15], { repo: REPO, build: false }))[0]).toMatchObject({ action: 'kept' });

  await execa('docker', ['rmi', NAME]);
  expect(await dockerCache.inspect(NAME)).toBeUndefined();
  const [loaded] = await loadImages(dir, [15], { repo: REPO });
  expect(loaded, loaded?.message).toMatchObject({ action: 'loaded' });
  console.info(loaded!.message);
  expect((await dockerCache.inspect(NAME))!.id).toBe(id);
}, 240_000);

it('a truncated file is corrupt: one message naming the file and the fix, and no image', async () => {
  const [saved] = await saveImages(dir, [15], { repo: REPO, build: false });
  const bad = mkdtempSync(join(tmpdir(), 'pgchaos-image-cache-bad-'));
  try {
    const copy = join(bad, saved!.file!.split('/').at(-1)!);
    copyFileSync(saved!.file!, copy);
    truncateSync(copy, Math.floor(statSync(copy).size / 3));
    await execa('docker', ['rmi', NAME]);
    const [out] = await loadImages(bad, [15], { repo: REPO });
    expect(out).toMatchObject({ action: 'corrupt' });
    expect(out!.problem!.message).toMatch(new RegExp(`^${copy} is corrupt or truncated: .+\\n  fix: delete it \\(rm ${copy}\\)`));
    console.info(out!.problem!.message);
    expect(await dockerCache.inspect(NAME)).toBeUndefined();
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
}, 240_000);
