import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { Cluster, type ClusterOptions } from './cluster.ts';
import { docker, RUN_LABEL } from '../docker.ts';
import { ConfigError } from '../errors.ts';
import { currentRun } from '../run.ts';

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

describe('bad input gets a clear error naming the fix, before any container starts', () => {
  it('unknown PostgreSQL major', async () => {
    await rejectsBeforeAnyContainer({ pgMajor: 11 }, /unknown PostgreSQL major version "11"[\s\S]*fix: use a major from 12 to 18/);
    await rejectsBeforeAnyContainer({ pgMajor: '15beta' }, /unknown PostgreSQL major version "15beta"/);
  });

  it('malformed synchronous_standby_names', async () => {
    await rejectsBeforeAnyContainer({ synchronousStandbyNames: 'ANY 1 s1, s2' }, /malformed synchronous_standby_names "ANY 1 s1, s2"[\s\S]*fix: write it as/);
  });

  it('a standby name that is not in the cluster', async () => {
    await rejectsBeforeAnyContainer({ synchronousStandbyNames: 'ANY 1 (s1, s3)' }, /names standby "s3", which is not in the cluster[\s\S]*fix:/);
  });

  it('an image that is missing and cannot be built', async () => {
    await rejectsBeforeAnyContainer({ pgMajor: 16 }, /no image for PostgreSQL 16[\s\S]*fix: load a postgres:16 image/);
  });

  it('an image that is missing, with building turned off', async () => {
    await rejectsBeforeAnyContainer({ pgMajor: 13, buildImage: false }, /image pgchaos\/postgres:13 is missing[\s\S]*fix: build it with: npm run image -- 13/);
  });

  it('no Docker engine', async () => {
    // A process of its own: the Docker client is made once per process.
    const r = await execa('node_modules/.bin/tsx', ['-e', "import('./harness/db/cluster.ts').then(m => m.Cluster.start()).then(c => c.destroy()).catch(e => { console.error(e.message); process.exit(3) })"], {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock', PGCHAOS_LOG_LEVEL: 'silent' },
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/no Docker engine answers[\s\S]*fix: run `bash docker\/engine.sh`/);
  });
});
