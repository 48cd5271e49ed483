import { describe, expect, it } from 'vitest';
import { builtinView } from './builtin-view.ts';

const reading = {
  lsn: '0/3000100',
  timeline: 2,
  senders: [{ name: 's1', state: 'streaming', syncState: 'quorum', flushLsn: '0/3000000' }],
};

describe('builtinView', () => {
  it('reads the primary, each streaming standby with its lag in bytes, and one not streaming', () => {
    const v = builtinView({ t: 1500, primary: 'primary', standbys: ['s1', 's2'], fenced: [], reading });
    expect(v.primary).toBe('primary');
    expect(v.rows).toEqual([
      { node: 'primary', role: 'primary', state: 'primary running', timeline: 2, lsn: '0/3000100', lagBytes: 0 },
      { node: 's1', role: 'standby', state: 'standby streaming quorum', timeline: null, lsn: '0/3000000', lagBytes: 256 },
      { node: 's2', role: 'standby', state: 'standby, not streaming', timeline: null, lsn: null, lagBytes: null },
    ]);
    expect(v.error).toBeUndefined();
    expect(v.raw).toContain('built-in operator: primary primary');
    expect(v.raw).toMatch(/\| s1 +\| standby \| standby streaming quorum \| +\| 0\/3000000 \| 256 +\|/);
  });

  it('a fenced primary (mid-failover) leaves no primary; a fenced standby is out', () => {
    const v = builtinView({ t: 0, primary: 'primary', standbys: ['s1', 's2'], fenced: ['primary', 's2'], reading });
    expect(v.primary).toBeNull();
    expect(v.rows.map((r) => [r.node, r.role, r.state])).toEqual([
      ['primary', 'out', 'fenced (was primary)'],
      ['s1', 'standby', 'standby streaming quorum'],
      ['s2', 'out', 'fenced'],
    ]);
    expect(v.raw).toContain('primary none (failing over)');
  });

  it('a primary that does not answer: the error, and standbys unknown', () => {
    const v = builtinView({ t: 0, primary: 's1', standbys: ['primary', 's2'], fenced: [], reading: { error: 'timed out after 2000 ms' } });
    expect(v.error).toBe('timed out after 2000 ms');
    expect(v.rows[0]).toMatchObject({ role: 'primary', state: 'primary, no answer', lsn: null });
    expect(v.rows.slice(1).map((r) => r.state)).toEqual(['standby, unknown', 'standby, unknown']);
    expect(v.raw).toContain('the primary did not answer: timed out after 2000 ms');
  });
});
