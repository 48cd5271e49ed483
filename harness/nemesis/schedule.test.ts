import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { FAULT_KINDS, type Fault, type FaultKind, type FaultTarget, type Schedule, type ScheduledFault } from '../history/fault.ts';
import { describeSchedule, generateSchedule, type ScheduleLimits, shrinkSchedule, type ShrinkStep, validateSchedule } from './schedule.ts';

const LIMITS: ScheduleLimits = {
  kinds: FAULT_KINDS,
  standbys: 2,
  durationMs: 120_000,
  recoveryMs: 30_000,
  maxConcurrent: 2,
  minFaultMs: 1000,
  maxFaultMs: 10_000,
};

// The test's own statement of the rules, independent of schedule.ts's.
const STANDBY_ONLY: FaultKind[] = ['kill-walreceiver', 'pause-replay', 'kill-walsender'];
const end = (f: ScheduledFault) => f.atMs + f.durationMs;
const overlapping = (a: ScheduledFault, b: ScheduledFault) => a.atMs <= end(b) && b.atMs <= end(a);
const named = (f: Fault): string[] =>
  [f.target, ...(f.params?.to ? [f.params.to] : []), ...(f.params?.groups?.flat() ?? [])].map((t) => JSON.stringify(t));
const standbyIndex = (t: FaultTarget) => (typeof t === 'object' && 'standby' in t ? t.standby : undefined);

/** Every rule a generated schedule must keep; returns what broke, empty when nothing did. */
function broken(s: Schedule, l: ScheduleLimits): string[] {
  const out: string[] = [];
  const minGap = l.minGapMs ?? 1000;
  s.faults.forEach((f, i) => {
    const at = `fault ${f.id}`;
    if (f.id !== i) out.push(`${at}: id not its position ${i}`);
    if (f.atMs < 0 || end(f) > s.durationMs) out.push(`${at}: outside the fault phase`);
    if (f.durationMs < l.minFaultMs || f.durationMs > l.maxFaultMs) out.push(`${at}: duration ${f.durationMs} out of limits`);
    if (f.atMs % 100 !== 0 || f.durationMs % 100 !== 0) out.push(`${at}: off the 100 ms grid`);
    if (i > 0 && f.atMs - s.faults[i - 1]!.atMs < minGap) out.push(`${at}: closer than ${minGap} ms to the previous injection`);
    if (STANDBY_ONLY.includes(f.kind) && standbyIndex(f.target) === undefined) out.push(`${at}: ${f.kind} not on a standby`);
    for (const t of [f.target, ...(f.params?.to ? [f.params.to] : []), ...(f.params?.groups?.flat() ?? [])]) {
      const sb = standbyIndex(t);
      if (t !== 'primary' && (sb === undefined || sb < 0 || sb >= l.standbys))
        out.push(`${at}: target ${JSON.stringify(t)} is no role of the cluster`);
    }
    out.push(...paramsBroken(f).map((p) => `${at}: ${p}`));
    const concurrent = s.faults.filter((g) => g.atMs <= f.atMs && f.atMs <= end(g)).length;
    if (concurrent > l.maxConcurrent) out.push(`${at}: ${concurrent} faults at once`);
    for (const g of s.faults.slice(0, i)) {
      if (overlapping(f, g) && named(f).some((t) => named(g).includes(t)))
        out.push(`${at}: shares a target with fault ${g.id} while both hold`);
    }
  });
  if (l.maxFaults !== undefined && s.faults.length > l.maxFaults) out.push(`${s.faults.length} faults, above maxFaults`);
  return out;
}

function paramsBroken(f: Fault): string[] {
  const p = f.params;
  switch (f.kind) {
    case 'packet-loss':
      return p?.rate !== undefined && p.rate >= 0.05 && p.rate <= 0.5 && Math.round(p.rate * 100) / 100 === p.rate
        ? []
        : [`rate ${p?.rate}`];
    case 'bandwidth':
      return p?.kbit !== undefined && Number.isInteger(p.kbit) && p.kbit >= 64 && p.kbit <= 2048 ? [] : [`kbit ${p?.kbit}`];
    case 'one-way-loss':
      return p?.to !== undefined && JSON.stringify(p.to) !== JSON.stringify(f.target) ? [] : [`to ${JSON.stringify(p?.to)}`];
    case 'split': {
      const groups = p?.groups ?? [];
      const members = groups.flat().map((t) => JSON.stringify(t));
      const ok =
        groups.length === 2 &&
        groups.every((g) => g.length > 0) &&
        new Set(members).size === members.length &&
        members.includes('"primary"');
      return ok ? [] : [`groups ${JSON.stringify(groups)}`];
    }
    default:
      return p === undefined ? [] : [`params ${JSON.stringify(p)} on ${f.kind}`];
  }
}

describe('generateSchedule', () => {
  it('replays a seed: the same seed and limits give a deep-equal schedule', () => {
    expect(generateSchedule(42, LIMITS)).toEqual(generateSchedule(42, LIMITS));
  });

  it('draws different schedules from different seeds', () => {
    const texts = new Set(Array.from({ length: 50 }, (_, seed) => JSON.stringify(generateSchedule(seed, LIMITS).faults)));
    expect(texts.size).toBe(50);
  });

  it('keeps drawing what it drew: a seed recorded today replays the same faults after an upgrade', () => {
    // If this changes (e.g. a new pure-rand draws differently), seeds in old reports replay other faults.
    // The kinds as they were when this was recorded: a kind added since changes only draws that may pick it.
    const recorded = FAULT_KINDS.filter((k) => k !== 'wal-full');
    expect(generateSchedule(42, { ...LIMITS, kinds: recorded }).faults.slice(0, 3)).toEqual([
      { id: 0, atMs: 4400, durationMs: 8400, kind: 'crash-host-loud', target: { standby: 1 } },
      { id: 1, atMs: 8600, durationMs: 1300, kind: 'stop-immediate', target: 'primary' },
      { id: 2, atMs: 11_700, durationMs: 2700, kind: 'stop-fast', target: { standby: 0 } },
    ]);
  });

  const variants: [string, ScheduleLimits][] = [
    ['2 standbys, 2 at once', LIMITS],
    [
      '1 standby, 1 at once, short',
      { ...LIMITS, standbys: 1, maxConcurrent: 1, durationMs: 40_000, minFaultMs: 500, maxFaultMs: 5000, minGapMs: 0 },
    ],
    ['3 standbys, 3 at once, at most 6', { ...LIMITS, standbys: 3, maxConcurrent: 3, maxFaults: 6, minGapMs: 250 }],
    [
      'network only, off-grid limits',
      {
        ...LIMITS,
        kinds: ['split', 'one-way-loss', 'isolate', 'packet-loss', 'bandwidth'],
        durationMs: 60_050,
        minFaultMs: 1050,
        maxFaultMs: 7950,
      },
    ],
  ];
  it.each(variants)('keeps every limit over 200 seeds (%s) and validateSchedule accepts each', (_, limits) => {
    let faults = 0;
    for (let seed = 0; seed < 200; seed++) {
      const s = generateSchedule(seed, limits);
      expect(broken(s, limits), `seed ${seed}`).toEqual([]);
      expect([s.seed, s.durationMs, s.recoveryMs]).toEqual([seed, limits.durationMs, limits.recoveryMs]);
      expect(validateSchedule(JSON.parse(JSON.stringify(s)))).toEqual(s);
      faults += s.faults.length;
    }
    expect(faults).toBeGreaterThan(200); // the rules were checked on something
  });

  it('draws every kind, and several faults at once when allowed', () => {
    const schedules = Array.from({ length: 200 }, (_, seed) => generateSchedule(seed, { ...LIMITS, maxConcurrent: 3 }));
    const kinds = new Set(schedules.flatMap((s) => s.faults.map((f) => f.kind)));
    expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort());
    const most = Math.max(
      ...schedules.flatMap((s) => s.faults.map((f) => s.faults.filter((g) => g.atMs <= f.atMs && f.atMs <= end(g)).length)),
    );
    expect(most).toBe(3);
  });

  it('stops at maxFaults', () => {
    expect(generateSchedule(7, { ...LIMITS, maxFaults: 2 }).faults).toHaveLength(2);
    expect(generateSchedule(7, { ...LIMITS, maxFaults: 0 }).faults).toEqual([]);
  });

  it.each([-1, 1.5, 2 ** 32, Number.NaN])('rejects seed %s with the fix', (seed) => {
    expect(() => generateSchedule(seed, LIMITS)).toThrow(
      new RangeError(`seed ${seed} is not a 32-bit unsigned integer: pass a whole number from 0 to 4294967295 (e.g. \`seed >>> 0\`).`),
    );
  });

  it('accepts the largest 32-bit seed', () => {
    expect(generateSchedule(2 ** 32 - 1, LIMITS).seed).toBe(2 ** 32 - 1);
  });

  const badLimits: [string, Partial<ScheduleLimits>, RegExp][] = [
    ['no kinds', { kinds: [] }, /^limits\.kinds is empty: name at least one fault kind/],
    [
      'an unknown kind',
      { kinds: ['crash-host-loud', 'reboot' as FaultKind] },
      /^limits\.kinds has "reboot", which is no fault kind: use one of crash-host-loud/,
    ],
    [
      'a standby kind without standbys',
      { standbys: 0, kinds: ['isolate', 'pause-replay'] },
      /^limits\.kinds has pause-replay, which needs a standby, but limits\.standbys is 0: add a standby or drop the kind\.$/,
    ],
    ['maxConcurrent 0', { maxConcurrent: 0 }, /^limits\.maxConcurrent 0 is out of range: pass a whole number from 1\.$/],
    [
      'maxFaultMs above durationMs',
      { maxFaultMs: 200_000 },
      /^limits\.maxFaultMs 200000 exceeds limits\.durationMs 120000: .*lower maxFaultMs or raise durationMs\.$/,
    ],
    [
      'no duration on the grid',
      { minFaultMs: 1010, maxFaultMs: 1090 },
      /^limits\.minFaultMs\.\.maxFaultMs \(1010\.\.1090 ms\) holds no multiple of 100 ms/,
    ],
    ['a fractional duration', { durationMs: 1.5 }, /^limits\.durationMs 1\.5 is out of range/],
    ['a negative gap', { minGapMs: -1 }, /^limits\.minGapMs -1 is out of range/],
  ];
  it.each(badLimits)('rejects limits with %s', (_, change, message) => {
    expect(() => generateSchedule(1, { ...LIMITS, ...change })).toThrow(RangeError);
    expect(() => generateSchedule(1, { ...LIMITS, ...change })).toThrow(message);
  });
});

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

describe('shrinkSchedule', () => {
  // 16 faults; only pause-replay (id 5) and packet-loss (id 11) matter to the fake failure.
  const kinds: FaultKind[] = ['crash-host-loud', 'stop-fast', 'freeze-host', 'isolate', 'kill9-postmaster'];
  const big = sequential(
    Array.from(
      { length: 16 },
      (_, i): Fault =>
        i === 5
          ? plain('pause-replay', { standby: 0 })
          : i === 11
            ? { kind: 'packet-loss', target: 'primary', params: { rate: 0.3 } }
            : plain(kinds[i % kinds.length]!),
    ),
  );
  const hasBoth = (s: Schedule) => s.faults.some((f) => f.kind === 'pause-replay') && s.faults.some((f) => f.kind === 'packet-loss');

  /** A fake `stillFails` that records every candidate it is asked about. */
  function recorder(fails: (s: Schedule) => boolean) {
    const seen: Schedule[] = [];
    const predicate = async (s: Schedule) => {
      seen.push(structuredClone(s));
      return fails(s);
    };
    return { seen, predicate, keys: () => seen.map((s) => JSON.stringify(s)) };
  }

  it('cuts a failing schedule down to the two faults that matter, ids kept', async () => {
    const r = recorder(hasBoth);
    const steps: ShrinkStep[] = [];
    const result = await shrinkSchedule(big, r.predicate, { onStep: (step) => steps.push(step) });
    expect(result.schedule.faults.map((f) => [f.id, f.kind])).toEqual([
      [5, 'pause-replay'],
      [11, 'packet-loss'],
    ]);
    expect(result.schedule.faults.map((f) => f.atMs)).toEqual([big.faults[5]!.atMs, big.faults[11]!.atMs]);
    expect([result.exhausted, result.runs, result.steps.length]).toEqual([false, r.seen.length, r.seen.length]);
    expect(result.runs).toBeLessThanOrEqual(30);
    expect(steps).toEqual(result.steps);
    expect(result.steps.map((s) => s.failed)).toEqual(r.seen.map(hasBoth));
    expect(new Set(r.keys()).size).toBe(r.seen.length); // no candidate tried twice
    expect(r.keys()).not.toContain(JSON.stringify(big)); // nor the original
    for (const candidate of r.seen) expect(() => validateSchedule(candidate)).not.toThrow();
    expect([result.schedule.seed, result.schedule.durationMs, result.schedule.recoveryMs]).toEqual([
      big.seed,
      big.durationMs,
      big.recoveryMs,
    ]);
  });

  it('removes halves first, then quarters, … then single faults, in a fixed order', async () => {
    const r = recorder(hasBoth);
    const result = await shrinkSchedule(big, r.predicate);
    const removals = result.steps.flatMap((s) => (s.action === 'remove' ? [`${s.failed ? 'removed' : 'kept'} ${s.ids.join(',')}`] : []));
    // ddmin: after a removal that still fails, the granularity n drops to max(n - 1, 2); a
    // candidate equal to one already tried (e.g. removing 4..7 from 4..15) is skipped, not rerun.
    expect(removals).toEqual([
      'kept 0,1,2,3,4,5,6,7',
      'kept 8,9,10,11,12,13,14,15',
      'removed 0,1,2,3',
      'kept 8,9,10,11',
      'removed 12,13,14,15',
      'kept 4,5,6,7',
      'kept 8,9,10,11',
      'kept 4,5',
      'removed 6,7',
      'removed 8,9',
      'kept 4,5',
      'kept 10,11',
      'removed 4',
      'removed 10',
      'kept 5',
      'kept 11',
    ]);
    expect((await shrinkSchedule(big, recorder(hasBoth).predicate)).steps).toEqual(result.steps);
  });

  it('halves durations while the schedule still fails, down to between 2 and 4 s', async () => {
    const s = sequential([plain('stop-fast'), plain('isolate'), plain('freeze-host'), plain('stop-immediate')], [1200, 9300, 1500, 7700]);
    const longOne = (c: Schedule) => c.faults.some((f) => f.durationMs >= 2000);
    const r = recorder(longOne);
    const result = await shrinkSchedule(s, r.predicate);
    expect(result.schedule.faults).toHaveLength(1);
    const [f] = result.schedule.faults;
    expect(f!.durationMs).toBeGreaterThanOrEqual(2000);
    expect(f!.durationMs).toBeLessThan(4000);
    expect(s.faults.find((g) => g.id === f!.id)).toMatchObject({ kind: f!.kind, atMs: f!.atMs });
    expect(result.steps.filter((step) => step.action === 'shorten' && step.failed).length).toBeGreaterThan(0);
    expect(new Set(r.keys()).size).toBe(r.seen.length);
  });

  it('never shortens a fault below 500 ms', async () => {
    const s = sequential([plain('stop-fast'), plain('isolate')], [4000, 900]);
    const result = await shrinkSchedule(s, async (c) => c.faults.length === 2);
    expect(result.schedule.faults.map((f) => f.durationMs)).toEqual([500, 500]);
    expect(result.steps.filter((step) => step.action === 'shorten').map((step) => (step.action === 'shorten' ? step.toMs : 0))).toEqual([
      2000, 1000, 500, 500,
    ]);
  });

  it('stops at the run budget and returns the smallest failing schedule so far', async () => {
    const r = recorder(hasBoth);
    const result = await shrinkSchedule(big, r.predicate, { maxRuns: 3 });
    expect([result.exhausted, result.runs, r.seen.length, result.steps.length]).toEqual([true, 3, 3, 3]);
    const lastFailing = r.seen.filter(hasBoth).at(-1);
    expect(lastFailing).toBeDefined();
    expect(result.schedule).toEqual(lastFailing);
    expect(result.schedule.faults.length).toBeLessThan(big.faults.length);
  });

  it('returns the original unchanged when no candidate fails', async () => {
    const s = sequential([
      plain('stop-fast'),
      plain('isolate'),
      plain('freeze-host', { standby: 1 }),
      plain('kill-walsender', { standby: 0 }),
    ]);
    const r = recorder(() => false);
    const result = await shrinkSchedule(s, r.predicate);
    expect(result.schedule).toEqual(
      sequential([plain('stop-fast'), plain('isolate'), plain('freeze-host', { standby: 1 }), plain('kill-walsender', { standby: 0 })]),
    );
    expect(result.exhausted).toBe(false);
    expect(result.runs).toBe(r.seen.length);
    expect(result.runs).toBeGreaterThan(0);
    expect(result.steps.every((step) => !step.failed)).toBe(true);
    expect(new Set(r.keys()).size).toBe(r.seen.length);
  });

  it('rejects a run budget that is not a whole number', async () => {
    await expect(shrinkSchedule(big, async () => true, { maxRuns: -1 })).rejects.toThrow(/^maxRuns -1 is out of range/);
  });
});

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
