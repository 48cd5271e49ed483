import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attached, describeView, nodeName, parsePoolNodes, primaryOf } from './view.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '__fixtures__', name), 'utf8');

describe('SHOW pool_nodes', () => {
  it("reads the docs' example (sql-show-pool-nodes.html, 4.3.5): both roles, PostgreSQL's own, replication state", () => {
    const v = parsePoolNodes(fixture('pool-nodes-docs-example.txt'));
    expect(v.nodes).toHaveLength(2);
    expect(v.nodes[1]).toMatchObject({
      id: 1,
      hostname: '/tmp',
      port: 11003,
      status: 'up',
      pgStatus: 'up',
      role: 'standby',
      pgRole: 'standby',
      replicationDelay: 0,
      replicationState: 'streaming',
      replicationSyncState: 'async',
      lastStatusChange: '2021-02-27 15:10:19',
    });
    expect(v.nodes[0]!.replicationState).toBe('');
  });

  it('names a backend by its host name and finds the primary pgpool routes to; a detached primary is none', () => {
    const text = fixture('pool-nodes-docs-example.txt').replaceAll('/tmp    ', 'c-r1-pg0').replace('c-r1-pg0 | 11003', 'c-r1-s1  | 11003');
    const v = parsePoolNodes(text);
    expect(v.nodes.map(nodeName)).toEqual(['pg0', 's1']);
    expect(primaryOf(v)).toBe('pg0');
    expect(describeView(v)).toBe('pg0 primary up; s1 standby up streaming async');
    const down = parsePoolNodes(text.replace('| up     | up        | 0.500000  | primary', '| down   | up        | 0.500000  | primary'));
    expect(primaryOf(down)).toBeUndefined();
    expect(attached({ ...v.nodes[0]!, status: 'waiting' })).toBe(true);
  });

  it('says what pgpool answered when it printed no table', () => {
    expect(() => parsePoolNodes('psql: error: connection to server on socket "/tmp/.s.PGSQL.9999" failed')).toThrow(
      /SHOW pool_nodes printed no table: psql: error/,
    );
  });
});

describe('SHOW pool_nodes as pgchaos reads it (run 20261206-215346-3349, pgpool 4.3.5, just ready)', () => {
  it('pg0 the primary, s1 and s2 standbys streaming async, every node up', () => {
    const v = parsePoolNodes(fixture('pool-nodes-ready.txt'));
    expect(v.nodes.map((n) => [n.id, nodeName(n), n.role, n.status, n.pgRole, n.replicationState, n.replicationSyncState])).toEqual([
      [0, 'pg0', 'primary', 'up', 'primary', '', ''],
      [1, 's1', 'standby', 'up', 'standby', 'streaming', 'async'],
      [2, 's2', 'standby', 'up', 'standby', 'streaming', 'async'],
    ]);
    expect(primaryOf(v)).toBe('pg0');
  });
});

describe('SHOW pool_nodes after a failover (run 20261206-221011-043b, faults.docker.test.ts)', () => {
  it('the crashed primary down in both columns, s1 primary; booted again, PostgreSQL says primary while pgpool keeps it down', () => {
    const after = parsePoolNodes(fixture('pool-nodes-after-failover.txt'));
    expect(primaryOf(after)).toBe('s1');
    expect(after.nodes[0]).toMatchObject({ role: 'standby', status: 'down', pgRole: 'unknown', pgStatus: 'down' });
    expect(describeView(after)).toBe('pg0 standby down (pg unknown down); s1 primary up streaming async; s2 standby up streaming async');
    const booted = parsePoolNodes(fixture('pool-nodes-old-primary-booted.txt'));
    expect(primaryOf(booted)).toBe('s1');
    expect(booted.nodes[0]).toMatchObject({ role: 'standby', status: 'down', pgRole: 'primary', pgStatus: 'up' });
  });
});
