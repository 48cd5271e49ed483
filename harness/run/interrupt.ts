/**
 * Ctrl-C and SIGTERM in a scenario's process. The signal reaches vitest's workers too (one
 * process group); a worker then removes its scenario's containers at once — so the scenario
 * ends within seconds instead of running on — and its record says "interrupted" instead of the
 * error its waits end with once the containers vanish under them ("no such container", a
 * timeout). vitest itself stops scheduling further tests.
 */
let signal: NodeJS.Signals | null = null;
const handlers = new Set<() => Promise<void>>();

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (signal) return;
    signal = sig;
    for (const h of handlers) void h().catch(() => undefined);
  });
}

/** The signal that interrupted this process, or null. */
export function interrupted(): NodeJS.Signals | null {
  return signal;
}

/**
 * Runs `fn` when the process is interrupted (at once if it already was), until the returned
 * function unregisters it.
 */
export function onInterrupt(fn: () => Promise<void>): () => void {
  handlers.add(fn);
  if (signal) void fn().catch(() => undefined);
  return () => handlers.delete(fn);
}
