import { describe, expect, it } from 'vitest';
import { parseSyncStandbyNames } from '../model/sync-standby-names.ts';
import { byAdvancement, settingAfterPromotion, swapName, type StandbyPosition } from './sync-policy.ts';

describe('byAdvancement (write-up 000 §11: promote the largest receive LSN, then the largest replay LSN)', () => {
  const pos = (name: string, receiveLsn: string | null, replayLsn: string | null): StandbyPosition => ({ name, receiveLsn, replayLsn });
  it('puts the largest receive LSN first', () => {
    expect([pos('s1', '0/5000000', '0/5000000'), pos('s2', '0/6000000', '0/4000000')].sort(byAdvancement)[0]!.name).toBe('s2');
  });
  it('breaks a receive tie by the replay LSN', () => {
    expect([pos('s1', '57/60000098', '57/50000000'), pos('s2', '57/60000098', '57/60000098')].sort(byAdvancement)[0]!.name).toBe('s2');
  });
  it('puts a standby that never streamed last', () => {
    expect([pos('s1', null, null), pos('s2', '0/3000000', '0/3000000')].sort(byAdvancement).map((p) => p.name)).toEqual(['s2', 's1']);
  });
});

describe('swapName (the default afterPromotion policy)', () => {
  /** The swapped setting's text, checked to parse back to the same setting. */
  const swap = (setting: string, from: string, to: string): string => {
    const out = swapName(parseSyncStandbyNames(setting), from, to);
    expect(parseSyncStandbyNames(out.text)).toEqual(out);
    return out.text;
  };
  it("puts the old primary's name where the promoted standby's was, keeping method, number and the other names", () => {
    expect(swap('FIRST 1 (s1, s2)', 's1', 'primary')).toBe('FIRST 1 (primary, s2)');
    expect(swap('ANY 2 (s1, s2, s3)', 's2', 'primary')).toBe('ANY 2 (s1, primary, s3)');
    expect(swap('s1, s2', 's2', 'primary')).toBe('FIRST 1 (s1, primary)');
  });
  it('matches names as PostgreSQL does, case-insensitively, and quotes what needs it', () => {
    expect(swap('FIRST 1 (S1, s2)', 's1', 'primary')).toBe('FIRST 1 (primary, s2)');
    expect(swap('FIRST 1 (s1, "Node-2")', 's1', 'Any')).toBe('FIRST 1 ("Any", "Node-2")');
  });
  it('leaves alone a setting that does not name the promoted standby, `*`, and async', () => {
    expect(swap('2 (*)', 's1', 'primary')).toBe('2 (*)');
    expect(swap('FIRST 1 (s2)', 's1', 'primary')).toBe('FIRST 1 (s2)');
    expect(swap('', 's1', 'primary')).toBe('');
  });
});

describe('settingAfterPromotion', () => {
  const any1 = parseSyncStandbyNames('ANY 1 (s1, s2)');
  it('swaps, keeps, or takes the given setting', () => {
    expect(settingAfterPromotion('swap', any1, 's1', 'primary').text).toBe('ANY 1 (primary, s2)');
    expect(settingAfterPromotion('same', any1, 's1', 'primary')).toBe(any1);
    const own = parseSyncStandbyNames('FIRST 1 (s2)');
    expect(settingAfterPromotion({ setting: own }, any1, 's1', 'primary')).toBe(own);
  });
});
