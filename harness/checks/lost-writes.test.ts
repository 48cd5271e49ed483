import { describe, expect, it } from 'vitest';
import type { Batch, Outcome, PresentBatch } from '../history/samples.ts';
import { checkNoAckedLost } from './lost-writes.ts';

const batch = (client: number, seq: number, outcome: Outcome): Batch => ({ client, seq, node: 'primary', startT: 0, endT: 1, outcome });
const present = (client: number, seq: number, rows: number | null = 1000, ledgerRows: number | null = 1000): PresentBatch => ({
  client,
  seq,
  ledgerRows,
  rows,
});
const ledger = [batch(1, 1, 'acked'), batch(1, 2, 'acked'), batch(2, 1, 'acked'), batch(2, 2, 'unknown'), batch(2, 3, 'failed')];
const whole = [present(1, 1), present(1, 2), present(2, 1)];

describe('checkNoAckedLost', () => {
  it('passes when every acked batch is present; an unknown one may be present or not', () => {
    const v = checkNoAckedLost('primary', ledger, [...whole, present(2, 2)]);
    expect(v.check).toBe('no acknowledged commit lost');
    expect(v.status).toBe('passed');
    expect(v.evidence).toEqual({
      node: 'primary',
      ackedBatches: 3,
      lostAcked: 0,
      lost: [],
      unknownOutcome: 1,
      unknownPresent: 1,
      unexpected: [],
      partial: [],
    });
    const without = checkNoAckedLost('primary', ledger, whole);
    expect(without.status).toBe('passed');
    expect(without.evidence).toMatchObject({ unknownOutcome: 1, unknownPresent: 0 });
  });
  it('fails and lists the acked batch that is missing', () => {
    const v = checkNoAckedLost('primary', ledger, [present(1, 1), present(2, 1)]);
    expect(v.status).toBe('failed');
    expect(v.evidence.lostAcked).toBe(1);
    expect(v.evidence.lost).toEqual(['1:2']);
  });
  it('fails on a batch that was never acked nor unknown (a failed one that committed, or a phantom)', () => {
    const v = checkNoAckedLost('primary', ledger, [...whole, present(2, 3), present(9, 9)]);
    expect(v.status).toBe('failed');
    expect(v.evidence.unexpected).toEqual(['2:3', '9:9']);
    expect(v.evidence.unexpectedErrors).toBeUndefined(); // the failed batch 2:3 carries no error text here
  });
  it('names what the client was told for each failed-yet-committed batch, most frequent first', () => {
    const told = (seq: number, error: string): Batch => ({ ...batch(3, seq, 'failed'), error });
    const fatal = 'XX000 unable to read message kind';
    const v = checkNoAckedLost(
      'primary',
      [...ledger, told(1, fatal), told(2, fatal), told(3, '40001 could not serialize')],
      [...whole, present(3, 1), present(3, 2), present(3, 3)],
    );
    expect(v.status).toBe('failed');
    expect(v.evidence.unexpectedErrors).toEqual([
      { error: fatal, batches: 2 },
      { error: '40001 could not serialize', batches: 1 },
    ]);
    expect(v.summary).toMatch(/3 unexpected \(the client was told "XX000 unable to read message kind"\)/);
  });
  it('fails on a batch present only in part: fewer rows than its ledger says, rows without ledger, ledger without rows', () => {
    for (const [rows, ledgerRows] of [
      [999, 1000],
      [1000, null],
      [null, 1000],
      [null, null],
    ] as const) {
      const v = checkNoAckedLost('primary', ledger, [present(1, 1), present(1, 2), present(2, 1, rows, ledgerRows)]);
      expect(v.status, `rows ${rows}, ledger ${ledgerRows}`).toBe('failed');
      expect(v.evidence.partial).toEqual(['2:1']);
      expect(v.evidence.lost).toEqual([]);
    }
  });
  it('is unknown when no batch was acknowledged (nothing could be lost), and says so', () => {
    for (const batches of [[], [batch(1, 1, 'unknown'), batch(1, 2, 'failed')]]) {
      const v = checkNoAckedLost('primary', batches, []);
      expect(v.status).toBe('unknown');
      expect(v.evidence.ackedBatches).toBe(0);
      expect(v.summary).toContain('no acknowledged batch');
    }
    expect(checkNoAckedLost('primary', [batch(1, 1, 'unknown')], [present(1, 1)]).status).toBe('unknown');
  });
  it('fails rather than unknown when nothing was acknowledged but the node holds a phantom or a partial batch', () => {
    expect(checkNoAckedLost('primary', [], [present(9, 9)]).status).toBe('failed');
    expect(checkNoAckedLost('primary', [batch(1, 1, 'unknown')], [present(1, 1, 999)]).status).toBe('failed');
  });
  it('counts everything but lists the first 100 of each kind', () => {
    const many = Array.from({ length: 101 }, (_, i) => i + 1);
    const v = checkNoAckedLost(
      'primary',
      many.map((seq) => batch(1, seq, 'acked')),
      many.map((seq) => present(2, seq, 1, 2)),
    );
    expect(v.evidence.lostAcked).toBe(101);
    expect(v.evidence.lost).toHaveLength(100);
    expect(v.evidence.unexpected).toHaveLength(100);
    expect(v.evidence.partial).toHaveLength(100);
    expect(v.evidence.lost[99]).toBe('1:100');
  });
});
