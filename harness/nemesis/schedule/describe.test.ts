import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../history/fault.ts';
import { describeSchedule } from './describe.ts';

describe('describeSchedule', () => {
  it('gives a head line and one aligned line per fault', () => {
    const s: Schedule = {
      seed: 42,
      durationMs: 120_000,
      recoveryMs: 30_000,
      faults: [
        { id: 0, atMs: 2300, durationMs: 12_000, kind: 'crash-host-silent', target: 'primary' },
        { id: 3, atMs: 12_300, durationMs: 4000, kind: 'packet-loss', target: { standby: 1 }, params: { rate: 0.25 } },
      ],
    };
    expect(describeSchedule(s)).toBe(
      [
        'seed 42: 2 faults over 120 s, then 30 s of recovery',
        '   +2.3 s  for 12.0 s  crash-host-silent primary  #0',
        '  +12.3 s  for  4.0 s  packet-loss standby 1 25 %  #3',
      ].join('\n'),
    );
    expect(describeSchedule({ ...s, recoveryMs: 500, faults: [] })).toBe('seed 42: 0 faults over 120 s, then 0.5 s of recovery');
    expect(describeSchedule({ ...s, faults: s.faults.slice(1) })).toMatch(/^seed 42: 1 fault over/);
  });
});
