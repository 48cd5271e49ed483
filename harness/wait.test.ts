import { describe, expect, it } from 'vitest';
import { WaitTimeoutError } from './errors.ts';
import { pollUntil, unlessAborted, type PollResult } from './wait.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pollUntil', () => {
  it('returns the value of the first done result', async () => {
    let n = 0;
    const v = await pollUntil(
      async (): Promise<PollResult<number>> => (++n === 3 ? { done: true, value: 42 } : { done: false, seen: `n=${n}` }),
      { what: 'n to reach 3', timeoutMs: 2000, intervalMs: 5 },
    );
    expect(v).toBe(42);
  });

  it('times out naming what it awaited, the deadline and what it last saw', async () => {
    let n = 0;
    const err = await pollUntil(async () => ({ done: false, seen: `n=${++n}` }), {
      what: 'the impossible',
      timeoutMs: 100,
      intervalMs: 10,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toMatch(/^timed out after 100 ms waiting for the impossible; last seen: n=\d+$/);
  });

  it('times out the same way when an attempt starts after the deadline', async () => {
    // A slow step (a frozen server) outlives the deadline: the next attempt must not run, and the error is still a WaitTimeoutError.
    const err = await pollUntil(
      async () => {
        await sleep(60);
        return { done: false, seen: 'slow' };
      },
      { what: 'a slow server', timeoutMs: 100, intervalMs: 50 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toContain('last seen: slow');
  });

  it('counts an exception as not yet and reports it as last seen', async () => {
    const err = await pollUntil(async () => Promise.reject(new Error('connection refused')), {
      what: 'a server',
      timeoutMs: 50,
      intervalMs: 10,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toContain('last seen: error: connection refused');
  });
});

describe('unlessAborted', () => {
  it('settles as the promise does while the signal does not abort', async () => {
    const c = new AbortController();
    await expect(unlessAborted(Promise.resolve(7), c.signal)).resolves.toBe(7);
    await expect(unlessAborted(Promise.reject(new Error('no')), c.signal)).rejects.toThrow('no');
  });

  it("rejects with the signal's reason as soon as it aborts, without waiting for the promise", async () => {
    const c = new AbortController();
    const never = new Promise<number>(() => {});
    const p = unlessAborted(never, c.signal);
    setTimeout(() => c.abort(new Error('the primary failed')), 10);
    await expect(p).rejects.toThrow('the primary failed');
    await expect(unlessAborted(never, c.signal)).rejects.toThrow('the primary failed');
  });

  it('leaves no listener behind once the promise settled (many calls on one signal)', async () => {
    const c = new AbortController();
    let added = 0;
    let removed = 0;
    const add = c.signal.addEventListener.bind(c.signal);
    const remove = c.signal.removeEventListener.bind(c.signal);
    c.signal.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
    c.signal.removeEventListener = ((...a: Parameters<typeof remove>) => (removed++, remove(...a))) as typeof remove;
    for (let i = 0; i < 20; i++) await unlessAborted(sleep(1), c.signal);
    expect(added).toBe(20);
    expect(removed).toBe(20);
  });
});
