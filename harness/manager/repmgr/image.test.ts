import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DOCKER_DIR } from '../../paths.ts';
import { managerRecipeHash } from '../image.ts';
import { checkRepmgrMajor, REPMGR_SUITES } from './image.ts';

describe('repmgr image', () => {
  it('runs 13, 15 and 17 (each suite ships repmgr); only 15 is tested', () => {
    expect([13, 15, 17].map((m) => checkRepmgrMajor(m))).toEqual([13, 15, 17]);
    expect(
      Object.entries(REPMGR_SUITES)
        .filter(([, s]) => s.tested)
        .map(([m]) => m),
    ).toEqual(['15']);
    expect(REPMGR_SUITES[15]!.ships).toMatch(/postgresql-15-repmgr 5\.3\.3/);
  });

  it('refuses a major with no suite, naming the majors that run', () => {
    expect(() => checkRepmgrMajor(16)).toThrow(/no Debian suite ships PostgreSQL 16 with repmgr/);
    expect(() => checkRepmgrMajor(16)).toThrow(/15 \(bookworm: postgresql-15-repmgr 5\.3\.3-2/);
  });

  it('computes the recipe hash build-manager-image.sh labels the image with', async () => {
    const sh = await execa('bash', ['-c', 'cat build-manager-image.sh Dockerfile.repmgr.in | sha256sum | cut -c1-12'], { cwd: DOCKER_DIR });
    expect(managerRecipeHash('repmgr')).toBe(sh.stdout.trim());
  });

  it('the build script refuses a major with no suite with exit 2 before building', async () => {
    const r = await execa('bash', ['build-manager-image.sh', 'repmgr', '16'], { cwd: DOCKER_DIR, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/PostgreSQL 16 has no Debian suite here; a repmgr image is built for 13 \(bullseye\), 15 \(bookworm\) or 17/);
  });
});
