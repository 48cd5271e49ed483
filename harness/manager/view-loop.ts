/**
 * The loop each manager (Patroni, pg_auto_failover, repmgr) follows its view with while it runs
 * (`HaManager.start()` to `stop()`): one `tick` at a time, `intervalMs` between the end of one and
 * the start of the next, so a slow view (a frozen node answering late) never piles up reads.
 */
export class ViewLoop {
  private running = false;
  private loop: Promise<void> | undefined;

  /** @param tick reads the view once and records what changed; it handles its own read errors (a rejection ends the loop, and `stop()` throws it). */
  constructor(private readonly tick: () => Promise<void>) {}

  /** Starts ticking every `intervalMs` (ms); nothing to do when it runs. */
  start(intervalMs: number): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.tick();
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  /** Stops after the tick in progress, if any. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
