/**
 * The user's HA setup, described once: a `pgchaos.config.json` in their repository, the same
 * fields as `pgchaos run` flags (flags win), handed to vitest's workers through the
 * environment. Scenarios build their clusters and writers from it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { baseSettings, checkPasswordEncryption, parseConfFragment, renderConf } from '../db/ha-config.ts';
import { checkConfOnImage } from '../db/image-config.ts';
import { checkStandbyNames, type ClusterOptions } from '../db/bring-up.ts';
import type { SyncPolicy } from '../db/sync-policy.ts';
import { parseMajor, pullAllowed, type PgImage } from '../db/image.ts';
import { ConfigError } from '../errors.ts';
import type { BatchWriterOptions } from '../load/writer.ts';
import { SYNCHRONOUS_COMMIT_LEVELS, synchronousCommitLevel, type SynchronousCommit } from '../model/sync-model.ts';
import { parseSyncStandbyNames, syncConfigWarnings, type SyncStandbyNames } from '../model/sync-standby-names.ts';
import { FAULT_KINDS, type FaultKind } from '../history/fault.ts';
import { MANAGER_NAMES, type ManagerName } from '../history/manager.ts';
import { checkPafConfig, type PafUserConfig } from '../manager/pg-auto-failover/config.ts';
import { checkPgAutoFailoverMajor } from '../manager/pg-auto-failover/image.ts';
import { checkPatroniMajor } from '../manager/patroni/image.ts';
import { checkRepmgrMajor } from '../manager/repmgr/image.ts';
import { checkPgpoolMajor } from '../manager/pgpool/image.ts';
import { checkRepmgrConfig, parseRepmgrConf, type RepmgrUserConfig } from '../manager/repmgr/config.ts';
import { checkPgpoolConfig, parsePgpoolConf, type PgpoolUserConfig } from '../manager/pgpool/config.ts';
import { checkPatroniConfig, PatroniConfigError, redactPatroniConfig, type PatroniUserConfig } from '../manager/patroni/config.ts';
import { checkManagedKinds } from '../nemesis/managed.ts';
import { validateSchedule } from '../nemesis/schedule/validate.ts';

/** The file `pgchaos run` looks for in the working directory when no `--config` is given. */
export const CONFIG_FILE = 'pgchaos.config.json';
/**
 * Environment variable that carries the resolved config from the CLI to vitest's workers: the path of a JSON file
 * (`configToEnv`), not the JSON itself, which may exceed what Linux allows one environment string (128 KiB, E2BIG).
 */
export const CONFIG_ENV = 'PGCHAOS_CONFIG';

/** The file's shape. Every field is optional: the defaults reproduce the write-ups' setup. */
const FileSchema = z.strictObject({
  /** PostgreSQL major(s) to run the suite on, e.g. 15 or [13, 15, 17]. */
  pg: z.union([z.number().int(), z.string(), z.array(z.union([z.number().int(), z.string()])).min(1)]).optional(),
  /** Your own image per major, e.g. { "15": "registry.example/pg:15.8" }; checked for the binaries pgchaos needs before any cluster starts. */
  images: z.record(z.string(), z.string().min(1)).optional(),
  /** Pull the official postgres:NN when no local image fits (default true; false for air-gapped runs: build offline instead). */
  pull: z.boolean().optional(),
  /** The HA manager under test: "builtin" (pgchaos's own operator, default), "patroni" or "pg_auto_failover"; checked against each major's Debian suite. */
  manager: z.string().optional(),
  /** Standby names, 1 to 4, in creation order (default ["s1", "s2"]). */
  standbys: z.array(z.string()).min(1).max(4).optional(),
  /** The primary's synchronous_standby_names (default `ANY 1 (<standbys>)`); '' for asynchronous replication. */
  synchronousStandbyNames: z.string().optional(),
  /** synchronous_commit (default on): a level, in any case, or a boolean alias the server takes (true/yes/1: on; false/no/0: off). */
  synchronousCommit: z.union([z.string(), z.boolean(), z.number()]).optional(),
  /** initdb --data-checksums (default false). */
  dataChecksums: z.boolean().optional(),
  /** Your postgresql.conf fragment, relative to the config file; applied after pgchaos's own settings. */
  postgresqlConf: z.string().min(1).optional(),
  /** Your patroni.yml under manager patroni, relative to the config file; pgchaos adds what is per node (docs/managers.md). */
  patroniConfig: z.string().min(1).optional(),
  /**
   * The pg_auto_failover formation's settings under manager pg_auto_failover (docs/config.md): the formation's
   * number_sync_standbys, and per node (`pg0`, then the standbys) its candidate priority (0..100) and replication quorum.
   * Value checks are checkPafConfig's (manager/pg-auto-failover/config.ts), with pg_auto_failover's own rules.
   */
  pgAutoFailover: z
    .strictObject({
      numberSyncStandbys: z.number().optional(),
      nodes: z
        .record(z.string(), z.strictObject({ candidatePriority: z.number().optional(), replicationQuorum: z.boolean().optional() }))
        .optional(),
    })
    .optional(),
  /**
   * The user's repmgr.conf fragment under manager repmgr (docs/config.md): an object of repmgr.conf's own keys (`failover`,
   * `priority`, `nodes.<name>.priority`, `witness`, `reconnect_attempts`, `reconnect_interval`, `monitor_interval_secs`,
   * `primary_visibility_consensus`, `postgresql`), or the path of a repmgr.conf fragment, relative to the config file.
   * Value checks are checkRepmgrConfig's (manager/repmgr/config.ts), with repmgr's own rules.
   */
  repmgr: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  /**
   * The user's pgpool.conf fragment under manager pgpool (docs/config.md): an object of pgpool.conf's own keys
   * (`health_check_*`, `connect_timeout`, `sr_check_period`, `failover_on_backend_error`, `auto_failback`,
   * `detach_false_primary`, …, and `postgresql` for the nodes), or the path of a fragment, relative to the config file.
   * Value checks are checkPgpoolConfig's (manager/pgpool/config.ts).
   */
  pgpool: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  /** The writer: connections, rows per batch (defaults 8 and 1000) and a target rate in batches per second, like `pgbench -R` (default: as fast as the primary commits). */
  writer: z
    .strictObject({
      clients: z.number().int().min(1).max(64).optional(),
      batchRows: z.number().int().min(1).max(100_000).optional(),
      rateTps: z.number().int().min(1).max(100_000).optional(),
    })
    .optional(),
  /** synchronous_standby_names of a promoted standby: "swap" (default), "same", or the setting itself. */
  afterPromotion: z.string().optional(),
  /** The nemesis story (scenarios/nemesis.test.ts): seeds of its random schedules, or a saved schedule to replay, their length, how its operator promotes, and which fault kinds it draws. */
  nemesis: z
    .strictObject({
      seeds: z.array(z.number().int().min(0).max(0xffff_ffff)).min(1).optional(),
      schedule: z.string().min(1).optional(),
      durationS: z.number().int().min(10).max(3600).optional(),
      promote: z.enum(['most-advanced', 'least-advanced']).optional(),
      kinds: z.array(z.enum(FAULT_KINDS)).min(1).optional(),
      walMountMb: z.number().int().min(256).max(1_048_576).optional(),
    })
    .optional(),
});
export type UserConfigFile = z.infer<typeof FileSchema>;

/** A user's config, validated and resolved (paths absolute, fragment read, defaults filled). */
export interface UserConfig {
  /** Where it came from: a file path, `flags`, or `defaults`. */
  source: string;
  /** True when the file or the flags set the HA fields (standbys, synchronousStandbyNames, synchronousCommit), not only e.g. the major. */
  haGiven: boolean;
  pg: number[];
  images: Record<number, string>;
  /** Whether an official postgres:NN may be pulled (config `pull`, `--no-pull`; else env PGCHAOS_PULL, else yes). */
  pull: boolean;
  /** The HA manager under test (config `manager`, flag `--manager`; default `builtin`, pgchaos's own operator). */
  manager: ManagerName;
  standbys: string[];
  /** The primary's synchronous_standby_names, parsed once here (file field / flag `synchronousStandbyNames`); `sync.text` as written. */
  sync: SyncStandbyNames;
  synchronousCommit: SynchronousCommit;
  dataChecksums: boolean;
  /** Absolute path of the fragment, when one was given. */
  postgresqlConf: string | null;
  /** The fragment's parameters (name → value as written). */
  settings: Record<string, string>;
  /** rateTps: batches per second over all clients; undefined = as fast as the primary commits. */
  writer: { clients: number; batchRows: number; rateTps?: number };
  /** A promoted standby's synchronous_standby_names (file field / flag `afterPromotion`); a setting in it is parsed here too. */
  afterPromotion: SyncPolicy;
  nemesis: NemesisConfig;
  /** The user's Patroni config under manager patroni (a patroni.yml, read and checked), else null: Patroni's defaults. */
  patroni: { file: string; config: PatroniUserConfig } | null;
  /**
   * The formation's settings under manager pg_auto_failover (config `pgAutoFailover`), checked and
   * in pg_auto_failover's spelling (`number_sync_standbys`), as PgAutoFailoverCluster takes them;
   * null: pg_auto_failover's defaults.
   */
  pgAutoFailover: PafUserConfig | null;
  /**
   * The user's repmgr settings under manager repmgr (config `repmgr`: the object, or the fragment file read), checked by
   * `checkRepmgrConfig` against the cluster's nodes; null: repmgr's defaults (with failover=automatic).
   */
  repmgr: { file: string | null; config: RepmgrUserConfig } | null;
  /**
   * The user's pgpool settings under manager pgpool (config `pgpool`: the object, or the fragment file read), checked by
   * `checkPgpoolConfig`; null: pgchaos's pgpool defaults (the story's own settings, when it has them).
   */
  pgpool: { file: string | null; config: PgpoolUserConfig } | null;
  /**
   * Fields given (file or flags) that the chosen manager does not read, each with what sets it
   * under that manager: `configWarnings` says so. Absent when there are none.
   */
  unread?: Array<{ field: string; instead: string }>;
}

/** The nemesis story's settings, resolved. */
export interface NemesisConfig {
  /** Seeds of the schedules to draw (default [1]); each is one scenario. */
  seeds: number[];
  /** Absolute path of a saved schedule to replay instead (`--schedule`), or null. */
  schedule: string | null;
  /** Length of a drawn schedule's faulty part, s (default 60); a recovery window follows. */
  durationS: number;
  /** How the operator picks the standby to promote (default most-advanced; least-advanced is unsafe on purpose). */
  promote: 'most-advanced' | 'least-advanced';
  /** Fault kinds to draw; undefined: the story's default (scenarios/nemesis.test.ts). */
  kinds?: FaultKind[];
  /** Size of each node's pg_wal tmpfs when `wal-full` may be drawn, MB (default WAL_MOUNT_MB). */
  walMountMb?: number;
}

/**
 * Default size of each node's pg_wal tmpfs when `wal-full` may be drawn, MB: pgchaos's
 * max_wal_size (1 GB) and wal_keep_size (2 GB), and headroom.
 */
export const WAL_MOUNT_MB = 4096;

/**
 * Reads and validates the user's config: `file` (or `<cwd>/pgchaos.config.json` when present),
 * then `overrides` (the CLI flags, same field names) on top.
 * @throws ConfigError naming the file (or the flags), the field and the fix: unknown field, wrong
 *   type, unknown major, malformed synchronous_standby_names or afterPromotion, a synchronous_commit
 *   the server refuses, unreadable or malformed postgresql.conf fragment, or one whose
 *   password_encryption = md5 pgchaos's pg_hba.conf (scram-sha-256) cannot authenticate; a
 *   patroniConfig without manager patroni, or a patroni.yml that cannot be read, is not YAML, or
 *   that `checkPatroniConfig` refuses (the message names its line); a pgAutoFailover without manager
 *   pg_auto_failover, or one `checkPafConfig` refuses (a priority outside 0..100, fewer than two
 *   promotable nodes, numberSyncStandbys N without N+1 quorum standbys, a node the cluster lacks);
 *   a repmgr without manager repmgr, or one `checkRepmgrConfig` refuses (a key pgchaos writes per node, an
 *   unknown key, a bad value: `resolveFragment`); a pgpool without manager pgpool, or one
 *   `checkPgpoolConfig` refuses (a key pgchaos writes for the cluster, an unknown key, a bad value, a script path);
 *   under a manager, nemesis.kinds naming a kind its catalogue has not (`checkManagedKinds`).
 */
export function loadUserConfig(o: { cwd: string; file?: string; overrides?: UserConfigFile }): UserConfig {
  const path = o.file ? resolve(o.cwd, o.file) : resolve(o.cwd, CONFIG_FILE);
  const hasFile = o.file !== undefined || existsSync(path);
  let fromFile: UserConfigFile = {};
  if (hasFile) {
    if (!existsSync(path))
      throw new ConfigError(`config file ${path} does not exist`, `create it (see the README's "Your HA config") or drop --config`);
    fromFile = validate(readJson(path), path);
  }
  const overrides = validate(o.overrides ?? {}, 'the command-line flags');
  // A fragment path given in the file is relative to the file; one given as a flag, to the cwd.
  const confBase = overrides.postgresqlConf ? o.cwd : dirname(path);
  const patroniBase = overrides.patroniConfig ? o.cwd : dirname(path);
  const repmgrBase = overrides.repmgr ? o.cwd : dirname(path);
  const pgpoolBase = overrides.pgpool ? o.cwd : dirname(path);
  const merged: UserConfigFile = {
    ...fromFile,
    ...overrides,
    writer: { ...fromFile.writer, ...overrides.writer },
    nemesis: { ...fromFile.nemesis, ...overrides.nemesis },
  };
  const source = hasFile ? path : Object.keys(overrides).length ? 'flags' : 'defaults';
  // Who set a field, for messages: a flag wins over the file.
  const where = (field: keyof UserConfigFile) => (overrides[field] !== undefined || !hasFile ? 'the command-line flags' : path);
  return resolveConfig(merged, confBase, source, where, { patroni: patroniBase, repmgr: repmgrBase, pgpool: pgpoolBase });
}

/** The default config: the write-ups' `ANY 1 (s1, s2)` on the default major. */
export function defaultUserConfig(): UserConfig {
  return resolveConfig({}, process.cwd(), 'defaults', () => 'the defaults');
}

function resolveConfig(
  c: UserConfigFile,
  confBase: string,
  source: string,
  where: (field: keyof UserConfigFile) => string,
  /** Where each manager's fragment path is relative to (the config file's folder, or the cwd for a flag); default `confBase`. */
  bases: { patroni?: string; repmgr?: string; pgpool?: string } = {},
): UserConfig {
  // Each check below throws a ConfigError now, not when the first cluster starts, naming who set the field.
  const pgList = c.pg === undefined ? [process.env.PGCHAOS_PG_MAJOR ?? 15] : Array.isArray(c.pg) ? c.pg : String(c.pg).split(',');
  const pg = atField(c.pg === undefined ? 'PGCHAOS_PG_MAJOR' : where('pg'), c.pg === undefined ? '' : 'pg', () => [
    ...new Set(pgList.map((m) => parseMajor(String(m).trim()))),
  ]);
  const images: Record<number, string> = {};
  for (const [k, v] of Object.entries(c.images ?? {})) images[atField(where('images'), `images.${k}`, () => parseMajor(k))] = v;
  const manager = atField(where('manager'), 'manager', () => checkedManager(c.manager ?? 'builtin', pg));
  const standbys = c.standbys ?? ['s1', 's2'];
  atField(where('standbys'), 'standbys', () => checkStandbyNames(standbys));
  const syncText = c.synchronousStandbyNames ?? `ANY 1 (${standbys.join(', ')})`;
  const sync = atField(where('synchronousStandbyNames'), 'synchronousStandbyNames', () => parseSyncStandbyNames(syncText));
  const synchronousCommit =
    c.synchronousCommit === undefined ? 'on' : checkedSynchronousCommit(c.synchronousCommit, where('synchronousCommit'));
  const afterPromotion = atField(where('afterPromotion'), 'afterPromotion', () => parsePolicy(c.afterPromotion ?? 'swap'));
  let postgresqlConf: string | null = null;
  let settings: Record<string, string> = {};
  if (c.postgresqlConf) {
    postgresqlConf = isAbsolute(c.postgresqlConf) ? c.postgresqlConf : resolve(confBase, c.postgresqlConf);
    let text: string;
    try {
      text = readFileSync(postgresqlConf, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `cannot read the postgresql.conf fragment ${postgresqlConf} (${(e as NodeJS.ErrnoException).code})`,
        'point postgresqlConf (or --conf) at an existing file',
      );
    }
    settings = parseConfFragment(text, postgresqlConf);
    for (const major of pg) checkPasswordEncryption(settings, major, postgresqlConf);
  }
  if (c.nemesis?.kinds?.includes('wal-full')) checkWalMount(c.nemesis.walMountMb ?? WAL_MOUNT_MB, settings);
  let patroni: UserConfig['patroni'] = null;
  if (c.patroniConfig !== undefined) {
    if (manager !== 'patroni')
      throw new ConfigError(
        `${where('patroniConfig')}: patroniConfig names a patroni.yml, but the manager is ${manager}, which does not read it`,
        'set "manager": "patroni" (flag --manager patroni) to run your patroni.yml, or drop patroniConfig (flag --patroni-config)',
      );
    const file = isAbsolute(c.patroniConfig) ? c.patroniConfig : resolve(bases.patroni ?? confBase, c.patroniConfig);
    patroni = { file, config: readPatroniConfig(file) };
  }
  let pgAutoFailover: PafUserConfig | null = null;
  if (c.pgAutoFailover !== undefined) {
    if (manager !== 'pg_auto_failover')
      throw new ConfigError(
        `${where('pgAutoFailover')}: pgAutoFailover sets a pg_auto_failover formation, but the manager is ${manager}, which does not read it`,
        'set "manager": "pg_auto_failover" (flag --manager pg_auto_failover) to run it, or drop pgAutoFailover',
      );
    const { numberSyncStandbys, nodes } = c.pgAutoFailover;
    atField(where('pgAutoFailover'), 'pgAutoFailover', () => checkPafConfig(c.pgAutoFailover, ['pg0', ...standbys], 'numberSyncStandbys'));
    pgAutoFailover = {
      ...(numberSyncStandbys !== undefined ? { number_sync_standbys: numberSyncStandbys } : {}),
      ...(nodes ? { nodes } : {}),
    };
  }
  const nodes = ['pg0', ...standbys];
  const repmgr =
    c.repmgr === undefined
      ? null
      : resolveFragment(c.repmgr, manager, where('repmgr'), bases.repmgr ?? confBase, REPMGR_FRAGMENT, (conf) =>
          checkRepmgrConfig(conf, nodes),
        );
  const pgpool =
    c.pgpool === undefined
      ? null
      : resolveFragment(c.pgpool, manager, where('pgpool'), bases.pgpool ?? confBase, PGPOOL_FRAGMENT, (conf) => checkPgpoolConfig(conf));
  if (manager !== 'builtin' && c.nemesis?.kinds) {
    const kinds = c.nemesis.kinds;
    atField(where('nemesis'), 'nemesis.kinds', () => checkManagedKinds(manager, kinds));
  }
  const unread = manager === 'builtin' ? [] : unreadFields(c, manager);
  return {
    source,
    haGiven: c.standbys !== undefined || c.synchronousStandbyNames !== undefined || c.synchronousCommit !== undefined,
    pg,
    images,
    pull: pullAllowed(c.pull),
    manager,
    standbys,
    sync,
    synchronousCommit,
    dataChecksums: c.dataChecksums ?? false,
    postgresqlConf,
    settings,
    writer: {
      clients: c.writer?.clients ?? 8,
      batchRows: c.writer?.batchRows ?? 1000,
      ...(c.writer?.rateTps !== undefined ? { rateTps: c.writer.rateTps } : {}),
    },
    afterPromotion,
    patroni,
    pgAutoFailover,
    repmgr,
    pgpool,
    ...(unread.length ? { unread } : {}),
    nemesis: {
      seeds: c.nemesis?.seeds ?? [1],
      schedule: c.nemesis?.schedule ? checkedSchedule(resolve(confBase, c.nemesis.schedule)) : null,
      durationS: c.nemesis?.durationS ?? 60,
      promote: c.nemesis?.promote ?? 'most-advanced',
      ...(c.nemesis?.kinds ? { kinds: c.nemesis.kinds } : {}),
      ...(c.nemesis?.walMountMb ? { walMountMb: c.nemesis.walMountMb } : {}),
    },
  };
}

/** A manager's fragment field: its manager, what the fragment is, and how its text is read. */
interface FragmentField<T> {
  field: 'repmgr' | 'pgpool';
  manager: ManagerName;
  /** The file's name in messages: `repmgr.conf`, `pgpool.conf`. */
  conf: string;
  /** Reads the fragment's text as the manager's own parser does. @throws ConfigError naming the line. */
  parse(text: string): T;
}

const REPMGR_FRAGMENT: FragmentField<RepmgrUserConfig> = {
  field: 'repmgr',
  manager: 'repmgr',
  conf: 'repmgr.conf',
  parse: parseRepmgrConf,
};
const PGPOOL_FRAGMENT: FragmentField<PgpoolUserConfig> = {
  field: 'pgpool',
  manager: 'pgpool',
  conf: 'pgpool.conf',
  parse: parsePgpoolConf,
};

/**
 * A manager's fragment field (config `repmgr`, `pgpool`) checked before any container starts: an
 * object is taken as given, a string is a fragment's path, relative to `base` (the config file's
 * folder), read as the manager's own parser reads it (`f.parse`); then `check` (the manager's keys
 * and rules: `checkRepmgrConfig`, `checkPgpoolConfig`).
 * @throws ConfigError naming `where`, the field and the fix: the field under another manager, a
 *   fragment that cannot be read, a line that is not `key = value`, a key pgchaos writes, an unknown key, a bad value.
 */
function resolveFragment<T>(
  raw: string | Record<string, unknown>,
  manager: ManagerName,
  where: string,
  base: string,
  f: FragmentField<T>,
  check: (config: T) => unknown,
): { file: string | null; config: T } {
  if (manager !== f.manager)
    throw new ConfigError(
      `${where}: ${f.field} sets a ${f.conf} fragment, but the manager is ${manager}, which does not read it`,
      `set "manager": "${f.manager}" (flag --manager ${f.manager}) to run it, or drop ${f.field}`,
    );
  let file: string | null = null;
  let config: T;
  if (typeof raw === 'string') {
    file = isAbsolute(raw) ? raw : resolve(base, raw);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `${where}: cannot read the ${f.conf} fragment ${file} (${(e as NodeJS.ErrnoException).code})`,
        `point ${f.field} at an existing file, or give its settings as an object`,
      );
    }
    config = atField(where, `${f.field} (${file})`, () => f.parse(text));
  } else config = raw as T;
  atField(where, file ? `${f.field} (${file})` : f.field, () => check(config));
  return { file, config };
}

/**
 * What is legal but wrong about a config's HA settings (a name that matches no standby, more
 * synchronous standbys asked for than exist: commits that wait forever), one sentence each;
 * [] when sound. The one check behind `pgchaos run`'s and `pgchaos doctor`'s warnings. A
 * promoted primary's own setting (`afterPromotion`) is checked against the standbys too.
 */
export function configWarnings(c: UserConfig): string[] {
  const warnings = syncConfigWarnings(c.sync, c.standbys);
  for (const u of c.unread ?? [])
    warnings.push(`${u.field} is not read under manager ${c.manager}: ${u.instead} (drop ${u.field}, or run with manager builtin)`);
  if (typeof c.afterPromotion === 'object') {
    warnings.push(...syncConfigWarnings(c.afterPromotion.setting, c.standbys).map((w) => `afterPromotion: ${w}`));
  }
  return warnings;
}

/**
 * `name` as a manager pgchaos runs on every major of `majors`: a ConfigError now, before any
 * container starts, for a manager pgchaos does not know (naming those it runs) or a major whose Debian
 * suite lacks the manager's packages (Patroni: manager/patroni/image.ts `checkPatroniMajor`;
 * pg_auto_failover: manager/pg-auto-failover/image.ts `checkPgAutoFailoverMajor`; pgpool-II:
 * manager/pgpool/image.ts `checkPgpoolMajor`; each names the majors that have them).
 */
export function checkedManager(name: string, majors: readonly number[]): ManagerName {
  const built = MANAGER_NAMES.join(', ');
  if (!(MANAGER_NAMES as readonly string[]).includes(name))
    throw new ConfigError(
      `"${name}" is no HA manager pgchaos knows (it runs ${built})`,
      `pick one of ${built}, or drop manager for builtin`,
    );
  const manager = name as ManagerName;
  const checkMajor = {
    patroni: checkPatroniMajor,
    pg_auto_failover: checkPgAutoFailoverMajor,
    repmgr: checkRepmgrMajor,
    pgpool: checkPgpoolMajor,
    builtin: undefined,
  }[manager];
  if (checkMajor)
    for (const major of majors) {
      try {
        checkMajor(major);
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(e.problem, `${e.fix}, or run PostgreSQL ${major} with manager builtin`);
        throw e;
      }
    }
  return manager;
}

/**
 * The fields of `c` a manager other than the built-in does not read (they shape pgchaos's own
 * cluster and operator), each with what sets the same thing under `manager`: Patroni's patroni.yml,
 * pg_auto_failover's formation (config `pgAutoFailover`; pg_autoctl writes synchronous_standby_names
 * itself, src/monitor/node_active_protocol.c, and leaves synchronous_commit at PostgreSQL's default),
 * repmgr's quickstart set-up (repmgr never writes synchronous_standby_names), pgpool's cluster
 * (pgpool writes no PostgreSQL parameter).
 */
function unreadFields(c: UserConfigFile, manager: Exclude<ManagerName, 'builtin'>): Array<{ field: string; instead: string }> {
  const unread: Array<{ field: string; instead: string }> = [];
  const note = (given: unknown, field: string, instead: string) => given !== undefined && unread.push({ field, instead });
  const by = UNREAD_INSTEAD[manager];
  note(c.synchronousStandbyNames, 'synchronousStandbyNames', by.synchronousStandbyNames);
  note(c.synchronousCommit, 'synchronousCommit', by.synchronousCommit);
  note(c.afterPromotion, 'afterPromotion', by.afterPromotion);
  note(c.postgresqlConf, 'postgresqlConf', by.postgresqlConf);
  note(c.dataChecksums, 'dataChecksums', by.dataChecksums);
  note(c.nemesis?.promote, 'nemesis.promote', by.promote);
  return unread;
}

/** Per manager, what sets each field `unreadFields` names instead. */
const UNREAD_INSTEAD: Record<
  Exclude<ManagerName, 'builtin'>,
  Record<'synchronousStandbyNames' | 'synchronousCommit' | 'afterPromotion' | 'postgresqlConf' | 'dataChecksums' | 'promote', string>
> = {
  patroni: {
    synchronousStandbyNames:
      'Patroni writes synchronous_standby_names itself, from bootstrap.dcs.synchronous_mode and synchronous_node_count in your patroni.yml',
    synchronousCommit: 'Patroni sets it from postgresql.parameters.synchronous_commit in your patroni.yml',
    afterPromotion:
      "Patroni rewrites a promoted leader's synchronous_standby_names itself, as bootstrap.dcs.synchronous_mode in your patroni.yml says",
    postgresqlConf: 'Patroni sets PostgreSQL parameters from postgresql.parameters in your patroni.yml',
    dataChecksums: "Patroni runs initdb with bootstrap.initdb of your patroni.yml (pgchaos's default has data-checksums)",
    promote:
      'Patroni picks the replica to promote itself, from bootstrap.dcs.maximum_lag_on_failover and synchronous_mode in your patroni.yml',
  },
  pg_auto_failover: {
    synchronousStandbyNames:
      "pg_auto_failover's monitor writes synchronous_standby_names itself, from pgAutoFailover.numberSyncStandbys and each node's replicationQuorum",
    synchronousCommit: "pg_auto_failover leaves synchronous_commit at PostgreSQL's default, on",
    afterPromotion: "pg_auto_failover's monitor rewrites a promoted node's synchronous_standby_names itself, from pgAutoFailover",
    postgresqlConf: 'pgchaos runs pg_auto_failover nodes with the postgresql.conf pg_autoctl create postgres writes',
    dataChecksums: 'pg_autoctl create postgres runs initdb itself',
    promote: "pg_auto_failover's monitor picks the node to promote itself, by pgAutoFailover.nodes.<name>.candidatePriority",
  },
  repmgr: {
    synchronousStandbyNames:
      'repmgr never writes synchronous_standby_names: its nodes replicate asynchronously, as its quickstart sets them up, ' +
      'unless repmgr.postgresql sets it',
    synchronousCommit: "pgchaos's repmgr nodes leave synchronous_commit at PostgreSQL's default, on, unless repmgr.postgresql sets it",
    afterPromotion: "repmgrd promotes with repmgr's promote_command and leaves synchronous_standby_names as it was",
    postgresqlConf: "pgchaos runs repmgr nodes with the postgresql.conf of repmgr's quickstart and the parameters of repmgr.postgresql",
    dataChecksums: 'pgchaos runs initdb on the repmgr primary without data checksums (wal_log_hints on, for pg_rewind)',
    promote: "repmgrd picks the standby to promote itself, by each node's priority and LSN (repmgr.priority, repmgr.nodes.<name>.priority)",
  },
  pgpool: {
    synchronousStandbyNames:
      'pgpool never writes synchronous_standby_names: its nodes replicate asynchronously unless pgpool.postgresql sets it',
    synchronousCommit: "pgchaos's pgpool nodes leave synchronous_commit at PostgreSQL's default, on, unless pgpool.postgresql sets it",
    afterPromotion: "pgpool's failover_command promotes by pg_promote() and leaves synchronous_standby_names as it was",
    postgresqlConf: "pgchaos's pgpool nodes take PostgreSQL parameters from pgpool.postgresql",
    dataChecksums: 'pgchaos runs initdb on the pgpool primary without data checksums (wal_log_hints on, for pg_rewind)',
    promote: 'pgpool promotes the live standby with the smallest node id (failover_command %m), whatever its LSN',
  },
};

/**
 * Reads the user's patroni.yml (YAML 1.1, as Patroni's PyYAML reads it: `on`, `yes` are true) and
 * checks it (`checkPatroniConfig`), before any container starts.
 * @throws ConfigError naming the file, the line (a syntax error's, or the refused field's) and the fix.
 */
export function readPatroniConfig(file: string): PatroniUserConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `cannot read the patroni config ${file} (${(e as NodeJS.ErrnoException).code})`,
      'point patroniConfig (or --patroni-config) at an existing patroni.yml',
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', lineCounter: lines, prettyErrors: true });
  const bad = doc.errors[0];
  if (bad) {
    const line = bad.linePos?.[0].line;
    const what = bad.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(
      `${file}${line ? ` line ${line}` : ''} is not valid YAML (${what})`,
      'fix the YAML at that line (indent with spaces, a space after each colon, one value per key)',
    );
  }
  try {
    return checkPatroniConfig(doc.toJS());
  } catch (e) {
    if (!(e instanceof PatroniConfigError)) throw e;
    const line = lineOf(doc.contents, e.field, lines);
    throw new ConfigError(`${file}${line ? ` line ${line}` : ''}: ${e.problem}`, e.fix);
  }
}

/** The line (from 1) of the key at the dotted `field` in a YAML document's contents; undefined when it is not there. */
function lineOf(contents: Node | null, field: string, lines: LineCounter): number | undefined {
  let node: unknown = contents;
  let at: number | undefined;
  for (const k of field ? field.split('.') : []) {
    if (!isMap(node)) return at;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === k);
    if (!pair || !isScalar(pair.key) || !pair.key.range) return at;
    at = lines.linePos(pair.key.range[0]).line;
    node = pair.value;
  }
  return at;
}

/** A saved schedule's path, once it reads as a valid schedule: a ConfigError now, not inside the run. */
function checkedSchedule(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `cannot read the schedule ${path} (${(e as NodeJS.ErrnoException).code})`,
      'point --schedule (or nemesis.schedule) at a schedule a run or pgchaos shrink saved',
    );
  }
  try {
    validateSchedule(JSON.parse(text));
  } catch (e) {
    if (e instanceof SyntaxError)
      throw new ConfigError(
        `the schedule ${path} is not JSON (${e.message})`,
        'point --schedule at a schedule a run or pgchaos shrink saved',
      );
    if (e instanceof ConfigError) throw new ConfigError(`the schedule ${path}: ${e.problem}`, e.fix);
    throw e;
  }
  return path;
}

/**
 * When `wal-full` may be drawn: the mount (default `defaultMb`) against max_wal_size +
 * wal_keep_size as the fragment sets them (else pgchaos's 1 GB and 2 GB) and 512 MB of headroom,
 * as `Cluster.start` checks on the server itself; a value this cannot read is left to that check.
 * @throws ConfigError naming the sizes and the smallest mount that fits.
 */
export function checkWalMount(walMountMb: number, settings: Record<string, string>): void {
  const max = sizeMb(settings.max_wal_size ?? '1GB');
  const keep = sizeMb(settings.wal_keep_size ?? '2GB');
  if (max === undefined || keep === undefined) return;
  const need = Math.ceil(max + keep + 512);
  if (walMountMb < need) {
    throw new ConfigError(
      `nemesis.walMountMb ${walMountMb} is too small for pg_wal: max_wal_size + wal_keep_size is ${Math.ceil(max + keep)} MB`,
      `give nemesis.walMountMb ${need} or more, or lower max_wal_size / wal_keep_size in your fragment`,
    );
  }
}

/** `1GB`, `512MB`, `2048` (MB, the unit of both settings) in MB; undefined when it reads otherwise. */
function sizeMb(text: string): number | undefined {
  const m = /^\s*'?(\d+)\s*(kB|MB|GB|TB)?'?\s*$/.exec(text);
  if (!m) return undefined;
  const per: Record<string, number> = { kB: 1 / 1024, MB: 1, GB: 1024, TB: 1024 * 1024 };
  return Number(m[1]) * per[m[2] ?? 'MB']!;
}

/**
 * The `afterPromotion` field: "swap", "same", or a synchronous_standby_names, parsed.
 * @throws ConfigError with the parser's problem and a fix that names the three choices.
 */
function parsePolicy(text: string): SyncPolicy {
  if (text === 'swap' || text === 'same') return text;
  try {
    return { setting: parseSyncStandbyNames(text) };
  } catch (e) {
    if (e instanceof ConfigError)
      throw new ConfigError(e.problem, `write "swap" (the default), "same", or the promoted primary's synchronous_standby_names: ${e.fix}`);
    throw e;
  }
}

/** A policy as the user writes it (the `afterPromotion` field, and how the record shows it): a setting as its text. */
export function policyText(p: SyncPolicy): 'swap' | 'same' | { setting: string } {
  return typeof p === 'object' ? { setting: p.setting.text } : p;
}

/** `value` as the `synchronous_commit` level it means. @throws ConfigError naming `where` and the levels. */
function checkedSynchronousCommit(value: string | boolean | number, where: string): SynchronousCommit {
  const level = synchronousCommitLevel(String(value));
  if (level) return level;
  throw new ConfigError(
    `${where}: synchronousCommit: PostgreSQL has no synchronous_commit level ${JSON.stringify(value)}`,
    `use one of ${SYNCHRONOUS_COMMIT_LEVELS.join(', ')} (any case; true, yes, 1 mean on; false, no, 0 mean off)`,
  );
}

/** Runs `check`; a ConfigError it throws is thrown again naming where the value came from and its field. */
function atField<T>(where: string, field: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${where}: ${field ? `${field}: ` : ''}${e.problem}`, e.fix);
    throw e;
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${path} is not valid JSON (${(e as Error).message})`, 'fix the JSON syntax (no comments, no trailing commas)');
  }
}

function validate(data: unknown, where: string): UserConfigFile {
  const r = FileSchema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || '(top level)';
  const known = Object.keys(FileSchema.shape).join(', ');
  const got = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), data);
  const message = got !== undefined && issue.code === 'invalid_value' ? `${issue.message}, got ${JSON.stringify(got)}` : issue.message;
  // The fix of the field's nearest enclosing entry (pgAutoFailover.nodes.s1.candidatePriority: pgAutoFailover.nodes's).
  const keys = issue.path.filter((k) => typeof k === 'string');
  const hint = keys.map((_, i) => FIELD_FIXES[keys.slice(0, keys.length - i).join('.')]).find((h) => h !== undefined);
  throw new ConfigError(
    `${where}: ${field}: ${message}`,
    issue.code === 'unrecognized_keys'
      ? issue.path.length && hint
        ? hint
        : `use only these fields: ${known}`
      : (hint ?? `correct ${field} (see the README's "Your HA config under test")`),
  );
}

/** The fix a config error names, for fields whose rule a user cannot guess from zod's message. */
const FIELD_FIXES: Record<string, string> = {
  'nemesis.durationS': 'give seconds from 10 to 3600 (flag --duration)',
  'nemesis.kinds': `name at least one fault kind (flag --kinds): ${FAULT_KINDS.join(', ')}; or drop nemesis.kinds for the story's default`,
  'nemesis.walMountMb': "give MB from 256 up; it must exceed max_wal_size + wal_keep_size + 512 (4096 fits pgchaos's defaults)",
  'nemesis.seeds': 'give whole numbers from 0 to 4294967295 (flag --seed 1-20)',
  pgAutoFailover:
    'give { "numberSyncStandbys": N, "nodes": { "s1": { "candidatePriority": 0..100, "replicationQuorum": true } } } (docs/config.md)',
  'pgAutoFailover.numberSyncStandbys': 'give a whole number from 0 (pg_auto_failover number_sync_standbys)',
  repmgr:
    'give an object of repmgr.conf keys, e.g. { "failover": "automatic", "nodes": { "s2": { "priority": 0 } } }, ' +
    'or the path of a repmgr.conf fragment (docs/config.md)',
  pgpool:
    'give an object of pgpool.conf keys, e.g. { "detach_false_primary": true, "postgresql": { "synchronous_standby_names": "ANY 2 (s1, s2)" } }, ' +
    'or the path of a pgpool.conf fragment (docs/config.md)',
  'pgAutoFailover.nodes': 'give per node (pg0, then the standbys) candidatePriority (0..100) and replicationQuorum (true or false)',
};

/**
 * The config this process runs with: the one the CLI resolved (the file env PGCHAOS_CONFIG names), else
 * `pgchaos.config.json` in the working directory, else the defaults.
 * @throws Error (ENOENT) when PGCHAOS_CONFIG names a file that is gone.
 */
export function userConfig(): UserConfig {
  const file = process.env[CONFIG_ENV];
  const c = file ? (JSON.parse(readFileSync(file, 'utf8')) as UserConfig) : loadUserConfig({ cwd: process.cwd() });
  // The resolved file holds the patroni.yml redacted (configToEnv): its secrets are read from the file itself.
  if (file && c.patroni) c.patroni = { file: c.patroni.file, config: readPatroniConfig(c.patroni.file) };
  const manager = process.env[MANAGER_ENV];
  return manager ? { ...c, manager: atField(MANAGER_ENV, 'manager', () => checkedManager(manager, c.pg)) } : c;
}

/**
 * Names the manager the stories of this process run under, over the config's: pgchaos's own
 * suite sets it for its `managers` project (vitest.config.ts), whose stories are written for a
 * manager other than the built-in. A user picks a manager with `--manager` or config `manager`.
 */
export const MANAGER_ENV = 'PGCHAOS_MANAGER';

/** The file in a run's folder that holds the config the CLI resolved, for vitest's workers. */
export const RESOLVED_CONFIG_FILE = 'resolved-config.json';

/**
 * What `userConfig()` reads in a child process: writes the config to `<runDir>/resolved-config.json` and returns
 * the environment that names it. Set it before starting vitest.
 */
export function configToEnv(c: UserConfig, runDir: string): Record<string, string> {
  const file = join(runDir, RESOLVED_CONFIG_FILE);
  mkdirSync(runDir, { recursive: true });
  // The run's folder is shared as its report: no secret of the user's patroni.yml goes there (userConfig reads them from the file).
  const shown = c.patroni ? { ...c, patroni: { file: c.patroni.file, config: redactPatroniConfig(c.patroni.config) } } : c;
  writeFileSync(file, JSON.stringify(shown, null, 1));
  // PGCHAOS_PULL too: a cluster resolves its image in the worker, which reads the pull policy from it.
  return { [CONFIG_ENV]: file, PGCHAOS_PULL: c.pull ? 'missing' : 'never' };
}

/**
 * Has the server of `image` check the postgresql.conf a cluster of this config writes (pgchaos's
 * settings, then the user's fragment), once, before any cluster starts (`checkConfOnImage`: one
 * throwaway container, 5.1 s measured here).
 * @throws ConfigError with the server's error and HINT lines, naming the fragment and the parameter.
 */
export async function checkConfigOnImage(c: UserConfig, image: PgImage): Promise<void> {
  const conf = renderConf({ ...baseSettings(c.sync, image.major, c.synchronousCommit), ...c.settings });
  await checkConfOnImage(image, conf, c.settings, c.postgresqlConf);
}

/** The cluster options of a config for one major. */
export function clusterOptionsOf(c: UserConfig, major: number = c.pg[0]!): ClusterOptions {
  return {
    pgMajor: major,
    ...(c.images[major] ? { image: c.images[major] } : {}),
    standbys: c.standbys,
    synchronousStandbyNames: c.sync,
    synchronousCommit: c.synchronousCommit,
    dataChecksums: c.dataChecksums,
    settings: c.settings,
    afterPromotion: c.afterPromotion,
  };
}

/** The writer options of a config. */
export function writerOptionsOf(c: UserConfig): BatchWriterOptions {
  return {
    clients: c.writer.clients,
    batchRows: c.writer.batchRows,
    ...(c.writer.rateTps !== undefined ? { rateTps: c.writer.rateTps } : {}),
  };
}
