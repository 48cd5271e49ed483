import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeView, followsPrimary, isFollowing, parseClusterShow, pickView, primaryOf, promotedElsewhere } from './view.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '__fixtures__', name), 'utf8');

describe('repmgr cluster show', () => {
  it('reads the table repmgr 5.3.3 printed for a ready cluster', () => {
    const v = parseClusterShow(fixture('cluster-show-ready.txt'), 'pg0');
    expect(v.nodes.map((n) => [n.id, n.name, n.role, n.status, n.upstream, n.priority, n.timeline])).toEqual([
      [1, 'pg0', 'primary', '* running', '', 100, 1],
      [2, 's1', 'standby', 'running', 'pg0', 100, 1],
      [3, 's2', 'standby', 'running', 'pg0', 100, 1],
    ]);
    expect(v.warnings).toEqual([]);
    expect(primaryOf(v)).toBe('pg0');
    expect(v.nodes.slice(1).every((n) => isFollowing(n, 'pg0'))).toBe(true);
    expect(describeView(v)).toBe('pg0 primary * running tl1; s1 standby running ← pg0 tl1; s2 standby running ← pg0 tl1');
  });

  it('reads the table after a failover: the old primary failed, its timeline unknown, the warnings before the table', () => {
    const v = parseClusterShow(fixture('cluster-show-after-failover.txt'), 's1');
    expect(v.nodes.map((n) => [n.name, n.role, n.status, n.upstreamRaw, n.upstream, n.timeline])).toEqual([
      ['pg0', 'primary', '- failed', '?', '', null],
      ['s1', 'primary', '* running', '', '', 2],
      ['s2', 'standby', 'running', 's1', 's1', 1],
    ]);
    expect(v.warnings).toEqual(['unable to connect to node "pg0" (ID: 1)']);
    expect(primaryOf(v)).toBe('s1');
  });

  it('no primary while the old one is unreachable and none promoted; a marked upstream is not following', () => {
    const text = fixture('cluster-show-ready.txt')
      .replace('* running', '? unreachable')
      .replace(/\| pg0 {6}\| default {2}\| 100 {6}\| 1 {8}\| host=\S+-s2/, (m) => m.replace('| pg0      |', '| ! pg0    |'));
    const v = parseClusterShow(text, 's1');
    expect(primaryOf(v)).toBeUndefined();
    expect(v.nodes[2]!.upstreamRaw).toBe('! pg0');
    expect(isFollowing(v.nodes[2]!, 'pg0')).toBe(false);
    expect(isFollowing(v.nodes[1]!, 'pg0')).toBe(true);
  });

  it('throws when repmgr printed no table (the local database did not answer)', () => {
    expect(() => parseClusterShow('ERROR: connection to database failed\nDETAIL: …', 's2')).toThrow(
      /repmgr cluster show on s2 printed no table: ERROR: connection to database failed/,
    );
  });
});

describe('repmgr cluster show with the old primary booted again (repmgr 5.3.3 does not fence it)', () => {
  it("on the new primary: the old one '! running', its record inactive; the new one holds", () => {
    const v = parseClusterShow(fixture('cluster-show-old-primary-back-on-s1.txt'), 's1');
    expect(v.nodes.map((n) => [n.name, n.role, n.status, n.timeline])).toEqual([
      ['pg0', 'primary', '! running', 1],
      ['s1', 'primary', '* running', 2],
      ['s2', 'standby', 'running', 1],
    ]);
    expect(v.warnings).toEqual(['node "pg0" (ID: 1) is running but the repmgr node record is inactive']);
    expect(primaryOf(v)).toBe('s1');
  });

  it('on the old primary: its stale metadata holds itself primary, the new one "! running as primary"', () => {
    const v = parseClusterShow(fixture('cluster-show-old-primary-back-on-pg0.txt'), 'pg0');
    expect(v.nodes.map((n) => [n.name, n.role, n.status, n.upstreamRaw])).toEqual([
      ['pg0', 'primary', '* running', ''],
      ['s1', 'standby', '! running as primary', ''],
      ['s2', 'standby', 'running', '! s1'],
    ]);
    expect(primaryOf(v)).toBe('pg0');
    expect(isFollowing(v.nodes[2]!, 'pg0')).toBe(false);
  });
});

describe("repmgr's view of tables read on several nodes", () => {
  const onPg0 = { view: parseClusterShow(fixture('cluster-show-old-primary-back-on-pg0.txt'), 'pg0'), text: 'pg0' };
  const onS1 = { view: parseClusterShow(fixture('cluster-show-old-primary-back-on-s1.txt'), 's1'), text: 's1' };

  it("knows a deposed primary's table for older than the promotion it shows", () => {
    expect(promotedElsewhere(onPg0.view)).toBe('s1');
    expect(promotedElsewhere(onS1.view)).toBeUndefined();
    expect(primaryOf(onPg0.view)).toBe('pg0');
    expect(primaryOf(onS1.view)).toBe('s1');
  });

  it("takes the promoted node's table over the deposed primary's, read first or not (seed 2, run 20261206-222154-052d)", () => {
    // Both tables reach every node: by unreachable nodes alone the first read, pg0's, would win and
    // hide s1's promotion from the clients and the failover record until pg0's table was no longer read.
    expect(pickView([onPg0, onS1]).text).toBe('s1');
    expect(pickView([onS1, onPg0]).text).toBe('s1');
  });

  it('otherwise takes the table with the fewest unreachable nodes, the first read on a tie', () => {
    const ready = { view: parseClusterShow(fixture('cluster-show-ready.txt'), 'pg0'), text: 'ready' };
    const lost = { view: parseClusterShow(fixture('cluster-show-ready.txt').replace('* running', '? unreachable'), 's1'), text: 'lost' };
    expect(pickView([lost, ready]).text).toBe('ready');
    expect(pickView([ready, { ...ready, text: 'again' }]).text).toBe('ready');
    expect(() => pickView([])).toThrow(/no repmgr cluster show table/);
  });

  it('reads a witness row (repmgr 5.3.3: timeline n/a) and holds a cluster ready only with the witness under the primary', () => {
    const ready = parseClusterShow(fixture('cluster-show-witness-ready.txt'), 'pg0');
    expect(ready.nodes.at(-1)).toMatchObject({ name: 'witness', role: 'witness', status: '* running', upstreamRaw: 'pg0', timeline: null });
    expect(primaryOf(ready)).toBe('pg0');
    const nodes = ['pg0', 's1', 's2'];
    expect(followsPrimary(ready, 'pg0', nodes, 'witness')).toBe(true);
    expect(followsPrimary(ready, 'pg0', nodes)).toBe(true);
    // After s1's promotion s2 and the witness follow s1, but pg0 failed: settled only without it.
    const after = parseClusterShow(fixture('cluster-show-witness-after-failover.txt'), 's1');
    expect(after.nodes.find((n) => n.name === 'witness')?.upstreamRaw).toBe('s1');
    expect(followsPrimary(after, 's1', nodes, 'witness')).toBe(false);
    const withoutPg0 = { ...after, nodes: after.nodes.filter((n) => n.name !== 'pg0') };
    expect(followsPrimary(withoutPg0, 's1', ['s1', 's2'], 'witness')).toBe(true);
    // A witness still under the old primary, or missing, is not settled under the new one.
    expect(followsPrimary(ready, 's1', ['s1', 's2'], 'witness')).toBe(false);
    const noWitness = { ...ready, nodes: ready.nodes.filter((n) => n.role !== 'witness') };
    expect(followsPrimary(noWitness, 'pg0', nodes, 'witness')).toBe(false);
  });
});
