import { cp, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ObserverSample, WriterSample } from '../history/samples.ts';
import type { ScenarioRecord } from './record.ts';
import { dur, faultKey, formatMetric, renderHtml, scriptJson } from './html.ts';
import { buildSummary, parseRecord, writeReport } from './report.ts';
import { chartData, clusterStateAt, FAULT_COLORS, faultIntervals, laneSpans, smoothTps, storyWindow, verdictOverlays } from './series.ts';
import type { Summary } from './summary.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/run', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A copy of the fixture run in a fresh `reports/` folder. */
async function fixtureRun(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pgchaos-report-unit-'));
  dirs.push(root);
  const runDir = join(root, 'reports', '20261124-181424-9cae');
  await cp(FIXTURE, runDir, { recursive: true });
  return runDir;
}

const ws = (t: number, commits: number): WriterSample => ({
  t,
  commits,
  tps: commits * 10,
  rowsPerSec: 0,
  latMeanMs: null,
  latStddevMs: null,
  latP99Ms: null,
  failed: 0,
  unknown: 0,
});

/** The report page of a run holding the one record `r`. */
const pageOf = (r: ScenarioRecord) =>
  renderHtml({ summary: buildSummary('run', null, [r]), context: null, records: [r], broken: [], logs: new Map(), files: [] });
const row = (name: string, state: string, syncState: string, flushLsn: string, replayLsn = flushLsn) => ({
  name,
  state,
  syncPriority: 1,
  syncState,
  sentLsn: flushLsn,
  writeLsn: flushLsn,
  flushLsn,
  replayLsn,
  writeLagMs: 1,
  flushLagMs: 2,
  replayLagMs: 3.456,
});

describe('smoothTps', () => {
  it('averages 1 s around each 100 ms interval, over the samples there are at the edges', () => {
    const samples = Array.from({ length: 30 }, (_, i) => ws(i * 100, i < 15 ? 10 : 0));
    const s = smoothTps(samples);
    expect(s[0]).toBe(100); // edge: 6 samples of 10 commits per 100 ms
    expect(s[7]).toBe(100);
    expect(s[14]).toBe(50); // half the window in the stall
    expect(s[25]).toBe(0);
    expect(s).toHaveLength(30);
  });
  it('is empty for no samples', () => {
    expect(smoothTps([])).toEqual([]);
  });
});

describe('faultIntervals', () => {
  it('shades a fault to its heal, or to the end when never healed; numbers faults and moves together in time order', () => {
    const { faults, moves } = faultIntervals(
      [
        { t: 500, kind: 'step', what: 'writer started' },
        { t: 3000, kind: 'move', what: 'pg_ctl start s1' },
        { t: 1000, kind: 'fault', what: 'kill s1', until: 3000, healedBy: 'pg_ctl start s1' },
        { t: 2000, kind: 'fault', what: 'pg_ctl stop -m fast s2' },
      ],
      9000,
    );
    expect(faults).toEqual([
      {
        n: 1,
        from: 1000,
        to: 3000,
        what: 'kill s1',
        kind: 'fault',
        label: 'kill s1',
        color: '#cf222e',
        healedBy: 'pg_ctl start s1',
        open: false,
      },
      {
        n: 2,
        from: 2000,
        to: 9000,
        what: 'pg_ctl stop -m fast s2',
        kind: 'fault',
        label: 'pg_ctl stop -m fast s2',
        color: '#cf222e',
        open: true,
      },
    ]);
    expect(moves).toEqual([{ n: 3, t: 3000, what: 'pg_ctl start s1' }]);
  });

  it('names a typed fault by its kind and the nodes it hit, colours it by kind, and says why one lasts to the end', () => {
    const { faults } = faultIntervals(
      [
        {
          t: 1000,
          kind: 'fault',
          what: 'kill-walsender standby 1',
          fault: { kind: 'kill-walsender', target: { standby: 1 } },
          nodes: ['primary', 's2'],
          until: 2000,
        },
        {
          t: 1500,
          kind: 'fault',
          what: 'one-way-loss standby 0 to standby 1',
          fault: { kind: 'one-way-loss', target: { standby: 0 }, params: { to: { standby: 1 } } },
          nodes: ['s1', 's2'],
          until: 2500,
        },
        {
          t: 1600,
          kind: 'fault',
          what: 'freeze-postmaster standby 1',
          fault: { kind: 'freeze-postmaster', target: { standby: 1 } },
          nodes: ['s2'],
          until: 2600,
        },
        {
          t: 3000,
          kind: 'fault',
          what: 'crash-host-loud primary',
          fault: { kind: 'crash-host-loud', target: 'primary' },
          nodes: ['primary'],
          lastsToEnd: 'the old primary stays down',
        },
        { t: 3100, kind: 'fault', what: 'stop-fast standby 0', fault: { kind: 'stop-fast', target: { standby: 0 } } },
      ],
      9000,
    );
    expect(faults.map((f) => f.label)).toEqual([
      'kill-walsender primary → s2',
      'one-way-loss s1 → s2',
      'freeze-postmaster s2',
      'crash-host-loud primary',
      'stop-fast standby 0', // no nodes recorded: the target as planned
    ]);
    expect(new Set(faults.map((f) => f.color)).size).toBe(5);
    expect(faults.map((f) => f.color)).toEqual(faults.map((f) => FAULT_COLORS[f.kind]));
    expect(faults[3]).toMatchObject({ open: true, to: 9000, lastsToEnd: 'the old primary stays down' });
    expect(faults[4]).toMatchObject({ open: true, to: 9000 });
    expect(faults[4]).not.toHaveProperty('lastsToEnd');
    expect(faults.slice(0, 3).map((f) => [f.open, f.to])).toEqual([
      [false, 2000],
      [false, 2500],
      [false, 2600],
    ]);
  });

  it('draws a key per fault kind with each fault by number, nodes and span, open ones to the end with why', () => {
    const key = faultKey([
      {
        n: 1,
        from: 13.8,
        to: 18.2,
        what: 'x',
        kind: 'kill-walsender',
        label: 'kill-walsender primary → s2',
        color: '#bf3989',
        open: false,
      },
      {
        n: 4,
        from: 20,
        to: 30,
        what: 'y',
        kind: 'crash-host-loud',
        label: 'crash-host-loud primary',
        color: '#cf222e',
        open: true,
        lastsToEnd: 'stays down',
      },
      { n: 9, from: 51.4, to: 54.9, what: 'z', kind: 'kill-walsender', label: 'kill-walsender s1 → s2', color: '#bf3989', open: false },
    ]);
    const lines = key.split('<div>').slice(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('<b class="mono">kill-walsender</b>');
    expect(lines[0]).toMatch(
      />1<\/span> primary → s2 <span class="muted">13\.8–18\.2 s<\/span>.*>9<\/span> s1 → s2 <span class="muted">51\.4–54\.9 s/,
    );
    expect(lines[1]).toContain('>4</span> primary <span class="muted">20.0 s → end (stays down)</span>');
    expect(faultKey([])).toBe('');
  });
});

describe('storyWindow', () => {
  it('crops cluster start-up and the final reads away: from just before the first sample to just after the last', () => {
    const w = storyWindow({
      durationMs: 30_000,
      events: [{ t: 6000, kind: 'fault', what: 'x', until: 8000 }],
      writer: { clients: 1, batchRows: 1, samples: [ws(4000, 1), ws(4100, 1), ws(12_000, 1)] },
    });
    expect(w).toEqual({ from: 3700, to: 12_400 });
  });
  it('shows the whole scenario without samples or events', () => {
    expect(storyWindow({ durationMs: 5000, events: [] })).toEqual({ from: 0, to: 5000 });
  });
});

describe('clusterStateAt', () => {
  const samples: ObserverSample[] = [
    {
      t: 100,
      primary: 'primary',
      flushLsn: '0/3000000',
      syncRepWaiters: 0,
      settings: { synchronousStandbyNames: 'ANY 1 (s1, s2)', synchronousCommit: 'on' },
      standbys: [row('s1', 'streaming', 'quorum', '0/3000000'), row('s2', 'streaming', 'quorum', '0/2000000', '0/1000000')],
    },
    { t: 200, primary: 'primary', error: 'connection refused', standbys: [] },
    { t: 300, primary: 's2', flushLsn: '0/4000000', syncRepWaiters: 2, standbys: [row('s1', 'catchup', 'potential', '0/3800000')] },
  ];
  const r = {
    observer: { samples, transitions: {} },
    logs: { primary: 'logs/p.log', s1: 'logs/s1.log', s2: 'logs/s2.log' },
    metrics: { timelineBefore: 1, timelineAfter: 2 },
  };

  it('takes the first successful sample at or after the event, like patronictl list then', () => {
    const s = clusterStateAt(r, 50)!;
    expect(s.sampleT).toBe(100);
    expect(s.nodes.map((n) => [n.node, n.role, n.state, n.syncState, n.timeline, n.behindBytes])).toEqual([
      ['primary', 'primary', 'running', null, 1, null],
      ['s1', 'standby', 'streaming', 'quorum', 1, 0],
      ['s2', 'standby', 'streaming', 'quorum', 1, 0x2000000],
    ]);
    expect(s.nodes[1]!.replayLagMs).toBe(3.46);
  });
  it('skips failed samples, follows a new primary to its timeline, and lists nodes without a walsender as absent', () => {
    const s = clusterStateAt(r, 150)!;
    expect(s.sampleT).toBe(300);
    expect(s.primary).toBe('s2');
    expect(s.syncRepWaiters).toBe(2);
    expect(s.nodes.map((n) => [n.node, n.role, n.state, n.timeline, n.behindBytes])).toEqual([
      ['s2', 'primary', 'running', 2, null],
      ['s1', 'standby', 'catchup', null, 0x800000],
      ['primary', 'unknown', 'absent', null, null],
    ]);
  });
  it('takes the last sample for an event after every sample, and is null without a successful sample', () => {
    expect(clusterStateAt(r, 10_000)!.sampleT).toBe(300);
    expect(clusterStateAt({ observer: { samples: [samples[1]!], transitions: {} }, logs: {}, metrics: {} }, 0)).toBeNull();
    expect(clusterStateAt({ logs: {}, metrics: {} }, 0)).toBeNull();
  });
  it('leaves the timeline unknown when the metrics do not record it', () => {
    expect(clusterStateAt({ ...r, metrics: {} }, 0)!.nodes[0]!.timeline).toBeNull();
  });
});

describe('laneSpans', () => {
  it('gives each node seen a lane, the first primary first, each transition a span to the next', () => {
    const { nodes, spans } = laneSpans(
      {
        s2: [
          { t: 0, state: 'streaming', syncState: 'quorum' },
          { t: 500, state: 'primary', syncState: 'primary' },
        ],
        ghost: [{ t: 0, state: 'absent', syncState: 'absent' }],
        primary: [
          { t: 0, state: 'primary', syncState: 'primary' },
          { t: 400, state: 'absent', syncState: 'absent' },
        ],
      },
      1000,
    );
    expect(nodes).toEqual(['primary', 's2']);
    expect(spans.map((s) => [s.node, s.from, s.to, s.step])).toEqual([
      ['primary', 0, 400, 'primary'],
      ['primary', 400, 1000, 'absent'],
      ['s2', 0, 500, 'streaming/quorum'],
      ['s2', 500, 1000, 'primary'],
    ]);
  });
});

describe('verdictOverlays', () => {
  it('draws the windows and bounds the throughput verdicts judged, and the model disagreements', () => {
    const o = verdictOverlays([
      {
        id: 'throughput.stall',
        check: 'throughput stalls',
        status: 'passed',
        summary: '',
        evidence: {
          faultT: 1000,
          withinMs: 2000,
          minZeroIntervals: 5,
          firstZeroT: 1100,
          stallMs: 100,
          zeroIntervals: 9,
          baselineMs: 1000,
          baselineCommits: 50,
        },
      },
      {
        id: 'throughput.recover',
        check: 'throughput recovers',
        status: 'failed',
        summary: '',
        evidence: {
          repairT: 5000,
          withinMs: 10_000,
          steadyTps: 300,
          fraction: 0.5,
          windowMs: 1000,
          recoveredT: null,
          recoveryMs: null,
          windowTps: 20,
        },
      },
      {
        id: 'throughput.sustained',
        check: 'writes go on',
        status: 'passed',
        summary: '',
        evidence: { fromT: 100, toT: 900, tps: 280, steadyTps: 300, fraction: 0.5, samples: 8 },
      },
      {
        id: 'replication.model-agreement',
        check: 'pg_stat_replication agrees with the model',
        status: 'failed',
        summary: '',
        evidence: {
          compared: 9,
          agreed: 5,
          maxTransientMs: 1000,
          disagreements: [{ fromT: 2000, toT: 3500, durationMs: 1600, mismatches: [] }],
        },
      },
      { id: 'rows.hash-equal', check: 'row hashes agree', status: 'passed', summary: '', evidence: { nodes: [], distinct: 1 } },
    ]);
    expect(o.steadyTps).toBe(300);
    expect(o.tps).toEqual([
      { kind: 'window', from: 1000, to: 3000, status: 'passed', label: 'stall within 2 s' },
      { kind: 'mark', t: 1100, status: 'passed', label: '0 TPS ×9' },
      { kind: 'window', from: 5000, to: 15_000, status: 'failed', label: 'recover within 10 s' },
      { kind: 'bar', from: 5000, to: 15_000, y: 150, status: 'failed', label: '50% of steady 300' },
      { kind: 'window', from: 100, to: 900, status: 'passed', label: 'writes go on' },
      { kind: 'bar', from: 100, to: 900, y: 150, status: 'passed', label: '50% of steady 300' },
    ]);
    expect(o.lanes).toEqual([{ kind: 'window', from: 2000, to: 3600, status: 'failed', label: 'model ≠ pg_stat_replication' }]);
  });

  it('finds a check by its id, not by its wording or the shape of its evidence', () => {
    const stall = { faultT: 1000, withinMs: 2000, minZeroIntervals: 5, firstZeroT: 1100, zeroIntervals: 9 };
    const reworded = verdictOverlays([
      { id: 'throughput.stall', check: 'commits stop once no standby can confirm', status: 'passed', summary: 'reworded', evidence: stall },
    ]);
    expect(reworded.tps).toEqual([
      { kind: 'window', from: 1000, to: 3000, status: 'passed', label: 'stall within 2 s' },
      { kind: 'mark', t: 1100, status: 'passed', label: '0 TPS ×9' },
    ]);
    // A scenario author's own check with evidence of the same shape draws nothing.
    const own = verdictOverlays([
      { id: 'my-app.queue-stalls', check: 'throughput stalls', status: 'passed', summary: '', evidence: stall },
      { id: 'my-app.catch-up', check: 'x', status: 'passed', summary: '', evidence: { repairT: 1, withinMs: 2, steadyTps: 300 } },
    ]);
    expect(own).toEqual({ tps: [], lanes: [], steadyTps: null });
    // A record written before verdicts had ids: found by its check's old name.
    const legacy = verdictOverlays([{ check: 'throughput stalls', status: 'failed', summary: '', evidence: stall } as never]);
    expect(legacy.tps).toHaveLength(2);
  });
});

describe('dur and formatMetric', () => {
  it('read as people write them', () => {
    expect([dur(21_236), dur(59_960), dur(119_811), dur(125_000)]).toEqual(['21.2 s', '1 min 0 s', '2 min 0 s', '2 min 5 s']);
    expect([
      formatMetric('stallMs', 102.5),
      formatMetric('rewindMs', 14_569),
      formatMetric('steadyTps', 325.67),
      formatMetric('divergedBytes', 525_976),
      formatMetric('hashesEqual', true),
      formatMetric('x', null),
    ]).toEqual(['103 ms', '14.6 s', '325.7 TPS', '514 kB', 'yes', '—']);
  });
});

describe('scriptJson', () => {
  it('cannot close the script block it is written into', () => {
    const text = scriptJson({ what: '</script><script>alert(1)</script>' });
    expect(text).not.toMatch(/<\/script/i);
    expect(JSON.parse(text)).toEqual({ what: '</script><script>alert(1)</script>' });
  });
});

describe('parseRecord', () => {
  it('reports a half-written record as broken, not a crash', () => {
    expect(parseRecord('{"name": "quorum", "file": "scen')).toEqual({ broken: expect.stringMatching(/^not JSON .* half-written\?$/) });
    expect(parseRecord('[1, 2]')).toEqual({ broken: 'not a scenario record: not a JSON object' });
    expect(parseRecord('{"name": "x", "status": "maybe"}')).toEqual({ broken: 'not a scenario record: no valid file, status' });
  });
  it('fills in what records older than schema 2 lack: major from the server version, id, rerun, logs', () => {
    const parsed = parseRecord(
      JSON.stringify({
        name: 'quorum commit: lose both standbys',
        file: 'scenarios/quorum-standby-loss.test.ts',
        status: 'passed',
        startedAt: '2026-11-24T18:23:16.691Z',
        durationMs: 10,
        postgres: 'PostgreSQL 15.18 (Debian)',
        metrics: {},
        verdicts: [],
        events: [],
      }),
    );
    expect('record' in parsed && parsed.record).toMatchObject({
      major: 15,
      id: 'quorum-standby-loss--quorum-commit-lose-both-standbys--pg15',
      rerun: '',
      logs: {},
    });
  });
});

describe('parseRecord of a record written when metrics held tables', () => {
  const old = (metrics: Record<string, unknown>) => {
    const parsed = parseRecord(JSON.stringify({ name: 'x', file: 'scenarios/x.test.ts', status: 'passed', major: 15, metrics }));
    if (!('record' in parsed)) throw new Error(parsed.broken);
    return parsed.record;
  };

  it('lifts them into typed sections and keeps only scalars as metrics', () => {
    const r = old({
      promotedNode: 's1',
      promotedReceiveLsn: '0/90E5840',
      otherReceiveLsns: { s2: '0/90E5000' },
      history: '1\t0/90E5840\tno recovery target specified',
      timelines: { primary: 2, s1: 2, s2: 2 },
      rowsPerNode: { primary: 3606000, s1: 3606000, s2: 3606000 },
      lostSample: ['7:101', '5:98'],
      config: { standbys: ['s1', 's2'], synchronousStandbyNames: 'ANY 1 (s1, s2)', synchronousCommit: 'on' },
      matrix: [
        { step: 'crash s2', predicted: 'writes go on', observed: 'writes go on', tps: 447, recoveryMs: null, catchup: null, rows: [] },
      ],
      myOwnTable: { a: 1 },
      writeOutageMs: 1430,
    });
    expect(r.metrics).toEqual({ promotedNode: 's1', promotedReceiveLsn: '0/90E5840', writeOutageMs: 1430 });
    expect(r.nodesAtEnd).toEqual([
      { node: 'primary', timeline: 2, rows: 3606000 },
      { node: 's1', timeline: 2, rows: 3606000 },
      { node: 's2', timeline: 2, rows: 3606000 },
    ]);
    expect(r.promotion).toEqual({
      promoted: 's1',
      standbys: [
        { node: 's1', receiveLsn: '0/90E5840' },
        { node: 's2', receiveLsn: '0/90E5000' },
      ],
      history: '1\t0/90E5840\tno recovery target specified',
    });
    expect(r.lostSample).toEqual(['7:101', '5:98']);
    expect(r.lossMatrix?.config.synchronousStandbyNames).toBe('ANY 1 (s1, s2)');
    expect(r.lossMatrix?.steps).toHaveLength(1);
    expect(r.legacyMetrics).toEqual({ myOwnTable: { a: 1 } });
  });

  it("moves the typed fault an older record kept in a fault event's detail up to the event, and its nemesis metrics to the section", () => {
    const parsed = parseRecord(
      JSON.stringify({
        name: 'x',
        file: 'scenarios/x.test.ts',
        status: 'failed',
        major: 15,
        metrics: { schedule: { seed: 10, faults: [] }, outAtPromotion: [['primary']], lostAcked: 1061 },
        events: [
          {
            t: 37652.9,
            kind: 'fault',
            what: 'packet-loss standby 0 48 %',
            detail: { fault: { id: 3, kind: 'packet-loss', target: { standby: 0 }, params: { rate: 0.48 } }, nodes: ['s1'] },
            until: 47977.6,
          },
          { t: 40000, kind: 'fault', what: 'kill s2', detail: { signal: 'KILL' } },
        ],
      }),
    );
    if (!('record' in parsed)) throw new Error(parsed.broken);
    const [typed, untyped] = parsed.record.events;
    expect(typed).toEqual({
      t: 37652.9,
      kind: 'fault',
      what: 'packet-loss standby 0 48 %',
      fault: { id: 3, kind: 'packet-loss', target: { standby: 0 }, params: { rate: 0.48 } },
      nodes: ['s1'],
      until: 47977.6,
    });
    expect(faultIntervals([typed!], 90_000).faults[0]).toMatchObject({
      kind: 'packet-loss',
      label: 'packet-loss s1',
      color: FAULT_COLORS['packet-loss'],
    });
    expect(untyped).toEqual({ t: 40000, kind: 'fault', what: 'kill s2', detail: { signal: 'KILL' } });
    expect(parsed.record.nemesis?.outAtPromotion).toEqual([['primary']]);
    expect(parsed.record.metrics).toEqual({ lostAcked: 1061 });
    expect(parsed.record.legacyMetrics).toBeUndefined();
  });

  it('keeps what it cannot read as a section (a count per failover where nodes are expected) among the other figures, and renders', () => {
    const r = old({ schedule: { seed: 10, faults: [] }, failovers: [], outAtPromotion: [1] });
    expect(r.nemesis).toEqual({ seed: 10, schedule: { seed: 10, faults: [] }, failovers: [] });
    expect(r.legacyMetrics).toEqual({ outAtPromotion: [1] });
    const html = pageOf(r);
    expect(html).toContain('<summary class="mono">outAtPromotion</summary>');
  });

  it('draws them as tables, not JSON', () => {
    const r = old({ timelines: { primary: 1, s1: 1 }, rowsPerNode: { primary: 4813000, s1: 4813000 }, steadyTps: 289 });
    const html = pageOf(r);
    expect(html).toContain('<h3>Nodes at the end</h3><table class="nodes-at-end">');
    expect(html).toContain('<tr><td>s1</td><td>1</td><td>4,813,000</td></tr>');
    expect(html).not.toContain('{&quot;primary&quot;');
    expect(html).toMatch(
      /<td class="mono">steadyTps<\/td><td class="val">289\.0 TPS<\/td><td>tps<\/td><td class="muted">higher is better<\/td>/,
    );
  });

  it("an undeclared metric of the scenario's own is shown bare and marked undeclared", () => {
    const r = { ...old({ queueDepth: 3, queueDrainMs: 840 }), metricInfo: { queueDrainMs: { unit: 'ms', better: 'lower' as const } } };
    const html = pageOf(r);
    expect(html).toMatch(
      /queueDepth<\/td><td class="val">3<\/td><td><span class="warn-t">undeclared<\/span><\/td><td class="muted">not compared/,
    );
    expect(html).toMatch(
      /queueDrainMs <span class="muted">\(own\)<\/span><\/td><td class="val">840 ms<\/td><td>ms<\/td><td class="muted">lower is better/,
    );
  });
});

describe('writeReport', () => {
  it('writes summary.json (schema 2), index.html and reports/latest from a run folder', async () => {
    const runDir = await fixtureRun();
    const summary = (await writeReport(runDir))!;
    const onDisk = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as Summary;
    expect(onDisk).toEqual(summary);
    expect(summary).toMatchObject({
      schema: 2,
      run: '20261124-181424-9cae',
      majors: [15, 13],
      status: 'failed',
      counts: { passed: 2, failed: 1, interrupted: 0 },
    });
    expect(summary.context?.command).toBe('pgchaos run --pg 15,13 quorum-standby-loss failback-rewind');
    expect(summary.scenarios.map((s) => [s.id, s.status])).toEqual([
      ['failback-rewind--unplanned-failover-with-divergence-failback-by-pg-rewind--pg15', 'failed'],
      ['quorum-standby-loss--quorum-commit-lose-both-standbys-stall-recover--pg15', 'passed'],
      ['quorum-standby-loss--quorum-commit-lose-both-standbys-stall-recover--pg13', 'passed'],
    ]);
    expect(summary.scenarios[0]!.verdicts[1]!.evidence).toMatchObject({ lostAcked: 3 });
    expect(Object.keys(summary.metricDictionary)).toContain('stallMs');
    // The fixture's records filed timelines and rowsPerNode as metrics: summary.json has scalars only.
    for (const s of summary.scenarios)
      for (const [k, v] of Object.entries(s.metrics)) expect(v === null || typeof v !== 'object', k).toBe(true);
    expect(Object.keys(summary.metricDictionary)).not.toContain('rowsPerNode');
    const html = await readFile(join(runDir, 'index.html'), 'utf8');
    expect(html).toContain('var uPlot=');
    expect(html).toContain('Matrix: scenarios × PostgreSQL majors');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/); // nothing fetched: opens offline
    expect(await readlink(join(runDir, '..', 'latest'))).toBe('20261124-181424-9cae');
  });

  it('reports a half-written or garbled record as a broken record and still writes the report', async () => {
    const runDir = await fixtureRun();
    const full = await readFile(
      join(runDir, 'scenarios', 'quorum-standby-loss--quorum-commit-lose-both-standbys-stall-recover--pg13.json'),
      'utf8',
    );
    await writeFile(
      join(runDir, 'scenarios', 'quorum-standby-loss--quorum-commit-lose-both-standbys-stall-recover--pg13.json'),
      full.slice(0, full.length / 2),
    );
    await writeFile(join(runDir, 'scenarios', 'garbled--x--pg15.json'), '{"hello": "world"}');
    const summary = (await writeReport(runDir))!;
    expect(summary.counts).toEqual({ passed: 1, failed: 3, interrupted: 0, skipped: 0 });
    expect(summary.scenarios.slice(2).map((s) => [s.id, s.major, s.status, s.error?.replace(/\(.*\)/, '(…)')])).toEqual([
      [
        'garbled--x--pg15',
        15,
        'failed',
        'broken record scenarios/garbled--x--pg15.json: not a scenario record: no valid name, file, status',
      ],
      [
        'quorum-standby-loss--quorum-commit-lose-both-standbys-stall-recover--pg13',
        13,
        'failed',
        expect.stringMatching(/^broken record .*pg13\.json: not JSON \(…\); \d+ bytes, half-written\?$/),
      ],
    ]);
    const html = await readFile(join(runDir, 'index.html'), 'utf8');
    expect(html).toContain('<b>Broken record</b> <code>scenarios/garbled--x--pg15.json</code>');
  });

  it('writes nothing for a run that recorded no scenario, and does without run.json', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pgchaos-report-unit-'));
    dirs.push(root);
    await mkdir(join(root, 'run', 'scenarios'), { recursive: true });
    expect(await writeReport(join(root, 'run'))).toBeNull();
    const runDir = await fixtureRun();
    await rm(join(runDir, 'run.json'));
    const summary = (await writeReport(runDir))!;
    expect(summary.context).toBeNull();
    expect(summary.majors).toEqual([15, 13]);
    await writeFile(join(runDir, 'run.json'), '{"run": "x", "majors": "15"}');
    expect((await writeReport(runDir))!.majors).toEqual([15, 13]);
    await writeFile(join(runDir, 'run.json'), '{"run": "x", "star');
    expect((await writeReport(runDir))!.context).toBeNull();
  });
});

describe('chartData', () => {
  it('puts every panel on the same x range, in seconds, with the faults and moves', async () => {
    const text = await readFile(
      join(FIXTURE, 'scenarios', 'quorum-standby-loss--quorum-commit-lose-both-standbys-stall-recover--pg15.json'),
      'utf8',
    );
    const r = JSON.parse(text) as ScenarioRecord;
    const d = chartData(r);
    const [from, to] = d.range;
    for (const x of [d.writer!.x, d.lagBytes!.x, d.lagTimes!.x, d.lanes!.x]) expect([x[0], x[x.length - 1]]).toEqual([from, to]);
    expect(d.writer!.tps).toHaveLength(d.writer!.x.length);
    expect(d.lanes!.steps[0]).toHaveLength(d.lanes!.x.length);
    expect(d.faults.map((f) => [f.n, f.from, f.to])).toEqual([
      [1, 8.413, 14.788],
      [2, 12.806, 17.49],
    ]);
    expect(d.moves.map((m) => m.n)).toEqual([3, 4]);
    expect(d.t0).toBe(Date.parse(r.startedAt));
    expect(buildSummary('x', null, [r]).scenarios[0]!.id).toBe(r.id);
  });
});

describe('the manager each record ran', () => {
  it('is in the run header and each record, with its views folded in the record', () => {
    const parsed = parseRecord(
      JSON.stringify({
        name: 'nemesis: seed 1',
        file: 'scenarios/nemesis.test.ts',
        status: 'failed',
        major: 15,
        metrics: {},
        manager: {
          name: 'builtin',
          config: { promote: 'most-advanced', failAfterMs: 3000 },
          views: [{ t: 4200, after: 4100, primary: null, rows: [], raw: 'built-in operator: primary none (failing over)' }],
        },
      }),
    );
    if (!('record' in parsed)) throw new Error(parsed.broken);
    const r = parsed.record;
    const html = renderHtml({
      summary: buildSummary('run', null, [r]),
      context: null,
      records: [r],
      broken: [],
      logs: new Map(),
      files: [],
    });
    expect(html).toContain('<dt>manager</dt><dd><b>builtin</b></dd>');
    expect(html).toContain(' · manager <b>builtin</b>');
    expect(html).toContain('<h3>Manager builtin: its own view</h3>');
    expect(html).toContain('<b>4.2 s</b> (after the event at 4.1 s)<pre>built-in operator: primary none (failing over)</pre>');
  });
  it("names the manager's own config file in the run header, with its content folded", () => {
    const r = parseRecord(JSON.stringify({ name: 'x', file: 'scenarios/x.test.ts', status: 'passed', major: 15, metrics: {} }));
    if (!('record' in r)) throw new Error(r.broken);
    const page = (patroniConfig: unknown) =>
      renderHtml({
        summary: buildSummary('run', null, [r.record]),
        context: {
          run: 'run',
          startedAt: '2026-12-06T15:00:00.000Z',
          command: 'pgchaos run',
          pgchaos: '0.1.0',
          git: null,
          host: { hostname: 'h', platform: 'linux-x64', cpus: 2, node: 'v20', docker: null },
          majors: [15],
          config: { manager: 'patroni', patroniConfig },
        },
        records: [r.record],
        broken: [],
        logs: new Map(),
        files: [],
      });
    expect(page({ file: '/p/patroni.yml', content: 'bootstrap:\n  users:\n    app:\n      password: "[redacted]"\n' })).toContain(
      '<dt>manager</dt><dd><b>patroni</b> with <code>/p/patroni.yml</code><details><summary>its content as pgchaos read it, passwords redacted</summary>' +
        '<pre>bootstrap:\n  users:\n    app:\n      password: &quot;[redacted]&quot;\n</pre></details></dd>',
    );
    expect(page({ file: null, content: '' })).toContain(
      "<dt>manager</dt><dd><b>patroni</b> with Patroni's defaults (no patroniConfig)</dd>",
    );
    expect(page({ file: '/p/patroni.yml', content: 'x' })).not.toMatch(/<span class="mono">patroniConfig<\/span>/);
  });
  it('says when a record does not say (written before managers were a choice)', () => {
    const parsed = parseRecord(JSON.stringify({ name: 'x', file: 'scenarios/x.test.ts', status: 'passed', major: 15, metrics: {} }));
    if (!('record' in parsed)) throw new Error(parsed.broken);
    const r = parsed.record;
    const html = renderHtml({
      summary: buildSummary('run', null, [r]),
      context: null,
      records: [r],
      broken: [],
      logs: new Map(),
      files: [],
    });
    expect(html).toContain('<dt>manager</dt><dd>builtin (not recorded)</dd>');
    expect(html).not.toContain('Manager builtin');
  });
});
