import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { behindPrimary, RepmgrPrimaryFollower, repmgrRows } from './repmgr-manager.ts';
import { parseClusterShow } from './repmgr/view.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'repmgr', '__fixtures__', name), 'utf8');
const ready = parseClusterShow(fixture('cluster-show-ready.txt'), 'pg0');
const after = parseClusterShow(fixture('cluster-show-after-failover.txt'), 's1');
const lost = parseClusterShow(fixture('cluster-show-ready.txt').replace('* running', '? unreachable'), 's1');
const promoting = parseClusterShow(
  fixture('cluster-show-ready.txt')
    .replace('* running', '? unreachable')
    .replace(/\| {3}running \| pg0 /, '| ! running as primary | pg0 '),
  's1',
);

describe('repmgr on the seam', () => {
  it('rows: the primary, running standbys, and a failed node out, with repmgr own words', () => {
    expect(repmgrRows(after)).toEqual([
      { node: 'pg0', role: 'out', state: 'primary - failed ← ?', timeline: null, lsn: null, lagBytes: null },
      { node: 's1', role: 'primary', state: 'primary * running', timeline: 2, lsn: null, lagBytes: null },
      { node: 's2', role: 'standby', state: 'standby running ← s1', timeline: 1, lsn: null, lagBytes: null },
    ]);
  });

  it('rows: the witness is no database node and is left out (the raw table keeps it)', () => {
    const v = parseClusterShow(fixture('cluster-show-witness-ready.txt'), 'pg0');
    expect(repmgrRows(v).map((r) => [r.node, r.role])).toEqual([
      ['pg0', 'primary'],
      ['s1', 'standby'],
      ['s2', 'standby'],
    ]);
  });

  it('a failover read off the views: detected when the primary is lost, decided when a standby runs as primary, done when promoted', () => {
    const f = new RepmgrPrimaryFollower();
    expect(f.observe(0, ready)).toBeUndefined();
    expect(f.lost()).toBe(false);
    expect(f.observe(1000, lost)).toBeUndefined();
    expect(f.lost()).toBe(true);
    f.positionsRead([
      { name: 's2', receiveLsn: '0/4000000', replayLsn: '0/4000000' },
      { name: 's1', receiveLsn: '0/40089F0', replayLsn: '0/40089F0' },
    ]);
    expect(f.lost()).toBe(false);
    expect(f.observe(2000, promoting)).toBeUndefined();
    expect(f.observe(3000, after)).toEqual({
      detectedT: 1000,
      decidedT: 2000,
      promotedT: 3000,
      from: 'pg0',
      to: 's1',
      positions: [
        { name: 's1', receiveLsn: '0/40089F0', replayLsn: '0/40089F0' },
        { name: 's2', receiveLsn: '0/4000000', replayLsn: '0/4000000' },
      ],
    });
    // Following the new primary: the same view again is no failover.
    expect(f.observe(4000, after)).toBeUndefined();
  });

  it('a primary seen straight after another, with no view between: detected, decided and promoted at once', () => {
    const f = new RepmgrPrimaryFollower();
    f.observe(0, ready);
    expect(f.observe(500, after)).toMatchObject({ detectedT: 500, decidedT: 500, promotedT: 500, from: 'pg0', to: 's1', positions: [] });
  });

  it('a switchover asked for is no failover: reset to the new primary, the next views record nothing', () => {
    const f = new RepmgrPrimaryFollower();
    expect(f.observe(0, ready)).toBeUndefined();
    f.reset('s1');
    expect(f.observe(1000, after)).toBeUndefined();
    expect(f.lost()).toBe(false);
    // Without the reset, the same view is a failover pg0 → s1.
    const g = new RepmgrPrimaryFollower();
    g.observe(0, ready);
    expect(g.observe(1000, after)).toMatchObject({ from: 'pg0', to: 's1' });
  });
});

describe('an earlier primary back in the view (repmgr #766) is no failover', () => {
  const oldBack = parseClusterShow(fixture('cluster-show-old-primary-back-on-pg0.txt'), 'pg0');

  it('behindPrimary: a node on a timeline before the followed primary was not promoted after it', () => {
    const held = { node: 's1', timeline: 2 };
    expect(behindPrimary(held, { node: 'pg0', timeline: 1 })).toBe(true);
    // A promotion after s1 picks a later timeline; the same one cannot be told apart from a lag, so it counts.
    expect(behindPrimary(held, { node: 's2', timeline: 3 })).toBe(false);
    expect(behindPrimary(held, { node: 's2', timeline: 2 })).toBe(false);
    // Unknown on either side: the view is taken as it is.
    expect(behindPrimary(held, { node: 'pg0', timeline: undefined })).toBe(false);
    expect(behindPrimary(undefined, { node: 'pg0', timeline: 1 })).toBe(false);
    expect(behindPrimary(held, { node: 's1', timeline: 1 })).toBe(false);
  });

  it('a view naming the old primary, marked behind, shows the followed primary lost; without the mark it read as a failover', () => {
    const run = (markBehind: boolean) => {
      const f = new RepmgrPrimaryFollower();
      f.observe(0, ready);
      f.observe(1000, lost);
      const first = f.observe(3000, after);
      f.setBehind(markBehind ? 'pg0' : undefined);
      const flip = f.observe(4000, oldBack);
      f.setBehind(undefined);
      const back = f.observe(5000, after);
      return { first, flip, back, lostAtFlip: f.current() };
    };
    const marked = run(true);
    expect(marked.first).toMatchObject({ from: 'pg0', to: 's1' });
    expect(marked.flip).toBeUndefined();
    expect(marked.back).toBeUndefined();
    expect(marked.lostAtFlip).toBe('s1');
    // The defect the mark removes: the flip to pg0 and back were two "failovers", pg0 counted out at the second.
    const unmarked = run(false);
    expect(unmarked.flip).toMatchObject({ from: 's1', to: 'pg0' });
    expect(unmarked.back).toMatchObject({ from: 'pg0', to: 's1' });
  });
});
