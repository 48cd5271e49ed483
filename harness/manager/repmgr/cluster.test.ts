import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { reapKilledPostmasterScript, repmgrConf } from './cluster.ts';
import { checkRepmgrConfig } from './config.ts';

const bin = '/usr/lib/postgresql/15/bin';

describe("a node's repmgr.conf", () => {
  it('carries what pgchaos writes per node and the docs-given commands', () => {
    const conf = repmgrConf(checkRepmgrConfig(undefined, ['pg0', 's1', 's2']), 's1', 2, 'c-s1', bin);
    const lines = conf.split('\n');
    expect(lines).toContain('node_id=2');
    expect(lines).toContain("node_name='s1'");
    expect(lines).toContain("conninfo='host=c-s1 port=5432 user=repmgr dbname=repmgr connect_timeout=2'");
    expect(lines).toContain("data_directory='/var/lib/postgresql/data'");
    expect(lines).toContain("failover='automatic'");
    expect(lines).toContain("promote_command='/usr/lib/postgresql/15/bin/repmgr standby promote -f /etc/repmgr/repmgr.conf --log-to-file'");
    expect(lines).toContain(
      "follow_command='/usr/lib/postgresql/15/bin/repmgr standby follow -f /etc/repmgr/repmgr.conf --log-to-file --upstream-node-id=%n'",
    );
    expect(lines).toContain("repmgrd_pid_file='/tmp/repmgrd.pid'");
    expect(lines.filter((l) => l.startsWith('service_')).map((l) => l.split('=')[0])).toEqual([
      'service_start_command',
      'service_stop_command',
      'service_restart_command',
      'service_reload_command',
    ]);
  });

  it("carries the user's settings, the node's own priority, and doubles a single quote", () => {
    const c = checkRepmgrConfig(
      {
        failover: 'manual',
        reconnect_attempts: 3,
        reconnect_interval: 2,
        primary_visibility_consensus: true,
        nodes: { s2: { priority: 0 } },
      },
      ['pg0', 's1', 's2'],
    );
    const lines = repmgrConf(c, 's2', 3, "it's", bin).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        "failover='manual'",
        'priority=0',
        'reconnect_attempts=3',
        'reconnect_interval=2',
        'monitor_interval_secs=2',
        'primary_visibility_consensus=true',
        "conninfo='host=it''s port=5432 user=repmgr dbname=repmgr connect_timeout=2'",
      ]),
    );
  });
});

describe("the heal of a killed postmaster: its leftover children cleared before the boot's start", () => {
  // A copy of sleep under a name of its own stands for the postmaster's children: `pgrep -x` matches
  // the process name, and a unique one keeps the host's (and other runs' containers') postgres out.
  const dirs: string[] = [];
  const procs: ChildProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) p.kill('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const setUp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgchaos-reap-'));
    dirs.push(dir);
    const name = `pgcr${process.pid % 100_000}${Math.floor(Math.random() * 1e5)}`.slice(0, 15);
    copyFileSync('/bin/sleep', join(dir, name));
    const run = (seconds: string) => {
      const p = spawn(join(dir, name), [seconds], { stdio: 'ignore' });
      procs.push(p);
      return Object.assign(p, { ended: new Promise<NodeJS.Signals | null>((r) => p.on('exit', (_code, sig) => r(sig))) });
    };
    const reap = async (waitS: number) => {
      const from = Date.now();
      await promisify(execFile)('sh', ['-c', reapKilledPostmasterScript(dir, name, waitS)]);
      return Date.now() - from;
    };
    const running = () =>
      promisify(execFile)('pgrep', ['-x', name]).then(
        () => true,
        () => false,
      );
    return { dir, run, reap, running };
  };

  it('waits for a child that outlives the killed postmaster to exit, so the boot then starts PostgreSQL', async () => {
    const { dir, run, reap, running } = setUp();
    writeFileSync(join(dir, 'postmaster.pid'), '999999999\n'); // the killed postmaster's pid: gone
    const child = run('0.8');
    await new Promise((r) => setTimeout(r, 100));
    // What the boot's rule saw in seed 2's heal: a postgres process, so it started nothing.
    expect(await running()).toBe(true);
    const tookMs = await reap(10);
    expect(await running()).toBe(false);
    expect(await child.ended).toBeNull(); // exited by itself, not killed
    expect(tookMs).toBeGreaterThanOrEqual(500);
  });

  it('SIGKILLs a child still there after the wait, as the service manager does', async () => {
    const { dir, run, reap, running } = setUp();
    writeFileSync(join(dir, 'postmaster.pid'), '999999999\n');
    const child = run('60');
    await new Promise((r) => setTimeout(r, 100));
    const tookMs = await reap(1);
    expect(await child.ended).toBe('SIGKILL');
    expect(await running()).toBe(false);
    expect(tookMs).toBeLessThan(10_000);
  });

  it('leaves a postmaster started again alone', async () => {
    const { dir, run, reap, running } = setUp();
    const postmaster = run('60');
    writeFileSync(join(dir, 'postmaster.pid'), `${postmaster.pid}\n`);
    await new Promise((r) => setTimeout(r, 100));
    expect(await reap(10)).toBeLessThan(1000);
    expect(await running()).toBe(true);
  });
});
