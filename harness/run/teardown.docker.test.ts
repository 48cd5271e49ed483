import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docker, RUN_LABEL } from '../docker.ts';
import { newRunId } from '../run-id.ts';
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

/** The run's server-log folders that anyone may write to (0777 while its cluster ran). */
function worldWritableLogs(dir: string): string[] {
  const logs = join(dir, 'logs');
  const dirs = existsSync(logs) ? readdirSync(logs) : [];
  return dirs.filter((d) => statSync(join(logs, d)).mode & 0o002);
}

async function isolatedRun(): Promise<{ id: string; dir: string; env: Record<string, string> }> {
  const id = newRunId();
  const dir = await mkdtemp(join(tmpdir(), 'pgchaos-teardown-'));
  return { id, dir, env: { PGCHAOS_RUN_ID: id, PGCHAOS_RUN_DIR: dir, PGCHAOS_LOG_LEVEL: 'warn' } };
}

/** `pgchaos run` of the shortest scenario, started from sources as one node process (no tsx wrapper in between). */
function cliRun(env: Record<string, string>, opts: { stdout?: 'pipe' } = {}) {
  return execa('node', ['--import', 'tsx', 'bin/pgchaos.ts', 'run', 'scenarios/lost-write-detection.test.ts'], {
    env,
    reject: false,
    ...(opts.stdout ? { stdout: 'pipe', stderr: 'pipe' } : { all: true }),
  });
}

/** Waits until run `id` has its three nodes up. */
async function nodesUp(id: string): Promise<void> {
  await pollUntil(
    async () => {
      const n = (await leftovers(id)).containers.length;
      return n >= 3 ? { done: true, value: n } : { done: false, seen: `${n} containers of run ${id}` };
    },
    { what: 'the scenario to start its three nodes', timeoutMs: 90_000, intervalMs: 200 },
  );
}

/** Pids of the processes whose command line or environment names `text` (a run's folder: the CLI, its vitest child and workers). */
function processesNaming(text: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text) || readFileSync(`/proc/${p}/environ`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Waits until no process of the run is left. */
async function processesEnd(dir: string): Promise<void> {
  await pollUntil(
    async () => {
      const left = processesNaming(dir);
      return left.length ? { done: false, seen: `processes ${left.join(', ')} still run` } : { done: true, value: true };
    },
    { what: "the run's processes to stop and sweep", timeoutMs: 60_000, intervalMs: 250 },
  );
}

/** What an interrupted run must leave: no container or network, its scenario recorded as interrupted, a whole junit.xml, a summary. */
async function expectInterruptedCleanly(run: { id: string; dir: string }): Promise<void> {
  expect(await leftovers(run.id)).toEqual({ containers: [], networks: [] });
  const record = [...(await records(run.dir)).values()][0];
  expect(record?.status, JSON.stringify(record?.error)).toBe('interrupted');
  expect(await readFile(join(run.dir, 'junit.xml'), 'utf8')).toMatch(/<\/testsuites>\s*$/);
  expect(existsSync(join(run.dir, 'summary.json'))).toBe(true);
  expect(worldWritableLogs(run.dir)).toEqual([]);
}

describe('nothing is left behind', () => {
  it('after a failed assertion and after a vitest timeout', async () => {
    const run = await isolatedRun();
    const r = await execa('node_modules/.bin/vitest', ['run', '--config', 'harness/run/__fixtures__/vitest.config.ts'], {
      env: run.env,
      reject: false,
      all: true,
    });
    expect(r.exitCode, r.all).toBe(1);
    expect(await leftovers(run.id)).toEqual({ containers: [], networks: [] });
    const byName = await records(run.dir);
    expect([...byName.values()].map((r) => r.major)).toEqual([15, 15]);
    expect(byName.get('fails an assertion')?.status).toBe('failed');
    const timedOut = byName.get('runs past its vitest timeout')!;
    expect(timedOut.status).toBe('failed');
    expect(timedOut.error).toMatch(/timed out/i);
    expect(readdirSync(join(run.dir, 'logs')).length).toBeGreaterThan(0);
    expect(worldWritableLogs(run.dir)).toEqual([]);
  });

  it('after Ctrl-C during `pgchaos run`', async () => {
    const run = await isolatedRun();
    // A terminal sends SIGINT to the foreground process group: start the CLI as a group leader and signal the group.
    const cli = execa('node_modules/.bin/tsx', ['bin/pgchaos.ts', 'run', 'scenarios/quorum-standby-loss.test.ts'], {
      env: run.env,
      detached: true,
      reject: false,
      all: true,
    });
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

  // A closed terminal sends SIGHUP, `kill` SIGTERM, to the CLI alone (vitest runs in a process group of its own).
  it.each([
    ['SIGHUP', 129],
    ['SIGTERM', 143],
  ] as const)('after %s to `pgchaos run`: stopped like Ctrl-C, exit %i', async (sig, code) => {
    const run = await isolatedRun();
    const cli = cliRun(run.env);
    await nodesUp(run.id);
    process.kill(cli.pid!, sig);
    const r = await cli;
    expect(r.exitCode, r.all).toBe(code);
    expect(processesNaming(run.dir)).toEqual([]);
    await expectInterruptedCleanly(run);
  });

  it('after `pgchaos run` is SIGKILLed: its vitest child stops the run and sweeps by itself', async () => {
    const run = await isolatedRun();
    const cli = cliRun(run.env);
    await nodesUp(run.id);
    process.kill(cli.pid!, 'SIGKILL');
    await cli;
    // The child outlives the CLI; it must end by itself within the cleanup's bounds (not run the scenario to its end unattended).
    await processesEnd(run.dir);
    await expectInterruptedCleanly(run);
  });

  it('after its terminal closes: hung up (SIGHUP), its output gone (EIO), the run still stops and sweeps', async () => {
    const run = await isolatedRun();
    // `script` gives the CLI a terminal of its own; killing `script` closes it, and the kernel hangs up the CLI's session.
    const term = execa('script', ['-qefc', 'node --import tsx bin/pgchaos.ts run scenarios/lost-write-detection.test.ts', '/dev/null'], {
      env: run.env,
      reject: false,
    });
    await nodesUp(run.id);
    term.kill('SIGKILL');
    await term;
    await processesEnd(run.dir);
    await expectInterruptedCleanly(run);
  });

  it('with its stdout closed (`pgchaos run | head`): the run goes on to its end and its report', async () => {
    const run = await isolatedRun();
    const cli = cliRun(run.env, { stdout: 'pipe' });
    cli.stdout!.destroy(); // the reader is gone: every write to stdout now fails with EPIPE
    const r = await cli;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(await leftovers(run.id)).toEqual({ containers: [], networks: [] });
    expect([...(await records(run.dir)).values()].map((x) => x.status)).toEqual(['passed']);
    expect(await readFile(join(run.dir, 'junit.xml'), 'utf8')).toMatch(/<\/testsuites>\s*$/);
    expect(existsSync(join(run.dir, 'summary.json'))).toBe(true);
  });
});
