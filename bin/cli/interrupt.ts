/**
 * How a `pgchaos run` stopped from outside still ends cleanly, shared by the CLI process
 * (run.ts) and its vitest child (vitest-child.ts): the signals that stop a run, output that may
 * be gone (a closed terminal, `pgchaos run | head`) and a parent that died. The sweep after is
 * harness/run/lifecycle.ts's finishRun.
 */

/** The signals that stop a run like Ctrl-C, with their numbers: the CLI then exits 128 + number (129, 130, 143). */
export const STOP_SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
/** Exit code of a run whose scenarios all passed but whose report did not fit: its reports folder is full. */
export const REPORTS_FULL_EXIT = 3;
/** One of `STOP_SIGNALS`. */
export type StopSignal = keyof typeof STOP_SIGNALS;

/**
 * Makes writes to a stdout or stderr that is gone harmless: EPIPE (the reader quit, as `| head`
 * does) or EIO (the terminal was closed). Unhandled, the stream's 'error' event kills the
 * process mid-run: no teardown and a 0-byte junit.xml. The run's files are its record; what
 * would have been printed is lost, nothing else.
 */
export function tolerateClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      /* nowhere left to say it: the reports are written regardless */
    });
  }
}

/**
 * Calls `onGone` once when the process that started this one has died (SIGKILL included: no
 * signal reaches the child then). The child is re-parented to init or a subreaper, so its
 * parent pid changes; checked every `intervalMs` (ms) on an unref'd timer.
 * @returns a function that stops watching.
 */
export function watchParent(onGone: () => void, intervalMs = 1000): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
