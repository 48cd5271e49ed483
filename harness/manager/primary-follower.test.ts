import { describe, expect, it } from 'vitest';
import type { FailoverRecord } from '../history/failover.ts';
import { PrimaryFollower } from './primary-follower.ts';

/** A view as small as the follower needs: who is primary, on which timeline, whether a candidate is selected, the standbys' LSNs. */
interface View {
  primary?: string;
  tli?: number;
  selected?: boolean;
  lsns?: FailoverRecord['positions'];
}

/** Names the primary only, as repmgr's and pgpool's views do (no timeline, no LSN). */
class NamesOnly extends PrimaryFollower<View> {
  protected primaryIn(v: View): string | undefined {
    return v.primary;
  }
  protected selected(v: View): boolean {
    return v.selected === true;
  }
}

/** Also says the primary's timeline and the standbys' LSNs, as pg_auto_failover's monitor does. */
class WithTimelines extends NamesOnly {
  protected override termOf(v: View): number {
    return v.tli ?? 0;
  }
  protected override positionsIn(v: View): FailoverRecord['positions'] | undefined {
    return v.lsns;
  }
}

const at = (name: string, lsn: string) => ({ name, receiveLsn: lsn, replayLsn: null });

describe('PrimaryFollower', () => {
  it('no failover before a primary was seen, nor while it stays', () => {
    const f = new NamesOnly();
    expect(f.observe(0, {})).toBeUndefined();
    expect(f.current()).toBeUndefined();
    expect(f.observe(1, { primary: 'a' })).toBeUndefined();
    expect(f.observe(2, { primary: 'a' })).toBeUndefined();
    expect(f.lost()).toBe(false);
  });

  it('a failover: detected at the loss, decided at the selection, promoted when the new primary is seen, with the positions read most advanced first', () => {
    const f = new NamesOnly();
    f.observe(0, { primary: 'a' });
    expect(f.observe(1000, {})).toBeUndefined();
    expect(f.lost()).toBe(true);
    f.positionsRead([
      { name: 'c', receiveLsn: '0/100', replayLsn: null },
      { name: 'b', receiveLsn: '0/200', replayLsn: null },
    ]);
    expect(f.lost()).toBe(false);
    expect(f.observe(2000, { selected: true })).toBeUndefined();
    expect(f.observe(2500, { selected: true })).toBeUndefined();
    expect(f.observe(3000, { primary: 'b' })).toEqual({
      detectedT: 1000,
      decidedT: 2000,
      promotedT: 3000,
      from: 'a',
      to: 'b',
      positions: [at('b', '0/200'), at('c', '0/100')],
    });
    expect(f.current()).toBe('b');
    expect(f.observe(4000, { primary: 'b' })).toBeUndefined();
  });

  it('a new primary with no view between: detected, decided and promoted at once, no positions', () => {
    const f = new NamesOnly();
    f.observe(0, { primary: 'a' });
    expect(f.observe(500, { primary: 'b' })).toEqual({ detectedT: 500, decidedT: 500, promotedT: 500, from: 'a', to: 'b', positions: [] });
  });

  it('a reset (a switchover asked for) is no failover, and forgets a loss under way', () => {
    const f = new NamesOnly();
    f.observe(0, { primary: 'a' });
    f.observe(1000, {});
    f.reset('b');
    expect(f.lost()).toBe(false);
    expect(f.observe(2000, { primary: 'b' })).toBeUndefined();
  });

  it('with timelines: the same node on a later timeline is a failover to itself, decided at the loss when no selection was seen', () => {
    const f = new WithTimelines();
    f.observe(0, { primary: 'a', tli: 1, lsns: [at('b', '0/100')] });
    expect(f.observe(500, { primary: 'a', tli: 1 })).toBeUndefined();
    expect(f.observe(1000, {})).toBeUndefined();
    expect(f.observe(2000, { primary: 'a', tli: 2 })).toEqual({
      detectedT: 1000,
      decidedT: 1000,
      promotedT: 2000,
      from: 'a',
      to: 'a',
      // The view of the old primary showed none: positionsIn said undefined, so none.
      positions: [],
    });
    expect(f.observe(3000, { primary: 'a', tli: 2 })).toBeUndefined();
    // An earlier timeline reported again is no promotion.
    expect(f.observe(3500, { primary: 'a', tli: 1 })).toBeUndefined();
    expect(f.observe(4000, { primary: 'a', tli: 2 })).toBeUndefined();
    // After a reset, the timeline it leads on is taken as it is.
    f.reset('a');
    expect(f.observe(5000, { primary: 'a', tli: 7 })).toBeUndefined();
  });

  it('with positions in the view: those at the selection, else those of the last view of the old primary', () => {
    const f = new WithTimelines();
    f.observe(0, { primary: 'a', lsns: [at('b', '0/100')] });
    f.observe(1000, { lsns: [at('b', '0/300')] });
    f.observe(2000, { selected: true, lsns: [at('b', '0/200')] });
    expect(f.observe(3000, { primary: 'b' })?.positions).toEqual([at('b', '0/200')]);
    const g = new WithTimelines();
    g.observe(0, { primary: 'a', lsns: [at('b', '0/100')] });
    g.observe(1000, { lsns: [at('b', '0/300')] });
    expect(g.observe(3000, { primary: 'b' })?.positions).toEqual([at('b', '0/100')]);
  });
});
