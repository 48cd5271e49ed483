/**
 * An image cache for CI: pgchaos's images saved as files in a folder (GitHub's actions/cache
 * keeps the folder between runs), loaded again before a run instead of building for a minute.
 *
 * One file per image: `<repo>-<major>-<recipe>-<id>.tar.zst` (zstd when the machine has it,
 * else `.tar.gz`), e.g. `pgchaos_postgres-15-3f9c2a1b7d0e-deb8e3272fe0.tar.zst`. `recipe` is the
 * hash of docker/build-image.sh + Dockerfile.in that built the image (its org.pgchaos.recipe
 * label); a file of another recipe than this pgchaos's is stale and never loaded. `id` is the
 * image id: after a load the image must have it, or the file was not what its name says.
 */
import { execa } from 'execa';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { docker } from '../docker.ts';
import { ConfigError } from '../errors.ts';
import { BUILDABLE_MAJORS, buildImage, imageRepo, RECIPE_LABEL, recipeHash } from './image.ts';

/** What the cache asks of the Docker engine; injected in unit tests. */
export interface CacheEngine {
  /** A local image's id (`sha256:…`) and recipe label, or undefined when it is absent. */
  inspect(name: string): Promise<{ id: string; recipe: string | undefined } | undefined>;
  /** The majors of the `repo:NN` images present. */
  majors(repo: string): Promise<number[]>;
  /** Writes `docker save name` (a tar) into `sink`, ending it. @throws with the engine's complaint. */
  save(name: string, sink: Writable): Promise<void>;
  /** `docker load` of the tar read from `source`. @throws with the engine's complaint. */
  load(source: Readable): Promise<void>;
  /** Builds pgchaos's image `name` for `major` offline. */
  build(major: number, name: string): Promise<void>;
}

/** A compression format of cache files. */
export interface Codec {
  ext: '.tar.zst' | '.tar.gz';
  compress(): Duplex;
  decompress(): Duplex;
}

/** zstd through its command (multi-threaded, level 3): about 4× faster than gzip here, and smaller. */
export const ZSTD: Codec = {
  ext: '.tar.zst',
  // stderr buffered: a failure's message then ends with zstd's complaint ("premature end").
  compress: () => execa('zstd', ['-q', '-3', '-T0', '-c'], { buffer: { stdout: false, stderr: true } }).duplex(),
  decompress: () => execa('zstd', ['-q', '-d', '-c'], { buffer: { stdout: false, stderr: true } }).duplex(),
};

/** gzip through Node's zlib (level 1: the images are binaries, higher levels gain little and cost a lot), needs nothing installed. */
export const GZIP: Codec = { ext: '.tar.gz', compress: () => createGzip({ level: 1 }), decompress: () => createGunzip() };

let zstdPresent: Promise<boolean> | undefined;

/** zstd when its command is on PATH, else gzip. */
export async function pickCodec(): Promise<Codec> {
  zstdPresent ??= execa('zstd', ['--version'], { reject: false }).then(
    (r) => r.exitCode === 0,
    () => false,
  );
  return (await zstdPresent) ? ZSTD : GZIP;
}

/** One cache file's name, parsed. */
export interface CacheFile {
  /** The repository with `/` and `:` made file-safe (`pgchaos_postgres`). */
  slug: string;
  major: number;
  /** Recipe hash of the image (12 hex digits). */
  recipe: string;
  /** First 12 hex digits of the image id. */
  id: string;
  codec: Codec;
}

/** A repository as it appears in file names: `pgchaos/postgres` → `pgchaos_postgres`. */
export function repoSlug(repo: string): string {
  return repo.replace(/[^A-Za-z0-9.-]+/g, '_');
}

/** The file name of an image of `repo`, `major`, `recipe`, id `id` (`sha256:…` or bare hex). */
export function cacheFileName(repo: string, major: number, recipe: string, id: string, codec: Codec): string {
  return `${repoSlug(repo)}-${major}-${recipe}-${id.replace(/^sha256:/, '').slice(0, 12)}${codec.ext}`;
}

/** Parses a cache file name; undefined for any other file (the folder may hold other things). */
export function parseCacheFileName(file: string): CacheFile | undefined {
  const m = /^(.+)-(\d+)-([0-9a-f]{12})-([0-9a-f]{12})\.tar\.(zst|gz)$/.exec(file);
  if (!m) return undefined;
  return { slug: m[1]!, major: Number(m[2]), recipe: m[3]!, id: m[4]!, codec: m[5] === 'zst' ? ZSTD : GZIP };
}

/** What happened to one image or file; `problem` set when the command should fail (exit 2). */
export interface CacheOutcome {
  major: number;
  /** The cache file (absolute), when there is one. */
  file?: string;
  action: 'written' | 'kept' | 'loaded' | 'present' | 'stale' | 'refused' | 'corrupt';
  /** One line for the user. */
  message: string;
  /** Time the save or load took, ms. */
  ms?: number;
  /** The file's size, bytes. */
  bytes?: number;
  problem?: ConfigError;
}

/** Options of `saveImages` / `loadImages`; the defaults are this machine's engine and pgchaos's repository. */
export interface CacheOptions {
  /** Repository of the images (default `imageRepo()`: pgchaos/postgres). */
  repo?: string;
  /** The recipe hash files must carry (default `recipeHash()` of this pgchaos's docker/). */
  recipe?: string;
  engine?: CacheEngine;
  /** Compression of new files (default: zstd when present, else gzip). */
  codec?: Codec;
  /** saveImages: build a missing image of a buildable major first (default true). */
  build?: boolean;
}

/**
 * Saves each image `repo:MAJOR` of `majors` (default: every one present) into `dir`, one file
 * each, and removes that major's older files there. An image already saved (same name) is kept
 * as it is; a missing one is built first when `build`; one made by another recipe is refused.
 */
export async function saveImages(dir: string, majors: number[] | undefined, o: CacheOptions = {}): Promise<CacheOutcome[]> {
  const { repo, recipe, engine } = defaults(o);
  const codec = o.codec ?? (await pickCodec());
  const wanted = majors ?? (await engine.majors(repo));
  if (!wanted.length) {
    const problem = new ConfigError(
      `no ${repo} image is on this engine to save`,
      `name the majors to save (npx pgchaos image --save ${dir} 15 builds a missing one first)`,
    );
    return [{ major: 0, action: 'refused', message: problem.message, problem }];
  }
  await mkdir(dir, { recursive: true });
  const out: CacheOutcome[] = [];
  for (const major of wanted) out.push(await saveOne(dir, major, { repo, recipe, engine, codec, build: o.build ?? true }));
  return out;
}

async function saveOne(dir: string, major: number, o: Required<Omit<CacheOptions, 'codec'>> & { codec: Codec }): Promise<CacheOutcome> {
  const name = `${o.repo}:${major}`;
  let info = await o.engine.inspect(name);
  if (!info && o.build && major in BUILDABLE_MAJORS) {
    await o.engine.build(major, name);
    info = await o.engine.inspect(name);
  }
  if (!info)
    return refused(
      major,
      new ConfigError(
        `${name} is not on this engine`,
        major in BUILDABLE_MAJORS
          ? `build it first: npx pgchaos image ${major}`
          : `pgchaos builds and caches only ${Object.keys(BUILDABLE_MAJORS).join(', ')}`,
      ),
    );
  if (info.recipe !== o.recipe) {
    return refused(
      major,
      new ConfigError(
        `${name} was built by ${info.recipe ? `recipe ${info.recipe}` : 'an older pgchaos'}, not by this pgchaos's docker/ (recipe ${o.recipe}), so a cache of it would be stale`,
        `rebuild it, then save again: docker rmi ${name} && npx pgchaos image ${major}`,
      ),
    );
  }
  const file = join(dir, cacheFileName(o.repo, major, o.recipe, info.id, o.codec));
  const pruned = await pruneOthers(dir, o.repo, major, file);
  const note = pruned ? `; removed ${pruned} older file${pruned > 1 ? 's' : ''} of PostgreSQL ${major}` : '';
  const existing = await stat(file).catch(() => undefined);
  if (existing) return { major, file, action: 'kept', bytes: existing.size, message: `${name} is already saved in ${file}${note}` };
  const started = Date.now();
  const tmp = `${file}.partial-${process.pid}`;
  try {
    // Written under another name and renamed when complete: an interrupted save leaves no file that looks whole.
    const compress = o.codec.compress();
    await Promise.all([o.engine.save(name, compress), pipeline(compress, createWriteStream(tmp))]);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  const { size } = await stat(file);
  const ms = Date.now() - started;
  return { major, file, action: 'written', ms, bytes: size, message: `saved ${name} to ${file} (${mb(size)}, ${seconds(ms)})${note}` };
}

/** Removes `dir`'s other files of `repo` and `major` (older images, other recipes). @returns how many. */
async function pruneOthers(dir: string, repo: string, major: number, keep: string): Promise<number> {
  const others = (await cacheFiles(dir, repo)).filter((f) => f.major === major && f.path !== keep);
  await Promise.all(others.map((f) => rm(f.path, { force: true })));
  return others.length;
}

/** The cache files of `repo` in `dir` (none when it does not exist), with their paths. */
async function cacheFiles(dir: string, repo: string): Promise<Array<CacheFile & { path: string; name: string }>> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names.flatMap((name) => {
    const f = parseCacheFileName(name);
    return f && f.slug === repoSlug(repo) ? [{ ...f, name, path: join(dir, name) }] : [];
  });
}

/**
 * Loads the images saved in `dir` (of `majors`, default all): an image already present (the
 * same id, or one built by the same recipe) is skipped; a file of another recipe is stale and
 * skipped; a file that does not decompress or load, or loads another image than its name says,
 * is corrupt. A missing or empty folder loads nothing (a cold cache).
 */
export async function loadImages(dir: string, majors: number[] | undefined, o: CacheOptions = {}): Promise<CacheOutcome[]> {
  const { repo, recipe, engine } = defaults(o);
  const files = (await cacheFiles(dir, repo)).filter((f) => !majors || majors.includes(f.major)).sort((a, b) => a.major - b.major);
  const out: CacheOutcome[] = [];
  for (const f of files) out.push(await loadOne(f, { repo, recipe, engine, dir }));
  return out;
}

async function loadOne(
  f: CacheFile & { path: string; name: string },
  o: { repo: string; recipe: string; engine: CacheEngine; dir: string },
): Promise<CacheOutcome> {
  const name = `${o.repo}:${f.major}`;
  const base = { major: f.major, file: f.path };
  if (f.recipe !== o.recipe) {
    return {
      ...base,
      action: 'stale',
      message: `skipped ${f.name}: it was saved from recipe ${f.recipe}, this pgchaos builds recipe ${o.recipe} — delete it (npx pgchaos image --save ${o.dir} ${f.major} writes a fresh one and removes it)`,
    };
  }
  const before = await o.engine.inspect(name);
  if (before && (sameId(before.id, f.id) || before.recipe === o.recipe))
    return { ...base, action: 'present', message: `${name} is already present; ${f.name} not loaded` };
  const started = Date.now();
  const fix = `delete it (rm ${f.path}) and save it again (npx pgchaos image --save ${o.dir} ${f.major}); in CI, also change the cache key so the bad file is not restored`;
  try {
    await loadFile(f.path, f.codec, o.engine);
  } catch (e) {
    const problem = new ConfigError(`${f.path} is corrupt or truncated: ${complaint(e as Error & { command?: string })}`, fix);
    return { ...base, action: 'corrupt', message: problem.message, problem };
  }
  const after = await o.engine.inspect(name);
  if (!after || !sameId(after.id, f.id)) {
    const problem = new ConfigError(
      `${f.path} loaded, but ${name} is ${after ? `image ${after.id.slice(7, 19)}` : 'absent'}, not the image ${f.id} its name says`,
      fix,
    );
    return { ...base, action: 'corrupt', message: problem.message, problem };
  }
  const { size } = await stat(f.path);
  const ms = Date.now() - started;
  return { ...base, action: 'loaded', ms, bytes: size, message: `loaded ${name} from ${f.path} (${mb(size)}, ${seconds(ms)})` };
}

/** Decompresses `file` into the engine's `docker load`; a decompressor's failure (a truncated file) is reported before the engine's. */
async function loadFile(file: string, codec: Codec, engine: CacheEngine): Promise<void> {
  const decompress = codec.decompress();
  const [read, load] = await Promise.allSettled([pipeline(createReadStream(file), decompress), engine.load(decompress)]);
  if (read.status === 'rejected') throw read.reason;
  if (load.status === 'rejected') throw load.reason;
}

function sameId(id: string, short: string): boolean {
  return id.replace(/^sha256:/, '').startsWith(short);
}

function refused(major: number, problem: ConfigError): CacheOutcome {
  return { major, action: 'refused', message: problem.message, problem };
}

function defaults(o: CacheOptions): { repo: string; recipe: string; engine: CacheEngine } {
  return { repo: o.repo ?? imageRepo(), recipe: o.recipe ?? recipeHash(), engine: o.engine ?? dockerCache };
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** What a failed decompressor or `docker load` said: its last line, after the command's name (execa's errors end with the command's stderr). */
function complaint(e: Error & { command?: string }): string {
  const last =
    e.message
      .split('\n')
      .filter((l) => l.trim())
      .at(-1)
      ?.trim() ?? e.message;
  return e.command && !last.startsWith('Command failed') ? `${e.command.split(' ')[0]}: ${last}` : last;
}

/** This machine's engine: dockerode for inspection, the docker CLI for save and load (streams, DOCKER_HOST honoured). */
export const dockerCache: CacheEngine = {
  async inspect(name) {
    try {
      const info = await (await docker()).getImage(name).inspect();
      return { id: info.Id, recipe: info.Config?.Labels?.[RECIPE_LABEL] };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  },
  async majors(repo) {
    const images = await (await docker()).listImages({ filters: { reference: [`${repo}:*`] } });
    const tags = images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(`${repo}:`));
    return [
      ...new Set(
        tags
          .map((t) => t.slice(repo.length + 1))
          .filter((t) => /^\d+$/.test(t))
          .map(Number),
      ),
    ].sort((a, b) => a - b);
  },
  async save(name, sink) {
    const p = execa('docker', ['save', name], { buffer: { stdout: false, stderr: true }, reject: false });
    const [r] = await Promise.all([p, pipeline(p.stdout, sink)]);
    if (r.exitCode !== 0) throw new Error(`docker save ${name}: ${String(r.stderr).trim() || `exit ${r.exitCode}`}`);
  },
  async load(source) {
    const p = execa('docker', ['load', '-q'], { stdin: 'pipe', reject: false });
    try {
      await pipeline(source, p.stdin);
    } catch (e) {
      p.kill();
      await p;
      throw e;
    }
    const r = await p;
    if (r.exitCode !== 0) throw new Error(`docker load: ${String(r.stderr).trim() || `exit ${r.exitCode}`}`);
  },
  build: buildImage,
};
