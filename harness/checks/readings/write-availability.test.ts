import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultKind } from '../../history/fault.ts';
import { describe, expect, it } from 'vitest';
import { settingAfterPromotion } from '../../db/sync-policy.ts';
import type { WriterSample } from '../../history/samples.ts';
import type { CommitRule } from '../../model/availability.ts';
import { parseSyncStandbyNames } from '../../model/sync-standby-names.ts';
import { impairedNodes, writeAvailability, type FaultSpan, type WriteAvailabilityInput } from './write-availability.ts';

const NODES = ['primary', 's1', 's2'];
/** `ANY 1 (s1, s2)` under the default promotion policy (swap). */
const ANY1: CommitRule = {
  settingFor: (p) =>
    p === 'primary' ? 'ANY 1 (s1, s2)' : settingAfterPromotion('swap', parseSyncStandbyNames('ANY 1 (s1, s2)'), p, 'primary'),
  synchronousCommit: 'on',
};

/** 100 ms samples from `t0`: `commits` per interval. */
function samples(commits: readonly number[], intervalMs = 100, t0 = 0): WriterSample[] {
  return commits.map((c, i) => ({
    t: t0 + i * intervalMs,
    commits: c,
    tps: (c * 1000) / intervalMs,
    rowsPerSec: 0,
    latMeanMs: null,
    latStddevMs: null,
    latP99Ms: null,
    failed: 0,
    unknown: 0,
  }));
}
/** Commits per interval for `s` seconds: writing (20) or stopped (0). */
const writing = (s: number) => new Array<number>(s * 10).fill(20);
const stopped = (s: number) => new Array<number>(s * 10).fill(0);
/** A fault that takes its nodes out, from `faultS` to `healS` (s; never healed when omitted). */
const out = (what: string, nodes: string[], faultS: number, healS?: number): FaultSpan => ({
  what,
  kind: what.split(' ')[0] as FaultKind,
  nodes,
  failed: nodes,
  faultT: faultS * 1000,
  healT: healS === undefined ? undefined : healS * 1000,
});
const input = (commits: number[], faults: FaultSpan[], rule = ANY1, t0 = 0): WriteAvailabilityInput => ({
  samples: samples(commits, 100, t0),
  faults,
  nodes: NODES,
  rule,
});

describe('impairedNodes', () => {
  const f = (what: string, nodes: string[], failed: string[] = []): FaultSpan => ({
    what,
    kind: what.split(' ')[0] as FaultKind,
    nodes,
    failed,
    faultT: 0,
  });
  it('counts what a fault took out, both ends of a one-way loss, and a lossy or slow link', () => {
    expect(impairedNodes(f('crash-host-silent primary', ['primary'], ['primary']), 'on')).toEqual(['primary']);
    expect(impairedNodes(f('one-way-loss standby 1 to standby 0', ['s2', 's1']), 'on')).toEqual(['s2', 's1']);
    expect(impairedNodes(f('packet-loss primary 22 %', ['primary']), 'on')).toEqual(['primary']);
    expect(impairedNodes(f('bandwidth standby 0 512 kbit/s', ['s1']), 'on')).toEqual(['s1']);
    expect(impairedNodes(f('split primary | s1, s2', ['primary', 's1', 's2'], ['primary']), 'on')).toEqual(['primary']);
  });
  it('leaves out a killed walreceiver or walsender, and paused replay unless commits wait for replay', () => {
    expect(impairedNodes(f('kill-walsender standby 0', ['primary', 's1']), 'on')).toEqual([]);
    expect(impairedNodes(f('kill-walreceiver standby 0', ['s1']), 'on')).toEqual([]);
    expect(impairedNodes(f('pause-replay standby 0', ['s1']), 'on')).toEqual([]);
    expect(impairedNodes(f('pause-replay standby 0', ['s1']), 'remote_apply')).toEqual(['s1']);
    expect(impairedNodes(f('kill-walreceiver standby 0', ['s1']), 'remote_apply')).toEqual([]);
  });
});

describe('writeAvailability', () => {
  it('finds no outage when writes never stop', () => {
    expect(writeAvailability(input(writing(30), []))).toEqual({ outages: 0, longestOutageMs: 0, worst: null });
  });

  it('reads a single sample without a commit as an outage of unknown length', () => {
    expect(writeAvailability(input([0], []))).toMatchObject({ outages: 1, longestOutageMs: 0 });
  });

  it('keeps the first moment of the longest overdue, and counts a fault only from its injection', () => {
    // Writes stop at 10 s; both standbys go out at 15.1 s until 25 s; writes are back at 30 s.
    // Overdue 5 s at 15 s (every node unimpaired since the start), again at 30 s (since 25 s).
    const a = writeAvailability(
      input(
        [...writing(10), ...stopped(20), ...writing(1)],
        [out('stop-immediate standby 0', ['s1'], 15.1, 25), out('isolate standby 1', ['s2'], 15.1, 25)],
      ),
    );
    expect(a.worst).toMatchObject({ overdueMs: 5000, freeSinceT: 0 });
  });

  it('counts an outage with every node unimpaired as overdue from its start', () => {
    const a = writeAvailability(input([...writing(10), ...stopped(15), ...writing(5)], []));
    expect(a).toMatchObject({ outages: 1, longestOutageMs: 15_000 });
    expect(a.worst).toMatchObject({
      fromT: 10_000,
      toT: 25_000,
      ended: true,
      overdueMs: 15_000,
      freeSinceT: 0,
      freeNodes: ['primary', 's1'],
    });
  });

  it('counts nodes untouched by any fault from the first sample, not from 0', () => {
    const a = writeAvailability(
      input([...writing(10), ...stopped(15), ...writing(5)], [out('stop-immediate standby 0', ['s1'], 102, 104)], ANY1, 100_000),
    );
    expect(a.worst).toMatchObject({ freeSinceT: 100_000, freeNodes: ['primary', 's2'] });
  });

  it('does not count a stall while too few nodes are unimpaired to commit (ANY 1, both standbys out): overdue only from their heal', () => {
    const a = writeAvailability(
      input(
        [...writing(10), ...stopped(35), ...writing(5)],
        [out('stop-immediate standby 0', ['s1'], 10, 40), out('isolate standby 1', ['s2'], 9, 41)],
      ),
    );
    expect(a.worst).toMatchObject({ ms: 35_000, overdueMs: 5000, freeSinceT: 40_000, freeNodes: ['primary', 's1'] });
  });

  it('counts a primary out with both standbys unimpaired as overdue at once: a failover was possible', () => {
    const a = writeAvailability(
      input([...writing(10), ...stopped(12), ...writing(5)], [out('crash-host-silent primary', ['primary'], 10, 40)]),
    );
    expect(a.worst).toMatchObject({ overdueMs: 12_000, freeSinceT: 0, freeNodes: ['s1', 's2'] });
  });

  it('does not let a killed walreceiver restart the clock', () => {
    const kill: FaultSpan = {
      what: 'kill-walreceiver standby 1',
      kind: 'kill-walreceiver',
      nodes: ['s2'],
      failed: [],
      faultT: 15_000,
      healT: 17_000,
    };
    expect(
      writeAvailability(input([...writing(10), ...stopped(20), ...writing(1)], [out('stop-fast primary', ['primary'], 10, 12), kill]))
        .worst,
    ).toMatchObject({ overdueMs: 20_000, freeSinceT: 0 });
  });

  it('marks an outage the samples end in, and counts a fault never healed as in effect to the end', () => {
    expect(
      writeAvailability(input([...writing(10), ...stopped(20)], [out('freeze-host primary', ['primary'], 10, 12)])).worst,
    ).toMatchObject({ ended: false, toT: 30_000, overdueMs: 20_000 });
    const neverHealed = writeAvailability(
      input(
        [...writing(10), ...stopped(20)],
        [out('crash-host-silent standby 0', ['s1'], 10), out('crash-host-silent standby 1', ['s2'], 10)],
      ),
    );
    expect(neverHealed).toMatchObject({ outages: 1, longestOutageMs: 20_000, worst: null });
  });

  it('reads the config: under FIRST 1 (s1) with the policy `same`, only sets with s1 as a standby can commit', () => {
    const first: CommitRule = { settingFor: () => 'FIRST 1 (s1)', synchronousCommit: 'on' };
    // s1 out for 20 s: the primary and s2 cannot commit, so nothing is overdue until s1 is back.
    const a = writeAvailability(
      input([...writing(10), ...stopped(22), ...writing(5)], [out('stop-immediate standby 0', ['s1'], 10, 30)], first),
    );
    expect(a.worst).toMatchObject({ overdueMs: 2000, freeSinceT: 30_000 });
    expect(a.worst!.freeNodes).toContain('s1');
    expect(a.worst!.freeNodes[0]).not.toBe('s1');
  });
});

describe('on real histories (soak run 20261125-031020-a35a at 6a53629, PostgreSQL 15)', () => {
  type Fixture = {
    firstSampleT: number;
    intervalMs: number;
    commits: number[];
    faults: (Omit<FaultSpan, 'healT'> & { healT: number | null })[];
  };
  const load = (name: string): WriteAvailabilityInput => {
    const f = JSON.parse(readFileSync(join(import.meta.dirname, '__fixtures__', `${name}.json`), 'utf8')) as Fixture;
    return {
      samples: samples(f.commits, f.intervalMs, f.firstSampleT),
      faults: f.faults.map((x) => ({
        ...x,
        kind: x.what.split(' ')[0] as FaultKind,
        healT: x.healT ?? undefined,
      })) /* fixtures from before faults carried their kind */,
      nodes: NODES,
      rule: ANY1,
    };
  };

  it('seed 2, before 46b3d7e: 116 s overdue while the operator waited on a standby start with the primary down and s2 and the old primary unimpaired', () => {
    const a = writeAvailability(load('operator-stall-seed-2'));
    expect(a.longestOutageMs).toBeGreaterThan(120_000);
    expect(a.worst).toMatchObject({ overdueMs: 116_252, freeSinceT: 125_002 });
    expect(a.worst!.freeNodes.sort()).toEqual(['primary', 's2']);
  });

  it('seed 19: its 31.9 s stall, while the new primary waited for a synchronous standby, is mostly not overdue', () => {
    const a = writeAvailability(load('sync-stall-seed-19'));
    expect(a.longestOutageMs).toBe(31_900);
    expect(a.worst!.overdueMs).toBeLessThan(20_000);
  });
});
