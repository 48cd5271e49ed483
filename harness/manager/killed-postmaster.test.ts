import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { reapKilledPostmasterScript } from './killed-postmaster.ts';

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
