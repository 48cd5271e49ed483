import { execa } from 'execa';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, hostname, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { docker } from '../docker.ts';
import { PACKAGE_ROOT, packageJson } from '../paths.ts';
import { writeFileAtomic } from '../report/record.ts';
import type { RunContext } from '../report/summary.ts';
import type { Run } from '../run-id.ts';
import { stringify } from 'yaml';
import { redactPatroniConfig } from '../manager/patroni/config.ts';
import { policyText, type UserConfig } from './config.ts';

/**
 * The run header: where and how a run ran, so a report read a month later still says which
 * commit, config, engine and command it came from.
 */

/** `git rev-parse HEAD` in `cwd`, with `+dirty` when the tree has changes; null outside a git work tree. */
export async function gitRevision(cwd: string): Promise<string | null> {
  const head = await execa('git', ['rev-parse', 'HEAD'], { cwd, reject: false });
  if (head.exitCode !== 0) return null;
  const status = await execa('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, reject: false });
  return `${head.stdout.trim()}${status.stdout.trim() ? '+dirty' : ''}`;
}

/**
 * The HA config as the report shows it (run.json's `config`): no secrets live in it (pgchaos's
 * passwords are generated per cluster; those of the user's patroni.yml are redacted). Under
 * manager patroni, `patroniConfig` is `{ file, content }`: the patroni.yml's path and what pgchaos
 * read from it, as YAML, every secret `[redacted]` (`redactPatroniConfig`); `file` null and
 * `content` '' when none was given (Patroni's defaults).
 */
export function shownConfig(c: UserConfig): Record<string, unknown> {
  return {
    source: c.source,
    manager: c.manager,
    ...(c.manager === 'patroni'
      ? {
          patroniConfig: c.patroni
            ? { file: c.patroni.file, content: stringify(redactPatroniConfig(c.patroni.config)) }
            : { file: null, content: '' },
        }
      : {}),
    pg: c.pg,
    images: c.images,
    standbys: c.standbys,
    synchronous_standby_names: c.sync.text,
    synchronous_commit: c.synchronousCommit,
    data_checksums: c.dataChecksums,
    postgresqlConf: c.postgresqlConf,
    settings: c.settings,
    writer: c.writer,
    afterPromotion: policyText(c.afterPromotion),
  };
}

/** Collects the run header of `run` under `config`. */
export async function runContext(run: Run, config: UserConfig, command: string, cwd = process.cwd()): Promise<RunContext> {
  const engine = await (await docker())
    .version()
    .then((v) => `Docker ${v.Version}`)
    .catch(() => null);
  const shard = process.env.PGCHAOS_SHARD;
  return {
    run: run.id,
    startedAt: new Date().toISOString(),
    command,
    pgchaos: packageJson().version,
    git: await gitRevision(cwd),
    host: {
      hostname: hostname(),
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      node: process.version,
      docker: engine,
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    majors: config.pg,
    config: shownConfig(config),
    ...(shard ? { shard } : {}),
  };
}

/** Writes `run.json` into the run's folder, unless an earlier process of the run already did. */
export async function writeRunContext(run: Run, config: UserConfig, command: string): Promise<void> {
  const path = join(run.dir, 'run.json');
  if (existsSync(path)) return;
  await mkdir(run.dir, { recursive: true });
  await writeFileAtomic(path, JSON.stringify(await runContext(run, config, command), null, 2));
}

/** Single quotes for a POSIX shell. */
function shq(s: string): string {
  return /^[\w./:=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `s` as a regular expression matching it literally (vitest's -t takes a pattern). */
function literalPattern(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Environment variable holding the config-shaping flags of the `pgchaos run` command line (a JSON
 * array of tokens, see bin/cli/args.ts configFlags), set by the CLI for vitest's workers: every
 * rerun command carries them, so a failure seen under a user's config reruns under that config.
 */
export const RUN_FLAGS_ENV = 'PGCHAOS_RUN_FLAGS';

/** The run's config-shaping flags (RUN_FLAGS_ENV); none when the run was not started by `pgchaos run`. */
export function runFlags(): string[] {
  const text = process.env[RUN_FLAGS_ENV];
  if (!text) return [];
  const flags = JSON.parse(text) as unknown;
  return Array.isArray(flags) ? flags.map(String) : [];
}

/** `--name` of a flag token (`--sync=…` → `--sync`). */
const flagName = (token: string) => token.split('=', 1)[0]!;

/**
 * The shell command that reruns one scenario on one major, from the project's folder:
 * `npm run chaos -- …` inside pgchaos's own repository, `npx pgchaos run …` in a user's. It
 * carries `run` (the run's config-shaping flags, default RUN_FLAGS_ENV's) and then `extra` (the
 * scenario's own flags that make it the same run, e.g. `--seed 7 --duration 120`, which replace a
 * run flag of the same name: one seed of a `--seed 1-20` run), shell-quoted here.
 */
export function rerunCommand(
  file: string,
  name: string,
  major: number,
  extra: readonly string[] = [],
  cwd = process.cwd(),
  run: readonly string[] = runFlags(),
): string {
  const own = existsSync(cwd) && realpathSync(cwd) === realpathSync(PACKAGE_ROOT) && existsSync(join(PACKAGE_ROOT, 'bin', 'pgchaos.ts'));
  const fileArg = relative(cwd, join(cwd, file)) || file;
  const replaced = new Set(extra.filter((t) => t.startsWith('--')).map(flagName));
  const flags = [...run.filter((t) => !replaced.has(flagName(t))), ...extra];
  const pattern = `^${literalPattern(name)} \\[pg${major}\\]$`;
  const args = [shq(fileArg), '--pg', String(major), ...flags.map(shq), '--', '-t', shq(pattern)].join(' ');
  return own ? `npm run chaos -- ${args}` : `npx pgchaos run ${args}`;
}
