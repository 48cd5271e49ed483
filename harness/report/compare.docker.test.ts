/**
 * `pgchaos compare` on real runs: the planned switchover once with the default config, once
 * with a config whose failover takes longer — synchronous_commit = remote_apply and standbys
 * that apply WAL 2 s late (recovery_min_apply_delay), so the promoted standby's first commits
 * wait for the delayed apply. Measured here: writeOutageMs 0.96–1.1 s → 3.8 s. Comparing the
 * run with itself is exit 0; with the slow config, exit 1 naming writeOutageMs.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import type { Summary } from './summary.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
const PGCHAOS = [join(REPO, 'node_modules', '.bin', 'tsx'), join(REPO, 'bin', 'pgchaos.ts')] as const;
const work = mkdtempSync(join(tmpdir(), 'pgchaos-compare-'));

/** This vitest run's variables stay out: each CLI run is a run of its own. */
function env(): NodeJS.ProcessEnv {
  const own = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|PGCHAOS_|TEST$|NODE_ENV$)/.test(k)));
  return { ...own, PGCHAOS_LOG_LEVEL: 'warn' };
}

async function run(name: string, ...flags: string[]): Promise<string> {
  const out = join(work, name);
  const r = await execa(PGCHAOS[0], [PGCHAOS[1], 'run', 'planned-switchover', '--out', out, ...flags], {
    cwd: REPO,
    env: env(),
    reject: false,
    all: true,
  });
  expect(r.exitCode, r.all).toBe(0);
  return join(out, 'latest');
}

test('compare exits 0 for a run against itself and 1 for a config with a longer failover outage', async () => {
  const base = await run('base');
  writeFileSync(join(work, 'delay.conf'), "recovery_min_apply_delay = '2s'\n");
  const slow = await run('slow', '--synchronous-commit', 'remote_apply', '--conf', join(work, 'delay.conf'));
  const outage = (dir: string) =>
    (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary).scenarios[0]!.metrics.writeOutageMs as number;
  expect(outage(slow)).toBeGreaterThan(outage(base) + 1000);

  const same = await execa(PGCHAOS[0], [PGCHAOS[1], 'compare', base, base], { env: env(), reject: false, all: true });
  expect(same.exitCode, same.all).toBe(0);
  const worse = await execa(PGCHAOS[0], [PGCHAOS[1], 'compare', base, slow], { env: env(), reject: false, all: true });
  expect(worse.exitCode, worse.all).toBe(1);
  expect(worse.stdout + worse.stderr).toMatch(/REGRESSED.*writeOutageMs rose/s);
  expect(JSON.parse(readFileSync(join(slow, 'diff.json'), 'utf8')).regressed).toBe(true);
}, 300_000);
