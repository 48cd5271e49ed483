import { describe, expect, it } from 'vitest';
import { ViewLoop } from './view-loop.ts';

describe('ViewLoop', () => {
  it('ticks one at a time until stopped, and stop waits for the tick in progress', async () => {
    let inFlight = 0;
    let most = 0;
    let ticks = 0;
    let release: (() => void) | undefined;
    const loop = new ViewLoop(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      ticks++;
      if (ticks === 3) await new Promise<void>((r) => (release = r)); // a slow view
      inFlight--;
    });
    loop.start(1);
    loop.start(1); // a second start is nothing
    while (!release) await new Promise((r) => setTimeout(r, 1));
    const stopped = loop.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    release();
    await stopped;
    expect({ ticks, most }).toEqual({ ticks: 3, most: 1 });
  });

  it('ends on a tick that throws, and stop() throws it', async () => {
    const loop = new ViewLoop(async () => {
      throw new Error('view unreadable');
    });
    loop.start(1);
    await expect(loop.stop()).rejects.toThrow('view unreadable');
  });
});
