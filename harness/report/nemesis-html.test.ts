import { describe, expect, it } from 'vitest';
import { nemesisTables } from './nemesis-html.ts';
import type { NemesisRecord } from './record.ts';
import { parseRecord } from './report.ts';

const section: NemesisRecord = {
  seed: 10,
  schedule: {
    seed: 10,
    durationMs: 60_000,
    recoveryMs: 60_000,
    faults: [
      { id: 3, kind: 'packet-loss', target: { standby: 0 }, params: { rate: 0.48 }, atMs: 29_400, durationMs: 10_000 },
      { id: 4, kind: 'kill9-postmaster', target: 'primary', atMs: 37_100, durationMs: 8_500 },
      { id: 5, kind: 'crash-host-silent', target: { standby: 1 }, atMs: 43_100, durationMs: 4_400 },
    ],
  },
  injected: [
    {
      id: 3,
      what: 'packet-loss standby 0 48 %',
      kind: 'packet-loss',
      nodes: ['s1'],
      failed: [],
      faultT: 37_447,
      effectiveT: 38_567,
      healT: 47_826,
      primaryOut: false,
      driftMs: 10,
    },
    {
      id: 4,
      what: 'kill9-postmaster primary',
      kind: 'kill9-postmaster',
      nodes: ['primary'],
      failed: ['primary'],
      faultT: 45_104,
      effectiveT: 45_203,
      healT: 53_610,
      primaryOut: true,
      driftMs: 4,
    },
  ],
  skipped: [{ id: 5, what: 'crash-host-silent standby 1', reason: 's2 is held by another fault in effect' }],
  failovers: [
    {
      detectedT: 48_349,
      decidedT: 48_838,
      promotedT: 49_311,
      writesBackT: 51_020,
      from: 'primary',
      to: 's1',
      positions: [
        { name: 's2', receiveLsn: '0/29E0ACA8', replayLsn: '0/29E0ACA8' },
        { name: 's1', receiveLsn: '0/2367E000', replayLsn: '0/2367E000' },
      ],
    },
  ],
  outAtPromotion: [['primary']],
  impacts: [
    { what: 'packet-loss standby 0 48 %', kind: 'packet-loss', outageMs: 1400, recoveryMs: 0 },
    { what: 'kill9-postmaster primary', kind: 'kill9-postmaster', outageMs: 38_000, recoveryMs: null },
  ],
  byKind: [
    {
      kind: 'kill9-postmaster',
      faults: 1,
      outageMedianMs: 38_000,
      outageMaxMs: 38_000,
      recoveryMedianMs: null,
      recoveryMaxMs: null,
      notRecovered: 1,
    },
  ],
  writeAvailability: { outages: 2, longestOutageMs: 38_000, worst: null },
};

describe('nemesisTables', () => {
  it('draws the schedule as played, each failover with its LSNs, and the impact per kind, as tables with nodes by name', () => {
    const html = nemesisTables(section);
    expect(html).toContain('<table class="nemesis-faults">');
    // The played fault names the node it hit (s1), not the planned role "standby 0".
    expect(html).toMatch(/#3<\/td><td>\+29\.4 s for 10\.0 s<\/td><td><span class="kind">packet-loss<\/span><\/td><td>s1<\/td>/);
    expect(html).toContain('<td>37.4 / 38.6</td><td>47.8</td><td>1,400</td><td>0</td>');
    expect(html).toContain('skipped: s2 is held by another fault in effect');
    expect(html).toContain('primary → <b>s1</b>');
    // Declared, decided, promoted, and when the writer saw its commits come back.
    expect(html).toContain('<td>48.3</td><td>48.8</td><td>49.3</td><td>51.0</td>');
    expect(html).toContain('s2 0/29E0ACA8 / 0/29E0ACA8<br>s1 0/2367E000 / 0/2367E000');
    expect(html).toContain('<td>1: primary</td>');
    expect(html).toContain('<table class="nemesis-kinds">');
    expect(html).toContain('not back');
    expect(html).not.toMatch(/undefined|NaN|\{"/);
  });
  it('is empty without a section', () => {
    expect(nemesisTables(undefined)).toBe('');
  });
});

describe('a record written before records had a nemesis section', () => {
  it('reads its schedule, failovers and impacts from its metrics', () => {
    const old = {
      file: 'scenarios/nemesis.test.ts',
      name: 'nemesis: seed 10',
      major: 15,
      seed: 10,
      status: 'failed',
      metrics: {
        seed: 10,
        schedule: section.schedule,
        failovers: section.failovers,
        faultImpact: section.impacts,
        byKind: section.byKind,
        faultsSkipped: section.skipped,
        writeAvailability: section.writeAvailability,
      },
      verdicts: [],
      events: [],
      logs: {},
    };
    const parsed = parseRecord(JSON.stringify(old));
    expect('record' in parsed && parsed.record.nemesis).toEqual({
      seed: 10,
      schedule: section.schedule,
      failovers: section.failovers,
      impacts: section.impacts,
      byKind: section.byKind,
      skipped: section.skipped,
      writeAvailability: section.writeAvailability,
    });
  });
});
