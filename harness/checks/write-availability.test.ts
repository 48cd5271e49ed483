import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingAfterPromotion } from '../db/cluster.ts';
import type { WriterSample } from '../load/history.ts';
import type { CommitRule } from '../model/availability.ts';
import { checkWritesResume, type FaultSpan, type WriteAvailabilityInput } from './write-availability.ts';

const NODES = ['primary', 's1', 's2'];
/** `ANY 1 (s1, s2)` under the default promotion policy (swap). */
const ANY1: CommitRule = { settingFor: (p) => (p === 'primary' ? 'ANY 1 (s1, s2)' : settingAfterPromotion('swap', 'ANY 1 (s1, s2)', p, 'primary')), synchronousCommit: 'on' };

/** 100 ms samples from t=0: `commits` per interval. */
function samples(commits: readonly number[], intervalMs = 100, t0 = 0): WriterSample[] {
  return commits.map((c, i) => ({ t: t0 + i * intervalMs, commits: c, tps: (c * 1000) / intervalMs, rowsPerSec: 0, latMeanMs: null, latStddevMs: null, latP99Ms: null, failed: 0, unknown: 0 }));
}
/** Commits per interval for `s` seconds: writing (20) or stopped (0). */
const writing = (s: number) => new Array<number>(s * 10).fill(20);
const stopped = (s: number) => new Array<number>(s * 10).fill(0);
const fault = (what: string, nodes: string[], faultS: number, healS?: number): FaultSpan => ({ what, nodes, faultT: faultS * 1000, healT: healS === undefined ? undefined : healS * 1000 });
const input = (commits: number[], faults: FaultSpan[], boundMs = 10_000): WriteAvailabilityInput => ({ samples: samples(commits), faults, nodes: NODES, rule: ANY1, boundMs });

describe('checkWritesResume', () => {
  it('passes when writes never stop', () => {
    const v = checkWritesResume(input(writing(30), []));
    expect(v.status).toBe('passed');
    expect(v.evidence).toMatchObject({ outages: 0, longestOutageMs: 0, worst: null });
  });

  it('is unknown when no batch was ever acknowledged', () => {
    expect(checkWritesResume(input(stopped(30), [])).status).toBe('unknown');
    expect(checkWritesResume(input([], [])).status).toBe('unknown');
  });

  it('fails writes stopped with every node free of faults: the outage is judged from its start', () => {
    const v = checkWritesResume(input([...writing(10), ...stopped(15), ...writing(5)], []));
    expect(v.status).toBe('failed');
    expect(v.evidence.overdue[0]).toMatchObject({ fromT: 10_000, toT: 25_000, ms: 15_000, overdueMs: 15_000, ended: true, dueFromT: 0 });
    expect(v.summary).toMatch(/writes stopped for 15\.0 s from \+10\.0 s although primary, s1 had been free of faults since \+0\.0 s/);
  });

  it('passes an outage that ends within the bound, however long, while a fault keeps too few nodes free to commit', () => {
    // Both standbys out for 30 s: ANY 1 cannot commit (a legitimate sync stall), then back within 5 s.
    const v = checkWritesResume(input([...writing(10), ...stopped(35), ...writing(5)], [fault('stop-immediate', ['s1'], 10, 40), fault('isolate', ['s2'], 9, 41)]));
    expect(v.status).toBe('passed');
    expect(v.evidence.worst).toMatchObject({ ms: 35_000, overdueMs: 5000, dueFromT: 40_000, freeNodes: ['primary', 's1'] });
  });

  it('judges from when enough nodes to commit had been free of faults, not from when the last fault healed', () => {
    // The primary crashes at 10 s and stays out; both standbys free all along: writes are due at once (a failover).
    const v = checkWritesResume(input([...writing(10), ...stopped(12), ...writing(5)], [fault('crash-host-silent', ['primary'], 10, 40)]));
    expect(v.status).toBe('failed');
    expect(v.evidence.overdue[0]).toMatchObject({ overdueMs: 12_000, dueFromT: 0, freeNodes: ['s1', 's2'] });
  });

  it('fails an outage still going on when the samples end', () => {
    const v = checkWritesResume(input([...writing(10), ...stopped(20)], [fault('freeze-host', ['primary'], 10, 12)]));
    expect(v.status).toBe('failed');
    expect(v.evidence.overdue[0]).toMatchObject({ ended: false, toT: 30_000 });
    expect(v.summary).toMatch(/still stopped when the samples end/);
  });

  it('counts a fault never healed as in effect to the end', () => {
    const v = checkWritesResume(input([...writing(10), ...stopped(20)], [fault('crash-host-silent', ['s1'], 10), fault('crash-host-silent', ['s2'], 10)]));
    expect(v.status).toBe('passed');
    expect(v.evidence.worst).toBeNull();
  });

  it('reads the bound: the same outage passes a longer one', () => {
    const commits = [...writing(10), ...stopped(15), ...writing(5)];
    expect(checkWritesResume(input(commits, [], 15_000)).status).toBe('passed');
    expect(checkWritesResume(input(commits, [], 14_000)).status).toBe('failed');
    expect(() => checkWritesResume(input(commits, [], Number.NaN))).toThrow(RangeError);
  });

  describe('on real histories (soak run 20261125-031020-a35a, PostgreSQL 15, bound 60 s: the recovery window)', () => {
    /** A fixture: the writer's commits per interval and the faults the run injected. */
    const load = (name: string): WriteAvailabilityInput => {
      const f = JSON.parse(readFileSync(join(import.meta.dirname, '__fixtures__', `${name}.json`), 'utf8')) as {
        firstSampleT: number;
        intervalMs: number;
        commits: number[];
        faults: { what: string; nodes: string[]; faultT: number; healT: number | null }[];
      };
      const faults = f.faults.map((x) => ({ ...x, healT: x.healT ?? undefined }));
      return { samples: samples(f.commits, f.intervalMs, f.firstSampleT), faults, nodes: NODES, rule: ANY1, boundMs: 60_000 };
    };

    it('fails seed 2 before 46b3d7e: 122 s without writes while the operator waited on a standby start, with no failover', () => {
      const v = checkWritesResume(load('operator-stall-seed-2'));
      expect(v.status).toBe('failed');
      expect(v.evidence.overdue).toHaveLength(1);
      expect(v.evidence.overdue[0]!.ms).toBeGreaterThan(120_000);
      expect(v.evidence.overdue[0]!.freeNodes.sort()).toEqual(['primary', 's2']);
    });

    it('passes seed 19: a 31.9 s stall after a failover, while the new primary had no standby free of faults to be its synchronous one', () => {
      const v = checkWritesResume(load('sync-stall-seed-19'));
      expect(v.status).toBe('passed');
      expect(v.evidence.longestOutageMs).toBeGreaterThan(30_000);
      expect(v.evidence.worst!.overdueMs).toBeLessThan(20_000);
    });
  });
});
