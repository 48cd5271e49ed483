import { performance } from 'node:perf_hooks';

/**
 * The scenario's time axis. Every sample and event carries `t`, milliseconds since the clock
 * started (monotonic), so writer samples, observer samples and fault events line up.
 */
export class Clock {
  private readonly origin = performance.now();
  /** Wall-clock time of t = 0, ms since the epoch (for the report's timestamps). */
  readonly epochMs = Date.now();

  /** Milliseconds since the clock started. */
  now(): number {
    return performance.now() - this.origin;
  }
}
