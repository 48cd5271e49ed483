/**
 * `pgchaos run` (from the sources, in a user's folder) with what a user may choose: an image
 * without pg_rewind, and a fragment with a value the server refuses. The first runs and skips
 * the story that needs pg_rewind with the reason — in JUnit, the terminal, the exit code,
 * summary.json, index.html and the run index alike; the second stops before vitest starts, and
 * so does a patroni.yml that Patroni's own `--validate-config` refuses.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { docker } from '../docker.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import type { Summary } from '../report/summary.ts';

const work = mkdtempSync(join(tmpdir(), 'pgchaos-user-config-'));
const NO_REWIND = `pgchaos-test/no-rewind-${process.pid}:15`;

/** `pgchaos run ARGS` in `dir`, with the user's environment (none of this vitest run's variables). */
async function pgchaosRun(dir: string, args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|PGCHAOS_|TEST$|NODE_ENV$)/.test(k)));
  return execa(join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsx'), [join(PACKAGE_ROOT, 'bin', 'pgchaos.ts'), 'run', ...args], {
    cwd: dir,
    env: { ...env, PGCHAOS_LOG_LEVEL: 'warn' },
    extendEnv: false,
    reject: false,
    all: true,
  });
}

afterAll(async () => {
  await execa('docker', ['rmi', '-f', NO_REWIND], { reject: false });
  rmSync(work, { recursive: true, force: true });
});

it('skips the story that needs pg_rewind on an image without it, with the reason in JUnit and every report', async () => {
  const built = await execa('docker', ['build', '-q', '-t', NO_REWIND, '-'], {
    input: 'FROM pgchaos/postgres:15\nRUN rm -f /usr/lib/postgresql/15/bin/pg_rewind /usr/bin/pg_rewind\n',
    reject: false,
  });
  expect(built.exitCode, built.stderr).toBe(0);
  const dir = join(work, 'no-rewind');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify({ images: { 15: NO_REWIND } }));
  const r = await pgchaosRun(dir, ['failback-rewind', '--out', 'reports']);
  expect(r.all).toMatch(
    new RegExp(
      `image ${NO_REWIND.replace(/[/.]/g, '\\$&')} \\(PostgreSQL 15\\) has no pg_rewind \\(failback by pg_rewind\\): the stories that need it`,
    ),
  );
  const run = readdirSync(join(dir, 'reports')).find((d) => /^\d{8}-/.test(d))!;
  const junit = readFileSync(join(dir, 'reports', run, 'junit.xml'), 'utf8');
  expect(junit, r.all).toMatch(/failures="0" errors="0" skipped="1"/);
  expect(junit).toMatch(
    /<skipped\/>\s*<properties>\s*<property name="skipped" value="skipped: it needs pg_rewind, which image [^"]+ \(PostgreSQL 15\) lacks/,
  );
  expect(r.all).not.toMatch(/pg_rewind: not found/);
  // Its only story skipped: nothing was verified (exit 2), and the reason is the image, not a filter's typo.
  expect(r.exitCode, r.all).toBe(2);
  expect(r.stderr).toMatch(/every scenario selected was skipped, so nothing was verified: skipped: it needs pg_rewind/);
  expect(r.stderr).not.toMatch(/no scenario matched/);
  // The run's own files say the same: a skipped record, a run that verified nothing, and why.
  const reason = `it needs pg_rewind, which image ${NO_REWIND} (PostgreSQL 15) lacks; install it in the image to run this story`;
  const summary = JSON.parse(readFileSync(join(dir, 'reports', run, 'summary.json'), 'utf8')) as Summary;
  expect(summary.status).toBe('skipped');
  expect(summary.counts).toEqual({ passed: 0, failed: 0, interrupted: 0, skipped: 1 });
  expect(summary.scenarios).toEqual([expect.objectContaining({ major: 15, status: 'skipped', reason })]);
  const html = readFileSync(join(dir, 'reports', run, 'index.html'), 'utf8');
  expect(html).toContain(
    `<div class="banner skipped">No scenario ran: 1 skipped — ${reason} — 0 passed, 0 failed, 0 interrupted, 1 skipped`,
  );
  expect(readFileSync(join(dir, 'reports', 'index.html'), 'utf8')).toContain(
    '<td class="skipped">skipped<br><small>no scenario ran: 1 skipped</small>',
  );
  expect(r.stderr).toMatch(/pgchaos: no scenario ran, 1 skipped — report: /);
}, 180_000);

it("stops a value the server refuses before vitest starts, with the server's HINT", async () => {
  const dir = join(work, 'refused');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify({ postgresqlConf: 'ha.conf' }));
  writeFileSync(join(dir, 'ha.conf'), "wal_level = 'replicaa'\n");
  const r = await pgchaosRun(dir, ['failback-rewind', '--out', 'reports']);
  expect(r.exitCode, r.all).toBe(2);
  expect(r.stderr).toMatch(
    /refuses \S+ha\.conf: wal_level = "replicaa": invalid value for parameter "wal_level": "replicaa"\n {2}fix: the server's HINT: Available values: minimal, replica, logical\. Correct wal_level in \S+ha\.conf/,
  );
  // vitest never started: no JUnit file, no scenario.
  const runs = existsSync(join(dir, 'reports')) ? readdirSync(join(dir, 'reports')).filter((d) => /^\d{8}-/.test(d)) : [];
  expect(runs.filter((d) => existsSync(join(dir, 'reports', d, 'junit.xml')))).toEqual([]);
}, 180_000);

it('stops a patroni.yml that Patroni refuses (--validate-config) before vitest starts, naming the file and the field', async () => {
  const dir = join(work, 'patroni-refused');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify({ manager: 'patroni', patroniConfig: 'patroni.yml' }));
  // pgchaos's own checks do not type tags: only Patroni's validator refuses this one.
  writeFileSync(join(dir, 'patroni.yml'), 'bootstrap:\n  dcs:\n    synchronous_mode: true\ntags:\n  nofailover: maybe\n');
  const before = await (await docker()).listContainers({ all: true, filters: { label: ['pgchaos.manager=patroni'] } });
  const r = await pgchaosRun(dir, ['failback-rewind', '--out', 'reports']);
  expect(r.exitCode, r.all).toBe(2);
  expect(r.stderr).toMatch(
    /\S+patroni-refused\/patroni\.yml: Patroni patroni 3\.0\.2\S* refuses your patroni config \(--validate-config\): tags\.nofailover: maybe is not a boolean\n {2}fix: correct tags\.nofailover in your patroni config/,
  );
  // No Patroni cluster container started, and vitest never did.
  expect(await (await docker()).listContainers({ all: true, filters: { label: ['pgchaos.manager=patroni'] } })).toEqual(before);
  const runs = existsSync(join(dir, 'reports')) ? readdirSync(join(dir, 'reports')).filter((d) => /^\d{8}-/.test(d)) : [];
  expect(runs.filter((d) => existsSync(join(dir, 'reports', d, 'junit.xml')))).toEqual([]);
}, 300_000);
