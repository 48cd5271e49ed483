import { expect, test } from 'vitest';
import { ConfigError } from '../errors.ts';
import { Recorder } from './recorder.ts';

test('heal turns a fault into the interval the report shades, and only an open fault can be healed', () => {
  const rec = new Recorder('story', 'scenarios/story.test.ts');
  const crash = { kind: 'crash-host-loud', target: { node: 's1' } } as const;
  const faultT = rec.fault(crash, { nodes: ['s1'], at: rec.clock.now(), inEffectFrom: rec.clock.now() });
  const other = rec.fault(
    { kind: 'stop-fast', target: { node: 's2' } },
    { nodes: ['s2'], at: rec.clock.now(), inEffectFrom: rec.clock.now() },
  );
  const healT = rec.heal(faultT, 'pg_ctl start s1');
  const fault = rec.events.find((e) => e.what === 'crash-host-loud s1')!;
  expect(fault).toMatchObject({ kind: 'fault', fault: crash, nodes: ['s1'], until: healT, healedBy: 'pg_ctl start s1' });
  expect(healT).toBeGreaterThanOrEqual(faultT);
  expect(rec.events.find((e) => e.what === 'stop-fast s2')!.until).toBeUndefined(); // never healed: lasts to the end
  expect(rec.events.at(-1)).toMatchObject({ kind: 'move', what: 'pg_ctl start s1' });
  expect(() => rec.heal(faultT, 'again')).toThrow(/no open fault/);
  expect(() => rec.heal(other + 12345, 'nothing there')).toThrow(/no open fault/);
});

test('a fault recorded once its injection is done counts from when the injection began, in time order', () => {
  const rec = new Recorder('story', 'scenarios/story.test.ts');
  const began = rec.clock.now();
  rec.move('promote s1'); // happened while pg_wal was being filled
  const faultT = rec.fault({ kind: 'wal-full', target: 'primary' }, { nodes: ['primary'], at: began, inEffectFrom: began + 2400 });
  expect(faultT).toBe(began);
  expect(rec.events[0]).toMatchObject({ t: began, inEffectFrom: began + 2400 });
  expect(rec.events.map((e) => e.what)).toEqual(['wal-full primary', 'promote s1']);
  expect(rec.heal(faultT, 'free pg_wal')).toBeGreaterThanOrEqual(began);
});

test('verdicts and metrics reach the hooks the scenario runner attaches (JUnit annotations)', () => {
  const rec = new Recorder('story', 'scenarios/story.test.ts');
  const seen: string[] = [];
  rec.onMetric = (k, v) => seen.push(`${k}=${String(v)}`);
  rec.onVerdict = (v) => seen.push(`${v.check}:${v.status}`);
  rec.metric('recoveryMs', 1200);
  rec.verdict({ id: 'recovered', check: 'recovered', status: 'passed', summary: 'ok', evidence: {} });
  expect(seen).toEqual(['recoveryMs=1200', 'recovered:passed']);
});

test('a fault left in effect on purpose says why, and can be neither healed nor left twice', () => {
  const rec = new Recorder('story', 'scenarios/story.test.ts');
  const faultT = rec.fault({ kind: 'crash-host-loud', target: 'primary' }, { nodes: ['primary'], at: 0, inEffectFrom: 0 });
  rec.lastsToEnd(faultT, 'the old primary stays down: the story is about the standbys');
  expect(rec.events[0]).toMatchObject({ lastsToEnd: 'the old primary stays down: the story is about the standbys' });
  expect(rec.events[0]!.until).toBeUndefined();
  expect(() => rec.heal(faultT, 'start it after all')).toThrow(/no open fault/);
  expect(() => rec.lastsToEnd(faultT, 'again')).toThrow(/no open fault/);
});

test('a heal is recorded at the moment it began', () => {
  const rec = new Recorder('story', 'scenarios/story.test.ts');
  const faultT = rec.fault({ kind: 'stop-fast', target: { node: 's2' } }, { nodes: ['s2'], at: 0, inEffectFrom: 0 });
  rec.step('something meanwhile');
  expect(rec.heal(faultT, 'pg_ctl start s2', { at: 1 })).toBe(1);
  expect(rec.events.find((e) => e.kind === 'fault')!.until).toBe(1);
});

test('a metric is one scalar: an object, an array or undefined is refused with the fix, and nothing is kept', () => {
  const rec = new Recorder('story', 'scenarios/story.test.ts');
  for (const v of [1.5, 'primary', true, null]) rec.metric('figure', v);
  expect(rec.metrics.figure).toBeNull();
  const refused = (v: unknown) => () => rec.metric('rowsPerNode', v as never);
  expect(refused({ primary: 1000, s1: 1000 })).toThrow(ConfigError);
  expect(refused({ primary: 1000 })).toThrow(
    /^metric "rowsPerNode" is an object; a metric holds one number, boolean, text or null\n {2}fix: record each figure as a metric of its own/,
  );
  expect(refused(['7:101'])).toThrow(/metric "rowsPerNode" is an array/);
  expect(refused(undefined)).toThrow(/metric "rowsPerNode" is undefined/);
  expect(rec.metrics).not.toHaveProperty('rowsPerNode');
});

test("a metric of the scenario's own keeps its declared unit and direction", () => {
  const rec = new Recorder('story', 'scenarios/story.test.ts');
  rec.metric('queueDrainMs', 840, { unit: 'ms', better: 'lower' });
  rec.metric('queueDepth', 3); // undeclared: recorded, shown bare, not compared
  expect(rec.metrics).toEqual({ queueDrainMs: 840, queueDepth: 3 });
  expect(rec.metricInfo).toEqual({ queueDrainMs: { unit: 'ms', better: 'lower' } });
});
