/**
 * pgchaos on someone else's machine: packed (`npm pack`, which builds dist/), installed into a
 * copy of examples/ (a user's project with its own config, postgresql.conf fragment and
 * scenario), type-checked there, and run there with `npx pgchaos` — help, list, a config
 * error, and a real run of the project's own scenario whose reports land in *its* reports/.
 */
import { execa } from 'execa';
import { cpSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, RUN_LABEL } from '../docker.ts';
import { log } from '../logger.ts';
import type { Summary } from '../report/report.ts';
import { newRunId } from '../run-id.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'pgchaos-package-'));
const project = join(work, 'my-ha-config');
const timings: Record<string, number> = {};

/** The user's environment: none of this vitest run's own variables (run id, report folder, worker ids). */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|PGCHAOS_|TEST$|NODE_ENV$)/.test(k)));
  return { ...env, PGCHAOS_LOG_LEVEL: 'warn', ...extra };
}

async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await f();
  } finally {
    timings[what] = Date.now() - t0;
  }
}

interface Ran {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  all: string;
}

/** Runs a command in the user's project, as the user would (their environment, their folder). */
async function inProject(file: string, args: string[], env: NodeJS.ProcessEnv = userEnv(), cwd = project): Promise<Ran> {
  const r = await execa(file, args, { cwd, env, extendEnv: false, reject: false, all: true });
  // npm's own warnings about the machine's npm config are not pgchaos's output.
  const clean = (t: unknown) =>
    String(t)
      .split('\n')
      .filter((l) => !l.startsWith('npm warn '))
      .join('\n');
  return { exitCode: r.exitCode, stdout: clean(r.stdout), stderr: clean(r.stderr), all: clean(r.all) };
}
const pgchaos = (args: string[], env?: NodeJS.ProcessEnv) => inProject('npx', ['pgchaos', ...args], env);

beforeAll(async () => {
  const packed = await timed('npm pack (builds dist/)', () => inProject('npm', ['pack', '--pack-destination', work], process.env, REPO));
  expect(packed.exitCode, packed.all).toBe(0);
  const tarball = join(work, packed.stdout.trim().split('\n').at(-1)!);
  timings['tarball bytes'] = statSync(tarball).size;
  cpSync(join(REPO, 'examples'), project, { recursive: true });
  const installed = await timed('npm install <tarball>', () =>
    inProject('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline']),
  );
  expect(installed.exitCode, installed.all).toBe(0);
}, 600_000);

afterAll(() => {
  log().info(
    timings,
    `pack, install and run of examples/: ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  rmSync(work, { recursive: true, force: true });
});

describe("pgchaos as an installed package, in a user's project", () => {
  it('ships built JavaScript and types, and its bin runs without tsx', async () => {
    const pkg = join(project, 'node_modules', 'pgchaos');
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as {
      private?: boolean;
      bin: Record<string, string>;
      exports: Record<string, unknown>;
    };
    expect(manifest.private).toBeUndefined();
    expect(manifest.bin.pgchaos).toMatch(/^\.\/dist\/.*\.js$/);
    for (const f of [
      'dist/harness/index.js',
      'dist/harness/index.d.ts',
      'dist/docker/engine.sh',
      'dist/docker/build-image.sh',
      'dist/scenarios/quorum-standby-loss.test.js',
    ])
      expect(existsSync(join(pkg, f)), f).toBe(true);
    expect(existsSync(join(pkg, 'harness')), 'no TypeScript sources').toBe(false);
    expect(existsSync(join(project, 'node_modules', '.bin', 'tsx')), 'tsx is not a dependency').toBe(false);
    // The user's scenario type-checks against the published declarations (skipLibCheck off).
    const tsc = await timed('tsc of the user project', () => inProject(join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', '.']));
    expect(tsc.exitCode, tsc.all).toBe(0);
  });

  it('help, version, list and usage mistakes need no engine; a config error is exit 2 before vitest, with the fix', async () => {
    const help = await pgchaos(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(
      /^pgchaos 0\.\d+\.\d+ — [\s\S]*run \[dir\][\s\S]*exit codes: 0 every scenario passed · 1 a scenario failed · 2 usage, config or setup error · 130 interrupted/,
    );
    const runHelp = await pgchaos(['run', '--help']);
    expect(runHelp.stdout).toMatch(/^usage: pgchaos run[\s\S]*--sync SETTING[\s\S]*--out DIR[\s\S]*After --, vitest's own options/);
    expect((await pgchaos(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+$/);

    const typo = await pgchaos(['rnu']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/unknown command "rnu" — did you mean "run"\?/);

    const list = await pgchaos(['list']);
    expect(list.exitCode, list.all).toBe(0);
    expect(list.stdout).toMatch(/Your scenarios \(scenarios\/\):\n {2}sync-standby-loss\n {6}Losing the synchronous standby under FIRST 1/);
    expect(list.stdout).toMatch(/Built-in scenarios[\s\S]*quorum-standby-loss\n {6}Quorum commit under standby loss/);

    const bad = await pgchaos(['run', '--sync', 'ANY 1 s1, s2']);
    expect(bad.exitCode).toBe(2);
    // The message names where the bad value came from (the flags) and the field, then the fix.
    expect(bad.stderr).toMatch(
      /^pgchaos: the command-line flags: synchronousStandbyNames: malformed synchronous_standby_names "ANY 1 s1, s2"[\s\S]*\n {2}fix: /,
    );
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(project, 'reports')), 'nothing was written: no empty report posing as a run').toBe(false);

    const unknownFlag = await pgchaos(['run', '--standby', 's1']);
    expect(unknownFlag.exitCode).toBe(2);
    expect(unknownFlag.stderr).toMatch(/did you mean --standbys\?/);

    writeFileSync(join(project, 'reports'), 'not a folder');
    try {
      const file = await pgchaos(['run', '--no-builtin']);
      expect(file.exitCode).toBe(2);
      expect(file.stderr).toMatch(/reports is a file[\s\S]*fix: .*--out DIR/);
    } finally {
      rmSync(join(project, 'reports'));
    }

    // DOCKER_HOST naming an engine that does not answer: named, at once, exit 2.
    const t0 = Date.now();
    const noEngine = await pgchaos(['run', '--no-builtin'], userEnv({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }));
    expect(noEngine.exitCode, noEngine.all).toBe(2);
    expect(noEngine.stderr).toMatch(
      /no Docker engine answers at DOCKER_HOST=unix:\/\/\/nonexistent\/docker\.sock[\s\S]*fix: start that engine/,
    );
    expect(Date.now() - t0).toBeLessThan(15_000);
    rmSync(join(project, 'reports'), { recursive: true, force: true });
  }, 120_000);

  it("`npx pgchaos run` runs the project's own scenario on its config; reports land in its reports/; nothing is left", async () => {
    const id = newRunId();
    const r = await timed('npx pgchaos run --no-builtin', () => pgchaos(['run', '--no-builtin'], userEnv({ PGCHAOS_RUN_ID: id })));
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toMatch(
      /run \S+: 1 scenario file \(1 of yours\); PostgreSQL 15, synchronous_standby_names 'FIRST 1 \(s1, s2\)', synchronous_commit remote_apply; config: pgchaos\.config\.json/,
    );
    const dir = join(project, 'reports', id);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    expect(summary.scenarios.map((s) => [s.file, s.status])).toEqual([['scenarios/sync-standby-loss.test.ts', 'passed']]);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/<testsuites [^>]*tests="1" failures="0"/);
    expect(existsSync(join(dir, 'index.html'))).toBe(true);
    expect(readlinkSync(join(project, 'reports', 'latest'))).toBe(id);
    const d = await docker();
    const filters = { label: [`${RUN_LABEL}=${id}`] };
    expect([...(await d.listContainers({ all: true, filters })), ...(await d.listNetworks({ filters }))]).toEqual([]);
  }, 600_000);
});
