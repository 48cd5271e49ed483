import { describe, expect, it } from 'vitest';
import type { NodeHash } from '../history/samples.ts';
import { checkRowHashes } from './row-hash.ts';

const node = (name: string, rows = 5000, rowsHash = '123456789', ledgerHash = '42'): NodeHash => ({
  node: name,
  lsn: '0/3000060',
  rows,
  rowsHash,
  ledgerRows: rows / 1000,
  ledgerHash,
});

describe('checkRowHashes', () => {
  it('passes when every node has the same counts and hashes', () => {
    const nodes = [node('primary'), node('s1'), node('s2')];
    const v = checkRowHashes(nodes);
    expect(v.check).toBe('row hashes agree');
    expect(v.status).toBe('passed');
    expect(v.evidence).toEqual({ nodes, distinct: 1 });
  });
  it('passes with exactly two nodes that agree', () => {
    expect(checkRowHashes([node('primary'), node('s1')]).status).toBe('passed');
  });
  it('fails when a node has fewer rows', () => {
    const v = checkRowHashes([node('primary'), node('s1', 4000), node('s2')]);
    expect(v.status).toBe('failed');
    expect(v.evidence.distinct).toBe(2);
  });
  it('fails when counts agree but the contents differ', () => {
    expect(checkRowHashes([node('primary'), node('s1', 5000, '-987')]).status).toBe('failed');
    expect(checkRowHashes([node('primary'), node('s1', 5000, '123456789', '43')]).status).toBe('failed');
  });
  it('fails when one node is empty and another is not', () => {
    expect(checkRowHashes([node('primary', 0, '0', '0'), node('s1')]).status).toBe('failed');
    expect(checkRowHashes([node('primary'), node('s1', 0, '0', '0')]).status).toBe('failed');
  });
  it('is unknown with fewer than two nodes: nothing was compared', () => {
    for (const nodes of [[node('primary')], []]) {
      const v = checkRowHashes(nodes);
      expect(v.status).toBe('unknown');
      expect(v.summary).toContain('nothing to compare');
    }
  });
  it('is unknown when every node has 0 rows: empty tables agree whatever happened', () => {
    const v = checkRowHashes([node('primary', 0, '0', '0'), node('s1', 0, '0', '0')]);
    expect(v.status).toBe('unknown');
    expect(v.evidence.distinct).toBe(1);
    expect(v.summary).toContain('every node has 0 rows');
  });
});
