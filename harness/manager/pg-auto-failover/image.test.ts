import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import { DOCKER_DIR } from '../../paths.ts';
import { managerRecipeHash } from '../image.ts';
import { checkPgAutoFailoverMajor } from './image.ts';

describe('pg_auto_failover image', () => {
  it('refuses PostgreSQL 13 naming what bullseye ships and the majors that run', () => {
    let e: unknown;
    try {
      checkPgAutoFailoverMajor(13);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problem).toMatch(/Debian bullseye \(PostgreSQL 13\) ships no pg_auto_failover package/);
    expect((e as ConfigError).fix).toMatch(/pick PostgreSQL 15 \(bookworm: pg-auto-failover-cli 2\.0/);
    expect(() => checkPgAutoFailoverMajor(16)).toThrow(/no Debian suite ships PostgreSQL 16 with pg_auto_failover/);
  });

  it('runs 15', () => {
    expect(checkPgAutoFailoverMajor('15')).toBe(15);
  });

  it('computes the recipe hash build-manager-image.sh labels the image with', async () => {
    const sh = await execa('bash', ['-c', 'cat build-manager-image.sh Dockerfile.pg_auto_failover.in | sha256sum | cut -c1-12'], {
      cwd: DOCKER_DIR,
    });
    expect(managerRecipeHash('pg_auto_failover')).toBe(sh.stdout.trim());
  });

  it('the build script refuses 13 with exit 2 before building, naming what exists', async () => {
    const r = await execa('bash', ['build-manager-image.sh', 'pg_auto_failover', '13'], { cwd: DOCKER_DIR, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/bullseye \(PostgreSQL 13\) ships no pg_auto_failover package.*use PostgreSQL 15/);
  });
});
