import { describe, expect, it } from 'vitest';
import { compareLsn, lsnDiff, lsnToBigInt } from './lsn.ts';

describe('lsn', () => {
  it('reads both halves as pg_lsn does', () => {
    expect(lsnToBigInt('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(lsnDiff('1/0', '0/FFFFFFFF')).toBe(1n);
  });
  it('orders positions', () => {
    expect(compareLsn('57/60000098', '57/60000028')).toBe(1);
    expect(compareLsn('0/3000000', '0/3000000')).toBe(0);
    expect(compareLsn('0/3', '1/0')).toBe(-1);
  });
  it('rejects text that is not an LSN', () => {
    expect(() => lsnToBigInt('57-60000098')).toThrow(TypeError);
  });
});
