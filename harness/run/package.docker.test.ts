/**
 * pgchaos on someone else's machine: packed (`npm pack`, which builds dist/), installed into a
 * copy of examples/ (a user's project with its own config, postgresql.conf fragment and
 * scenario), type-checked there, and run there with `npx pgchaos` — help, list, a config
 * error, and a real run of the project's own scenario whose reports land in *its* reports/.
 * Then the same tarball in a copy of examples/patroni/ (a project whose manager is Patroni, with
 * its own patroni.yml, given a password here): its scenario runs green under Patroni, and that
 * password appears in no file of its reports.
 */
import { execa } from 'execa';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
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
const patroniProject = join(work, 'my-patroni-config');
/** A password in the Patroni project's patroni.yml (bootstrap.users, which Patroni 3.0.2 creates): it must reach no report. */
const SECRET = `pgchaos-secret-${randomBytes(6).toString('hex')}`;
let tarball = '';
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
  tarball = join(work, packed.stdout.trim().split('\n').at(-1)!);
  timings['tarball bytes'] = statSync(tarball).size;
  cpSync(join(REPO, 'examples'), project, { recursive: true, filter: (f) => !f.startsWith(join(REPO, 'examples', 'patroni')) });
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

describe("a Patroni user's project (examples/patroni/): its own patroni.yml, installed from the same tarball", () => {
  const inPatroni = (file: string, args: string[], env: NodeJS.ProcessEnv = userEnv()) => inProject(file, args, env, patroniProject);

  beforeAll(async () => {
    cpSync(join(REPO, 'examples', 'patroni'), patroniProject, { recursive: true });
    const yml = join(patroniProject, 'patroni.yml');
    writeFileSync(
      yml,
      readFileSync(yml, 'utf8').replace(
        /^bootstrap:\n/m,
        `bootstrap:\n  # Added by the test: a password that must appear in no log, record or report.\n  users:\n    app:\n      password: ${SECRET}\n      options: [login]\n`,
      ),
    );
    expect(readFileSync(yml, 'utf8')).toContain(SECRET);
    const installed = await timed('npm install <tarball> (patroni project)', () =>
      inPatroni('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline']),
    );
    expect(installed.exitCode, installed.all).toBe(0);
  }, 600_000);

  it('type-checks, and list names the manager and the patroni.yml', async () => {
    const tsc = await inPatroni(join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', '.']);
    expect(tsc.exitCode, tsc.all).toBe(0);
    const list = await inPatroni('npx', ['pgchaos', 'list']);
    expect(list.exitCode, list.all).toBe(0);
    expect(list.stdout).toMatch(/Your scenarios \(scenarios\/\):\n {2}sync-standby-crash\n {6}Our sync standby's host loses power/);
    expect(list.stdout).toMatch(/HA manager under test: patroni with patroni\.yml \(from pgchaos\.config\.json; /);
  });

  it('`npx pgchaos run` runs its scenario green under Patroni; the report names the patroni.yml; no password in any file', async () => {
    const id = newRunId();
    const r = await timed('npx pgchaos run --no-builtin (patroni)', () =>
      inPatroni('npx', ['pgchaos', 'run', '--no-builtin'], userEnv({ PGCHAOS_RUN_ID: id })),
    );
    expect(r.exitCode, r.all).toBe(0);
    const dir = join(patroniProject, 'reports', id);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    expect(summary.scenarios.map((s) => [s.file, s.status])).toEqual([['scenarios/sync-standby-crash.test.ts', 'passed']]);
    const recordFile = readdirSync(join(dir, 'scenarios')).find((f) => f.endsWith('.json'))!;
    const record = JSON.parse(readFileSync(join(dir, 'scenarios', recordFile), 'utf8')) as {
      manager?: { name: string; config: { scope?: string; bootstrap?: { users?: { app?: { password?: string } } } } };
      metrics: Record<string, unknown>;
    };
    expect(record.manager?.name).toBe('patroni');
    expect(record.manager?.config.scope).toBe('orders');
    expect(record.manager?.config.bootstrap?.users?.app?.password).toBe('[redacted]');
    const context = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as {
      config: { patroniConfig?: { file: string; content: string } };
    };
    expect(context.config.patroniConfig?.file).toBe(join(patroniProject, 'patroni.yml'));
    expect(context.config.patroniConfig?.content).toMatch(/synchronous_mode_strict: true/);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain(
      `<b>patroni</b> with <code>${join(patroniProject, 'patroni.yml')}</code>`,
    );
    // No file of the run (records, logs of every container, pgchaos.log, the resolved config, the report) holds the password.
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(5);
    const holding = files.map((e) => join(e.parentPath, e.name)).filter((f) => readFileSync(f, 'latin1').includes(SECRET));
    expect(holding).toEqual([]);
    expect(r.all).not.toContain(SECRET);
    log().info(`examples/patroni run: ${files.length} files, none with the password; metrics ${JSON.stringify(record.metrics)}`);
    const d = await docker();
    const filters = { label: [`${RUN_LABEL}=${id}`] };
    expect([...(await d.listContainers({ all: true, filters })), ...(await d.listNetworks({ filters }))]).toEqual([]);
  }, 900_000);
});
