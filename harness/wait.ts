import pRetry, { AbortError } from 'p-retry';
import { WaitTimeoutError } from './errors.ts';

/** What a poll step reports: done with a value, or not yet with what it saw (for the timeout message). */
export type PollResult<T> = { done: true; value: T } | { done: false; seen: string };

export interface PollOptions {
  /** Human words for what is awaited, used in the timeout message. */
  what: string;
  /** Deadline in ms from the first attempt. */
  timeoutMs: number;
  /** Pause between attempts in ms (default 50). */
  intervalMs?: number;
}

class NotYet extends Error {}

/**
 * Polls `step` until it reports done, with a deadline. An exception from `step` counts as
 * "not yet" (a server that is starting refuses connections) and its message becomes the last
 * thing seen.
 * @returns the value of the first done result.
 * @throws WaitTimeoutError naming `what`, the deadline and the last thing seen.
 */
export async function pollUntil<T>(step: () => Promise<PollResult<T>>, opts: PollOptions): Promise<T> {
  const interval = opts.intervalMs ?? 50;
  const started = Date.now();
  let lastSeen = 'nothing yet';
  try {
    return await pRetry(
      async () => {
        // p-retry rejects with an AbortError's original error: abort with the NotYet itself.
        if (Date.now() - started > opts.timeoutMs) throw new AbortError(new NotYet(lastSeen));
        let r: PollResult<T>;
        try {
          r = await step();
        } catch (e) {
          lastSeen = `error: ${(e as Error).message}`;
          throw new NotYet(lastSeen);
        }
        if (r.done) return r.value;
        lastSeen = r.seen;
        throw new NotYet(r.seen);
      },
      {
        retries: Number.POSITIVE_INFINITY,
        factor: 1,
        minTimeout: interval,
        maxTimeout: interval,
        randomize: false,
        maxRetryTime: opts.timeoutMs,
      },
    );
  } catch (e) {
    if (e instanceof NotYet) {
      throw new WaitTimeoutError(opts.what, opts.timeoutMs, lastSeen);
    }
    throw e;
  }
}

/**
 * `p`, unless `signal` aborts first: then a rejection with the signal's reason, at once. `p`
 * itself runs on (nothing here can stop it) and its outcome is dropped; the caller ends what it
 * started if that matters (the operator powers off a node whose move it gave up). The listener
 * is removed when `p` settles, so many calls on one signal add none up.
 * @throws `signal.reason` when it aborts first (also when it had already); else whatever `p` throws.
 */
export function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  p.catch(() => {}); // once the signal won, a late failure is nobody's
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    const settle =
      <A>(f: (a: A) => void) =>
      (a: A) => {
        signal.removeEventListener('abort', onAbort);
        f(a);
      };
    p.then(settle(resolve), settle(reject));
  });
}
