import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PgpoolPrimaryFollower, pgpoolRows } from './pgpool-manager.ts';
import { parsePoolNodes, type PgpoolView } from './pgpool/view.ts';

const ready = parsePoolNodes(readFileSync(join(import.meta.dirname, 'pgpool', '__fixtures__', 'pool-nodes-ready.txt'), 'utf8'));

/** `ready` with node i's fields changed. */
function edit(v: PgpoolView, changes: Record<number, Partial<PgpoolView['nodes'][number]>>): PgpoolView {
  return { nodes: v.nodes.map((n) => ({ ...n, ...(changes[n.id] ?? {}) })) };
}

describe('pgpool view as the seam rows', () => {
  it('the primary pgpool routes to, attached standbys, a detached node out with what PostgreSQL says', () => {
    expect(pgpoolRows(ready).map((r) => [r.node, r.role, r.state, r.lagBytes])).toEqual([
      ['pg0', 'primary', 'primary up', null],
      ['s1', 'standby', 'standby up streaming async', 0],
      ['s2', 'standby', 'standby up streaming async', 0],
    ]);
    const after = edit(ready, {
      0: { role: 'standby', status: 'down', pgRole: 'primary', pgStatus: 'up' },
      1: { role: 'primary', pgRole: 'primary', replicationState: '', replicationSyncState: '' },
    });
    expect(pgpoolRows(after).map((r) => [r.node, r.role, r.state])).toEqual([
      ['pg0', 'out', 'standby down (pg primary up)'],
      ['s1', 'primary', 'primary up'],
      ['s2', 'standby', 'standby up streaming async'],
    ]);
  });
});

describe('following pgpool primary', () => {
  it('a failover: lost when pgpool stops answering, decided when another node runs as primary, promoted when pgpool routes to it', () => {
    const f = new PgpoolPrimaryFollower();
    expect(f.observe(0, ready)).toBeUndefined();
    f.unanswered(1000);
    expect(f.lost()).toBe(true);
    f.positionsRead([
      { name: 's2', receiveLsn: '0/3000000', replayLsn: '0/3000000' },
      { name: 's1', receiveLsn: '0/3000100', replayLsn: '0/3000000' },
    ]);
    expect(f.lost()).toBe(false);
    const gone = edit(ready, { 0: { status: 'down', pgStatus: 'down' }, 1: { pgRole: 'primary' } });
    expect(f.observe(2000, gone)).toBeUndefined();
    const routed = edit(ready, { 0: { role: 'standby', status: 'down', pgStatus: 'down' }, 1: { role: 'primary', pgRole: 'primary' } });
    expect(f.observe(3000, routed)).toEqual({
      detectedT: 1000,
      decidedT: 2000,
      promotedT: 3000,
      from: 'pg0',
      to: 's1',
      positions: [
        { name: 's1', receiveLsn: '0/3000100', replayLsn: '0/3000000' },
        { name: 's2', receiveLsn: '0/3000000', replayLsn: '0/3000000' },
      ],
    });
    expect(f.current()).toBe('s1');
    expect(f.observe(4000, routed)).toBeUndefined();
  });

  it('a switchover asked for is reset: no failover when pgpool then routes to the node asked for', () => {
    const f = new PgpoolPrimaryFollower();
    f.observe(0, ready);
    f.reset('s1');
    const routed = edit(ready, { 0: { role: 'standby' }, 1: { role: 'primary', pgRole: 'primary' } });
    expect(f.observe(1000, routed)).toBeUndefined();
    expect(f.current()).toBe('s1');
  });

  it('no failover before a primary was ever seen, and none while the same one stays', () => {
    const f = new PgpoolPrimaryFollower();
    f.unanswered(0);
    expect(f.lost()).toBe(false);
    expect(f.observe(1000, ready)).toBeUndefined();
    expect(f.observe(2000, ready)).toBeUndefined();
  });
});
