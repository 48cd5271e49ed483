import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import type { Fault, FaultKind, FaultTarget, Schedule } from '../../history/fault.ts';
import { validateSchedule } from './validate.ts';

/** Faults one after another, starting 10 s apart, each lasting `durations[i]` (default 1.5 s). */
function sequential(faults: Fault[], durations: number[] = []): Schedule {
  const scheduled = faults.map((f, id) => ({ id, atMs: 1000 + 10_000 * id, durationMs: durations[id] ?? 1500, ...f }));
  return { seed: 9, durationMs: 1000 + 10_000 * faults.length, recoveryMs: 30_000, faults: scheduled };
}

const plain = (kind: FaultKind, target: FaultTarget = 'primary'): Fault => ({ kind, target });

describe('validateSchedule', () => {
  const base = (): Schedule =>
    sequential([
      plain('crash-host-loud'),
      { kind: 'packet-loss', target: { standby: 0 }, params: { rate: 0.2 } },
      plain('pause-replay', { standby: 1 }),
    ]);

  it('accepts a valid schedule and sorts its faults by atMs, then id', () => {
    const s = base();
    const shuffled = { ...s, faults: [s.faults[2], s.faults[0], s.faults[1]] };
    expect(validateSchedule(JSON.parse(JSON.stringify(shuffled)))).toEqual(s);
  });

  const bad: [string, (s: Schedule & Record<string, unknown>) => unknown, RegExp][] = [
    ['a rate above 1', (s) => (s.faults[1]!.params!.rate = 1.5), /faults\[1\]\.params\.rate 1\.5: expected a fraction from 0 to 1/],
    [
      'an unknown kind',
      (s) => ((s.faults[0] as unknown as { kind: string }).kind = 'reboot'),
      /faults\[0\]\.kind "reboot": expected a fault kind: crash-host-loud, /,
    ],
    ['a negative standby', (s) => (s.faults[2]!.target = { standby: -1 }), /faults\[2\]\.target\.standby -1: expected a standby index/],
    [
      'a malformed target',
      (s) => ((s.faults[0] as unknown as { target: unknown }).target = 'leader'),
      /faults\[0\]\.target "leader": expected "primary", \{ "standby": i \} or \{ "node": "name" \}/,
    ],
    [
      'a fault in the recovery window',
      (s) => (s.faults[2]!.durationMs = 20_000),
      /faults\[2\]\.durationMs 20000: heals at 41000 ms, after the fault phase ends \(durationMs 31000\)/,
    ],
    [
      'a fault starting after the phase',
      (s) => (s.faults[2]!.atMs = 31_000),
      /faults\[2\]\.atMs 31000: starts at or after the fault phase ends/,
    ],
    ['a fractional time', (s) => (s.faults[0]!.atMs = 0.5), /faults\[0\]\.atMs 0\.5: expected whole ms from 0/],
    [
      'a standby kind on the primary',
      (s) => (s.faults[2]!.target = 'primary'),
      /faults\[2\]\.target "primary": pause-replay acts on a standby's replication/,
    ],
    [
      'a missing parameter',
      (s) => delete s.faults[1]!.params,
      /faults\[1\]\.params\.rate \(missing\): packet-loss needs a fraction from 0 to 1/,
    ],
    [
      'a parameter of another kind',
      (s) => (s.faults[0]!.params = { kbit: 64 }),
      /faults\[0\]\.params\.kbit 64: crash-host-loud takes no kbit/,
    ],
    [
      'one-way-loss to its own target',
      (s) => (s.faults[0] = { ...s.faults[0]!, kind: 'one-way-loss', params: { to: 'primary' } }),
      /faults\[0\]\.params\.to "primary": expected a target other than the fault's own/,
    ],
    [
      'a split naming a node twice',
      (s) => (s.faults[0] = { ...s.faults[0]!, kind: 'split', params: { groups: [['primary', { standby: 0 }], [{ standby: 0 }]] } }),
      /faults\[0\]\.params\.groups\[1\]\[0\] \{"standby":0\}: named twice/,
    ],
    [
      'a split with one group',
      (s) => (s.faults[0] = { ...s.faults[0]!, kind: 'split', params: { groups: [['primary']] } }),
      /faults\[0\]\.params\.groups \[\["primary"\]\]: expected two or more non-empty groups/,
    ],
    ['two ids alike', (s) => (s.faults[2]!.id = 0), /faults\[2\]\.id 0: already the id of faults\[0\]/],
    [
      'two faults on one target at once',
      (s) => ((s.faults[0]!.target = { standby: 0 }), (s.faults[1]!.atMs = 2000)),
      /faults\[1\]\.target \{"standby":0\}: hits standby 0, which faults\[0\] \(id 0\) holds from 1000 to 2500 ms/,
    ],
    [
      'an unknown field',
      (s) => ((s.faults[1] as unknown as Record<string, unknown>).durationMS = 5),
      /faults\[1\]\.durationMS 5: unknown field/,
    ],
    ['a seed beyond 32 bits', (s) => (s.seed = 2 ** 32), /^invalid schedule:\n {2}seed 4294967296: expected a 32-bit unsigned integer/],
    ['a missing field', (s) => delete (s as Partial<Schedule>).recoveryMs, /recoveryMs \(missing\): expected whole ms from 0/],
  ];
  it.each(bad)('rejects %s, naming the path and value', (_, spoil, message) => {
    const s = base() as Schedule & Record<string, unknown>;
    spoil(s);
    expect(() => validateSchedule(s)).toThrow(ConfigError);
    expect(() => validateSchedule(s)).toThrow(message);
  });

  it('rejects faults sharing a target at once, naming both', () => {
    const s = sequential([
      plain('freeze-host', { standby: 0 }),
      { kind: 'split', target: 'primary', params: { groups: [['primary'], [{ standby: 0 }]] } },
    ]);
    s.faults[1]!.atMs = s.faults[0]!.atMs + s.faults[0]!.durationMs; // touching counts: heal and injection would race
    expect(() => validateSchedule(s)).toThrow(
      /faults\[1\]\.params\.groups .*: hits standby 0, which faults\[0\] \(id 0\) holds from 1000 to 2500 ms/,
    );
    s.faults[1]!.atMs += 100;
    expect(validateSchedule(s).faults).toHaveLength(2);
  });

  it('rejects what is not a schedule', () => {
    expect(() => validateSchedule(null)).toThrow(/schedule null: expected an object with seed, durationMs, recoveryMs and faults/);
    expect(() => validateSchedule({ seed: 1, durationMs: 1, recoveryMs: 0, faults: {} })).toThrow(
      /faults \{\}: expected an array of faults/,
    );
  });
});
