import { tmpdir } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { loadUserConfig, policyText } from './config.ts';

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
  it('refuses a manager not yet implemented, naming those that are', () => {
    for (const planned of ['pg_auto_failover', 'repmgr', 'pgpool'])
      expect(load({ manager: planned })).toThrow(
        new RegExp(
          `manager: manager "${planned}" is not implemented yet \\(pgchaos runs builtin, patroni\\)[\\s\\S]*fix: pick one of builtin, patroni`,
        ),
      );
    expect(load({ manager: 'stolon' })).toThrow(
      /"stolon" is no HA manager pgchaos knows \(it runs builtin, patroni; pg_auto_failover, repmgr, pgpool are planned\)/,
    );
  });
  it('refuses patroni on a major whose Debian suite lacks Patroni 3, naming the majors that have it and the way out', () => {
    expect(load({ manager: 'patroni', pg: '13,15' })).toThrow(ConfigError);
    expect(load({ manager: 'patroni', pg: '13,15' })).toThrow(
      /the command-line flags: manager: Debian bullseye \(PostgreSQL 13\) ships patroni 2\.0\.2[\s\S]*pick PostgreSQL 15 \(bookworm[\s\S]*or run PostgreSQL 13 with manager builtin/,
    );
    expect(load({ manager: 'builtin', pg: '13' })).not.toThrow();
  });
  it('names the file that chose the manager', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-manager-'));
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify({ manager: 'repmgr' }));
    expect(() => loadUserConfig({ cwd: dir })).toThrow(/pgchaos\.config\.json: manager: manager "repmgr" is not implemented yet/);
    rmSync(dir, { recursive: true });
  });
});
