import { describe, expect, it } from 'vitest';
import { checkNotStuck } from '../checks/stuck.ts';
import type { FailoverRecord } from '../history/failover.ts';
import type { ManagerView } from '../history/manager.ts';
import type { Batch } from '../history/samples.ts';
import { clientFailovers, viewsAsEvidence } from './managed-steps.ts';

const ack = (node: string, endT: number, seq = endT): Batch => ({
  client: 1,
  seq,
  node,
  via: 'haproxy',
  startT: endT - 5,
  endT,
  outcome: 'acked',
});
const failover = (o: Partial<FailoverRecord> = {}): FailoverRecord => ({
  detectedT: 1000,
  decidedT: 1500,
  promotedT: 1500,
  from: 'pg0',
  to: 's1',
  positions: [],
  ...o,
});

describe('clientFailovers: a failover as the client saw it', () => {
  it('measures from the old primary’s last ack before the decision to the new one’s first ack after it', () => {
    const [f] = clientFailovers([ack('pg0', 900), ack('pg0', 950), ack('s1', 4200), ack('s1', 4300)], [failover()]);
    expect(f).toMatchObject({ from: 'pg0', to: 's1', writesBackT: 4200, outageMs: 4200 - 950 });
  });

  it('does not count acks of the old primary after the decision (a deposed window) as the outage’s start', () => {
    const [f] = clientFailovers([ack('pg0', 900), ack('s1', 1600), ack('pg0', 2000)], [failover()]);
    expect(f!.outageMs).toBe(700);
  });

  it('has no writes back and no outage when the new primary never acknowledged', () => {
    const [f] = clientFailovers([ack('pg0', 900)], [failover()]);
    expect(f).toMatchObject({ writesBackT: null, outageMs: null });
  });

  it('cannot see a failover in a ledger that names only the proxy', () => {
    const byProxy = [ack('pg0', 900), ack('s1', 4200)].map((b) => ({ ...b, node: 'haproxy' }));
    expect(clientFailovers(byProxy, [failover()])[0]).toMatchObject({ writesBackT: null, outageMs: null });
  });
});

describe('viewsAsEvidence: the manager’s views as the stuck check’s evidence', () => {
  const view = (t: number, after: number | undefined, primary: string | null, error?: string): ManagerView => ({
    t,
    ...(after !== undefined ? { after } : {}),
    primary,
    rows: primary ? [{ node: primary, role: 'primary', state: 'leader running', timeline: 2, lsn: null, lagBytes: 0 }] : [],
    raw: '',
    ...(error ? { error } : {}),
  });

  it('names each view by the event it was read after, and prints its rows as a table', () => {
    const out = viewsAsEvidence([view(120, 100, 's1')], [{ t: 100, what: 'crash-host-loud pg0' }]);
    expect(out[0]!.at).toBe('crash-host-loud pg0');
    expect(out[0]!.view).toMatch(/^primary s1\n\+-/);
    expect(out[0]!.view).toContain('leader running');
  });

  it('says why a view could not be read, and when it was read on its own', () => {
    const out = viewsAsEvidence([view(50, undefined, null, 'no Patroni REST API answers')], []);
    expect(out[0]).toEqual({ t: 50, at: 'read', view: 'no view: no Patroni REST API answers' });
  });

  it('is the evidence of a failed stuck verdict: the view the manager held while nothing committed', () => {
    const views = viewsAsEvidence([view(5100, 5000, null)], [{ t: 5000, what: 'heal crash-host-loud pg0' }]);
    const v = checkNotStuck([ack('pg0', 900)], { lastHealT: 5000, recoveryMs: 30_000, writerStoppedT: 40_000, views });
    expect(v.status).toBe('failed');
    expect(v.summary).toContain('heal crash-host-loud pg0');
    expect(v.summary).toContain('primary none');
  });
});
