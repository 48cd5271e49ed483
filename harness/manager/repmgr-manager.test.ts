import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RepmgrPrimaryFollower, repmgrRows } from './repmgr-manager.ts';
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
