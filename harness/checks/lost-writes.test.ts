import { describe, expect, it } from 'vitest';
import type { Batch, Outcome } from '../load/history.ts';
import type { PresentBatch } from '../load/history.ts';
import { checkNoAckedLost } from './lost-writes.ts';

const batch = (client: number, seq: number, outcome: Outcome): Batch => ({ client, seq, node: 'primary', startT: 0, endT: 1, outcome });
const present = (client: number, seq: number, rows = 1000): PresentBatch => ({ client, seq, ledgerRows: rows, rows });
const ledger = [batch(1, 1, 'acked'), batch(1, 2, 'acked'), batch(2, 1, 'acked'), batch(2, 2, 'unknown'), batch(2, 3, 'failed')];

describe('checkNoAckedLost', () => {
  it('passes when every acked batch is present; an unknown one may be present or not', () => {
    const v = checkNoAckedLost('primary', ledger, [present(1, 1), present(1, 2), present(2, 1), present(2, 2)]);
    expect(v.status).toBe('passed');
    expect(v.evidence).toMatchObject({ ackedBatches: 3, lostAcked: 0, unknownOutcome: 1, unknownPresent: 1 });
    expect(checkNoAckedLost('primary', ledger, [present(1, 1), present(1, 2), present(2, 1)]).status).toBe('passed');
  });
  it('fails and lists the acked batch that is missing', () => {
    const v = checkNoAckedLost('primary', ledger, [present(1, 1), present(2, 1)]);
    expect(v.status).toBe('failed');
    expect(v.evidence.lostAcked).toBe(1);
    expect(v.evidence.lost).toEqual(['1:2']);
  });
  it('fails on a batch that was never acked nor unknown (a failed one that committed, or a phantom)', () => {
    const v = checkNoAckedLost('primary', ledger, [present(1, 1), present(1, 2), present(2, 1), present(2, 3), present(9, 9)]);
    expect(v.status).toBe('failed');
    expect(v.evidence.unexpected).toEqual(['2:3', '9:9']);
  });
  it('fails on a batch present only in part', () => {
    const v = checkNoAckedLost('primary', ledger, [present(1, 1), present(1, 2), { client: 2, seq: 1, ledgerRows: 1000, rows: 999 }]);
    expect(v.status).toBe('failed');
    expect(v.evidence.partial).toEqual(['2:1']);
  });
});
