import type { TestProject } from 'vitest/node';
import { noteImageLacks, provideImageLacks, type ImageLacks } from '../needs.ts';

/** What the run's global setup says of an image without pg_rewind, without probing one. */
export default function setup(project: TestProject): void {
  const lacks: ImageLacks = {};
  const image = {
    name: 'example/postgres-without-rewind:15',
    major: 15,
    kind: 'user' as const,
    binDir: '/usr/lib/postgresql/15/bin',
    keepAlive: undefined,
  };
  noteImageLacks(lacks, image, { missing: [{ binary: 'pg_rewind', neededFor: 'failback by pg_rewind' }] });
  provideImageLacks(project, lacks);
}
