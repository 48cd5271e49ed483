import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { doctor } from './doctor.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

test('doctor warns about an unsatisfiable synchronous_standby_names, as pgchaos run does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgchaos-doctor-'));
  const file = join(dir, 'pgchaos.config.json');
  writeFileSync(file, JSON.stringify({ synchronousStandbyNames: 'FIRST 3 (s1, s2)' }));
  // An engine that refuses at once: the config part is what is checked here.
  vi.stubEnv('DOCKER_HOST', 'tcp://127.0.0.1:1');
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  await doctor(['--config', file]);
  rmSync(dir, { recursive: true });
  expect(out.join('')).toMatch(
    /warning: synchronous_standby_names asks for 3 synchronous standbys but only 2 of the cluster's standbys match it \(s1, s2\): every commit will wait forever/,
  );
}, 30_000);
