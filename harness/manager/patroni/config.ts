/**
 * The user's Patroni configuration and what pgchaos adds per node, merged into each node's
 * `patroni.yml`. The user writes what a team keeps in its own patroni.yml (the `bootstrap.dcs`
 * settings, `postgresql.parameters`, `tags`, …); pgchaos fills in what differs per node and per
 * run (name, addresses, data directory, DCS hosts, credentials) and refuses a user config that
 * sets those itself. Patroni's own `--validate-config` then judges the result (cluster.ts).
 *
 * Field meanings follow Patroni 3.0.2's docs (docs/SETTINGS.rst "Dynamic configuration settings",
 * docs/replication_modes.rst); see docs/managers.md for what each one promises.
 */
import { z } from 'zod';
import { ConfigError } from '../../errors.ts';

/** `bootstrap.dcs`: Patroni's dynamic configuration, written to the DCS when the cluster is first bootstrapped. */
export interface PatroniDcsSettings {
  /** Seconds the leader lock lives without a refresh: about the time before an automatic failover starts. Patroni's default 30. */
  ttl?: number;
  /** Seconds Patroni's HA loop sleeps between runs. Default 10. */
  loop_wait?: number;
  /** Seconds of DCS and PostgreSQL trouble the leader rides out before it demotes. Default 10. */
  retry_timeout?: number;
  /** Bytes a replica may lag behind and still take part in a leader election. Default 1048576 (1 MB). */
  maximum_lag_on_failover?: number;
  /** Patroni manages `synchronous_standby_names` and promotes only the latest leader or a sync standby. Default false. */
  synchronous_mode?: boolean;
  /** With `synchronous_mode`: never fall back to asynchronous replication when no sync standby is there (writes block). Default false. */
  synchronous_mode_strict?: boolean;
  /** How many sync standbys Patroni names in `synchronous_standby_names` under `synchronous_mode`. Default 1. */
  synchronous_node_count?: number;
  /** DCS failsafe mode (docs/dcs_failsafe_mode.rst). Default false. */
  failsafe_mode?: boolean;
  /** Seconds a crashed primary may take to recover before a failover. Default 300. */
  primary_start_timeout?: number;
  /** Only a replica on the former primary's timeline may become leader. Default false. */
  check_timeline?: boolean;
  postgresql?: {
    /** Rejoin a former primary by pg_rewind. Default false. */
    use_pg_rewind?: boolean;
    /** Replication slots per member. Default true. */
    use_slots?: boolean;
    /** PostgreSQL settings every node gets through the DCS. */
    parameters?: Record<string, string | number | boolean>;
  };
  [more: string]: unknown;
}

/** What the user writes: a patroni.yml without the per-node fields (see `NODE_OWNED`). */
export interface PatroniUserConfig {
  /** Patroni's cluster name (`scope`); default `pgchaos`. */
  scope?: string;
  bootstrap?: {
    dcs?: PatroniDcsSettings;
    /** initdb options; default `[{ encoding: 'UTF8' }, 'data-checksums']`. */
    initdb?: Array<string | Record<string, string>>;
    [more: string]: unknown;
  };
  postgresql?: {
    /** Local PostgreSQL settings of every node (they override the DCS's for most parameters). */
    parameters?: Record<string, string | number | boolean>;
    use_pg_rewind?: boolean;
    /** pg_hba.conf lines; default: local trust, scram-sha-256 from anywhere for replication and clients. */
    pg_hba?: string[];
    [more: string]: unknown;
  };
  /** Member tags (nofailover, nosync, …), the same on every node. */
  tags?: Record<string, unknown>;
  [more: string]: unknown;
}

/** What pgchaos knows of one node when it writes its patroni.yml. */
export interface PatroniNodeFacts {
  /** Member name (`pg0`, `s1`, `s2`): Patroni's `name`, and the standby's application_name. */
  name: string;
  /** The node's host name on the cluster network (its container name). */
  host: string;
  /** etcd client endpoints, `host:port`. */
  etcdHosts: string[];
  /** PGDATA inside the node. */
  dataDir: string;
  /** Where the image's PostgreSQL binaries are. */
  binDir: string;
  superuser: { username: string; password: string };
  replication: { username: string; password: string };
}

/**
 * A refusal of the user's Patroni config that names the field at fault (`bootstrap.dcs.ttl`,
 * `''` for the whole config), so a caller that read the config from a file can name its line.
 */
export class PatroniConfigError extends ConfigError {
  override readonly name: string = 'PatroniConfigError';
  constructor(
    problem: string,
    fix: string,
    /** The dotted path of the field at fault; `''` for the whole config. */
    readonly field: string,
  ) {
    super(problem, fix);
  }
}

/** Patroni's REST API port, and PostgreSQL's, inside every node. */
export const RESTAPI_PORT = 8008;
export const PG_PORT = 5432;

/**
 * Fields pgchaos writes per node; a user config that sets one is refused. The DCS sections: the
 * run's etcd is the DCS (three members on the run's network).
 */
export const NODE_OWNED: ReadonlyArray<{ path: string; why: string }> = [
  { path: 'name', why: 'each node is named by pgchaos (pg0, s1, s2)' },
  { path: 'restapi', why: "each node's REST API address is on the run's network" },
  { path: 'etcd', why: "the DCS is the run's own etcd (three members), found by pgchaos" },
  { path: 'etcd3', why: "the DCS is the run's own etcd (three members), found by pgchaos" },
  { path: 'consul', why: "the DCS is the run's own etcd" },
  { path: 'zookeeper', why: "the DCS is the run's own etcd" },
  { path: 'kubernetes', why: "the DCS is the run's own etcd" },
  { path: 'raft', why: "the DCS is the run's own etcd" },
  { path: 'exhibitor', why: "the DCS is the run's own etcd" },
  { path: 'postgresql.listen', why: "each node's address is on the run's network" },
  { path: 'postgresql.connect_address', why: "each node's address is on the run's network" },
  { path: 'postgresql.data_dir', why: 'the data directory is the image’s PGDATA' },
  { path: 'postgresql.bin_dir', why: 'the binaries are the image’s' },
  { path: 'postgresql.authentication', why: 'pgchaos makes fresh passwords per run, and connects with them' },
  { path: 'postgresql.pgpass', why: 'pgchaos places it inside the node' },
];

const num = (what: string) => z.number({ error: `expected ${what}` });
const whole = (unit: string) => num(`whole ${unit}`).int({ error: `expected whole ${unit}` });
const flag = z.boolean({ error: 'expected true or false' });
const setting = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' });

const dcsSchema = z.looseObject({
  ttl: whole('seconds').min(1).optional(),
  loop_wait: whole('seconds').min(1).optional(),
  retry_timeout: whole('seconds').min(1).optional(),
  maximum_lag_on_failover: whole('bytes').min(0).optional(),
  synchronous_mode: flag.optional(),
  synchronous_mode_strict: flag.optional(),
  synchronous_node_count: whole('standbys').min(1).optional(),
  failsafe_mode: flag.optional(),
  primary_start_timeout: whole('seconds').min(0).optional(),
  check_timeline: flag.optional(),
  postgresql: z
    .looseObject({ use_pg_rewind: flag.optional(), use_slots: flag.optional(), parameters: z.record(z.string(), setting).optional() })
    .optional(),
});

const userSchema = z.looseObject({
  scope: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, { error: 'expected a name of lower-case letters, digits, - and _' })
    .optional(),
  bootstrap: z
    .looseObject({ dcs: dcsSchema.optional(), initdb: z.array(z.union([z.string(), z.record(z.string(), z.string())])).optional() })
    .optional(),
  postgresql: z
    .looseObject({
      parameters: z.record(z.string(), setting).optional(),
      use_pg_rewind: flag.optional(),
      pg_hba: z.array(z.string()).optional(),
    })
    .optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
});

/** Patroni 3.0.2's defaults of the settings the checks read (patroni/config.py `__DEFAULT_CONFIG`). */
export const PATRONI_DEFAULTS = { ttl: 30, loop_wait: 10, retry_timeout: 10, maximum_lag_on_failover: 1_048_576 } as const;

/**
 * Checks the user's Patroni config before anything starts: the types of the settings pgchaos
 * knows (Patroni 3.0.2's `--validate-config` checks only four of `bootstrap.dcs`), no per-node
 * field (`NODE_OWNED`), and the timing rule of Patroni's docs `loop_wait + 2 * retry_timeout <= ttl`
 * (docs/dynamic_configuration.rst, enforced from Patroni 3.2.0, #2869, which adjusts the values and
 * warns; 3.0.2 does not check it, so a cluster would behave differently after an upgrade).
 * @returns the config as given (typed). @throws PatroniConfigError (a ConfigError) naming the field and the fix.
 */
export function checkPatroniConfig(input: unknown): PatroniUserConfig {
  const r = userSchema.safeParse(input ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.join('.');
    const path = field || '(the whole config)';
    throw new PatroniConfigError(
      `patroni config field ${path}: ${issue.message}`,
      `correct ${path} in your patroni config (see docs/managers.md for what each field means)`,
      field,
    );
  }
  const config = r.data as PatroniUserConfig;
  for (const owned of NODE_OWNED) {
    if (getPath(config, owned.path) !== undefined) {
      throw new PatroniConfigError(
        `patroni config sets ${owned.path}, which pgchaos writes per node: ${owned.why}`,
        `remove ${owned.path} from your patroni config`,
        owned.path,
      );
    }
  }
  const dcs = config.bootstrap?.dcs ?? {};
  const ttl = dcs.ttl ?? PATRONI_DEFAULTS.ttl;
  const loopWait = dcs.loop_wait ?? PATRONI_DEFAULTS.loop_wait;
  const retry = dcs.retry_timeout ?? PATRONI_DEFAULTS.retry_timeout;
  if (loopWait + 2 * retry > ttl) {
    throw new PatroniConfigError(
      `patroni config bootstrap.dcs breaks Patroni's rule loop_wait + 2 * retry_timeout <= ttl (${loopWait} + 2 × ${retry} > ${ttl})`,
      `raise bootstrap.dcs.ttl to at least ${loopWait + 2 * retry}, or lower loop_wait or retry_timeout`,
      dcs.ttl !== undefined ? 'bootstrap.dcs.ttl' : 'bootstrap.dcs',
    );
  }
  if (dcs.synchronous_mode_strict && !dcs.synchronous_mode) {
    throw new PatroniConfigError(
      'patroni config sets bootstrap.dcs.synchronous_mode_strict without synchronous_mode, where it has no effect',
      'set bootstrap.dcs.synchronous_mode: true as well (Patroni docs, replication_modes.rst), or remove synchronous_mode_strict',
      'bootstrap.dcs.synchronous_mode_strict',
    );
  }
  return config;
}

/** pg_hba.conf lines when the user gives none: the harness connects with passwords from the host, through the gateway. */
export const DEFAULT_PG_HBA = [
  'local all all trust',
  'host replication all 0.0.0.0/0 scram-sha-256',
  'host all all 0.0.0.0/0 scram-sha-256',
];

/**
 * One node's patroni.yml, as an object: the user's config (checked by `checkPatroniConfig`)
 * deep-merged over pgchaos's defaults, with the node's own fields set last. Objects merge key by
 * key; a list or a value of the user's replaces the default.
 * @returns the object to write (as JSON, which YAML reads).
 */
export function nodeConfig(user: PatroniUserConfig, node: PatroniNodeFacts): Record<string, unknown> {
  const defaults = {
    scope: 'pgchaos',
    bootstrap: {
      // --validate-config of Patroni 3.0.2 requires dcs (a dictionary) and both lists.
      dcs: {},
      initdb: [{ encoding: 'UTF8' }, 'data-checksums'],
      pg_hba: user.postgresql?.pg_hba ?? DEFAULT_PG_HBA,
    },
    postgresql: { pg_hba: DEFAULT_PG_HBA },
  };
  const own = {
    name: node.name,
    restapi: { listen: `0.0.0.0:${RESTAPI_PORT}`, connect_address: `${node.host}:${RESTAPI_PORT}` },
    etcd3: { hosts: node.etcdHosts },
    postgresql: {
      listen: `0.0.0.0:${PG_PORT}`,
      connect_address: `${node.host}:${PG_PORT}`,
      data_dir: node.dataDir,
      bin_dir: node.binDir,
      pgpass: '/tmp/pgpass',
      // rewind as the superuser: Patroni then creates no separate rewind role.
      authentication: { superuser: node.superuser, replication: node.replication, rewind: node.superuser },
    },
  };
  return merge(merge(defaults, user as Record<string, unknown>), own);
}

/** `a` with `b` merged in: objects key by key, anything else (lists included) replaced by `b`'s. */
export function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const old = out[k];
    out[k] = isPlainObject(old) && isPlainObject(v) ? merge(old, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function getPath(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((at, k) => (isPlainObject(at) ? at[k] : undefined), o);
}

/** One complaint of `patroni --validate-config`: the field's dotted path and what is wrong with it. */
export interface ValidationComplaint {
  path: string;
  complaint: string;
}

/**
 * Reads what `patroni --validate-config` printed: one line per problem, `PATH VALUE MESSAGE`
 * (patroni/validator.py `Result.__repr__`, Patroni 3.0.2), e.g.
 * `bootstrap.dcs.ttl abc is not and integer` (sic).
 */
export function parseValidation(output: string): ValidationComplaint[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Traceback'))
    .map((l) => {
      const i = l.indexOf(' ');
      return i < 0 ? { path: l, complaint: '' } : { path: l.slice(0, i), complaint: l.slice(i + 1) };
    });
}

/**
 * The error for complaints of `--validate-config` about a merged config: the first field the
 * user set, else a defect of pgchaos (it wrote every field refused, or left out one Patroni needs).
 * @returns a ConfigError naming the field and the fix, or an Error for pgchaos's own fields.
 */
export function validationError(complaints: ValidationComplaint[], user: PatroniUserConfig, version: string): Error {
  const listed = complaints.map((c) => `${c.path}: ${c.complaint}`).join('; ');
  const theirs = complaints.find((c) => getPath(user, c.path) !== undefined);
  if (!theirs) return new Error(`patroni --validate-config (${version}) refused fields pgchaos wrote, not the user: ${listed}`);
  return new ConfigError(
    `Patroni ${version} refuses your patroni config (--validate-config): ${listed}`,
    `correct ${theirs.path} in your patroni config`,
  );
}

/** What a secret of the user's Patroni config reads as wherever pgchaos shows or stores the config. */
export const REDACTED = '[redacted]';

/** Keys whose values are secrets in a patroni.yml: `password` (authentication, bootstrap.users, etcd), `keyfile_password`, tokens. */
const SECRET_KEY = /password|passwd|passphrase|secret|token/i;

/**
 * `config` with every secret replaced by `REDACTED`, for what pgchaos writes outside the nodes
 * (records, the report, the run's resolved config, logs): the value of any key that names a
 * secret (`password`, `keyfile_password`, `token`, …, any case, at any depth), a `password=…`
 * inside a string (a libpq conninfo in `postgresql.parameters`) and the password of a URL
 * (`postgres://user:pw@host`). Pure; the input is not changed.
 */
export function redactPatroniConfig<T>(config: T): T {
  return redact(config) as T;
}

function redact(v: unknown, key = ''): unknown {
  if (SECRET_KEY.test(key) && v !== null && typeof v !== 'object') return REDACTED;
  if (typeof v === 'string')
    return v.replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, `$1${REDACTED}`).replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, `$1${REDACTED}@`);
  if (Array.isArray(v)) return v.map((x) => redact(x));
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, k)]));
  return v;
}
