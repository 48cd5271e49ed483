/**
 * The supervised start of pg_autoctl (cluster.ts `agentStartScript`), run on this machine with a
 * stand-in agent on PATH: started again after it fails (pg_autoctl 2.0 exits 12 when its monitor
 * does not answer for ~10 s), `create` until the node's config exists and `run` after, left down
 * once killed (the kill9-agent fault), never started twice.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_RESTART_S, agentStartScript } from './cluster.ts';

/** The stand-in's process name: not pg_autoctl, which containers of other runs on this machine may show to pgrep. */
const BIN = 'pafagent-test';
let dir = '';
afterEach(async () => {
  // The stand-in and its supervisor, should a test fail halfway (by this test's own unique path only).
  // `[/]tmp…`: the pattern does not match the shell that runs pkill.
  if (dir) execFileSync('sh', ['-c', `pkill -KILL -f '[${dir[0]}]${dir.slice(1)}' || true`]);
  if (dir) rmSync(dir, { recursive: true, force: true });
  // Until they are gone: a killed stand-in whose supervisor was killed too lingers as a zombie until this
  // machine's init reaps it, and the next test's `pgrep -x` would take it for a running agent.
  await until(
    () =>
      execFileSync('sh', ['-c', `pgrep -x ${BIN} || true`])
        .toString()
        .trim() === '',
  );
});

/**
 * A stand-in agent that exits 12 `failures` times, then creates the node's config (on `create`)
 * and runs until killed; each start's first argument (`create` or `run`) is written to `starts`.
 */
function standIn(failures: number) {
  dir = mkdtempSync(join(tmpdir(), 'paf-agent-start-'));
  const bin = join(dir, 'bin');
  execFileSync('mkdir', [bin]);
  const starts = join(dir, 'starts');
  const cfg = join(dir, 'pg_autoctl.cfg');
  const pidFile = join(dir, 'pg_autoctl.pid');
  writeFileSync(starts, '');
  writeFileSync(
    join(bin, BIN),
    `#!/bin/sh\necho $1 >> ${starts}\n[ $(wc -l < ${starts}) -le ${failures} ] && exit 12\n` +
      `[ "$1" = create ] && touch ${cfg}\necho pid > ${pidFile}\nwhile :; do sleep 1; done\n`,
  );
  chmodSync(join(bin, BIN), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const script = agentStartScript({
    create: `${BIN} create ${dir}`,
    run: `${BIN} run ${dir}`,
    cfg,
    pidFile,
    log: join(dir, 'log'),
    bin: BIN,
  });
  return {
    run: () => execFileSync('sh', ['-c', script], { env }),
    starts: () => readFileSync(starts, 'utf8').split('\n').filter(Boolean),
    /** The stand-in got past its start: the node's config is created and its pid file written. */
    up: () => existsSync(pidFile),
    pids: () =>
      // `[b]in/`: the stand-in's own command line (/bin/sh …/bin/<BIN> create), not the supervisor's, which names it without bin/.
      execFileSync('sh', ['-c', `pgrep -f '[b]in/${BIN} (create|run) ${dir}' || true`])
        .toString()
        .split('\n')
        .filter(Boolean),
  };
}

/** Polls `ok` every 100 ms until it holds or 10 s passed (the machine may be busy). */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await sleep(100);
}

describe('agentStartScript (pg_auto_failover)', { timeout: 20_000 }, () => {
  it('starts pg_autoctl again after it fails, create until the node exists, never twice', async () => {
    const a = standIn(2);
    a.run();
    await until(() => a.starts().length === 3 && a.pids().length === 1);
    expect(a.starts()).toEqual(['create', 'create', 'create']);
    expect(a.pids()).toHaveLength(1);
    // Started again while it runs: nothing happens.
    a.run();
    await sleep(300);
    expect(a.starts()).toHaveLength(3);
    expect(a.pids()).toHaveLength(1);
  });

  it('leaves a killed pg_autoctl down, for the heal to start with run once the node exists', async () => {
    const a = standIn(0);
    a.run();
    // Killed only once it created the node (its config): a kill before that is a failed create, started again as create.
    await until(() => a.up() && a.pids().length === 1);
    execFileSync('kill', ['-KILL', ...a.pids()]);
    await sleep((AGENT_RESTART_S + 1) * 1000);
    expect(a.pids()).toEqual([]);
    expect(a.starts()).toEqual(['create']);
    a.run();
    await until(() => a.starts().length === 2 && a.pids().length === 1);
    expect(a.starts()).toEqual(['create', 'run']);
  });
});
