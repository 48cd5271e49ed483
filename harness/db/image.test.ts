/**
 * Which image runs a major, decided against a fake engine (no registry is ever asked), and the
 * offline build's progress, from docker/build-image.sh run with fake tools.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { BUILD_IMAGE_SCRIPT } from '../paths.ts';
import {
  decideImage,
  probeCacheFile,
  probedParameters,
  pullAllowed,
  pullOnce,
  forgetPulls,
  readCachedProbe,
  recipeHash,
  streamLines,
  writeCachedProbe,
  type ImageEngine,
} from './image.ts';

/** An engine holding `present`, whose pull succeeds for `pullable`; it records every call. */
function engine(present: string[], pullable: string[] = []): ImageEngine & { calls: string[] } {
  const have = new Set(present);
  const calls: string[] = [];
  return {
    calls,
    async exists(name) {
      calls.push(`exists ${name}`);
      return have.has(name);
    },
    async pull(name) {
      calls.push(`pull ${name}`);
      if (!pullable.includes(name)) return { pulled: false, reason: 'dial tcp: lookup registry-1.docker.io: no such host' };
      have.add(name);
      return { pulled: true };
    },
    async build(major, name) {
      calls.push(`build ${major} ${name}`);
      have.add(name);
    },
  };
}

const REPO = 'pgchaos/postgres';
const decide = (major: number, e: ImageEngine, o: { image?: string; build?: boolean; pull?: boolean; repo?: string } = {}) =>
  decideImage(major, { build: o.build ?? true, pull: o.pull ?? true, repo: o.repo ?? REPO, ...(o.image ? { image: o.image } : {}) }, e);

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const e = await p.then(
    () => new Error('resolved'),
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ConfigError);
  return e as ConfigError;
}

describe('which image runs a major', () => {
  it("the user's image when named: used as is, never pulled, never built", async () => {
    const e = engine(['registry.example/pg:15.8', 'postgres:15']);
    expect(await decide(15, e, { image: 'registry.example/pg:15.8' })).toMatchObject({
      name: 'registry.example/pg:15.8',
      kind: 'user',
      keepAlive: expect.any(Object),
    });
    const absent = engine([], ['registry.example/pg:15.8']);
    const err = await configError(decide(15, absent, { image: 'registry.example/pg:15.8' }));
    expect(err.message).toMatch(
      /your image registry.example\/pg:15.8 for PostgreSQL 15 is not on this Docker engine[\s\S]*fix: pull or load it first/,
    );
    expect(absent.calls).toEqual(['exists registry.example/pg:15.8']);
  });

  it('a local official postgres:NN comes first, then a local pgchaos image; neither asks a registry', async () => {
    const both = engine(['postgres:16', 'pgchaos/postgres:16']);
    expect(await decide(16, both)).toMatchObject({ name: 'postgres:16', kind: 'official', binDir: '/usr/lib/postgresql/16/bin' });
    const ours = engine(['pgchaos/postgres:15']);
    expect(await decide(15, ours)).toEqual({
      name: 'pgchaos/postgres:15',
      major: 15,
      kind: 'pgchaos',
      binDir: '/usr/lib/postgresql/15/bin',
      keepAlive: undefined,
    });
    expect(ours.calls).toEqual(['exists postgres:15', 'exists pgchaos/postgres:15']);
  });

  it('pulls postgres:NN when nothing local fits and pulling is allowed', async () => {
    const e = engine([], ['postgres:18']);
    expect(await decide(18, e)).toMatchObject({ name: 'postgres:18', kind: 'official' });
    expect(e.calls).toEqual(['exists postgres:18', 'exists pgchaos/postgres:18', 'pull postgres:18']);
  });

  it('builds offline when the pull fails, or when pulling is off (then no registry is asked)', async () => {
    const failing = engine([]);
    expect(await decide(17, failing)).toMatchObject({ name: 'pgchaos/postgres:17', kind: 'pgchaos' });
    expect(failing.calls).toEqual(['exists postgres:17', 'exists pgchaos/postgres:17', 'pull postgres:17', 'build 17 pgchaos/postgres:17']);
    const airGapped = engine([], ['postgres:13']);
    expect(await decide(13, airGapped, { pull: false })).toMatchObject({ name: 'pgchaos/postgres:13', kind: 'pgchaos' });
    expect(airGapped.calls.filter((c) => c.startsWith('pull'))).toEqual([]);
  });

  it('no local image, no pull, no Debian suite: a ConfigError naming what was tried and the fix', async () => {
    const failed = await configError(decide(16, engine([])));
    expect(failed.problem).toBe(
      'no image for PostgreSQL 16: neither postgres:16 nor pgchaos/postgres:16 is present, and pulling it failed (dial tcp: lookup registry-1.docker.io: no such host), and Debian ships no suite with postgresql-16',
    );
    expect(failed.fix).toMatch(/^load a postgres:16 image \(docker load -i FILE\), name your own in "images", or pick one of 13, 15, 17$/);
    const off = await configError(decide(12, engine([], ['postgres:12']), { pull: false }));
    expect(off.problem).toMatch(/pulling is off \(PGCHAOS_PULL=never or --no-pull\)/);
    expect(off.fix).toMatch(/allow pulling it \(unset PGCHAOS_PULL\)/);
  });

  it('building turned off: the image is missing, with the command that builds it', async () => {
    const e = engine([]);
    const err = await configError(decide(15, e, { build: false }));
    expect(err.problem).toBe('image pgchaos/postgres:15 is missing');
    expect(err.fix).toMatch(/build it with: npx pgchaos image 15/);
    expect(e.calls.some((c) => c.startsWith('build'))).toBe(false);
  });

  it('a test repository ignores official images and registries', async () => {
    const e = engine(['postgres:13'], ['postgres:13']);
    const err = await configError(decide(13, e, { repo: 'pgchaos-absent/postgres', build: false }));
    expect(err.problem).toBe('image pgchaos-absent/postgres:13 is missing');
    expect(e.calls).toEqual(['exists pgchaos-absent/postgres:13']);
  });
});

describe('pulling', () => {
  it('is allowed unless PGCHAOS_PULL or an explicit choice says otherwise', () => {
    expect(pullAllowed(undefined, undefined)).toBe(true);
    expect(pullAllowed(undefined, 'missing')).toBe(true);
    for (const off of ['never', 'NEVER', 'no', 'false', '0']) expect(pullAllowed(undefined, off)).toBe(false);
    expect(pullAllowed(false, 'missing')).toBe(false);
    expect(pullAllowed(true, 'never')).toBe(true);
    expect(() => pullAllowed(undefined, 'sometimes')).toThrow(
      /PGCHAOS_PULL="sometimes" is neither "never" nor "missing"[\s\S]*fix: set PGCHAOS_PULL=never/,
    );
  });

  it('is attempted once per image and process, its failure remembered', async () => {
    forgetPulls();
    let attempts = 0;
    const failing = async () => {
      attempts++;
      throw new Error('Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host\nmore');
    };
    expect(await pullOnce('postgres:14', failing)).toEqual({
      pulled: false,
      reason: 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host',
    });
    expect(await pullOnce('postgres:14', failing)).toMatchObject({ pulled: false });
    expect(attempts).toBe(1);
    expect(await pullOnce('postgres:12', async () => {})).toEqual({ pulled: true });
    forgetPulls();
  });
});

describe('the offline build', () => {
  it("labels images with the recipe hash that image.ts computes (the script's own sha256sum)", () => {
    expect(recipeHash()).toMatch(/^[0-9a-f]{12}$/);
  });

  it('prints progress while it runs: each step, then "still building" lines with the debootstrap package', async () => {
    // Fake tools on PATH: debootstrap takes 2.5 s and logs like the real one; docker has no image
    // and imports/builds anything; chroot does nothing; id says root.
    const bin = mkdtempSync(join(tmpdir(), 'pgchaos-fakebin-'));
    const tool = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    tool('id', 'echo 0');
    tool('chroot', 'exit 0');
    tool('docker', 'case "$1 $2" in "image inspect") exit 1 ;; "import -") cat >/dev/null; echo sha256:feed ;; esac; exit 0');
    tool(
      'debootstrap',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script, not a template
      'eval root=\\${$(($# - 1))}; mkdir -p "$root/var/lib" "$root/etc"; echo "I: Retrieving InRelease"; sleep 1.2; echo "I: Extracting libc6..."; sleep 1.3; echo "I: Base system installed successfully."',
    );
    const lines: Array<{ t: number; line: string }> = [];
    const started = Date.now();
    const r = await streamLines(
      'bash',
      [BUILD_IMAGE_SCRIPT, '15'],
      { PATH: `${bin}:${process.env.PATH}`, PGCHAOS_PROGRESS_S: '1', PGCHAOS_IMAGE_REPO: 'pgchaos-fake/postgres' },
      (line) => lines.push({ t: Date.now() - started, line }),
    );
    const total = Date.now() - started;
    rmSync(bin, { recursive: true, force: true });
    expect(r.exitCode, lines.map((l) => l.line).join('\n')).toBe(0);
    const text = lines.map((l) => l.line);
    expect(text).toContain('pgchaos image: step 2/4 debootstrap of bookworm with postgresql-15 (about a minute)');
    const still = lines.filter((l) => l.line.includes('still building'));
    expect(still.length).toBeGreaterThanOrEqual(1);
    expect(still[0]!.line).toMatch(
      /^pgchaos image: still building pgchaos-fake\/postgres:15 \(\d+ s, step 2\/4 debootstrap: (Retrieving InRelease|Extracting libc6\.\.\.)\)$/,
    );
    // Streamed: the first "still building" line arrived well before the script ended.
    expect(still[0]!.t).toBeLessThan(total - 500);
    expect(text.at(-1)).toMatch(/^pgchaos image: built pgchaos-fake\/postgres:15 in \d+ s \(recipe [0-9a-f]{12}\)$/);
    expect(text.at(-1)).toContain(recipeHash());
    // The ticker is gone with the script: nothing holds the output open after the end (checked by streamLines returning at all).
    expect(total).toBeLessThan(8000);
  });
});

describe('probedParameters: the names of pg_settings, else of --describe-config', () => {
  it('takes pg_settings with the describe-config names, and says so', () => {
    const p = probedParameters([
      'version:postgres (PostgreSQL) 15.18',
      'param:wal_level',
      'setting:wal_level',
      'setting:application_name',
      'setting:Block_Size',
    ]);
    expect([...p.parameters].sort()).toEqual(['application_name', 'block_size', 'wal_level']);
    expect(p.parametersFrom).toBe('pg_settings');
  });
  it('falls back to describe-config when the image made no server', () => {
    const p = probedParameters(['param:wal_level', 'param:max_wal_senders']);
    expect([...p.parameters].sort()).toEqual(['max_wal_senders', 'wal_level']);
    expect(p.parametersFrom).toBe('describe-config');
  });
});

describe('the probe cache: per image id, between processes', () => {
  it('keeps a probe whole, parameters as a set, under a file named by the id and the probe format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-probes-'));
    const file = probeCacheFile('sha256:0123456789abcdef0123456789abcdef0123456789abcdef', join(dir, 'cache'));
    expect(file).toMatch(/\/cache\/v\d+-0123456789abcdef0123456789abcdef\.json$/);
    expect(await readCachedProbe(file)).toBeUndefined();
    const probe = {
      version: 'postgres (PostgreSQL) 15.18',
      parameters: new Set(['application_name', 'wal_level']),
      parametersFrom: 'pg_settings' as const,
      missing: [{ binary: 'pg_rewind' as const, neededFor: 'failback by pg_rewind' }],
      iptables: true,
    };
    await writeCachedProbe(file, probe);
    expect(await readCachedProbe(file)).toEqual(probe);
    writeFileSync(file, '{"version": ');
    expect(await readCachedProbe(file)).toBeUndefined();
    rmSync(dir, { recursive: true });
  });
});
