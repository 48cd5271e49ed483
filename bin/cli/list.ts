/** `pgchaos list [dir]`: the scenarios and what each checks (each file's header comment). */
import { relative, resolve } from 'node:path';
import { packageJson } from '../../harness/paths.ts';
import { loadUserConfig, type UserConfig } from '../../harness/run/config.ts';
import { ConfigError } from '../../harness/errors.ts';
import { parseStrict, UsageError } from './args.ts';
import { LIST_HELP } from './help.ts';
import { builtinScenarioFiles, isBuiltinDir, isDirectory, scenarioFiles, scenarioHeader } from './scenarios.ts';

/**
 * `pgchaos list [dir]`: the user's scenario files and the built-in ones, each with its header comment.
 * @returns 0. @throws UsageError for unknown options or a dir that does not exist.
 */
export async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parseStrict(argv, { help: { type: 'boolean', short: 'h' } }, 'list');
  if (values.help) {
    process.stdout.write(`${LIST_HELP}\n`);
    return 0;
  }
  const named = positionals[0];
  const dir = resolve(named ?? 'scenarios');
  if (named && !isDirectory(dir))
    throw new UsageError(`${named} is not a folder`, 'name the folder that holds your *.test.ts scenarios (default ./scenarios)');
  const lines: string[] = [];
  if (isDirectory(dir) && !isBuiltinDir(dir)) {
    lines.push(`Your scenarios (${relative(process.cwd(), dir) || '.'}/):`, ...describe(scenarioFiles(dir), dir), '');
  } else if (!isBuiltinDir(dir)) {
    lines.push('Your scenarios: none (no ./scenarios folder; pgchaos run DIR takes another)', '');
  }
  lines.push(
    `Built-in scenarios (pgchaos ${packageJson().version}; pgchaos run runs them against your config unless --no-builtin):`,
    ...describe(builtinScenarioFiles()),
  );
  lines.push('', managerLine(), 'Run one: pgchaos run NAME (any part of its file name), or pgchaos run -- -t "test name"');
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function describe(files: string[], base?: string): string[] {
  if (!files.length) return ['  (none)'];
  return files.flatMap((f) => {
    const name = (base ? relative(base, f) : f.split('/').at(-1)!).replace(/\.test\.(ts|mts|js|mjs)$/, '');
    const h = scenarioHeader(f);
    return [`  ${name}`, `      ${h.title}`, ...h.body.map((l) => (l ? `      ${l}` : ''))];
  });
}

/**
 * Which HA manager pgchaos run would test under the config of this folder (pgchaos.config.json,
 * else the default), and with which config of its own (patroniConfig; pgAutoFailover's settings; repmgr's or pgpool's fragment).
 */
export function managerLine(cwd = process.cwd()): string {
  try {
    const c = loadUserConfig({ cwd });
    const file = c.patroni
      ? ` with ${relative(cwd, c.patroni.file) || c.patroni.file}`
      : c.manager === 'patroni'
        ? " with Patroni's defaults"
        : c.manager === 'pg_auto_failover'
          ? c.pgAutoFailover
            ? ` with the formation of pgAutoFailover (${pafSettings(c.pgAutoFailover)})`
            : " with pg_auto_failover's defaults"
          : c.manager === 'repmgr'
            ? c.repmgr
              ? ` with the repmgr.conf fragment of ${c.repmgr.file ? relative(cwd, c.repmgr.file) || c.repmgr.file : 'config repmgr'}`
              : " with repmgr's defaults (failover=automatic)"
            : c.manager === 'pgpool'
              ? c.pgpool
                ? ` with the pgpool.conf fragment of ${c.pgpool.file ? relative(cwd, c.pgpool.file) || c.pgpool.file : 'config pgpool'}`
                : " with pgchaos's pgpool defaults (docs/config.md)"
              : '';
    return `HA manager under test: ${c.manager}${file} (${c.source === 'defaults' ? 'the default' : `from ${relative(cwd, c.source) || c.source}`}; pgchaos run --manager NAME picks another); each record and the report say which one ran`;
  } catch (e) {
    if (e instanceof ConfigError) return `HA manager under test: unknown, the config does not load (${e.problem})`;
    throw e;
  }
}

/** A formation's settings in one phrase: `number_sync_standbys 1; s2 priority 0, not in the quorum`. */
function pafSettings(c: NonNullable<UserConfig['pgAutoFailover']>): string {
  const nodes = Object.entries(c.nodes ?? {}).map(
    ([name, n]) =>
      `${name}${n.candidatePriority !== undefined ? ` priority ${n.candidatePriority}` : ''}${
        n.replicationQuorum === false ? ', not in the quorum' : ''
      }`,
  );
  return [...(c.number_sync_standbys !== undefined ? [`number_sync_standbys ${c.number_sync_standbys}`] : []), ...nodes].join('; ');
}
