import { describe, expect, it } from 'vitest';
import { patroniSyncNamesProblem } from './sync-names.ts';

describe('patroniSyncNamesProblem', () => {
  const rule = { strict: false, nodeCount: 1, candidates: ['s1', 's2'] };
  it('accepts one candidate, bare, and refuses a non-candidate or an empty setting while a replica streams', () => {
    expect(patroniSyncNamesProblem('s2', rule)).toBeUndefined();
    expect(patroniSyncNamesProblem('pg0', rule)).toBe("Patroni picks 1 of s1, s2 as one bare name, found 'pg0'");
    expect(patroniSyncNamesProblem('', rule)).toMatch(/found ''/);
  });
  it("with no replica: '' without strict (standalone), '*' with strict", () => {
    expect(patroniSyncNamesProblem('', { ...rule, candidates: [] })).toBeUndefined();
    expect(patroniSyncNamesProblem('*', { ...rule, candidates: [] })).toMatch(/writes '' \(standalone/);
    expect(patroniSyncNamesProblem('*', { ...rule, strict: true, candidates: [] })).toBeUndefined();
    expect(patroniSyncNamesProblem('', { ...rule, strict: true, candidates: [] })).toMatch(/writes '\*'/);
  });
  it('with synchronous_node_count 2: N (a,b), as many as there are candidates', () => {
    expect(patroniSyncNamesProblem('2 (s1,s2)', { ...rule, nodeCount: 2 })).toBeUndefined();
    expect(patroniSyncNamesProblem('s1', { ...rule, nodeCount: 2 })).toMatch(/picks 2 of s1, s2/);
    expect(patroniSyncNamesProblem('s1', { ...rule, nodeCount: 2, candidates: ['s1'] })).toBeUndefined();
  });
});
