import { chmod, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from './logger.ts';

type Cleanup = () => Promise<unknown>;
const cleanups = new Set<Cleanup>();
let installed = false;
let caught: NodeJS.Signals | null = null;

/** Longest a signal-time cleanup may take before the process exits anyway, ms. */
const SIGNAL_CLEANUP_MS = 20_000;

/**
 * Registers `fn` to run if the process is interrupted (SIGINT, SIGTERM, SIGHUP) before
 * `unregister` is called. After the cleanups a plain process (a script, the bench) exits with
 * 128 + signal number; a vitest worker does not: there the removed containers make the running
 * scenario fail within seconds, it records itself as interrupted, and vitest — cancelling the
 * run — still finishes its reports (a worker that exited would leave an empty junit.xml).
 * @returns the function that unregisters `fn` (call it once `fn` has run normally).
 */
export function onInterrupt(fn: Cleanup): () => void {
  cleanups.add(fn);
  if (!installed) {
    installed = true;
    for (const [sig, num] of [
      ['SIGINT', 2],
      ['SIGTERM', 15],
      ['SIGHUP', 1],
    ] as const) {
      process.once(sig, () => {
        caught = sig;
        void runAll(sig).finally(() => {
          if (process.env.VITEST_WORKER_ID === undefined) process.exit(128 + num);
        });
      });
    }
  }
  return () => cleanups.delete(fn);
}

/** The signal that interrupted this process while something was registered with `onInterrupt`, or null. */
export function interruptedBy(): NodeJS.Signals | null {
  return caught;
}

async function runAll(sig: string): Promise<void> {
  if (cleanups.size === 0) return;
  log().warn({ signal: sig, pending: cleanups.size }, 'interrupted: removing containers and networks');
  const all = Promise.allSettled([...cleanups].map((f) => f()));
  await Promise.race([all, new Promise((r) => setTimeout(r, SIGNAL_CLEANUP_MS).unref())]);
}

/**
 * Takes back the world-write permission a cluster gives its server-log folders while it runs
 * (`<run>/logs/<cluster>`, 0777 so the container's postgres user can write there): 0755 once
 * the run's containers are gone. Call at the end of a run.
 * @returns how many folders it changed; a run without logs changes none.
 */
export async function closeLogFolders(runDir: string): Promise<number> {
  const logs = join(runDir, 'logs');
  const dirs = await readdir(logs, { withFileTypes: true }).catch(() => []);
  const open = dirs.filter((d) => d.isDirectory());
  await Promise.all(open.map((d) => chmod(join(logs, d.name), 0o755)));
  return open.length;
}
