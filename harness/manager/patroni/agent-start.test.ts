/**
 * The supervised start of Patroni (cluster.ts `agentStartScript`), run on this machine with a
 * stand-in `patroni` on PATH: started again after it fails (Patroni 3.0.2 exits when its DCS has
 * no quorum at start), left down once killed (the kill9-agent fault), never started twice.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_RESTART_S, agentStartScript } from './cluster.ts';

let dir = '';
afterEach(() => {
  // The stand-in and its supervisor, should a test fail halfway (pkill by this test's own unique path only).
  // `[/]tmp…`: the pattern does not match the shell that runs pkill.
  if (dir) execFileSync('sh', ['-c', `pkill -KILL -f '[${dir[0]}]${dir.slice(1)}' || true`]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A `patroni` that fails `failures` times (exit 1), then runs until killed; each start is counted in `starts`. */
function standIn(failures: number): { config: string; run: () => void; starts: () => number; pids: () => string[] } {
  dir = mkdtempSync(join(tmpdir(), 'agent-start-'));
  const bin = join(dir, 'bin');
  execFileSync('mkdir', [bin]);
  const starts = join(dir, 'starts');
  writeFileSync(starts, '');
  writeFileSync(
    join(bin, 'patroni'),
    `#!/bin/sh\necho start >> ${starts}\n[ $(wc -l < ${starts}) -le ${failures} ] && exit 1\nwhile :; do sleep 1; done\n`,
  );
  chmodSync(join(bin, 'patroni'), 0o755);
  const config = join(dir, 'patroni.yml');
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  return {
    config,
    run: () => execFileSync('sh', ['-c', agentStartScript(config, join(dir, 'log'))], { env }),
    starts: () => readFileSync(starts, 'utf8').split('\n').filter(Boolean).length,
    pids: () =>
      execFileSync('sh', ['-c', `pgrep -f '[b]in/patroni ${config}' || true`])
        .toString()
        .split('\n')
        .filter(Boolean),
  };
}

/** Polls `ok` every 100 ms until it holds or 10 s passed (the machine may be busy): fixed sleeps made this test flaky. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await sleep(100);
}

describe('agentStartScript', () => {
  it('starts Patroni again after it fails, as patroni.service Restart=on-failure does', async () => {
    const a = standIn(2);
    a.run();
    await until(() => a.starts() === 3 && a.pids().length === 1);
    expect(a.starts()).toBe(3);
    expect(a.pids()).toHaveLength(1);
    // Started again while it runs: nothing happens.
    a.run();
    await sleep(300);
    expect(a.starts()).toBe(3);
    expect(a.pids()).toHaveLength(1);
  });

  it('counts only its own supervisor: another Patroni supervisor on the host (a container seen from it) does not stop it', async () => {
    const other = standIn(0);
    other.run();
    await until(() => other.pids().length === 1);
    const otherDir = dir;
    const a = standIn(0);
    a.run();
    await until(() => a.pids().length === 1);
    expect(a.starts()).toBe(1);
    execFileSync('sh', ['-c', `pkill -KILL -f '[${otherDir[0]}]${otherDir.slice(1)}' || true`]);
    rmSync(otherDir, { recursive: true, force: true });
  });

  it('leaves a killed Patroni down, for the heal to start', async () => {
    const a = standIn(0);
    a.run();
    await until(() => a.pids().length === 1);
    execFileSync('kill', ['-KILL', ...a.pids()]);
    await sleep((AGENT_RESTART_S + 1) * 1000);
    expect(a.pids()).toEqual([]);
    expect(a.starts()).toBe(1);
    a.run();
    await until(() => a.starts() === 2);
    expect(a.starts()).toBe(2);
  });
});
