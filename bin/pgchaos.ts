#!/usr/bin/env -S npx tsx
/**
 * pgchaos command line.
 *   pgchaos run [vitest args...]   run the scenarios (a normal vitest run of the `scenarios` project) and write
 *                                  reports/<run>/ (summary.json, index.html, junit.xml); exit code is vitest's
 *   pgchaos image [MAJOR]          build the offline PostgreSQL image (default 15) if it is missing
 *   pgchaos doctor                 say what is missing on this machine and the command that fixes it
 * Ctrl-C during `run`: vitest is interrupted, then every container and network of the run is removed.
 */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
// Static imports only: Ctrl-C also kills tsx's compiler service, so nothing can be loaded after it.
import { sweepRun } from '../harness/docker.ts';
import { ConfigError } from '../harness/errors.ts';
import { defaultMajor, resolveImage } from '../harness/db/image.ts';
import { writeReport } from '../harness/report/report.ts';
import { currentRun } from '../harness/run.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const [command = 'help', ...args] = process.argv.slice(2);

async function engine(): Promise<void> {
  const r = await execa('bash', ['docker/engine.sh'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], reject: false });
  if (r.exitCode !== 0) process.exit(r.exitCode ?? 1);
}

async function run(): Promise<number> {
  const r = currentRun(); // exports PGCHAOS_RUN_ID / PGCHAOS_RUN_DIR to vitest and its workers
  await engine();
  // Own process group: a terminal's Ctrl-C reaches only this process, which interrupts vitest
  // exactly once and then sweeps, instead of racing vitest's workers for the containers.
  const child = execa('node_modules/.bin/vitest', ['run', '--project', 'scenarios', ...args], { cwd: root, stdio: 'inherit', detached: true, reject: false });
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\npgchaos: ${sig}: stopping the run, then removing its containers and networks ...\n`);
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      /* already gone */
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 30_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const result = await child;
  if (interrupted) {
    const swept = await sweepRun(r.id);
    await writeReport(r.dir);
    process.stderr.write(`pgchaos: removed ${swept.containers} containers and ${swept.networks} networks of run ${r.id}\n`);
    return 130;
  }
  return result.exitCode ?? 1;
}

async function image(): Promise<number> {
  await engine();
  const img = await resolveImage(args[0] ?? defaultMajor(), { build: true });
  process.stdout.write(`${img.name} is ready\n`);
  return 0;
}

async function doctor(): Promise<number> {
  const problems: string[] = [];
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major < 20 || (major === 20 && minor < 19)) problems.push(`Node ${process.versions.node} is too old: install Node 20.19+ or 22+`);
  const info = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 5000 });
  if (info.exitCode !== 0) problems.push('no Docker engine answers: run `bash docker/engine.sh` (as root on Debian it installs and starts docker.io)');
  else {
    process.stdout.write(`docker engine ${info.stdout.trim()}\n`);
    await resolveImage(defaultMajor(), { build: false }).then(
      (img) => process.stdout.write(`image ${img.name} (${img.kind})\n`),
      (e: Error) => problems.push(e.message),
    );
  }
  for (const p of problems) process.stdout.write(`problem: ${p}\n`);
  if (!problems.length) process.stdout.write('ready: npm run chaos\n');
  return problems.length ? 1 : 0;
}

const commands: Record<string, () => Promise<number>> = { run, image, doctor };
const fn = commands[command];
if (!fn) {
  process.stdout.write('usage: pgchaos run [vitest args...] | image [MAJOR] | doctor\n');
  process.exit(command === 'help' ? 0 : 2);
}
fn().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`pgchaos: ${e instanceof ConfigError ? e.message : (e.stack ?? e.message)}\n`);
    process.exit(e instanceof ConfigError ? 2 : 1);
  },
);
