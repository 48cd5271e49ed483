import { execa } from 'execa';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docker, RUN_LABEL } from '../docker.ts';
import { newRunId } from '../run.ts';
import type { ScenarioRecord } from '../report/record.ts';
import { pollUntil } from '../wait.ts';

/** Containers and networks labelled with run `id`, as the engine lists them. */
async function leftovers(id: string): Promise<{ containers: string[]; networks: string[] }> {
  const d = await docker();
  const filters = { label: [`${RUN_LABEL}=${id}`] };
  return {
    containers: (await d.listContainers({ all: true, filters })).map((c) => c.Names.join(',')),
    networks: (await d.listNetworks({ filters })).map((n) => n.Name),
  };
}

/** The run's scenario records by scenario name. */
async function records(dir: string): Promise<Map<string, ScenarioRecord>> {
  const files = await readdir(join(dir, 'scenarios')).catch(() => [] as string[]);
  const all = await Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, 'scenarios', f), 'utf8')) as ScenarioRecord));
  return new Map(all.map((r) => [r.name, r]));
}

async function isolatedRun(): Promise<{ id: string; dir: string; env: Record<string, string> }> {
  const id = newRunId();
  const dir = await mkdtemp(join(tmpdir(), 'pgchaos-teardown-'));
  return { id, dir, env: { PGCHAOS_RUN_ID: id, PGCHAOS_RUN_DIR: dir, PGCHAOS_LOG_LEVEL: 'warn' } };
}

describe('nothing is left behind', () => {
  it('after a failed assertion and after a vitest timeout', async () => {
    const run = await isolatedRun();
    const r = await execa('node_modules/.bin/vitest', ['run', '--config', 'harness/run/__fixtures__/vitest.config.ts'], { env: run.env, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(1);
    expect(await leftovers(run.id)).toEqual({ containers: [], networks: [] });
    const byName = await records(run.dir);
    expect([...byName.values()].map((r) => r.major)).toEqual([15, 15]);
    expect(byName.get('fails an assertion')?.status).toBe('failed');
    const timedOut = byName.get('runs past its vitest timeout')!;
    expect(timedOut.status).toBe('failed');
    expect(timedOut.error).toMatch(/timed out/i);
  });

  it('after Ctrl-C during `pgchaos run`', async () => {
    const run = await isolatedRun();
    // A terminal sends SIGINT to the foreground process group: start the CLI as a group leader and signal the group.
    const cli = execa('node_modules/.bin/tsx', ['bin/pgchaos.ts', 'run', 'scenarios/quorum-standby-loss.test.ts'], { env: run.env, detached: true, reject: false, all: true });
    await pollUntil(
      async () => {
        const n = (await leftovers(run.id)).containers.length;
        return n >= 3 ? { done: true, value: n } : { done: false, seen: `${n} containers of run ${run.id}` };
      },
      { what: 'the scenario to start its three nodes', timeoutMs: 60_000, intervalMs: 200 },
    );
    process.kill(-cli.pid!, 'SIGINT');
    const r = await cli;
    expect(r.exitCode, r.all).toBe(130);
    expect(await leftovers(run.id)).toEqual({ containers: [], networks: [] });
    // The scenario says what happened to it, not the error its waits ended with, and the JUnit file is whole.
    const record = [...(await records(run.dir)).values()][0];
    expect(record?.status, JSON.stringify(record?.error)).toBe('interrupted');
    expect(await readFile(join(run.dir, 'junit.xml'), 'utf8')).toMatch(/<\/testsuites>\s*$/);
  });
});
