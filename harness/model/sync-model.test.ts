import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { SYNC_REP_007_QUERY, SYNC_REP_007_STANDBYS, SYNC_REP_007_STEPS, syncRep007Checks } from './007-sync-rep.cases.ts';
import {
  connectWalSender,
  disconnectWalSender,
  formatSyncRows,
  predict,
  walSenderOrder,
  type SynchronousCommit,
  type WalSenderInput,
} from './sync-model.ts';
import { parseSyncStandbyNames } from './sync-standby-names.ts';

/** `name|priority|state` per walsender, in walsender (input) order. */
const rows = (setting: string, standbys: (string | WalSenderInput)[]) =>
  predict({ synchronousStandbyNames: setting, standbys: standbys.map((s) => (typeof s === 'string' ? { name: s } : s)) }).standbys.map(
    (r) => `${r.name}|${r.syncPriority}|${r.syncState}`,
  );

// syncRep007Checks() runs inside each test, never while vitest collects the file: a mutant that
// breaks it must fail a test, not the collection (which Stryker's runner would not count).
describe("PostgreSQL's 007_sync_rep.pl, replayed through predict()", () => {
  it('has all 11 checks of the PostgreSQL 15 file, in its order', () => {
    expect(syncRep007Checks().map((c) => c.message)).toEqual([
      'old syntax of synchronous_standby_names',
      'asterisk in synchronous_standby_names',
      '2 synchronous standbys',
      '2 sync, 1 potential, and 1 async',
      'num_sync exceeds the num of potential sync standbys',
      'asterisk before another standby name',
      'multiple standbys having the same priority are chosen as sync',
      'potential standby found earlier in array is promoted to sync',
      'priority-based sync replication specified by FIRST keyword',
      '2 quorum and 1 async',
      'all standbys are considered as candidates for quorum sync standbys',
    ]);
    // start = start_standby_and_wait (wait: true) or a plain ->start (wait: false)
    expect(
      SYNC_REP_007_STEPS.filter((s) => s.do !== 'check').map((s) =>
        s.do === 'start' ? `start ${s.standby}${s.wait ? ' and wait' : ''}` : `stop ${s.standby}`,
      ),
    ).toEqual([
      'start standby1 and wait',
      'start standby2 and wait',
      'start standby3 and wait',
      'stop standby1',
      'stop standby2',
      'stop standby3',
      'start standby2 and wait',
      'start standby3 and wait',
      'start standby1 and wait',
      'start standby4',
      'stop standby3',
      'start standby3',
    ]);
    expect(SYNC_REP_007_QUERY).toBe(
      'SELECT application_name, sync_priority, sync_state FROM pg_stat_replication ORDER BY application_name;',
    );
    expect([...SYNC_REP_007_STANDBYS]).toEqual(['standby1', 'standby2', 'standby3', 'standby4']);
  });

  it('replays the walsender slots as InitWalSenderSlot fills them (lowest free slot first)', () => {
    expect(syncRep007Checks().map((c) => [c.n, c.setting, c.walSenders.join(' ')])).toEqual([
      [1, 'standby1,standby2', 'standby1 standby2 standby3'],
      [2, '*', 'standby1 standby2 standby3'],
      [3, '2(standby1,standby2,standby3)', 'standby2 standby3'],
      [4, '2(standby1,standby2,standby3)', 'standby2 standby3 standby1 standby4'],
      [5, '6(standby4,standby0,standby3,standby2)', 'standby2 standby3 standby1 standby4'],
      [6, '2(standby1,*,standby2)', 'standby2 standby3 standby1 standby4'],
      [7, '2(*)', 'standby2 standby3 standby1 standby4'],
      [8, '2(*)', 'standby2 standby1 standby4'],
      [9, 'FIRST 2(standby1, standby2)', 'standby2 standby1 standby4'],
      [10, 'ANY 2(standby1, standby2)', 'standby2 standby1 standby4'],
      [11, 'ANY 2(*)', 'standby2 standby3 standby1 standby4'],
    ]);
  });

  it('a check before any setting runs with the empty setting', () => {
    expect(
      syncRep007Checks([
        { do: 'start', standby: 's1', wait: true },
        { do: 'check', message: 'm', expected: 's1|0|async' },
      ]),
    ).toEqual([{ n: 1, message: 'm', setting: '', walSenders: ['s1'], expected: 's1|0|async' }]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])('check %i', (n) => {
    const check = syncRep007Checks()[n - 1]!;
    expect(check.n).toBe(n);
    const prediction = predict({ synchronousStandbyNames: check.setting, standbys: check.walSenders.map((name) => ({ name })) });
    expect(formatSyncRows(prediction)).toBe(check.expected);
  });
});

describe('predict: the setting forms with three streaming standbys s1, s2, s3 (walsender order)', () => {
  const three = ['s1', 's2', 's3'];
  it.each([
    ['', ['s1|0|async', 's2|0|async', 's3|0|async']],
    ['s1, s2', ['s1|1|sync', 's2|2|potential', 's3|0|async']],
    ['2 (s1, s2)', ['s1|1|sync', 's2|2|sync', 's3|0|async']],
    ['FIRST 1 (s2, s1)', ['s1|2|potential', 's2|1|sync', 's3|0|async']],
    ['FIRST 2 (s3, s1, s2)', ['s1|2|sync', 's2|3|potential', 's3|1|sync']],
    ['ANY 1 (s1, s2)', ['s1|1|quorum', 's2|1|quorum', 's3|0|async']],
    ['ANY 2 (s1, s2, s3)', ['s1|1|quorum', 's2|1|quorum', 's3|1|quorum']],
    ['*', ['s1|1|sync', 's2|1|potential', 's3|1|potential']],
    ['2 (*)', ['s1|1|sync', 's2|1|sync', 's3|1|potential']],
    ['ANY 1 (*)', ['s1|1|quorum', 's2|1|quorum', 's3|1|quorum']],
    ['FIRST 1 (s3, *)', ['s1|2|potential', 's2|2|potential', 's3|1|sync']],
    ['FIRST 2 (s3, *)', ['s1|2|sync', 's2|2|potential', 's3|1|sync']],
    ['FIRST 5 (s1, s2)', ['s1|1|sync', 's2|2|sync', 's3|0|async']],
    ['FIRST 1 (S2, s1)', ['s1|2|potential', 's2|1|sync', 's3|0|async']],
  ])('%j', (setting, want) => {
    expect(rows(setting, three)).toEqual(want);
  });

  it('ties under * follow walsender order, not names', () => {
    expect(rows('*', ['s3', 's1', 's2'])).toEqual(['s3|1|sync', 's1|1|potential', 's2|1|potential']);
    expect(rows('2 (*)', ['s3', 's1', 's2'])).toEqual(['s3|1|sync', 's1|1|sync', 's2|1|potential']);
  });

  it('the priority sort keeps the lowest values, not the first slots', () => {
    expect(rows('FIRST 2 (s4, s3, s2, s1)', ['s1', 's2', 's3', 's4'])).toEqual([
      's1|4|potential',
      's2|3|potential',
      's3|2|sync',
      's4|1|sync',
    ]);
    expect(rows('FIRST 1 (s2, s1)', ['s1', 's2', 's2'])).toEqual(['s1|2|potential', 's2|1|sync', 's2|1|potential']);
  });

  it('accepts an already parsed setting', () => {
    const p = predict({ synchronousStandbyNames: parseSyncStandbyNames('ANY 1 (s1)'), standbys: [{ name: 's1' }] });
    expect(p.standbys).toEqual([{ name: 's1', state: 'streaming', syncPriority: 1, syncState: 'quorum' }]);
  });

  it('rejects text PostgreSQL rejects', () => {
    expect(() => predict({ synchronousStandbyNames: 'ANY 0 (s1)', standbys: [] })).toThrow(ConfigError);
  });
});

describe('predict: walsender states and flush reports (SyncRepGetCandidateStandbys, pg_stat_get_wal_senders)', () => {
  it('a listed standby in catchup is potential, not a candidate, under ANY and FIRST', () => {
    const any = predict({
      synchronousStandbyNames: 'ANY 1 (s1, s2)',
      standbys: [
        { name: 's1', state: 'catchup' },
        { name: 's2', state: 'streaming' },
      ],
    });
    expect(any.standbys).toEqual([
      { name: 's1', state: 'catchup', syncPriority: 1, syncState: 'potential' },
      { name: 's2', state: 'streaming', syncPriority: 1, syncState: 'quorum' },
    ]);
    expect(any.candidates).toEqual(['s2']);
    expect(any.commitsStall).toBe(false);
    const first = predict({ synchronousStandbyNames: 'FIRST 1 (s1, s2)', standbys: [{ name: 's1', state: 'catchup' }, { name: 's2' }] });
    expect(first.standbys.map((r) => `${r.name}|${r.syncPriority}|${r.syncState}`)).toEqual(['s1|1|potential', 's2|2|sync']);
    expect(first.syncSet).toEqual(['s2']);
  });

  it('the write-up 004 story: s1 back in catchup while s2 is down stalls ANY 1, then streaming releases it', () => {
    const catchup = predict({ synchronousStandbyNames: 'ANY 1 (s1, s2)', standbys: [{ name: 's1', state: 'catchup' }] });
    expect(catchup.standbys[0]!.syncState).toBe('potential');
    expect(catchup.commitsStall).toBe(true);
    expect(catchup.warnings).toEqual([
      'every commit waits: synchronous_standby_names needs 1 synchronous standbys that are listed, streaming and have reported a flush LSN, but only 0 are (none); commits hang until enough listed standbys stream',
    ]);
    const streaming = predict({ synchronousStandbyNames: 'ANY 1 (s1, s2)', standbys: [{ name: 's1' }] });
    expect(streaming.standbys[0]!.syncState).toBe('quorum');
    expect(streaming.commitsStall).toBe(false);
    expect(streaming.warnings).toEqual([]);
  });

  it('a stopping walsender is still a candidate', () => {
    const p = predict({ synchronousStandbyNames: 'FIRST 1 (s1, s2)', standbys: [{ name: 's1', state: 'stopping' }, { name: 's2' }] });
    expect(p.standbys.map((r) => r.syncState)).toEqual(['sync', 'potential']);
    expect(p.candidates).toEqual(['s1', 's2']);
  });

  it('startup and backup walsenders have priority 0 (SyncRepInitConfig runs only in StartReplication)', () => {
    const p = predict({
      synchronousStandbyNames: '*',
      standbys: [{ name: 'pg_basebackup', state: 'backup' }, { name: 's1', state: 'startup' }, { name: 's2' }],
    });
    expect(p.standbys.map((r) => `${r.name}|${r.state}|${r.syncPriority}|${r.syncState}`)).toEqual([
      'pg_basebackup|backup|0|async',
      's1|startup|0|async',
      's2|streaming|1|sync',
    ]);
    expect(p.candidates).toEqual(['s2']);
  });

  it('no flush reported: shown as 0/async and never a candidate (pg_basebackup -X stream under *)', () => {
    const p = predict({ synchronousStandbyNames: '*', standbys: [{ name: 'pg_basebackup', flushReported: false }, { name: 's1' }] });
    expect(p.standbys.map((r) => `${r.name}|${r.syncPriority}|${r.syncState}`)).toEqual(['pg_basebackup|0|async', 's1|1|sync']);
    expect(p.candidates).toEqual(['s1']);
    const alone = predict({ synchronousStandbyNames: 'ANY 1 (s1)', standbys: [{ name: 's1', flushReported: false }] });
    expect(alone.standbys[0]!.syncState).toBe('async');
    expect(alone.commitsStall).toBe(true);
  });

  it('FIRST with fewer candidates than required shows them all as sync, yet every commit stalls', () => {
    const p = predict({ synchronousStandbyNames: 'FIRST 3 (s1, s2, s3)', standbys: [{ name: 's1' }, { name: 's2' }] });
    expect(p.standbys.map((r) => r.syncState)).toEqual(['sync', 'sync']);
    expect(p.syncSet).toEqual(['s1', 's2']);
    expect(p.commitsStall).toBe(true);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toContain('needs 3 synchronous standbys');
    expect(p.warnings[0]).toContain('only 2 are (s1, s2)');
  });

  it('exactly enough candidates: no stall', () => {
    const p = predict({ synchronousStandbyNames: 'ANY 2 (s1, s2)', standbys: [{ name: 's1' }, { name: 's2' }] });
    expect(p.commitsStall).toBe(false);
    expect(p.required).toBe(2);
    expect(p.method).toBe('any');
  });
});

describe('predict: synchronous_commit levels (SyncRepRequested, assign_synchronous_commit)', () => {
  it.each([
    ['off', null, false, false],
    ['local', null, false, false],
    ['remote_write', 'write', true, true],
    ['on', 'flush', true, true],
    ['remote_apply', 'apply', true, true],
  ] as const)('%s: waits for %s', (level: SynchronousCommit, waitsFor, commitsWait, commitsStall) => {
    const p = predict({ synchronousStandbyNames: 'ANY 1 (s1)', synchronousCommit: level, standbys: [] });
    expect(p.waitsFor).toBe(waitsFor);
    expect(p.commitsWait).toBe(commitsWait);
    expect(p.commitsStall).toBe(commitsStall);
    expect(p.warnings).toHaveLength(commitsStall ? 1 : 0);
  });

  it("defaults to 'on' (flush)", () => {
    expect(predict({ synchronousStandbyNames: 's1', standbys: [{ name: 's1' }] })).toEqual({
      method: 'first',
      required: 1,
      waitsFor: 'flush',
      commitsWait: true,
      commitsStall: false,
      candidates: ['s1'],
      syncSet: ['s1'],
      standbys: [{ name: 's1', state: 'streaming', syncPriority: 1, syncState: 'sync' }],
      warnings: [],
    });
  });

  it('an empty setting never waits, whatever synchronous_commit says', () => {
    expect(predict({ synchronousStandbyNames: '', synchronousCommit: 'remote_apply', standbys: [{ name: 's1' }] })).toEqual({
      method: 'async',
      required: 0,
      waitsFor: null,
      commitsWait: false,
      commitsStall: false,
      candidates: [],
      syncSet: [],
      standbys: [{ name: 's1', state: 'streaming', syncPriority: 0, syncState: 'async' }],
      warnings: [],
    });
  });
});

describe('walsender slots (InitWalSenderSlot, WalSndKill)', () => {
  it('a starting standby takes the lowest free slot; stopping frees only its own', () => {
    let slots = connectWalSender(connectWalSender(connectWalSender([], 's1'), 's2'), 's3');
    expect(slots).toEqual(['s1', 's2', 's3']);
    slots = disconnectWalSender(slots, 's1');
    expect(slots).toEqual([null, 's2', 's3']);
    expect(walSenderOrder(slots)).toEqual(['s2', 's3']);
    slots = connectWalSender(slots, 's4');
    expect(walSenderOrder(slots)).toEqual(['s4', 's2', 's3']);
    expect(disconnectWalSender(slots, 'nobody')).toEqual(['s4', 's2', 's3']);
  });
  it('does not modify its argument', () => {
    const slots: (string | null)[] = [null, 's2'];
    connectWalSender(slots, 's1');
    disconnectWalSender(slots, 's2');
    expect(slots).toEqual([null, 's2']);
  });
});

describe('formatSyncRows', () => {
  it("orders by application_name like 007's ORDER BY and joins with newlines", () => {
    const p = predict({ synchronousStandbyNames: 'FIRST 1 (b, a)', standbys: [{ name: 'b' }, { name: 'c' }, { name: 'a' }] });
    expect(formatSyncRows(p)).toBe('a|2|potential\nb|1|sync\nc|0|async');
    expect(formatSyncRows(predict({ synchronousStandbyNames: '', standbys: [] }))).toBe('');
    const reversed = predict({ synchronousStandbyNames: '*', standbys: ['s5', 's4', 's3', 's2', 's1'].map((name) => ({ name })) });
    expect(formatSyncRows(reversed)).toBe('s1|1|potential\ns2|1|potential\ns3|1|potential\ns4|1|potential\ns5|1|sync');
    const shuffled = predict({ synchronousStandbyNames: '', standbys: ['s3', 's1', 's4', 's2', 's5'].map((name) => ({ name })) });
    expect(formatSyncRows(shuffled)).toBe('s1|0|async\ns2|0|async\ns3|0|async\ns4|0|async\ns5|0|async');
  });
});
