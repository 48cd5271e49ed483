import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { configToEnv, loadUserConfig } from '../../harness/run/config.ts';
import { configFlags, nearestCommand, parseRunArgs, seedList, UsageError } from './args.ts';
import { COMMANDS } from './help.ts';
import { managerLine } from './list.ts';
import { PACKAGE_ROOT } from '../../harness/paths.ts';
import { prepareReportsDir, selectScenarios } from './run.ts';
import { globLiteral, scenarioHeader } from './scenarios.ts';

const usage = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as UsageError).message;
  }
  throw new Error('no UsageError');
};

describe('pgchaos run: arguments', () => {
  it('--no-pull turns pulling off in the config (air-gapped runs)', () => {
    expect(parseRunArgs(['--no-pull']).overrides).toEqual({ pull: false });
    expect(parseRunArgs([]).overrides).toEqual({});
  });

  it('--patroni-config names the patroni.yml, and a rerun carries it', () => {
    expect(parseRunArgs(['--manager', 'patroni', '--patroni-config', 'ha/patroni.yml']).overrides).toEqual({
      manager: 'patroni',
      patroniConfig: 'ha/patroni.yml',
    });
    expect(configFlags(['--patroni-config', 'p.yml', '--out', 'r'])).toEqual(['--patroni-config=p.yml']);
  });

  it('maps every config flag to the config field of the same meaning', () => {
    const a = parseRunArgs([
      '--config',
      'ha.json',
      '--pg',
      '13,15',
      '--manager',
      'patroni',
      '--image',
      '15=reg/pg:15.8',
      '--image=17=reg/pg:17',
      '--standbys',
      's1, s2,s3',
      '--sync',
      'FIRST 1 (s1, s2)',
      '--synchronous-commit',
      'remote_apply',
      '--data-checksums',
      '--conf',
      'ha.conf',
      '--clients',
      '4',
      '--batch-rows=500',
      '--rate',
      '150',
      '--after-promotion',
      'same',
      '--out',
      'out',
      '--no-builtin',
      'mine',
    ]);
    expect(a).toEqual({
      help: false,
      configFile: 'ha.json',
      out: 'out',
      noBuiltin: true,
      paths: ['mine'],
      vitestArgs: [],
      overrides: {
        pg: '13,15',
        manager: 'patroni',
        images: { 15: 'reg/pg:15.8', 17: 'reg/pg:17' },
        standbys: ['s1', 's2', 's3'],
        synchronousStandbyNames: 'FIRST 1 (s1, s2)',
        synchronousCommit: 'remote_apply',
        dataChecksums: true,
        postgresqlConf: 'ha.conf',
        writer: { clients: 4, batchRows: 500, rateTps: 150 },
        afterPromotion: 'same',
      },
    });
    expect(parseRunArgs([]).overrides).toEqual({});
    expect(parseRunArgs(['--sync', '']).overrides).toEqual({ synchronousStandbyNames: '' }); // asynchronous is a value
  });

  it('everything after -- goes to vitest, even what looks like ours', () => {
    expect(parseRunArgs(['quorum', '--', '-t', 'stall', '--shard', '1/2', '--pg', '13'])).toMatchObject({
      paths: ['quorum'],
      vitestArgs: ['-t', 'stall', '--shard', '1/2', '--pg', '13'],
      overrides: {},
    });
  });

  it('mistakes are UsageErrors that say what to write', () => {
    expect(usage(() => parseRunArgs(['--standby', 's1']))).toMatch(/unknown option --standby[\s\S]*fix: did you mean --standbys\?/);
    expect(usage(() => parseRunArgs(['--synchronous_commit', 'on']))).toMatch(/did you mean --synchronous-commit\?/);
    expect(usage(() => parseRunArgs(['-t', 'stall']))).toMatch(
      /unknown option -t[\s\S]*fix: vitest's own options go after `--`, e.g. pgchaos run -- -t/,
    );
    expect(usage(() => parseRunArgs(['--pg']))).toMatch(/--pg needs a value/);
    expect(usage(() => parseRunArgs(['--sync', '--pg', '15']))).toMatch(/--sync needs a value/);
    expect(usage(() => parseRunArgs(['--data-checksums=yes']))).toMatch(/--data-checksums takes no value/);
    expect(usage(() => parseRunArgs(['--image', 'reg/pg:15']))).toMatch(/expected MAJOR=IMAGE[\s\S]*fix: write it as --image 15=/);
    expect(usage(() => parseRunArgs(['--clients', 'eight']))).toMatch(/--clients "eight": expected a whole number/);
  });

  it('a mistyped command is matched to the nearest one, a stranger to none', () => {
    expect(nearestCommand('rnu', COMMANDS)).toBe('run');
    expect(nearestCommand('lst', COMMANDS)).toBe('list');
    expect(nearestCommand('docter', COMMANDS)).toBe('doctor');
    expect(nearestCommand('deploy', COMMANDS)).toBeUndefined();
  });
});

describe('pgchaos run: which scenario files', () => {
  const project = mkdtempSync(join(tmpdir(), 'pgchaos-cli-'));
  mkdirSync(join(project, 'scenarios', 'more'), { recursive: true });
  mkdirSync(join(project, 'scenarios', 'node_modules'), { recursive: true });
  mkdirSync(join(project, 'other'));
  mkdirSync(join(project, 'builtin'));
  for (const f of [
    'scenarios/a.test.ts',
    'scenarios/more/b.test.mts',
    'scenarios/helpers.ts',
    'scenarios/node_modules/x.test.ts',
    'other/c.test.ts',
    'builtin/quorum.test.js',
    'builtin/switchover.test.js',
    'builtin/steps.js',
    'README.md',
  ]) {
    writeFileSync(join(project, f), '');
  }
  const builtin = [join(project, 'builtin/quorum.test.js'), join(project, 'builtin/switchover.test.js')];
  const pick = (paths: string[], noBuiltin = false) => {
    const s = selectScenarios({ paths, noBuiltin }, project, builtin);
    return { files: s.files.map((f) => f.slice(project.length + 1)), mine: s.mine };
  };

  it('./scenarios (recursively, not node_modules) plus the built-in ones; --no-builtin drops those', () => {
    expect(pick([])).toEqual({
      files: ['scenarios/a.test.ts', 'scenarios/more/b.test.mts', 'builtin/quorum.test.js', 'builtin/switchover.test.js'],
      mine: 2,
    });
    expect(pick([], true)).toEqual({ files: ['scenarios/a.test.ts', 'scenarios/more/b.test.mts'], mine: 2 });
  });

  it('a folder replaces ./scenarios; a file runs alone; anything else filters by path', () => {
    expect(pick(['other'], true).files).toEqual(['other/c.test.ts']);
    expect(pick(['scenarios/a.test.ts']).files).toEqual(['scenarios/a.test.ts']);
    expect(pick(['quorum', 'b.test'])).toEqual({ files: ['scenarios/more/b.test.mts', 'builtin/quorum.test.js'], mine: 1 });
    // The built-in folder named as the user's (pgchaos's own repository) is not run twice.
    expect(pick(['builtin']).files).toEqual(['builtin/quorum.test.js', 'builtin/switchover.test.js']);
  });

  it('nothing to run is a UsageError saying why', () => {
    expect(usage(() => selectScenarios({ paths: ['nosuch'], noBuiltin: false }, project, builtin))).toMatch(
      /no scenario file matches "nosuch"[\s\S]*fix: pgchaos list/,
    );
    expect(usage(() => selectScenarios({ paths: ['README.md'], noBuiltin: false }, project, builtin))).toMatch(
      /README.md is not a scenario file/,
    );
    expect(usage(() => selectScenarios({ paths: [], noBuiltin: true }, join(project, 'other'), builtin))).toMatch(
      /no scenarios of yours: there is no \.\/scenarios folder[\s\S]*fix:/,
    );
  });

  it('a reports folder that is a file, or under one, is a UsageError naming --out', () => {
    writeFileSync(join(project, 'reports'), '');
    expect(usage(() => prepareReportsDir(join(project, 'reports'), project))).toMatch(
      /^reports is a file[\s\S]*fix: .*pgchaos run --out DIR/,
    );
    expect(usage(() => prepareReportsDir(join(project, 'reports', 'x'), project))).toMatch(
      /cannot write reports into reports\/x \(ENOTDIR: part of that path is a file\)/,
    );
    prepareReportsDir(join(project, 'new', 'reports'), project); // created
  });

  it("a scenario's header comment is its description; file paths become literal globs", () => {
    const f = join(project, 'scenarios', 'h.test.ts');
    writeFileSync(f, "// SPDX\n/**\n * Title — write-up 004.\n *\n * Line one.\n * Line two.\n */\nimport x from 'y';\n/** not this */\n");
    expect(scenarioHeader(f)).toEqual({ title: 'Title — write-up 004.', body: ['Line one.', 'Line two.'] });
    writeFileSync(f, "import x from 'y';\n/** too late */\n");
    expect(scenarioHeader(f).title).toBe('(no header comment)');
    expect(globLiteral('/tmp/a (1)/[x]/*.test.ts')).toBe('/tmp/a \\(1\\)/\\[x\\]/\\*.test.ts');
  });
});

describe('pgchaos run: the nemesis flags', () => {
  it('reads seeds as one, a list or a range, and the other nemesis flags into the config', () => {
    expect(seedList('42')).toEqual([42]);
    expect(seedList('1,3, 5')).toEqual([1, 3, 5]);
    expect(seedList('7-10')).toEqual([7, 8, 9, 10]);
    expect(
      parseRunArgs(['--seed', '2-3', '--duration', '30', '--promote', 'least-advanced', '--schedule', 's.json']).overrides.nemesis,
    ).toEqual({
      seeds: [2, 3],
      durationS: 30,
      promote: 'least-advanced',
      schedule: 's.json',
    });
  });
  it('refuses what is not a seed, with the fix', () => {
    expect(() => seedList('x')).toThrow(/--seed "x": expected seeds like 42/);
    expect(() => seedList('9-2')).toThrow(/a range runs low to high/);
    expect(() => seedList('4294967296')).toThrow(/32-bit unsigned integer/);
    expect(() => parseRunArgs(['--promote', 'random'])).toThrow(/--promote "random": expected most-advanced or least-advanced/);
  });
  it('reads --kinds as a list of fault kinds, and refuses one that is none, listing them', () => {
    expect(parseRunArgs(['--kinds', 'wal-full, isolate']).overrides.nemesis).toEqual({ kinds: ['wal-full', 'isolate'] });
    expect(() => parseRunArgs(['--kinds', 'isolate,disk-full'])).toThrow(/--kinds "isolate,disk-full": "disk-full" is no fault kind/);
  });
});

describe('pgchaos run: handing the resolved config to vitest', () => {
  it("passes a config over 128 KiB (Linux's cap on one environment string) by a file in the run folder", async () => {
    const config = loadUserConfig({ cwd: tmpdir(), overrides: {} });
    // 4000 settings of ~60 bytes: about 240 KiB of JSON.
    const big = {
      ...config,
      settings: Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`pgchaos_test.setting_${i}`, `'${'x'.repeat(32)}'`])),
    };
    expect(JSON.stringify(big).length).toBeGreaterThan(128 * 1024);
    const runDir = join(mkdtempSync(join(tmpdir(), 'pgchaos-config-')), 'run');
    const env = configToEnv(big, runDir);
    for (const v of Object.values(env)) expect(v.length).toBeLessThan(4096);
    // What a vitest worker does: read it back, from a process started with that environment (E2BIG before).
    const child = await execa(
      process.execPath,
      ['--import', 'tsx', '-e', "import('./harness/run/config.ts').then((m) => process.stdout.write(JSON.stringify(m.userConfig())))"],
      { env },
    );
    expect(JSON.parse(child.stdout)).toEqual(big);
  });
});

describe('pgchaos run --manager', () => {
  it('a manager on a major whose suite lacks its package is exit 2 with the fix, before the engine is asked', async () => {
    const child = await execa(
      join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsx'),
      [join(PACKAGE_ROOT, 'bin', 'pgchaos.ts'), 'run', '--manager', 'pgpool', '--pg', '13'],
      {
        reject: false,
        cwd: mkdtempSync(join(tmpdir(), 'pgchaos-manager-')),
        // An engine that cannot answer: were it asked first, the error would name DOCKER_HOST.
        env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      },
    );
    expect(child.exitCode).toBe(2);
    expect(child.stderr).toMatch(/Debian bullseye \(PostgreSQL 13\) ships pgpool2 4\.1\.4-3/);
    expect(child.stderr).not.toMatch(/DOCKER_HOST|engine/);
  });

  it('a pgAutoFailover formation its monitor would refuse is exit 2 with the fix, before the engine is asked', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pgchaos-paf-'));
    writeFileSync(
      join(cwd, 'pgchaos.config.json'),
      JSON.stringify({ manager: 'pg_auto_failover', pgAutoFailover: { numberSyncStandbys: 2 } }),
    );
    const child = await execa(join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsx'), [join(PACKAGE_ROOT, 'bin', 'pgchaos.ts'), 'run'], {
      reject: false,
      cwd,
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(child.exitCode).toBe(2);
    expect(child.stderr).toMatch(/pgAutoFailover: pg_auto_failover numberSyncStandbys 2 needs 3 standbys in the replication quorum/);
    expect(child.stderr).toMatch(/fix: lower numberSyncStandbys to 1/);
    expect(child.stderr).not.toMatch(/DOCKER_HOST|engine/);
  });
});

describe('pgchaos list: the manager under test', () => {
  it('names the manager the folder’s config chooses, the default, or why the config does not load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-list-'));
    expect(managerLine(dir)).toMatch(/^HA manager under test: builtin \(the default; /);
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify({ manager: 'patroni', pg: 15 }));
    expect(managerLine(dir)).toMatch(/^HA manager under test: patroni with Patroni's defaults \(from pgchaos\.config\.json; /);
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify({ manager: 'patroni', patroniConfig: 'ha/patroni.yml' }));
    mkdirSync(join(dir, 'ha'));
    writeFileSync(join(dir, 'ha', 'patroni.yml'), 'bootstrap:\n  dcs:\n    synchronous_mode: true\n');
    expect(managerLine(dir)).toMatch(/^HA manager under test: patroni with ha\/patroni\.yml \(from pgchaos\.config\.json; /);
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify({ manager: 'pg_auto_failover' }));
    expect(managerLine(dir)).toMatch(
      /^HA manager under test: pg_auto_failover with pg_auto_failover's defaults \(from pgchaos\.config\.json; /,
    );
    writeFileSync(
      join(dir, 'pgchaos.config.json'),
      JSON.stringify({
        manager: 'pg_auto_failover',
        pgAutoFailover: { numberSyncStandbys: 0, nodes: { s2: { candidatePriority: 0, replicationQuorum: false } } },
      }),
    );
    expect(managerLine(dir)).toMatch(
      /^HA manager under test: pg_auto_failover with the formation of pgAutoFailover \(number_sync_standbys 0; s2 priority 0, not in the quorum\) \(from/,
    );
    writeFileSync(join(dir, 'pgchaos.config.json'), JSON.stringify({ manager: 'pgpool', pg: 13 }));
    expect(managerLine(dir)).toMatch(
      /^HA manager under test: unknown, the config does not load \(.*bullseye \(PostgreSQL 13\) ships pgpool2/,
    );
  });
});
