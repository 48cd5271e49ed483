import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterOptions } from './bring-up.ts';
import { Cluster } from './cluster.ts';
import { checkParameterNames } from './ha-config.ts';
import { probeImage, resolveImage } from './image.ts';
import { docker, RUN_LABEL } from '../docker.ts';
import { ConfigError } from '../errors.ts';
import { currentRun } from '../run-id.ts';
import { checkConfigOnImage, loadUserConfig } from '../run/config.ts';

async function containersOfRun(): Promise<number> {
  const d = await docker();
  return (await d.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${currentRun().id}`] } })).length;
}

/** Cluster.start must reject with a ConfigError matching `message`, and no container may have started. */
async function rejectsBeforeAnyContainer(opts: ClusterOptions, message: RegExp): Promise<void> {
  const before = await containersOfRun();
  const err = await Cluster.start(opts).then(
    (c) => c.destroy().then(() => new Error('the cluster started')),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).message).toMatch(message);
  expect((err as ConfigError).fix).not.toBe('');
  expect(await containersOfRun()).toBe(before);
}

describe('a value the server refuses', () => {
  it("fails the start with the server log's reason, and leaves no container", async () => {
    const before = await containersOfRun();
    const err = await Cluster.start({ settings: { max_wal_senders: 'lots' } }).then(
      (c) => c.destroy().then(() => new Error('the cluster started')),
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(/the server refused to start; its log says:[\s\S]*invalid value for parameter "max_wal_senders": "lots"/);
    expect(await containersOfRun()).toBe(before);
  });
});

describe('bad input gets a clear error naming the fix, before any container starts', () => {
  it('unknown PostgreSQL major', async () => {
    await rejectsBeforeAnyContainer({ pgMajor: 11 }, /unknown PostgreSQL major version "11"[\s\S]*fix: use a major from 12 to 18/);
    await rejectsBeforeAnyContainer({ pgMajor: '15beta' }, /unknown PostgreSQL major version "15beta"/);
  });

  it('malformed synchronous_standby_names', async () => {
    await rejectsBeforeAnyContainer(
      { synchronousStandbyNames: 'ANY 1 s1, s2' },
      /malformed synchronous_standby_names "ANY 1 s1, s2"[\s\S]*fix: write it as/,
    );
  });

  it('a number of synchronous standbys PostgreSQL rejects', async () => {
    // A name that matches no standby, or more required than listed, is valid for PostgreSQL:
    // those are warnings (harness/model). Zero is not (check_synchronous_standby_names).
    await rejectsBeforeAnyContainer({ synchronousStandbyNames: 'ANY 0 (s1, s2)' }, /synchronous_standby_names[\s\S]*fix:/);
  });

  it('a parameter the chosen major does not know', async () => {
    await rejectsBeforeAnyContainer(
      { settings: { wal_levle: 'replica' } },
      /PostgreSQL 15 has no parameter "wal_levle"[\s\S]*fix: did you mean wal_level/,
    );
  });

  it('an image that is missing and cannot be built', async () => {
    // Whatever images this machine has (a postgres:16, say): look in a repository that is certainly absent.
    process.env.PGCHAOS_IMAGE_REPO = `pgchaos-absent-${randomBytes(4).toString('hex')}/postgres`;
    try {
      await rejectsBeforeAnyContainer({ pgMajor: 16 }, /no image for PostgreSQL 16[\s\S]*fix: load a postgres:16 image/);
    } finally {
      delete process.env.PGCHAOS_IMAGE_REPO;
    }
  });

  it('an image that is missing, with building turned off', async () => {
    // Whatever images this machine has built: PGCHAOS_IMAGE_REPO points the lookup at a repository
    // that certainly does not exist (and skips the official postgres:NN), so 13 is missing here too.
    const repo = `pgchaos-absent-${randomBytes(4).toString('hex')}/postgres`;
    process.env.PGCHAOS_IMAGE_REPO = repo;
    try {
      await rejectsBeforeAnyContainer(
        { pgMajor: 13, buildImage: false },
        new RegExp(`image ${repo}:13 is missing[\\s\\S]*fix: build it with: .*image.* 13`),
      );
    } finally {
      delete process.env.PGCHAOS_IMAGE_REPO;
    }
  });

  it('no Docker engine', async () => {
    // A process of its own: the Docker client is made once per process.
    const r = await execa(
      'node_modules/.bin/tsx',
      [
        '-e',
        "import('./harness/db/cluster.ts').then(m => m.Cluster.start()).then(c => c.destroy()).catch(e => { console.error(e.message); process.exit(3) })",
      ],
      {
        env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock', PGCHAOS_LOG_LEVEL: 'silent' },
        reject: false,
      },
    );
    expect(r.exitCode, r.stderr).toBe(3);
    // DOCKER_HOST names the engine: the error names it too, and does not send the user to start a local one.
    expect(r.stderr).toMatch(
      /no Docker engine answers at DOCKER_HOST=unix:\/\/\/nonexistent\/docker.sock[\s\S]*fix: start that engine or correct DOCKER_HOST/,
    );
    expect(r.stderr).not.toMatch(/engine\.sh/);
  });
});

describe('the parameters the server knows: pg_settings, not only postgres --describe-config', () => {
  it('accepts the not-in-sample parameters postgresql.conf takes, and still refuses a misspelt one', async () => {
    const probe = await probeImage(await resolveImage(15, { build: true }));
    // Left out by --describe-config (GUC_NOT_IN_SAMPLE); `postgres --check` takes each in postgresql.conf.
    const notInSample = {
      application_name: 'x',
      ignore_invalid_pages: 'on',
      wal_consistency_checking: 'all',
      trace_recovery_messages: 'log',
    };
    expect(() => checkParameterNames(notInSample, probe.parameters, 15)).not.toThrow();
    expect(probe.parametersFrom).toBe('pg_settings');
    expect(() => checkParameterNames({ application_nam: 'x' }, probe.parameters, 15)).toThrow(
      /PostgreSQL 15 has no parameter "application_nam"[\s\S]*did you mean application_name/,
    );
  });
});

describe('a value the server refuses, found once before any cluster starts', () => {
  it("is one ConfigError with the server's error and HINT, naming the fragment and the parameter", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-conf-'));
    writeFileSync(join(dir, 'ha.conf'), "wal_level = 'replicaa'\n");
    const config = loadUserConfig({ cwd: dir, overrides: { postgresqlConf: 'ha.conf' } });
    const image = await resolveImage(15, { build: true });
    const before = await containersOfRun();
    const started = Date.now();
    const err = await checkConfigOnImage(config, image).then(
      () => new Error('the check passed'),
      (e: unknown) => e,
    );
    console.log(`checkConfigOnImage: ${Date.now() - started} ms`);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(
      new RegExp(
        `refuses ${dir}/ha.conf: wal_level = "replicaa": invalid value for parameter "wal_level": "replicaa"[\\s\\S]*fix: the server's HINT: Available values: minimal, replica, logical. Correct wal_level in ${dir}/ha.conf`,
      ),
    );
    expect(await containersOfRun()).toBe(before);
    // A config the server takes passes.
    writeFileSync(join(dir, 'ha.conf'), "application_name = 'x'\nwal_level = 'logical'\n");
    await checkConfigOnImage(loadUserConfig({ cwd: dir, overrides: { postgresqlConf: 'ha.conf' } }), image);
    rmSync(dir, { recursive: true });
  });

  it("keeps the server's HINT when a cluster start meets a refused value anyway", async () => {
    const err = await Cluster.start({ settings: { wal_level: 'replicaa' } }).then(
      (c) => c.destroy().then(() => new Error('the cluster started')),
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(
      /invalid value for parameter "wal_level": "replicaa"[\s\S]*HINT: {2}Available values: minimal, replica, logical\./,
    );
  });
});
