import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeView, isSecondary, parseView, primaryOf } from './view.ts';

/** Captured from pg_auto_failover 2.0 (bookworm) on pgchaos's image: bring-up, steady, and a primary host killed. */
const fixture = (name: string) => readFileSync(join(import.meta.dirname, '__fixtures__', `${name}.json`), 'utf8');

describe('pg_autoctl show state --json', () => {
  it('reads a steady formation: pg0 primary, two secondaries', () => {
    const v = parseView(fixture('steady'));
    expect(v.nodes.map((n) => n.name)).toEqual(['pg0', 's1', 's2']);
    expect(v.nodes[0]).toMatchObject({ nodeId: 1, host: 'pafprobe-pg0', port: 5432, health: 1, reportedTli: 1 });
    expect(v.nodes[0]).toMatchObject({ candidatePriority: 50, replicationQuorum: true, reported: 'primary', assigned: 'primary' });
    expect(primaryOf(v)).toBe('pg0');
    expect(v.nodes.slice(1).every(isSecondary)).toBe(true);
  });

  it('holds wait_primary for primary at bring-up (writable: CanTakeWritesInState)', () => {
    expect(primaryOf(parseView(fixture('bringup-wait-primary')))).toBe('pg0');
  });

  it('holds no primary while the dead one drains and the standbys report their LSN', () => {
    const v = parseView(fixture('failover-report-lsn'));
    expect(v.nodes.find((n) => n.name === 's1')).toMatchObject({ health: 0, reported: 'primary', assigned: 'draining' });
    expect(primaryOf(v)).toBeUndefined();
    expect(describeView(v)).toBe(
      'pg0 secondary->report_lsn tl2 0/40003C8; s1 ! primary->draining tl2 0/40003C8; s2 secondary->report_lsn tl2 0/40003C8',
    );
  });

  it('holds no primary while the candidate is in stop_replication', () => {
    expect(primaryOf(parseView(fixture('failover-stop-replication')))).toBeUndefined();
  });

  it('holds the promoted node once it reaches primary; the old one is demoted', () => {
    const v = parseView(fixture('after-failover'));
    expect(primaryOf(v)).toBe('pg0');
    expect(v.nodes.find((n) => n.name === 's1')).toMatchObject({ reported: 'primary', assigned: 'demoted' });
  });

  it('counts primary <-> apply_settings as primary (IsInPrimaryState) but not an unhealthy node', () => {
    const v = parseView(fixture('steady'));
    v.nodes[0]!.assigned = 'apply_settings';
    expect(primaryOf(v)).toBe('pg0');
    v.nodes[0]!.health = 0;
    expect(primaryOf(v)).toBeUndefined();
  });

  it('reads an empty formation and refuses another shape', () => {
    expect(parseView('')).toEqual({ nodes: [] });
    expect(parseView('[]')).toEqual({ nodes: [] });
    expect(() => parseView('ERROR: could not connect')).toThrow(/printed no JSON: ERROR/);
    expect(() => parseView([{ nodename: 'pg0' }])).toThrow(/unexpected shape/);
    const other = JSON.parse(fixture('steady'));
    other[0].current_group_state = 'leader';
    expect(() => parseView(other)).toThrow(/unexpected shape.*0\.current_group_state/);
  });
});
