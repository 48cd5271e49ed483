/**
 * `pgchaos run`'s command line: pgchaos's own options (the fields of pgchaos.config.json, and
 * the run's), positionals, and vitest's options after `--`. Pure: no file system, no engine.
 */
import { parseArgs } from 'node:util';
import { closest, distance } from 'fastest-levenshtein';
import { ConfigError } from '../../harness/errors.ts';
import type { UserConfigFile } from '../../harness/run/config.ts';
import { FAULT_KINDS, type FaultKind } from '../../harness/history/fault.ts';

/** A mistake on the command line: a ConfigError of its own name (exit 2, one message and the fix, no stack trace). */
export class UsageError extends ConfigError {
  override readonly name: string = 'UsageError';
}

/** pgchaos run's options, as node:util parseArgs takes them. */
export const RUN_OPTIONS = {
  config: { type: 'string' },
  pg: { type: 'string' },
  manager: { type: 'string' },
  image: { type: 'string', multiple: true },
  standbys: { type: 'string' },
  sync: { type: 'string' },
  'synchronous-commit': { type: 'string' },
  'data-checksums': { type: 'boolean' },
  conf: { type: 'string' },
  'patroni-config': { type: 'string' },
  clients: { type: 'string' },
  'batch-rows': { type: 'string' },
  rate: { type: 'string' },
  'after-promotion': { type: 'string' },
  seed: { type: 'string' },
  schedule: { type: 'string' },
  duration: { type: 'string' },
  promote: { type: 'string' },
  kinds: { type: 'string' },
  out: { type: 'string' },
  'no-builtin': { type: 'boolean' },
  'no-pull': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/** What `pgchaos run …` asks for. */
export interface RunArgs {
  help: boolean;
  /** --config FILE */
  configFile: string | undefined;
  /** Config fields given as flags (they win over the file). */
  overrides: UserConfigFile;
  /** --out DIR */
  out: string | undefined;
  /** --no-builtin: only the user's scenarios. */
  noBuiltin: boolean;
  /** Positionals: folders of scenarios, scenario files, or name filters (decided against the file system by the caller). */
  paths: string[];
  /** Everything after `--`, for vitest (`-t name`, `--shard 1/2`, a file filter). */
  vitestArgs: string[];
}

/**
 * Parses `pgchaos run`'s arguments (without the `run`).
 * @throws UsageError for an unknown option (naming the nearest one, or saying that vitest's go
 *   after `--`), a missing or superfluous value, a malformed --image or a count that is not a
 *   whole number.
 */
export function parseRunArgs(argv: readonly string[]): RunArgs {
  const cut = argv.indexOf('--');
  const ours = cut < 0 ? [...argv] : argv.slice(0, cut);
  const vitestArgs = cut < 0 ? [] : argv.slice(cut + 1);
  const { values, positionals } = parseStrict(ours, RUN_OPTIONS, 'run');
  const v = values as {
    [K in keyof typeof RUN_OPTIONS]?: (typeof RUN_OPTIONS)[K]['type'] extends 'boolean' ? boolean : K extends 'image' ? string[] : string;
  };
  const overrides: UserConfigFile = {};
  if (v.pg !== undefined) overrides.pg = v.pg;
  if (v.manager !== undefined) overrides.manager = v.manager;
  if (v.image) overrides.images = Object.fromEntries(v.image.map(parseImage));
  if (v.standbys !== undefined)
    overrides.standbys = v.standbys
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (v.sync !== undefined) overrides.synchronousStandbyNames = v.sync;
  if (v['synchronous-commit'] !== undefined) overrides.synchronousCommit = v['synchronous-commit'] as UserConfigFile['synchronousCommit'];
  if (v['data-checksums']) overrides.dataChecksums = true;
  if (v.conf !== undefined) overrides.postgresqlConf = v.conf;
  if (v['patroni-config'] !== undefined) overrides.patroniConfig = v['patroni-config'];
  if (v.clients !== undefined || v['batch-rows'] !== undefined || v.rate !== undefined) {
    overrides.writer = {
      ...(v.clients !== undefined ? { clients: count('--clients', v.clients) } : {}),
      ...(v['batch-rows'] !== undefined ? { batchRows: count('--batch-rows', v['batch-rows']) } : {}),
      ...(v.rate !== undefined ? { rateTps: count('--rate', v.rate) } : {}),
    };
  }
  if (v['after-promotion'] !== undefined) overrides.afterPromotion = v['after-promotion'];
  if (v['no-pull']) overrides.pull = false;
  const nemesis = nemesisOverrides(v);
  if (nemesis) overrides.nemesis = nemesis;
  return {
    help: v.help ?? false,
    configFile: v.config,
    overrides,
    out: v.out,
    noBuiltin: v['no-builtin'] ?? false,
    paths: positionals,
    vitestArgs,
  };
}

/** Options of `pgchaos run` that do not shape the config under test, or that the rerun command sets itself (`--pg`). */
const NOT_CONFIG = new Set(['pg', 'out', 'no-builtin', 'help']);

/**
 * The flags of a `pgchaos run` command line that shape the resolved config (`--config`, `--manager`, `--sync`,
 * `--synchronous-commit`, `--image`, `--conf`, `--patroni-config`, the writer's and the nemesis's, `--no-pull`, …),
 * one token each (`--sync=ANY 1 (s1, s2)`, `--data-checksums`), in the order given: what a
 * record's rerun command carries so it reruns the same config. Leaves out `--pg` (the rerun names
 * its major), `--out`, `--no-builtin`, positionals and vitest's arguments after `--`.
 * @throws UsageError as parseRunArgs does.
 */
export function configFlags(argv: readonly string[]): string[] {
  const cut = argv.indexOf('--');
  const ours = cut < 0 ? [...argv] : argv.slice(0, cut);
  parseStrict(ours, RUN_OPTIONS, 'run');
  const { tokens } = parseArgs({ args: ours, options: RUN_OPTIONS, strict: true, allowPositionals: true, tokens: true });
  return tokens.flatMap((t) => {
    if (t.kind !== 'option' || NOT_CONFIG.has(t.name)) return [];
    return [t.value === undefined ? `--${t.name}` : `--${t.name}=${t.value}`];
  });
}

/** The nemesis story's flags: --seed 42 or 1,2,3 or 1-20, --schedule FILE, --duration S, --promote POLICY, --kinds K,K. */
function nemesisOverrides(v: {
  seed?: string;
  schedule?: string;
  duration?: string;
  promote?: string;
  kinds?: string;
}): UserConfigFile['nemesis'] {
  if (v.seed === undefined && v.schedule === undefined && v.duration === undefined && v.promote === undefined && v.kinds === undefined)
    return undefined;
  if (v.promote !== undefined && v.promote !== 'most-advanced' && v.promote !== 'least-advanced') {
    throw new UsageError(
      `--promote ${JSON.stringify(v.promote)}: expected most-advanced or least-advanced`,
      'write it as --promote most-advanced',
    );
  }
  return {
    ...(v.seed !== undefined ? { seeds: seedList(v.seed) } : {}),
    ...(v.schedule !== undefined ? { schedule: v.schedule } : {}),
    ...(v.duration !== undefined ? { durationS: seconds('--duration', v.duration, 10, 3600) } : {}),
    ...(v.promote !== undefined ? { promote: v.promote } : {}),
    ...(v.kinds !== undefined ? { kinds: kindList(v.kinds) } : {}),
  };
}

/** `isolate,wal-full` → fault kinds; each must be one of FAULT_KINDS. */
function kindList(text: string): FaultKind[] {
  const kinds = text.split(',').map((k) => k.trim());
  const bad = kinds.find((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (bad !== undefined)
    throw new UsageError(
      `--kinds ${JSON.stringify(text)}: ${JSON.stringify(bad)} is no fault kind`,
      `use kinds from: ${FAULT_KINDS.join(', ')}`,
    );
  return kinds as FaultKind[];
}

/** `42`, `1,2,3` or `1-20` → the seeds, each a 32-bit unsigned integer. */
export function seedList(text: string): number[] {
  const seeds = text.split(',').flatMap((part) => {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UsageError(`--seed ${JSON.stringify(text)}: expected seeds like 42, 1,2,3 or 1-20`, 'write it as --seed 42');
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || to - from >= 1000)
      throw new UsageError(
        `--seed ${JSON.stringify(text)}: a range runs low to high, at most 1000 seeds`,
        `write it as --seed ${Math.min(from, to)}-${Math.min(Math.max(from, to), Math.min(from, to) + 999)}`,
      );
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
  const bad = seeds.find((s) => s > 0xffff_ffff);
  if (bad !== undefined)
    throw new UsageError(`--seed ${bad}: a seed is a 32-bit unsigned integer (0 to 4294967295)`, 'pick a smaller seed');
  return seeds;
}

/**
 * parseArgs in strict mode, with messages that say what to do: the nearest known option for a
 * typo; `--` for vitest's own options.
 */
export function parseStrict(
  argv: string[],
  options: OptionSpec,
  command: string,
): { values: Record<string, unknown>; positionals: string[] } {
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const names = Object.keys(options);
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const spec = options[t.name];
    if (!spec) {
      const near = closest(t.name, names);
      const typo = distance(t.name, near) <= Math.max(1, Math.floor(near.length / 3));
      throw new UsageError(
        `unknown option ${t.rawName} for \`pgchaos ${command}\``,
        typo
          ? `did you mean --${near}? (pgchaos ${command} --help lists them)`
          : command === 'run'
            ? `vitest's own options go after \`--\`, e.g. pgchaos run -- ${t.rawName}${t.value === undefined ? '' : `=${t.value}`} …   (with npm: npm run chaos -- -- ${t.rawName} …); pgchaos run --help lists pgchaos's`
            : `pgchaos ${command} --help lists the options`,
      );
    }
    if (spec.type === 'string' && (t.value === undefined || (t.inlineValue === false && t.value.startsWith('--')))) {
      throw new UsageError(
        `${t.rawName} needs a value`,
        `write it as ${t.rawName} VALUE or ${t.rawName}=VALUE (pgchaos ${command} --help)`,
      );
    }
    if (spec.type === 'boolean' && t.value !== undefined)
      throw new UsageError(`${t.rawName} takes no value (got "${t.value}")`, `write just ${t.rawName}`);
  }
  const r = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  return { values: r.values as Record<string, unknown>, positionals: r.positionals };
}

function parseImage(text: string): [string, string] {
  const m = /^(\d+)=(\S+)$/.exec(text);
  if (!m)
    throw new UsageError(`--image ${text}: expected MAJOR=IMAGE`, 'write it as --image 15=registry.example/postgres:15.8 (once per major)');
  return [m[1]!, m[2]!];
}

/** A whole number of seconds from `min` to `max`. */
function seconds(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max))
    throw new UsageError(
      `${flag} ${JSON.stringify(text)}: expected a whole number of seconds from ${min} to ${max}`,
      `write it as ${flag} 60`,
    );
  return n;
}

function count(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a whole number`, `write it as ${flag} 8`);
  return Number(text);
}

/** The known command nearest to a mistyped one, if it is near enough to be a typo. */
export function nearestCommand(typed: string, commands: readonly string[]): string | undefined {
  const near = closest(typed, [...commands]);
  return distance(typed, near) <= Math.max(2, Math.floor(near.length / 2)) ? near : undefined;
}
