import { describe, expect, it } from 'vitest';
import { verdictValue } from './verdict.ts';

describe('verdictValue', () => {
  it('is true for passed, false for failed, null for unknown', () => {
    expect(verdictValue({ status: 'passed' })).toBe(true);
    expect(verdictValue({ status: 'failed' })).toBe(false);
    expect(verdictValue({ status: 'unknown' })).toBeNull();
  });
});
