/**
 * The operator's rule for declaring the primary failed from its health checks (builtin.ts),
 * kept apart from the checks themselves so that it can be tested without a cluster.
 */

/** A primary's health as the checks so far show it. `since`: start of the first failing check in a row, ms. */
export type Health = { state: 'ok' } | { state: 'failing' | 'failed'; since: number };

/** One health check: when it began and ended (ms on the scenario clock) and whether the node answered as a primary in time. */
export interface HealthCheck {
  startT: number;
  endT: number;
  ok: boolean;
}

/**
 * Declares a node failed once its health checks have failed without a break for `failAfterMs`:
 * from the start of the first failing check to the end of the latest one, and two checks at
 * least (one slow answer is one observation). A check that times out fails from its start, so a
 * frozen server is declared as soon as a second check ending `failAfterMs` after that start has
 * failed, not one check later; a server that refuses (each check fails at once) is declared
 * after `failAfterMs` of refusals.
 *
 * A node other than the last one checked (the primary changed) starts afresh; so does `reset`
 * (a failover was tried): checks that began before it are ignored, their answers being about
 * before the failover.
 */
export class FailureDetector {
  private node: string | undefined;
  private last: Health = { state: 'ok' };
  /** Failing checks in a row so far. */
  private failures = 0;
  private ignoreBefore = -Infinity;

  /** @param failAfterMs failing checks for this long declare the node failed, ms. */
  constructor(private readonly failAfterMs: number) {}

  /**
   * Takes one health check of `node` into account.
   * @returns the node's health after it (`failed` from the check that completes `failAfterMs` on).
   */
  observe(node: string, check: HealthCheck): Health {
    if (node !== this.node) {
      this.node = node;
      this.reset(-Infinity);
    }
    if (check.startT < this.ignoreBefore) return this.last;
    if (check.ok) {
      this.last = { state: 'ok' };
      this.failures = 0;
    } else {
      const since = this.last.state === 'ok' ? check.startT : this.last.since;
      this.failures++;
      this.last = { state: this.failures >= 2 && check.endT - since >= this.failAfterMs ? 'failed' : 'failing', since };
    }
    return this.last;
  }

  /** Forgets the failing checks so far, and ignores checks that began before `t` (ms). */
  reset(t: number): void {
    this.last = { state: 'ok' };
    this.failures = 0;
    this.ignoreBefore = t;
  }
}
