import { describe, expect, it } from 'vitest';
import type { NodeHash } from '../load/history.ts';
import { checkRowHashes } from './row-hash.ts';

const node = (name: string, rows = 5000, rowsHash = '123456789'): NodeHash => ({ node: name, lsn: '0/3000060', rows, rowsHash, ledgerRows: rows / 1000, ledgerHash: '42' });

describe('checkRowHashes', () => {
  it('passes when every node has the same counts and hashes', () => {
    expect(checkRowHashes([node('primary'), node('s1'), node('s2')]).status).toBe('passed');
  });
  it('fails when a node has fewer rows', () => {
    const v = checkRowHashes([node('primary'), node('s1', 4000), node('s2')]);
    expect(v.status).toBe('failed');
    expect(v.evidence.distinct).toBe(2);
  });
  it('fails when counts agree but the contents differ', () => {
    expect(checkRowHashes([node('primary'), node('s1', 5000, '-987')]).status).toBe('failed');
  });
  it('fails with a single node: nothing was compared', () => {
    expect(checkRowHashes([node('primary')]).status).toBe('failed');
  });
});
