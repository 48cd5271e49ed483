import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DOCKER_DIR } from '../../paths.ts';
import { managerRecipeHash } from '../image.ts';
import { checkPgpoolMajor, PGPOOL_SUITES } from './image.ts';

describe('pgpool image', () => {
  it('runs 15 and 17; only 15 is tested', () => {
    expect([15, 17].map((m) => checkPgpoolMajor(m))).toEqual([15, 17]);
    expect(
      Object.entries(PGPOOL_SUITES)
        .filter(([, s]) => s.tested)
        .map(([m]) => m),
    ).toEqual(['15']);
    expect(PGPOOL_SUITES[15]!.ships).toMatch(/pgpool2 4\.3\.5/);
  });

  it("refuses 13 (bullseye's pgpool2 4.1.4) and a major with no suite, naming the majors that run", () => {
    expect(() => checkPgpoolMajor(13)).toThrow(/Debian bullseye \(PostgreSQL 13\) ships pgpool2 4\.1\.4-3.*backend_clustering_mode/);
    expect(() => checkPgpoolMajor(13)).toThrow(/15 \(bookworm: pgpool2 4\.3\.5-1\+deb12u1/);
    expect(() => checkPgpoolMajor(16)).toThrow(/no Debian suite ships PostgreSQL 16 with pgpool-II/);
  });

  it('computes the recipe hash build-manager-image.sh labels the image with', async () => {
    const sh = await execa('bash', ['-c', 'cat build-manager-image.sh Dockerfile.pgpool.in | sha256sum | cut -c1-12'], { cwd: DOCKER_DIR });
    expect(managerRecipeHash('pgpool')).toBe(sh.stdout.trim());
  });

  it('the build script refuses 13 and a major with no suite with exit 2 before building', async () => {
    const r13 = await execa('bash', ['build-manager-image.sh', 'pgpool', '13'], { cwd: DOCKER_DIR, reject: false });
    expect(r13.exitCode).toBe(2);
    expect(r13.stderr).toMatch(/bullseye \(PostgreSQL 13\) ships pgpool2 4\.1\.4/);
    const r16 = await execa('bash', ['build-manager-image.sh', 'pgpool', '16'], { cwd: DOCKER_DIR, reject: false });
    expect(r16.exitCode).toBe(2);
    expect(r16.stderr).toMatch(/PostgreSQL 16 has no Debian suite here; a pgpool image is built for 15 \(bookworm\) or 17/);
  });
});
