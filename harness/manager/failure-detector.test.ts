import { describe, expect, it } from 'vitest';
import { FailureDetector } from './failure-detector.ts';

/** Checks of `node` one after the other, each `ms` long with `gapMs` between them, from `t`: their healths. */
function run(d: FailureDetector, node: string, oks: boolean[], o: { t?: number; ms: number; gapMs: number }): string[] {
  let t = o.t ?? 0;
  return oks.map((ok) => {
    const h = d.observe(node, { startT: t, endT: t + o.ms, ok });
    t += o.ms + o.gapMs;
    return h.state === 'ok' ? 'ok' : `${h.state}@${h.since}`;
  });
}

describe('FailureDetector', () => {
  it('declares a server that refuses after failAfterMs of refusals (checks 500 ms apart, instant)', () => {
    // Checks start at 0, 500, …, 3000: the one at 3000 completes 3 s of failing checks.
    expect(run(new FailureDetector(3000), 'p', [false, false, false, false, false, false, false], { ms: 0, gapMs: 500 })).toEqual([
      ...Array(6).fill('failing@0'),
      'failed@0',
    ]);
  });

  it('declares a frozen server at the end of the check that completes failAfterMs, not one check later', () => {
    // 2 s deadlines, 500 ms apart: checks end at 2000 and 4500; 4500 - 0 >= 3000.
    expect(run(new FailureDetector(3000), 'p', [false, false], { ms: 2000, gapMs: 500 })).toEqual(['failing@0', 'failed@0']);
  });

  it('does not declare on one check, however long it took', () => {
    // A frozen host: the harness gives up on the exec after 9 s. One slow answer is one observation.
    const d = new FailureDetector(3000);
    expect(run(d, 'p', [false, false], { ms: 9000, gapMs: 500 })).toEqual(['failing@0', 'failed@0']);
  });

  it('starts afresh after a check that passes', () => {
    const d = new FailureDetector(3000);
    const healths = run(d, 'p', [false, false, true, false, false], { ms: 1000, gapMs: 500 });
    expect(healths).toEqual(['failing@0', 'failing@0', 'ok', 'failing@4500', 'failing@4500']);
  });

  it('starts afresh for another node (the primary changed)', () => {
    const d = new FailureDetector(3000);
    run(d, 'p', [false, false], { ms: 1000, gapMs: 500 });
    expect(d.observe('s1', { startT: 3100, endT: 3200, ok: false })).toEqual({ state: 'failing', since: 3100 });
  });

  it('after a reset, needs failAfterMs of new failing checks and ignores a check begun before the reset', () => {
    const d = new FailureDetector(3000);
    expect(run(d, 'p', [false, false], { ms: 2000, gapMs: 500 })).toEqual(['failing@0', 'failed@0']);
    d.reset(5000);
    // Begun before the reset, ended after: about the server before the failover was tried.
    expect(d.observe('p', { startT: 4900, endT: 6900, ok: false })).toEqual({ state: 'ok' });
    expect(run(d, 'p', [false, false], { t: 7000, ms: 2000, gapMs: 500 })).toEqual(['failing@7000', 'failed@7000']);
  });
});
