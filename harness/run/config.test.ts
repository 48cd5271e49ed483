import { tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { checkPgpoolConfig } from '../manager/pgpool/config.ts';
import { checkRepmgrConfig } from '../manager/repmgr/config.ts';
import { managedLimits } from '../nemesis/defaults.ts';
import { managedKinds } from '../nemesis/managed.ts';
import { pgpoolPromise } from '../model/pgpool-promise.ts';
import { synchronousCommitLevel } from '../model/sync-model.ts';
import { repmgrPromise } from '../model/repmgr-promise.ts';
import { configToEnv, configWarnings, loadUserConfig, policyText, userConfig, type UserConfigFile } from './config.ts';

const load = (overrides: Parameters<typeof loadUserConfig>[0]['overrides']) => () => loadUserConfig({ cwd: tmpdir(), overrides });

describe('loadUserConfig: standby names (the same rule as Cluster.start)', () => {
  it('accepts lower-case identifiers and says whether the HA fields were given', () => {
    expect(loadUserConfig({ cwd: tmpdir(), overrides: { standbys: ['s1', 'dc2_a'] } })).toMatchObject({
      standbys: ['s1', 'dc2_a'],
      sync: { method: 'any', num: 1, names: ['s1', 'dc2_a'], text: 'ANY 1 (s1, dc2_a)' },
      haGiven: true,
    });
    expect(loadUserConfig({ cwd: tmpdir(), overrides: { pg: 15 } }).haGiven).toBe(false);
  });
  it('refuses primary, the keywords any/first, non-identifiers and duplicates, naming the fix', () => {
    for (const bad of ['primary', 'any', 'FIRST', 'S1', 'node-2'])
      expect(load({ standbys: ['s1', bad] }), bad).toThrow(/invalid standby name[\s\S]*fix: use lower-case identifiers/);
    expect(load({ standbys: ['s1', 's1'] })).toThrow(ConfigError);
    expect(load({ standbys: ['s1', 's1'] })).toThrow(/duplicate standby names/);
  });
});

describe('loadUserConfig: the nemesis fault kinds', () => {
  it('leaves them to the story unless named, and takes a list of fault kinds', () => {
    expect(loadUserConfig({ cwd: tmpdir(), overrides: {} }).nemesis.kinds).toBeUndefined();
    expect(loadUserConfig({ cwd: tmpdir(), overrides: { nemesis: { kinds: ['wal-full', 'isolate'] } } }).nemesis.kinds).toEqual([
      'wal-full',
      'isolate',
    ]);
  });
  it('refuses an empty list and a kind that is none', () => {
    expect(load({ nemesis: { kinds: [] } })).toThrow(ConfigError);
    expect(load({ nemesis: { kinds: ['disk-full' as 'isolate'] } })).toThrow(/expected one of|fault kind|Invalid/);
  });
});

describe('loadUserConfig: the nemesis story checked before any container', () => {
  it('refuses a saved schedule that is missing, not JSON, or no schedule, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-sched-'));
    writeFileSync(join(dir, 'bad.json'), '{"seed": 1}');
    writeFileSync(join(dir, 'text.json'), 'seed 1');
    expect(load({ nemesis: { schedule: join(dir, 'none.json') } })).toThrow(/cannot read the schedule .*none\.json \(ENOENT\)/);
    expect(load({ nemesis: { schedule: join(dir, 'text.json') } })).toThrow(/the schedule .*text\.json is not JSON/);
    expect(load({ nemesis: { schedule: join(dir, 'bad.json') } })).toThrow(
      /the schedule .*bad\.json: invalid schedule[\s\S]*faults \(missing\)/,
    );
    rmSync(dir, { recursive: true });
  });
  it('refuses a WAL mount too small for max_wal_size + wal_keep_size when wal-full may be drawn', () => {
    expect(load({ nemesis: { kinds: ['wal-full'], walMountMb: 3000 } })).toThrow(
      /walMountMb 3000 is too small for pg_wal: max_wal_size \+ wal_keep_size is 3072 MB[\s\S]*give nemesis.walMountMb 3584 or more/,
    );
    expect(load({ nemesis: { kinds: ['wal-full'], walMountMb: 3584 } })).not.toThrow();
    expect(load({ nemesis: { kinds: ['isolate'], walMountMb: 300 } })).not.toThrow();
  });
});

describe('loadUserConfig: values the server takes, and messages that name the file and field', () => {
  const inFile = (content: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-cfg-'));
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify(content));
    return { dir, load: () => loadUserConfig({ cwd: dir }) };
  };
  it('takes synchronous_commit in any case and with its boolean aliases, as PostgreSQL does', () => {
    const level = (v: string | boolean | number) =>
      loadUserConfig({ cwd: tmpdir(), overrides: { synchronousCommit: v } }).synchronousCommit;
    for (const on of ['ON', 'On', 'true', 'TRUE', 'yes', '1', true, 1]) expect(level(on), String(on)).toBe('on');
    for (const off of ['OFF', 'false', 'no', 'No', '0', false, 0]) expect(level(off), String(off)).toBe('off');
    expect(level('Remote_Apply')).toBe('remote_apply');
    expect(level('LOCAL')).toBe('local');
  });
  it('refuses a synchronous_commit the server refuses, naming the file, the field and the levels', () => {
    const { dir, load: loadFile } = inFile({ synchronousCommit: 'remote' });
    expect(loadFile).toThrow(
      new RegExp(
        `${dir}/pgchaos.config.json: synchronousCommit: PostgreSQL has no synchronous_commit level "remote"[\\s\\S]*fix: use one of off, local, remote_write, on, remote_apply`,
      ),
    );
    // A prefix the server takes for a boolean parameter is not taken by this enum (config_enum_lookup_by_name).
    expect(load({ synchronousCommit: 'of' })).toThrow(
      /the command-line flags: synchronousCommit: PostgreSQL has no synchronous_commit level "of"/,
    );
    rmSync(dir, { recursive: true });
  });
  it('names the file and field of an unknown major', () => {
    const { dir, load: loadFile } = inFile({ pg: 11 });
    expect(loadFile).toThrow(new RegExp(`${dir}/pgchaos.config.json: pg: unknown PostgreSQL major version "11"`));
    rmSync(dir, { recursive: true });
    const images = inFile({ images: { '9': 'x:9' } });
    expect(images.load).toThrow(/pgchaos\.config\.json: images\.9: unknown PostgreSQL major version "9"/);
    rmSync(images.dir, { recursive: true });
  });
  it('names afterPromotion, not synchronous_standby_names, when afterPromotion is malformed', () => {
    const { dir, load: loadFile } = inFile({ afterPromotion: 'ANY 1 s1' });
    expect(loadFile).toThrow(
      new RegExp(
        `${dir}/pgchaos.config.json: afterPromotion: malformed synchronous_standby_names "ANY 1 s1"[\\s\\S]*fix: write "swap" \\(the default\\), "same"`,
      ),
    );
    rmSync(dir, { recursive: true });
    expect(load({ synchronousStandbyNames: 'ANY 1 s1' })).toThrow(
      /^the command-line flags: synchronousStandbyNames: malformed synchronous_standby_names/,
    );
    expect(load({ standbys: ['s1', 'S2'] })).toThrow(/^the command-line flags: standbys: invalid standby name/);
  });
});

describe('loadUserConfig: synchronous_standby_names parsed once', () => {
  it('keeps the text as written and survives the JSON trip to vitest workers', () => {
    const c = loadUserConfig({ cwd: tmpdir(), overrides: { synchronousStandbyNames: 'any 1(S1,s2)', afterPromotion: 's2, primary' } });
    expect(c.sync).toEqual({ method: 'any', num: 1, names: ['S1', 's2'], form: 'any', text: 'any 1(S1,s2)' });
    expect(c.afterPromotion).toEqual({ setting: { method: 'first', num: 1, names: ['s2', 'primary'], form: 'list', text: 's2, primary' } });
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });
  it('shows a policy as the user wrote it', () => {
    const c = loadUserConfig({ cwd: tmpdir(), overrides: { afterPromotion: 's2, primary' } });
    expect(policyText(c.afterPromotion)).toEqual({ setting: 's2, primary' });
    expect(policyText('swap')).toBe('swap');
  });
});

describe('loadUserConfig: the HA manager, chosen before any container starts', () => {
  it('is builtin unless chosen; patroni runs on PostgreSQL 15 and 17', () => {
    expect(loadUserConfig({ cwd: tmpdir(), overrides: {} }).manager).toBe('builtin');
    expect(loadUserConfig({ cwd: tmpdir(), overrides: { manager: 'patroni', pg: '15,17' } })).toMatchObject({
      manager: 'patroni',
      pg: [15, 17],
    });
  });
  it('refuses a manager it does not know, naming those it runs', () => {
    expect(load({ manager: 'stolon' })).toThrow(
      /"stolon" is no HA manager pgchaos knows \(it runs builtin, patroni, pg_auto_failover, repmgr, pgpool\)[\s\S]*fix: pick one of builtin, patroni, pg_auto_failover, repmgr, pgpool/,
    );
    // Every suite ships repmgr (bullseye 5.2.0, bookworm 5.3.3, trixie 5.5.0).
    expect(load({ manager: 'repmgr', pg: '13,15,17' })()).toMatchObject({ manager: 'repmgr' });
  });
  it('refuses patroni on a major whose Debian suite lacks Patroni 3, naming the majors that have it and the way out', () => {
    expect(load({ manager: 'patroni', pg: '13,15' })).toThrow(ConfigError);
    expect(load({ manager: 'patroni', pg: '13,15' })).toThrow(
      /the command-line flags: manager: Debian bullseye \(PostgreSQL 13\) ships patroni 2\.0\.2[\s\S]*pick PostgreSQL 15 \(bookworm[\s\S]*or run PostgreSQL 13 with manager builtin/,
    );
    expect(load({ manager: 'builtin', pg: '13' })).not.toThrow();
  });
  it('runs pg_auto_failover on 15 and 17 and refuses 13, whose suite ships none, before any container starts', () => {
    expect(loadUserConfig({ cwd: tmpdir(), overrides: { manager: 'pg_auto_failover', pg: '15,17' } }).manager).toBe('pg_auto_failover');
    expect(load({ manager: 'pg_auto_failover', pg: '13,15' })).toThrow(
      /manager: Debian bullseye \(PostgreSQL 13\) ships no pg_auto_failover package[\s\S]*pick PostgreSQL 15 \(bookworm[\s\S]*or run PostgreSQL 13 with manager builtin/,
    );
  });
  it('runs pgpool on 15 and 17 and refuses 13, whose pgpool2 4.1.4 pgchaos cannot configure, before any container starts', () => {
    expect(loadUserConfig({ cwd: tmpdir(), overrides: { manager: 'pgpool', pg: '15,17' } }).manager).toBe('pgpool');
    expect(load({ manager: 'pgpool', pg: '13,15' })).toThrow(
      /manager: Debian bullseye \(PostgreSQL 13\) ships pgpool2 4\.1\.4-3[\s\S]*pick PostgreSQL 15 \(bookworm[\s\S]*or run PostgreSQL 13 with manager builtin/,
    );
  });
  it('names the file that chose the manager', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-manager-'));
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify({ manager: 'stolon' }));
    expect(() => loadUserConfig({ cwd: dir })).toThrow(/pgchaos\.config\.json: manager: "stolon" is no HA manager pgchaos knows/);
    rmSync(dir, { recursive: true });
  });
});

describe('loadUserConfig: your patroni.yml (patroniConfig, --patroni-config), read and checked before any container starts', () => {
  /** A folder with pgchaos.config.json `config` and patroni.yml `yaml`. */
  const project = (config: Record<string, unknown>, yaml: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-patroni-'));
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'patroni.yml'), yaml);
    return dir;
  };
  const refusal = (dir: string, overrides: UserConfigFile = {}) => {
    try {
      loadUserConfig({ cwd: dir, overrides });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return e as ConfigError;
    }
    throw new Error('the config was accepted');
  };
  const good = 'bootstrap:\n  dcs:\n    ttl: 30\n    loop_wait: 10\n    retry_timeout: 10\n    synchronous_mode: on\n';

  it('reads it relative to the config file (YAML 1.1 as Patroni reads it: on is true), or to the cwd as a flag', () => {
    const dir = project({ manager: 'patroni', patroniConfig: 'patroni.yml' }, good);
    const c = loadUserConfig({ cwd: tmpdir(), file: join(dir, 'pgchaos.config.json') });
    expect(c.patroni).toEqual({
      file: join(dir, 'patroni.yml'),
      config: { bootstrap: { dcs: { ttl: 30, loop_wait: 10, retry_timeout: 10, synchronous_mode: true } } },
    });
    const flag = loadUserConfig({ cwd: dir, overrides: { manager: 'patroni', patroniConfig: 'patroni.yml' } });
    expect(flag.patroni?.file).toBe(join(dir, 'patroni.yml'));
    expect(loadUserConfig({ cwd: tmpdir(), overrides: { manager: 'patroni' } }).patroni).toBeNull();
    rmSync(dir, { recursive: true });
  });
  it('refuses patroniConfig without manager patroni, naming the fix', () => {
    const dir = project({ patroniConfig: 'patroni.yml' }, good);
    expect(refusal(dir).message).toMatch(
      /pgchaos\.config\.json: patroniConfig names a patroni\.yml, but the manager is builtin[\s\S]*fix: set "manager": "patroni"/,
    );
    rmSync(dir, { recursive: true });
  });
  it('refuses a file that is missing, naming it', () => {
    const dir = project({ manager: 'patroni', patroniConfig: 'nope.yml' }, good);
    expect(refusal(dir).message).toMatch(/cannot read the patroni config .*nope\.yml \(ENOENT\)[\s\S]*fix: point patroniConfig/);
    rmSync(dir, { recursive: true });
  });
  it('refuses YAML that does not parse, naming the file and the line', () => {
    const dir = project({ manager: 'patroni', patroniConfig: 'patroni.yml' }, 'bootstrap:\n  dcs:\n    ttl: 30\n   loop_wait: [10\n');
    const e = refusal(dir);
    expect(e.problem).toMatch(/patroni\.yml line [45] is not valid YAML \(/);
    expect(e.fix).toMatch(/fix the YAML at that line/);
    rmSync(dir, { recursive: true });
  });
  it("refuses what checkPatroniConfig refuses, naming the file and the refused field's line", () => {
    const cases: Array<[string, RegExp]> = [
      [
        'scope: x\nbootstrap:\n  dcs:\n    ttl: soon\n',
        /patroni\.yml line 4: patroni config field bootstrap\.dcs\.ttl: expected whole seconds/,
      ],
      ['scope: x\nrestapi:\n  listen: 0.0.0.0:8008\n', /patroni\.yml line 2: patroni config sets restapi, which pgchaos writes per node/],
      [
        'bootstrap:\n  dcs:\n    loop_wait: 10\n    ttl: 20\n    retry_timeout: 10\n',
        /patroni\.yml line 4: patroni config bootstrap\.dcs breaks Patroni's rule loop_wait \+ 2 \* retry_timeout <= ttl/,
      ],
      ['- a list\n', /patroni\.yml: patroni config field \(the whole config\)/],
    ];
    for (const [yaml, want] of cases) {
      const dir = project({ manager: 'patroni', patroniConfig: 'patroni.yml' }, yaml);
      expect(refusal(dir).message, yaml).toMatch(want);
      rmSync(dir, { recursive: true });
    }
  });
  it("warns, under manager patroni, of each built-in field given, naming Patroni's field that sets it", () => {
    const given: UserConfigFile = {
      manager: 'patroni',
      synchronousStandbyNames: 'FIRST 1 (s1, s2)',
      synchronousCommit: 'remote_apply',
      afterPromotion: 'same',
      dataChecksums: true,
      nemesis: { promote: 'least-advanced' },
    };
    const warnings = configWarnings(loadUserConfig({ cwd: tmpdir(), overrides: given }));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^synchronousStandbyNames is not read under manager patroni: .*bootstrap\.dcs\.synchronous_mode and synchronous_node_count/,
      ),
      expect.stringMatching(/^synchronousCommit is not read under manager patroni: .*postgresql\.parameters\.synchronous_commit/),
      expect.stringMatching(/^afterPromotion is not read under manager patroni: .*bootstrap\.dcs\.synchronous_mode/),
      expect.stringMatching(/^dataChecksums is not read under manager patroni: .*bootstrap\.initdb/),
      expect.stringMatching(/^nemesis\.promote is not read under manager patroni: .*bootstrap\.dcs\.maximum_lag_on_failover/),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-frag-'));
    writeFileSync(join(dir, 'ha.conf'), 'wal_keep_size = 1GB\n');
    expect(configWarnings(loadUserConfig({ cwd: dir, overrides: { manager: 'patroni', postgresqlConf: 'ha.conf' } }))).toEqual([
      expect.stringMatching(/^postgresqlConf is not read under manager patroni: .*postgresql\.parameters in your patroni\.yml/),
    ]);
    rmSync(dir, { recursive: true });
    // The built-in reads them all: no warning.
    expect(configWarnings(loadUserConfig({ cwd: tmpdir(), overrides: { ...given, manager: 'builtin' } }))).toEqual([]);
  });
  it("keeps the patroni.yml's secrets out of the run's resolved config; the workers read them from the file", () => {
    const dir = project(
      { manager: 'patroni', patroniConfig: 'patroni.yml' },
      "bootstrap:\n  users:\n    app:\n      password: 'hunter2-secret'\n      options: [login]\n",
    );
    const c = loadUserConfig({ cwd: dir });
    const runDir = join(dir, 'run');
    const env = configToEnv(c, runDir);
    expect(readFileSync(env.PGCHAOS_CONFIG!, 'utf8')).not.toContain('hunter2-secret');
    const saved = process.env.PGCHAOS_CONFIG;
    process.env.PGCHAOS_CONFIG = env.PGCHAOS_CONFIG;
    try {
      expect(userConfig().patroni?.config).toEqual({ bootstrap: { users: { app: { password: 'hunter2-secret', options: ['login'] } } } });
    } finally {
      if (saved === undefined) delete process.env.PGCHAOS_CONFIG;
      else process.env.PGCHAOS_CONFIG = saved;
    }
    rmSync(dir, { recursive: true });
  });
});

describe('loadUserConfig: the pg_auto_failover formation (pgAutoFailover), checked before any container starts', () => {
  const paf = (pgAutoFailover: unknown, extra: Record<string, unknown> = {}) =>
    ({ manager: 'pg_auto_failover', pgAutoFailover, ...extra }) as UserConfigFile;
  /** The ConfigError loading `overrides` throws (the test fails when it loads). */
  const refusal = (overrides: UserConfigFile): ConfigError => {
    try {
      loadUserConfig({ cwd: tmpdir(), overrides });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return e as ConfigError;
    }
    throw new Error('the config was accepted');
  };

  it("is null without the field (pg_auto_failover's defaults), else in pg_auto_failover's spelling", () => {
    expect(loadUserConfig({ cwd: tmpdir(), overrides: { manager: 'pg_auto_failover' } }).pgAutoFailover).toBeNull();
    const nodes = { s1: { candidatePriority: 90 }, s2: { candidatePriority: 10, replicationQuorum: true } };
    expect(loadUserConfig({ cwd: tmpdir(), overrides: paf({ numberSyncStandbys: 1, nodes }) }).pgAutoFailover).toEqual({
      number_sync_standbys: 1,
      nodes,
    });
    expect(loadUserConfig({ cwd: tmpdir(), overrides: paf({ nodes: { pg0: { candidatePriority: 0 } } }) }).pgAutoFailover).toEqual({
      nodes: { pg0: { candidatePriority: 0 } },
    });
  });
  it('names the file it came from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-paf-'));
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify(paf({ numberSyncStandbys: 2 })));
    expect(() => loadUserConfig({ cwd: dir })).toThrow(
      /pgchaos\.config\.json: pgAutoFailover: pg_auto_failover numberSyncStandbys 2 needs 3/,
    );
    rmSync(dir, { recursive: true });
  });
  it('refuses it under another manager, naming the fix', () => {
    const e = refusal({ pgAutoFailover: { numberSyncStandbys: 1 } });
    expect(e.problem).toMatch(/pgAutoFailover sets a pg_auto_failover formation, but the manager is builtin/);
    expect(e.fix).toMatch(/set "manager": "pg_auto_failover"/);
    expect(refusal({ manager: 'patroni', pgAutoFailover: {} }).problem).toMatch(/but the manager is patroni/);
  });
  it("refuses, as pg_auto_failover does, numberSyncStandbys N without N+1 quorum standbys, naming the user's field", () => {
    const e = refusal(paf({ numberSyncStandbys: 1, nodes: { s2: { replicationQuorum: false } } }));
    expect(e.problem).toMatch(
      /pgAutoFailover: pg_auto_failover numberSyncStandbys 1 needs 2 standbys in the replication quorum; this cluster has 1/,
    );
    expect(e.fix).toMatch(/lower numberSyncStandbys to 0 or set replicationQuorum true on more standbys/);
    expect(refusal(paf({ numberSyncStandbys: 1.5 })).problem).toMatch(/numberSyncStandbys 1\.5 is not a whole number/);
    expect(refusal(paf({ numberSyncStandbys: -1 })).problem).toMatch(/numberSyncStandbys -1 is not a whole number/);
    // Three standbys in the quorum: 2 is accepted.
    expect(
      loadUserConfig({ cwd: tmpdir(), overrides: paf({ numberSyncStandbys: 2 }, { standbys: ['s1', 's2', 's3'] }) }).pgAutoFailover,
    ).toEqual({ number_sync_standbys: 2 });
  });
  it('refuses a priority outside 0..100, fewer than two promotable nodes, a node the cluster lacks', () => {
    expect(refusal(paf({ nodes: { s1: { candidatePriority: 101 } } })).problem).toMatch(
      /pgAutoFailover: pg_auto_failover nodes\.s1\.candidatePriority 101 is not a whole number in 0\.\.100/,
    );
    expect(refusal(paf({ nodes: { s1: { candidatePriority: 0 }, s2: { candidatePriority: 0 } } })).problem).toMatch(
      /at least two nodes with a non-zero candidate priority; this config has 1/,
    );
    const e = refusal(paf({ nodes: { s3: {} } }));
    expect(e.problem).toMatch(/nodes\.s3: there is no node "s3"/);
    expect(e.fix).toMatch(/name one of pg0, s1, s2/);
  });
  it("refuses fields and types it has not, with the field's fix", () => {
    const e = refusal(paf({ number_sync_standbys: 1 }));
    expect(e.problem).toMatch(/pgAutoFailover: Unrecognized key: "number_sync_standbys"/);
    expect(e.fix).toMatch(/"numberSyncStandbys": N, "nodes"/);
    const bad = refusal(paf({ nodes: { s1: { priority: 1 } } }));
    expect(bad.problem).toMatch(/pgAutoFailover\.nodes\.s1: Unrecognized key: "priority"/);
    expect(bad.fix).toMatch(/candidatePriority \(0\.\.100\) and replicationQuorum/);
    expect(refusal(paf({ nodes: { s1: { replicationQuorum: 'yes' } } })).fix).toMatch(/replicationQuorum \(true or false\)/);
    expect(refusal(paf({ numberSyncStandbys: '1' })).fix).toMatch(/whole number from 0/);
  });
  it("warns of the built-in's fields it does not read, naming what sets them under pg_auto_failover", () => {
    const c = loadUserConfig({
      cwd: tmpdir(),
      overrides: { manager: 'pg_auto_failover', synchronousStandbyNames: 'ANY 1 (s1, s2)', nemesis: { promote: 'least-advanced' } },
    });
    expect(configWarnings(c)).toEqual([
      expect.stringMatching(/^synchronousStandbyNames is not read under manager pg_auto_failover: .*pgAutoFailover\.numberSyncStandbys/),
      expect.stringMatching(/^nemesis\.promote is not read under manager pg_auto_failover: .*candidatePriority/),
    ]);
  });
});

describe('loadUserConfig: the repmgr.conf fragment (repmgr), checked before any container starts', () => {
  const rm = (repmgr: unknown, extra: Record<string, unknown> = {}) => ({ manager: 'repmgr', repmgr, ...extra }) as UserConfigFile;
  const refusal = (overrides: UserConfigFile): ConfigError => {
    try {
      loadUserConfig({ cwd: tmpdir(), overrides });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return e as ConfigError;
    }
    throw new Error('the config was accepted');
  };

  it("is null without the field (repmgr's defaults); an object is kept as given", () => {
    expect(loadUserConfig({ cwd: tmpdir(), overrides: { manager: 'repmgr' } }).repmgr).toBeNull();
    const given = { failover: 'manual', priority: 50, nodes: { s2: { priority: 0 } }, reconnect_attempts: 2, witness: false };
    expect(loadUserConfig({ cwd: tmpdir(), overrides: rm(given) }).repmgr).toEqual({ file: null, config: given });
  });
  it('reads a fragment file relative to the config file, as repmgr.conf text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-repmgr-'));
    writeFileSync(join(dir, 'repmgr.conf'), "failover='automatic'\nreconnect_interval=2 # s\n");
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify(rm('repmgr.conf')));
    expect(loadUserConfig({ cwd: dir }).repmgr).toEqual({
      file: join(dir, 'repmgr.conf'),
      config: { failover: 'automatic', reconnect_interval: 2 },
    });
    writeFileSync(join(dir, 'repmgr.conf'), 'node_id=4\n');
    expect(() => loadUserConfig({ cwd: dir })).toThrow(
      /pgchaos\.config\.json: repmgr \(.*repmgr\.conf\): repmgr setting "node_id" is written by pgchaos/,
    );
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify(rm('nope.conf')));
    expect(() => loadUserConfig({ cwd: dir })).toThrow(/cannot read the repmgr\.conf fragment .*nope\.conf \(ENOENT\)/);
    rmSync(dir, { recursive: true });
  });
  it('refuses it under another manager, naming the fix', () => {
    const e = refusal({ repmgr: { failover: 'automatic' } });
    expect(e.problem).toMatch(/repmgr sets a repmgr\.conf fragment, but the manager is builtin/);
    expect(e.fix).toMatch(/set "manager": "repmgr"/);
  });
  it('refuses per-node keys pgchaos owns, unknown keys, bad values, each with its fix', () => {
    const cases: Array<[unknown, RegExp, RegExp]> = [
      [{ conninfo: 'host=x' }, /repmgr: repmgr setting "conninfo" is written by pgchaos for each node/, /drop conninfo/],
      [{ node_name: 'a' }, /"node_name" is written by pgchaos/, /drop node_name/],
      [{ use_replication_slots: true }, /"use_replication_slots" is not one pgchaos passes on/, /use failover, priority/],
      [{ witness: 'on' }, /witness on is not a boolean/, /true or false/],
      [{ failover: 'yes' }, /failover "yes" is neither automatic nor manual/, /automatic' or 'manual'/],
      [{ priority: 1.5 }, /priority 1\.5 is not a whole number ≥ 0/, /0 or more/],
      [{ monitor_interval_secs: 0 }, /monitor_interval_secs 0 is not a whole number ≥ 1/, /1 or more seconds/],
      [{ nodes: { s3: { priority: 1 } } }, /nodes\.s3: there is no node "s3"/, /pg0, s1, s2/],
      [{ nodes: { s1: { node_id: 1 } } }, /nodes\.s1\.node_id is unknown/, /priority only/],
      [{ priority: 0, nodes: { pg0: { priority: 100 } } }, /every standby at priority 0/, /failover=manual/],
    ];
    for (const [given, problem, fix] of cases) {
      const e = refusal(rm(given));
      expect(e.problem, JSON.stringify(given)).toMatch(problem);
      expect(e.fix, JSON.stringify(given)).toMatch(fix);
    }
    expect(refusal(rm(7)).fix).toMatch(/object of repmgr\.conf keys/);
  });
  it('checks node names against the standbys the config gives', () => {
    expect(
      loadUserConfig({ cwd: tmpdir(), overrides: rm({ nodes: { s3: { priority: 0 } } }, { standbys: ['s1', 's2', 's3'] }) }).repmgr,
    ).not.toBeNull();
  });
});

describe('loadUserConfig: the pgpool.conf fragment (pgpool), checked before any container starts', () => {
  const pp = (pgpool: unknown) => ({ manager: 'pgpool', pgpool }) as UserConfigFile;
  const refusal = (overrides: UserConfigFile, cwd = tmpdir()): ConfigError => {
    try {
      loadUserConfig({ cwd, overrides });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return e as ConfigError;
    }
    throw new Error('the config was accepted');
  };

  it("is null without the field (pgchaos's defaults); an object is kept as given", () => {
    expect(loadUserConfig({ cwd: tmpdir(), overrides: { manager: 'pgpool' } }).pgpool).toBeNull();
    const given = { detach_false_primary: true, postgresql: { synchronous_standby_names: 'ANY 2 (s1, s2)' } };
    expect(loadUserConfig({ cwd: tmpdir(), overrides: pp(given) }).pgpool).toEqual({ file: null, config: given });
  });
  it('reads a fragment file relative to the config file, as pgpool.conf text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-pgpool-'));
    writeFileSync(join(dir, 'pgpool.conf'), "detach_false_primary = on\nhealth_check_period = 5 # s\nfailover_command = ''\n");
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify(pp('pgpool.conf')));
    expect(loadUserConfig({ cwd: dir }).pgpool).toEqual({
      file: join(dir, 'pgpool.conf'),
      config: { detach_false_primary: true, health_check_period: 5, failover_command: '' },
    });
    writeFileSync(join(dir, 'pgpool.conf'), 'backend_hostname0 = x\n');
    expect(() => loadUserConfig({ cwd: dir })).toThrow(
      /pgchaos\.config\.json: pgpool \(.*pgpool\.conf\): pgpool setting "backend_hostname0" is written by pgchaos/,
    );
    writeFileSync(join(dir, 'pgpool.conf'), 'use_watchdog\n');
    expect(() => loadUserConfig({ cwd: dir })).toThrow(/pgpool\.conf line 1 "use_watchdog" is not key = value/);
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify(pp('nope.conf')));
    expect(() => loadUserConfig({ cwd: dir })).toThrow(/cannot read the pgpool\.conf fragment .*nope\.conf \(ENOENT\)/);
    rmSync(dir, { recursive: true });
  });
  it('takes a fragment given as a flag relative to the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-pgpool-'));
    writeFileSync(join(dir, 'my.conf'), 'auto_failback = on\n');
    expect(loadUserConfig({ cwd: dir, overrides: pp('my.conf') }).pgpool?.config).toEqual({ auto_failback: true });
    rmSync(dir, { recursive: true });
  });
  it('refuses it under another manager, and bad settings, each with its fix', () => {
    const other = refusal({ manager: 'repmgr', pgpool: { auto_failback: true } } as UserConfigFile);
    expect(other.problem).toMatch(/pgpool sets a pgpool\.conf fragment, but the manager is repmgr/);
    expect(other.fix).toMatch(/set "manager": "pgpool"/);
    const cases: Array<[unknown, RegExp, RegExp]> = [
      [{ port: 5433 }, /pgpool setting "port" is written by pgchaos for the cluster/, /drop port/],
      [{ use_watchdog: true }, /"use_watchdog" is written by pgchaos/, /drop use_watchdog/],
      [{ memqcache_method: 'shmem' }, /"memqcache_method" is not one pgchaos passes on/, /use failover_on_backend_error/],
      [{ health_check_period: -1 }, /health_check_period -1 is not a whole number ≥ 0/, /health_check_period = 1/],
      [{ detach_false_primary: 'maybe' }, /detach_false_primary maybe is not a boolean/, /on or off/],
      [{ failover_command: '/my/failover.sh %d' }, /names a script pgchaos's containers do not have/, /give '' for none/],
      [{ postgresql: { 'x; y': 1 } }, /"x; y" is not a PostgreSQL parameter name/, /synchronous_commit/],
    ];
    for (const [given, problem, fix] of cases) {
      const e = refusal(pp(given));
      expect(e.problem, JSON.stringify(given)).toMatch(problem);
      expect(e.fix, JSON.stringify(given)).toMatch(fix);
    }
    expect(refusal(pp(7)).fix).toMatch(/object of pgpool\.conf keys/);
  });
});

describe('loadUserConfig: fault kinds under a manager, checked against its catalogue', () => {
  it("refuses a kind the manager's cluster has no part for, or one the managed catalogue has not, naming those it has", () => {
    const e = (() => {
      try {
        loadUserConfig({ cwd: tmpdir(), overrides: { manager: 'pg_auto_failover', nemesis: { kinds: ['isolate', 'kill-proxy'] } } });
      } catch (x) {
        return x as ConfigError;
      }
      throw new Error('accepted');
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.problem).toMatch(
      /nemesis\.kinds: fault kind kill-proxy cannot be played under pg_auto_failover: pg_auto_failover has no proxy/,
    );
    expect(e.fix).toMatch(/^name kinds from .*dcs-kill/);
    expect(e.fix).not.toMatch(/kill-proxy|dcs-quorum-loss/);
    expect(load({ manager: 'pg_auto_failover', nemesis: { kinds: ['dcs-quorum-loss'] } })).toThrow(/monitor is one node, not a quorum/);
    expect(load({ manager: 'patroni', nemesis: { kinds: ['pause-replay'] } })).toThrow(
      /fault kind pause-replay cannot be played under patroni: pause-replay is not in the catalogue under a manager/,
    );
    expect(
      loadUserConfig({ cwd: tmpdir(), overrides: { manager: 'patroni', nemesis: { kinds: ['kill-proxy', 'dcs-quorum-loss'] } } }).nemesis
        .kinds,
    ).toEqual(['kill-proxy', 'dcs-quorum-loss']);
    // The built-in nemesis takes its own kinds, unchecked here.
    expect(load({ nemesis: { kinds: ['pause-replay'] } })).not.toThrow();
  });
});

describe('the shipped pg_auto_failover files (examples/), as the findings page replays them', () => {
  it("loads the docs' two-copy formation, and the saved seed-2 schedule as a schedule of pg_auto_failover's kinds", () => {
    const root = join(import.meta.dirname, '..', '..');
    const c = loadUserConfig({ cwd: root, file: 'examples/pg_auto_failover.config.json' });
    expect(c.manager).toBe('pg_auto_failover');
    expect(c.pgAutoFailover?.number_sync_standbys).toBe(1);
    expect(configWarnings(c)).toEqual([]);
    const saved = loadUserConfig({
      cwd: root,
      overrides: { manager: 'pg_auto_failover', nemesis: { schedule: 'examples/schedules/pg-auto-failover-seed-2.json' } },
    });
    const schedule = JSON.parse(readFileSync(saved.nemesis.schedule!, 'utf8')) as { seed: number; faults: { kind: string }[] };
    expect(schedule.seed).toBe(2);
    for (const f of schedule.faults) expect(['dcs-quorum-loss', 'kill-proxy', 'crash-host-loud']).not.toContain(f.kind);
  });
});

describe('the shipped repmgr config (examples/repmgr.config.json)', () => {
  it('loads, with no warning, and promises one failure: ANY 1 of two promotable standbys', () => {
    const root = join(import.meta.dirname, '..', '..');
    const c = loadUserConfig({ cwd: root, file: 'examples/repmgr.config.json' });
    expect(c.manager).toBe('repmgr');
    expect(configWarnings(c)).toEqual([]);
    const resolved = checkRepmgrConfig(c.repmgr!.config, ['pg0', ...c.standbys]);
    expect(resolved.nodes.map((n) => n.priority)).toEqual([100, 100, 50]);
    const promise = repmgrPromise({
      synchronousStandbyNames: String(resolved.postgresql.synchronous_standby_names),
      standbys: resolved.nodes.slice(1),
    });
    expect(promise.survivesFailures).toBe(1);
  });

  it("loads repmgr's recommended config: primary visibility consensus, ANY 1 (s1, s2) flushed, one failure promised", () => {
    const root = join(import.meta.dirname, '..', '..');
    const c = loadUserConfig({ cwd: root, file: 'examples/repmgr-recommended.config.json' });
    expect(c.manager).toBe('repmgr');
    expect(configWarnings(c)).toEqual([]);
    const resolved = checkRepmgrConfig(c.repmgr!.config, ['pg0', ...c.standbys]);
    expect(resolved).toMatchObject({ failover: 'automatic', primaryVisibilityConsensus: true, witness: false });
    expect(resolved.nodes.map((n) => n.priority)).toEqual([100, 100, 100]);
    const promise = repmgrPromise({
      synchronousStandbyNames: String(resolved.postgresql.synchronous_standby_names),
      synchronousCommit: synchronousCommitLevel(String(resolved.postgresql.synchronous_commit)),
      standbys: resolved.nodes.slice(1),
    });
    expect(promise).toMatchObject({ survivesFailures: 1, confirmations: 1, holdsOn: 'flush', vacuous: false });
    // So the nemesis takes out at most one database node at once (managedLimits).
    expect(managedLimits({ standbys: 2, durationMs: 120_000, promise }).nodesOut?.max).toBe(1);
  });

  it('loads the recommended config with a witness: the same settings, a witness node', () => {
    const root = join(import.meta.dirname, '..', '..');
    const c = loadUserConfig({ cwd: root, file: 'examples/repmgr-witness.config.json' });
    const resolved = checkRepmgrConfig(c.repmgr!.config, ['pg0', ...c.standbys]);
    const recommended = checkRepmgrConfig(loadUserConfig({ cwd: root, file: 'examples/repmgr-recommended.config.json' }).repmgr!.config, [
      'pg0',
      ...c.standbys,
    ]);
    expect(resolved).toEqual({ ...recommended, witness: true });
  });

  it("loads the saved schedule of repmgr #766 as a schedule of repmgr's kinds", () => {
    const root = join(import.meta.dirname, '..', '..');
    const c = loadUserConfig({
      cwd: root,
      overrides: { manager: 'repmgr', nemesis: { schedule: 'examples/schedules/repmgr-old-primary-back.json' } },
    });
    const schedule = JSON.parse(readFileSync(c.nemesis.schedule!, 'utf8')) as { faults: { kind: string }[] };
    expect(schedule.faults.map((f) => f.kind)).toEqual(['kill9-postmaster', 'isolate']);
    for (const f of schedule.faults) expect(managedKinds('repmgr')).toContain(f.kind);
  });
});

describe('the shipped pgpool config (examples/pgpool.config.json)', () => {
  it('loads, with no warning, detaches a false primary, and promises no loss through one failure: every standby confirms', () => {
    const root = join(import.meta.dirname, '..', '..');
    const c = loadUserConfig({ cwd: root, file: 'examples/pgpool.config.json' });
    expect(c.manager).toBe('pgpool');
    expect(configWarnings(c)).toEqual([]);
    const resolved = checkPgpoolConfig(c.pgpool!.config);
    expect(resolved.pool.detach_false_primary).toBe(true);
    const promise = pgpoolPromise({
      synchronousStandbyNames: String(resolved.postgresql.synchronous_standby_names),
      standbys: c.standbys,
    });
    expect(promise.survivesFailures).toBeGreaterThanOrEqual(1);
  });
});
