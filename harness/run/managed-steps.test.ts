import { describe, expect, it } from 'vitest';
import { checkNotStuck } from '../checks/stuck.ts';
import { CHECK_IDS, type Verdict } from '../checks/verdict.ts';
import { TIMELINE_SQL, type SqlNode } from '../db/sql-node.ts';
import type { BatchWriter } from '../load/writer.ts';
import type { HaManager } from '../manager/manager.ts';
import { type PatroniPromise, patroniPromise } from '../model/patroni-promise.ts';
import { Recorder } from './recorder.ts';
import type { ScenarioContext } from './scenario.ts';
import type { FailoverRecord } from '../history/failover.ts';
import type { ManagerView } from '../history/manager.ts';
import type { Batch } from '../history/samples.ts';
import {
  awaitFailover,
  clientFailovers,
  deposedAfterBoot,
  steadyWrites,
  syncStandby,
  verifyFailoverSeen,
  verifyManagedConsistent,
  viewsAsEvidence,
} from './managed-steps.ts';

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

  it('names each view by the event it was read after, and gives its rows in one line, as the report prints evidence', () => {
    const out = viewsAsEvidence([view(120, 100, 's1')], [{ t: 100, what: 'crash-host-loud pg0' }]);
    expect(out[0]!.at).toBe('crash-host-loud pg0');
    expect(out[0]!.view).toBe('primary s1; s1 leader running tl 2');
    const lagging = {
      ...view(130, undefined, 's1'),
      rows: [{ node: 'pg0', role: 'standby' as const, state: 'replica running', timeline: 1, lsn: null, lagBytes: 4096 }],
    };
    expect(viewsAsEvidence([lagging], [])[0]!.view).toBe('primary s1; pg0 replica running tl 1 lag 4096 B');
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

describe('verifyManagedConsistent: the end of a managed story, on a fake cluster', () => {
  /** A node answering the end's queries: its flush or replay LSN, its timeline, its hash, its batches. */
  function fakeNode(name: string, o: { hash?: string; batches: Array<[number, number]>; lsn?: string }): SqlNode {
    return {
      name,
      client: () => {
        throw new Error('not used');
      },
      safePsql: async (sql: string) => {
        if (/pg_current_wal_flush_lsn|pg_last_wal_replay_lsn/.test(sql)) return o.lsn ?? '0/3000000';
        if (sql === TIMELINE_SQL) return '2';
        if (/pg_read_file\('pg_wal\/00000002\.history'/.test(sql)) return '1\t0/3000100\tno recovery target specified';
        if (/hashtext/.test(sql)) return `${o.batches.length * 10}|${o.hash ?? '777'}|${o.batches.length}|555`;
        if (/FULL JOIN/.test(sql)) return o.batches.map(([c, s]) => `${c}|${s}|10|10`).join('\n');
        throw new Error(`unexpected query ${sql}`);
      },
    };
  }
  const row = (node: string, role: 'primary' | 'standby') => ({ node, role, state: role, timeline: 2, lsn: null, lagBytes: 0 });
  const strict = patroniPromise({ synchronous_mode: true, synchronous_mode_strict: true, standbys: ['s1'] });
  function fakeManager(nodes: Record<string, SqlNode>, o: { settled?: boolean; promise?: PatroniPromise } = {}): HaManager {
    return {
      name: 'patroni',
      nodeNames: Object.keys(nodes),
      failovers: [],
      clients: () => {
        throw new Error('not used');
      },
      node: (n: string) => nodes[n]!,
      start: () => {},
      stop: async () => {},
      view: async () => ({ t: 0, primary: 'pg0', rows: [row('pg0', 'primary'), row('s1', 'standby')], raw: '' }),
      settled: async () => o.settled ?? true,
      switchover: async () => {
        throw new Error('not used');
      },
      promise: () => o.promise ?? strict,
      describe: () => ({ name: 'patroni', config: {} }),
    };
  }
  function fakeWriter(ledger: Batch[]): BatchWriter {
    return { ledger: () => ledger, stop: async () => {} } as unknown as BatchWriter;
  }
  function ctxOf(rec: Recorder): ScenarioContext {
    return { rec, verify: (v: Verdict) => rec.verdict(v) } as unknown as ScenarioContext;
  }
  const batch = (node: string, seq: number, endT: number, timeline = 2): Batch => ({
    client: 1,
    seq,
    node,
    via: 'haproxy',
    startT: endT - 1,
    endT,
    outcome: 'acked',
    timeline,
  });
  const end = { lastHealT: 0, recoveryMs: 1000, failuresAtOnce: 1, hostCrashed: true };
  const statusOf = (rec: Recorder, id: string) => rec.verdicts.find((v) => v.id === id)?.status;

  it('passes a cluster where every node holds every acknowledged batch', async () => {
    const rec = new Recorder('t', 'f');
    const nodes = { pg0: fakeNode('pg0', { batches: [[1, 1]] }), s1: fakeNode('s1', { batches: [[1, 1]] }) };
    await verifyManagedConsistent(ctxOf(rec), fakeManager(nodes), fakeWriter([batch('pg0', 1, 50)]), end);
    expect(rec.verdicts.map((v) => v.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    expect(rec.nodesAtEnd).toEqual([
      { node: 'pg0', timeline: 2, rows: 10 },
      { node: 's1', timeline: 2, rows: 10 },
    ]);
  });

  it('fails an acknowledged batch lost on the leader, which strict synchronous mode promises', async () => {
    const rec = new Recorder('t', 'f');
    const nodes = { pg0: fakeNode('pg0', { batches: [[1, 1]] }), s1: fakeNode('s1', { batches: [[1, 1]] }) };
    await verifyManagedConsistent(ctxOf(rec), fakeManager(nodes), fakeWriter([batch('pg0', 1, 50), batch('pg0', 2, 60)]), end);
    expect(statusOf(rec, CHECK_IDS.promisedLoss)).toBe('failed');
    expect(rec.metrics.lostAcked).toBe(1);
  });

  it('holds an asynchronous config to its bound in bytes: maximum_lag_on_failover plus the last ttl of WAL', async () => {
    // pg0 acknowledged 1/2 and 1/3 on timeline 1, lost: the last at 0/3000200, 0x100 bytes past where
    // s1's history (and pg0's, rewound) left timeline 1; in its last second (ttl 1) pg0 wrote 0x80 bytes.
    const lostOnOld = (maximum_lag_on_failover: number) => {
      const rec = new Recorder('t', 'f');
      const nodes = { pg0: fakeNode('pg0', { batches: [[1, 1]] }), s1: fakeNode('s1', { batches: [[1, 1]] }) };
      const ledger = [
        { ...batch('pg0', 1, 50, 1), lsn: '0/3000080' },
        { ...batch('pg0', 2, 100, 1), lsn: '0/3000180' },
        { ...batch('pg0', 3, 5000, 1), lsn: '0/3000200' },
      ];
      const promise = patroniPromise({ maximum_lag_on_failover, ttl: 1, standbys: ['s1'] });
      return verifyManagedConsistent(ctxOf(rec), fakeManager(nodes, { promise }), fakeWriter(ledger), end).then(() => rec);
    };
    const within = await lostOnOld(0x80);
    expect(statusOf(within, CHECK_IDS.promisedLoss)).toBe('passed'); // async promises no commit
    expect(statusOf(within, CHECK_IDS.lossBound)).toBe('passed');
    expect(within.metrics.lostWalBytes).toBe(0x100);
    expect(statusOf(await lostOnOld(0x7f), CHECK_IDS.lossBound)).toBe('failed');
  });

  it('fails two servers behind the proxy acknowledging on one timeline', async () => {
    const rec = new Recorder('t', 'f');
    const both: Array<[number, number]> = [
      [1, 1],
      [1, 2],
      [1, 3],
    ];
    const nodes = { pg0: fakeNode('pg0', { batches: both }), s1: fakeNode('s1', { batches: both }) };
    const ledger = [batch('pg0', 1, 50), batch('s1', 2, 60), batch('pg0', 3, 70)];
    await verifyManagedConsistent(ctxOf(rec), fakeManager(nodes), fakeWriter(ledger), end);
    expect(statusOf(rec, CHECK_IDS.onePrimary)).toBe('failed');
  });

  it('fails nodes whose rows differ', async () => {
    const rec = new Recorder('t', 'f');
    const nodes = { pg0: fakeNode('pg0', { batches: [[1, 1]] }), s1: fakeNode('s1', { batches: [[1, 1]], hash: '778' }) };
    await verifyManagedConsistent(ctxOf(rec), fakeManager(nodes), fakeWriter([batch('pg0', 1, 50)]), end);
    expect(statusOf(rec, CHECK_IDS.rowHashes)).toBe('failed');
  });

  it('fails a cluster that took no write within the window after the last heal, and records the deposed window', async () => {
    const rec = new Recorder('t', 'f');
    const nodes = { pg0: fakeNode('pg0', { batches: [[1, 1]] }), s1: fakeNode('s1', { batches: [[1, 1]] }) };
    const ledger = [batch('pg0', 1, 50, 1), batch('s1', 2, 60, 2), batch('pg0', 3, 80, 1)];
    await verifyManagedConsistent(ctxOf(rec), fakeManager(nodes), fakeWriter(ledger), { ...end, lastHealT: 100, recoveryMs: 200 });
    expect(statusOf(rec, CHECK_IDS.notStuck)).toBe('failed');
    expect(rec.metrics.deposedWindowMs).toBe(20);
    expect(rec.metrics.deposedLost).toBe(1); // 1/3, acknowledged on timeline 1 after s1 took writes on 2
  });

  it('throws naming what it awaited and what it last saw when the manager never settles, after the ledger verdicts', async () => {
    const rec = new Recorder('t', 'f');
    const nodes = { pg0: fakeNode('pg0', { batches: [] }), s1: fakeNode('s1', { batches: [] }) };
    const run = verifyManagedConsistent(ctxOf(rec), fakeManager(nodes, { settled: false }), fakeWriter([batch('pg0', 1, 50)]), {
      ...end,
      settleTimeoutMs: 300,
    });
    await expect(run).rejects.toThrow(/patroni to settle.*primary pg0/s);
    // The loss is judged on the leader the view names, settled or not: pg0 lacks the acknowledged batch.
    expect(rec.verdicts.map((v) => v.id)).toEqual([CHECK_IDS.notStuck, CHECK_IDS.onePrimary, CHECK_IDS.promisedLoss]);
    expect(statusOf(rec, CHECK_IDS.promisedLoss)).toBe('failed');
  });
});

describe('syncStandby: the standby the manager names synchronous', () => {
  const manager = (rows: ManagerView['rows']) =>
    ({ name: 'patroni', view: async () => ({ t: 0, primary: 'pg0', rows, raw: '' }) }) as unknown as HaManager;
  const r = (node: string, role: 'primary' | 'standby', state: string) => ({ node, role, state, timeline: 1, lsn: null, lagBytes: 0 });

  it("is the replica Patroni's view shows as sync_standby", async () => {
    const m = manager([
      r('pg0', 'primary', 'leader running'),
      r('s1', 'standby', 'replica running'),
      r('s2', 'standby', 'sync_standby running'),
    ]);
    expect(await syncStandby(m)).toBe('s2');
  });

  it('times out naming what it awaited and the last view, when none is named', async () => {
    const m = manager([r('pg0', 'primary', 'leader running'), r('s1', 'standby', 'replica running')]);
    await expect(syncStandby(m, 300)).rejects.toThrow(/patroni to name a sync standby.*replica running/s);
  });
});

describe('awaitFailover: the failover a manager recorded', () => {
  const rows = [{ node: 's1', role: 'standby' as const, state: 'replica running', timeline: 1, lsn: null, lagBytes: 0 }];
  const manager = (failovers: FailoverRecord[]) =>
    ({ name: 'patroni', failovers, view: async () => ({ t: 0, primary: null, rows, raw: '' }) }) as unknown as HaManager;
  const f = (to: string): FailoverRecord => failover({ to });

  it('returns the failover once the manager records it', async () => {
    const failovers: FailoverRecord[] = [];
    setTimeout(() => failovers.push(f('s1')), 50);
    expect((await awaitFailover(manager(failovers), 'a promotion', 5000)).to).toBe('s1');
  });

  it('waits for the failover at `index`, not an earlier one', async () => {
    await expect(awaitFailover(manager([f('s1')]), 'the second promotion', 300, 1)).rejects.toThrow(
      /the second promotion.*replica running/s,
    );
  });
});

describe('steadyWrites: the first act of a managed story', () => {
  it('starts the manager, the observer and the writer on its clients, records the step, then steadyTps from 1 s after it', async () => {
    const rec = new Recorder('t', 'f');
    const started: string[] = [];
    const clients = { via: 'proxy', describe: 'haproxy', currentPrimary: async () => undefined };
    const manager = { start: () => started.push('manager'), clients: () => clients } as unknown as HaManager;
    const stepT = () => rec.events.find((e) => e.what === 'steady writes')!.t;
    // 100 tps in 100-ms intervals from 1 s after the step; the writer's first second (99 a batch) left out.
    const samples = () => [500, 1000, 1100].map((dt) => ({ t: stepT() + dt, commits: dt < 1000 ? 99 : 10 }));
    const writer = { samples } as unknown as BatchWriter;
    const ctx = {
      rec,
      startObserver: (target: unknown, ms: number) => (started.push(`observer ${ms} ${target === clients}`), 'observer'),
      startWriter: async (target: unknown, o: unknown) => (started.push(`writer ${JSON.stringify(o)} ${target === clients}`), writer),
    } as unknown as ScenarioContext;
    const order: string[] = [];
    const got = await steadyWrites(ctx, manager, {
      observeMs: 200,
      holdMs: 1150,
      detail: { promise: 'none' },
      meanwhile: async () => (order.push(`meanwhile after the step: ${rec.events.length === 1}`), 's1'),
    });
    expect(started).toEqual(['manager', 'observer 200 true', 'writer {"rateTps":100,"batchRows":100} true']);
    expect(order).toEqual(['meanwhile after the step: true']);
    expect(rec.events[0]).toMatchObject({ what: 'steady writes', detail: { promise: 'none' } });
    expect(got).toMatchObject({ observer: 'observer', writer, meanwhile: 's1' });
    expect(got.steadyTps).toBe(100);
    expect(rec.metrics.steadyTps).toBe(100);
  });
});

describe('deposedAfterBoot: the booted old primary as the manager left it', () => {
  const manager = (answer: () => Promise<string>) =>
    ({
      node: () => ({ safePsql: answer }),
      view: async () => ({ t: 0, primary: 's1', rows: [], raw: 'the view' }),
    }) as unknown as HaManager;
  const ctxOf = (rec: Recorder) => ({ rec }) as unknown as ScenarioContext;

  it('records a primary out of recovery as 1, with the view as evidence', async () => {
    const rec = new Recorder('t', 'f');
    expect(
      await deposedAfterBoot(
        ctxOf(rec),
        manager(async () => 'f'),
        'pg0',
        { afterMs: 0, why: 'repmgr #766' },
      ),
    ).toBe(false);
    expect(rec.events.at(-1)).toMatchObject({ what: 'pg0 booted: running as a primary', detail: { view: 'the view' } });
    expect(rec.metrics.deposedRunsAsPrimary).toBe(1);
  });

  it('records one in recovery, or not answering, as 0', async () => {
    const rec = new Recorder('t', 'f');
    expect(
      await deposedAfterBoot(
        ctxOf(rec),
        manager(async () => 't'),
        'pg0',
        { afterMs: 0, why: 'x' },
      ),
    ).toBe(true);
    expect(rec.metrics.deposedRunsAsPrimary).toBe(0);
    const down = async () => {
      throw new Error('refused');
    };
    expect(await deposedAfterBoot(ctxOf(rec), manager(down), 'pg0', { afterMs: 0, why: 'x' })).toBeUndefined();
    expect(rec.events.at(-1)!.what).toBe('pg0 booted: not answering');
    expect(rec.metrics.deposedRunsAsPrimary).toBe(0);
  });
});

describe('verifyFailoverSeen: the last verdicts of a failover story', () => {
  it('records the failover as the client saw it from the fault, and judges the model and the failovers made', () => {
    const rec = new Recorder('t', 'f');
    const ctx = { rec, verify: (v: Verdict) => rec.verdict(v) } as unknown as ScenarioContext;
    const made = failover();
    const manager = { failovers: [made] } as unknown as HaManager;
    const end = { primary: 's1', failovers: [{ ...made, writesBackT: 4200, outageMs: 3000 }], windows: [], lost: {} };
    const observer = { samples: () => [] } as unknown as Parameters<typeof verifyFailoverSeen>[3]['observer'];
    verifyFailoverSeen(ctx, manager, end as unknown as Parameters<typeof verifyFailoverSeen>[2], {
      faultT: 1000,
      observer,
      observeMs: 200,
      predicted: [{ from: 'pg0', to: ['s2'], why: 'test' }],
    });
    expect(rec.metrics.failoverAsClientSeesMs).toBe(3200);
    expect(rec.verdicts.map((v) => v.id)).toEqual([CHECK_IDS.modelAgreement, CHECK_IDS.failovers]);
    expect(rec.verdicts.find((v) => v.id === CHECK_IDS.failovers)?.status).toBe('failed');
  });
});
