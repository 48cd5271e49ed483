import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ManagedCluster } from '../nemesis/managed.ts';
import { PafPrimaryFollower, pafRows } from './pg-auto-failover-manager.ts';
import type { PgAutoFailoverCluster } from './pg-auto-failover/cluster.ts';
import { parseView } from './pg-auto-failover/view.ts';

/** Views captured from pg_auto_failover 2.0: s1 primary, its host killed, pg0 promoted (pg-auto-failover/__fixtures__). */
const view = (name: string) =>
  parseView(readFileSync(join(import.meta.dirname, 'pg-auto-failover', '__fixtures__', `${name}.json`), 'utf8'));

describe('pg_auto_failover on the seam', () => {
  it('reads the monitor view as rows: primary, standbys, the dead primary out with its lag', () => {
    expect(pafRows(view('steady'))).toEqual([
      { node: 'pg0', role: 'primary', state: 'primary', timeline: 1, lsn: '0/4000110', lagBytes: 0 },
      { node: 's1', role: 'standby', state: 'secondary', timeline: 1, lsn: '0/4000110', lagBytes: 0 },
      { node: 's2', role: 'standby', state: 'secondary', timeline: 1, lsn: '0/4000110', lagBytes: 0 },
    ]);
    const after = pafRows(view('after-failover'));
    expect(after.find((r) => r.node === 's1')).toEqual({
      node: 's1',
      role: 'out',
      state: 'primary/demoted unhealthy',
      timeline: 2,
      lsn: '0/40003C8',
      lagBytes: 688,
    });
    expect(after.find((r) => r.node === 'pg0')?.role).toBe('primary');
    expect(pafRows(view('failover-report-lsn')).every((r) => r.lagBytes === null && r.role !== 'primary')).toBe(true);
  });

  it('reads a failover off the views: detected when no primary, decided at the candidate, promoted when it leads', () => {
    const f = new PafPrimaryFollower();
    const s1Primary = view('failover-report-lsn');
    // Before the kill: s1 primary (the report_lsn fixture with s1 healthy and in primary).
    const before = structuredClone(s1Primary);
    for (const n of before.nodes) {
      n.health = 1;
      n.assigned = n.reported;
    }
    expect(f.observe(0, before)).toBeUndefined();
    expect(f.observe(1000, s1Primary)).toBeUndefined();
    expect(f.observe(2000, view('failover-stop-replication'))).toBeUndefined();
    expect(f.observe(3000, view('after-failover'))).toEqual({
      detectedT: 1000,
      decidedT: 2000,
      promotedT: 3000,
      from: 's1',
      to: 'pg0',
      // The LSNs reported when the candidate was selected, most advanced first.
      positions: [
        { name: 'pg0', receiveLsn: '0/4000558', replayLsn: null },
        { name: 's2', receiveLsn: '0/40003C8', replayLsn: null },
      ],
    });
    expect(f.observe(4000, view('after-failover'))).toBeUndefined();
  });

  it('reads the old primary promoted again, on a new timeline, as a failover to itself (seen under the nemesis)', () => {
    /** The steady view with pg0 `reported/assigned` and timeline `tli`, the standbys `others`. */
    const pg0 = (reported: string, assigned: string, tli: number, others = 'secondary') => {
      const v = structuredClone(view('steady'));
      for (const n of v.nodes) {
        if (n.name === 'pg0') Object.assign(n, { reported, assigned, reportedTli: tli });
        else Object.assign(n, { reported: others, assigned: others });
      }
      return v;
    };
    const f = new PafPrimaryFollower();
    expect(f.observe(0, pg0('primary', 'primary', 1))).toBeUndefined();
    expect(f.observe(1000, pg0('primary', 'draining', 1))).toBeUndefined();
    expect(f.observe(2000, pg0('report_lsn', 'report_lsn', 1, 'report_lsn'))).toBeUndefined();
    expect(f.observe(3000, pg0('report_lsn', 'prepare_promotion', 1, 'report_lsn'))).toBeUndefined();
    expect(f.observe(4000, pg0('primary', 'primary', 2))).toMatchObject({
      detectedT: 1000,
      decidedT: 3000,
      promotedT: 4000,
      from: 'pg0',
      to: 'pg0',
    });
    expect(f.observe(5000, pg0('primary', 'primary', 2))).toBeUndefined();
    // The primary assigned wait_primary when its standbys go, and back: no promotion, no new timeline.
    expect(f.observe(6000, pg0('primary', 'wait_primary', 2))).toBeUndefined();
    expect(f.observe(7000, pg0('wait_primary', 'wait_primary', 2))).toBeUndefined();
    expect(f.observe(8000, pg0('primary', 'primary', 2))).toBeUndefined();
    // Demoted (report_lsn) and assigned wait_primary: selected again, decided then.
    expect(f.observe(8500, pg0('primary', 'draining', 2))).toBeUndefined();
    expect(f.observe(8600, pg0('report_lsn', 'wait_primary', 2, 'report_lsn'))).toBeUndefined();
    expect(f.observe(8700, pg0('primary', 'primary', 3))).toMatchObject({ detectedT: 8500, decidedT: 8600, promotedT: 8700 });
    // The selection missed between two views: decided when the loss was seen, before the new timeline's commits.
    expect(f.observe(8800, pg0('primary', 'draining', 3))).toBeUndefined();
    expect(f.observe(8900, pg0('primary', 'primary', 4))).toMatchObject({ detectedT: 8800, decidedT: 8800, promotedT: 8900 });
    // After a switchover the timeline it leads on is taken as it is.
    f.reset('pg0');
    expect(f.observe(9000, pg0('primary', 'primary', 5))).toBeUndefined();
  });

  it('a switchover is no failover once reset', () => {
    const f = new PafPrimaryFollower();
    f.observe(0, view('steady'));
    f.reset('pg0');
    expect(f.observe(1, view('after-failover'))).toBeUndefined();
  });

  it('is a cluster the fault catalogue can inject into (the monitor as its DCS: dcs-kill is the monitor lost)', () => {
    expectTypeOf<PgAutoFailoverCluster>().toExtend<ManagedCluster>();
  });
});
