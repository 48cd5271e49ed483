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
      { retries: Number.POSITIVE_INFINITY, factor: 1, minTimeout: interval, maxTimeout: interval, randomize: false, maxRetryTime: opts.timeoutMs },
    );
  } catch (e) {
    if (e instanceof NotYet) {
      throw new WaitTimeoutError(opts.what, opts.timeoutMs, lastSeen);
    }
    throw e;
  }
}
