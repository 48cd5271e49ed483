/**
 * A record's rerun command reruns the same config: the flags of the `pgchaos run` command line
 * that shaped it travel to the workers (PGCHAOS_RUN_FLAGS), and the rerun command, split by a
 * shell and parsed again by the CLI, resolves to the same config.
 */
import { execaSync } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { loadUserConfig, type UserConfig } from '../../harness/run/config.ts';
import { rerunCommand, RUN_FLAGS_ENV } from '../../harness/run/context.ts';
import { configFlags, parseRunArgs } from './args.ts';

afterEach(() => vi.unstubAllEnvs());

/** The config `pgchaos run ARGV` resolves in `cwd`. */
function resolved(argv: string[], cwd: string): UserConfig {
  const a = parseRunArgs(argv);
  return loadUserConfig({ cwd, ...(a.configFile ? { file: a.configFile } : {}), overrides: a.overrides });
}

/** The arguments after `npx pgchaos run` of a rerun command, as a POSIX shell splits them. */
function shellWords(cmd: string): string[] {
  const args = cmd.replace(/^npx pgchaos run /, '');
  return execaSync('sh', ['-c', `printf '%s\\0' ${args}`])
    .stdout.split('\0')
    .filter((w, i, all) => w !== '' || i < all.length - 1);
}

test("a rerun command carries the run's config flags: parsed again, it resolves to the same config on its major", () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pgchaos-rerun-'));
  const file = { standbys: ['s1', 's2', 's3'], synchronousStandbyNames: 'ANY 2 (s1, s2, s3)', nemesis: { walMountMb: 512 } };
  writeFileSync(join(cwd, 'ha.json'), JSON.stringify(file));
  writeFileSync(join(cwd, 'extra.conf'), "wal_keep_size = '256MB'\n");
  const argv = [
    'scenarios/own.test.ts',
    '--config',
    'ha.json',
    '--pg',
    '13,15',
    '--sync',
    'FIRST 1 (s1, s2)',
    '--synchronous-commit=remote_apply',
    '--image',
    '15=registry.example/pg:15.8',
    '--image',
    '13=registry.example/pg:13.16',
    '--conf',
    'extra.conf',
    '--clients',
    '4',
    '--batch-rows',
    '10',
    '--rate',
    '50',
    '--after-promotion',
    'same',
    '--data-checksums',
    '--no-pull',
    '--seed',
    '1-3',
    '--duration',
    '30',
    '--out',
    'elsewhere',
    '--',
    '--shard',
    '1/2',
  ];
  const before = resolved(argv, cwd);
  vi.stubEnv(RUN_FLAGS_ENV, JSON.stringify(configFlags(argv)));
  const cmd = rerunCommand('scenarios/own.test.ts', 'own story', 15, [], cwd);
  const again = shellWords(cmd);
  expect(again.slice(-3)).toEqual(['--', '-t', '^own story \\[pg15\\]$']);
  expect(resolved(again, cwd)).toEqual({ ...before, pg: [15] });
  // A scenario's own flags replace the run's of the same name: one seed of a 1-3 run.
  const nemesis = rerunCommand('scenarios/nemesis.test.ts', 'nemesis: seed 2', 15, ['--seed', '2', '--duration', '30'], cwd);
  const seeded = resolved(shellWords(nemesis), cwd);
  expect(seeded).toEqual({ ...before, pg: [15], nemesis: { ...before.nemesis, seeds: [2] } });
});

test('a run without config flags reruns with none, and configFlags leaves out what the rerun decides itself', () => {
  expect(configFlags(['scenarios', '--pg', '15', '--out', 'r', '--no-builtin', '--', '--sync', 'x'])).toEqual([]);
  const plain = "npx pgchaos run scenarios/a.test.ts --pg 15 -- -t '^a \\[pg15\\]$'";
  expect(rerunCommand('scenarios/a.test.ts', 'a', 15, [], '/tmp', [])).toBe(plain);
});

test('a rerun command carries the manager the run chose', () => {
  const argv = ['--manager', 'patroni', '--pg', '15'];
  expect(configFlags(argv)).toEqual(['--manager=patroni']);
  vi.stubEnv(RUN_FLAGS_ENV, JSON.stringify(configFlags(argv)));
  const cwd = mkdtempSync(join(tmpdir(), 'pgchaos-rerun-'));
  const again = shellWords(rerunCommand('scenarios/own.test.ts', 'own story', 15, [], cwd));
  expect(resolved(again, cwd).manager).toBe('patroni');
});
