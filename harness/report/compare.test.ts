import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verdictId } from '../checks/verdict.ts';
import { ConfigError } from '../errors.ts';
import { asRun, baseline, fixtureText, joinMajors, onMajor, scenarioOf } from './compare-fixtures/fixtures.ts';
import { compareMajors, compareSummaries, formatThreshold, parseSummary, renderCompareHtml, renderCompareText } from './compare.ts';
import { isKnownMetric, METRICS, metricDictionary, UNKNOWN_METRIC } from './metrics.ts';
import type { MetricValue } from './record.ts';
import type { Summary } from './summary.ts';

const A = () => asRun(baseline(), '20260101-120000-aaaa');
/** Run B: the baseline again, changed by `edit`. */
const B = (edit: (s: Summary) => void = () => {}) => {
  const s = asRun(baseline(), '20260102-120000-bbbb');
  edit(s);
  return s;
};
const setMetric = (file: string, metric: string, value: unknown) => (s: Summary) => {
  // A summary of an older version may hold a non-scalar here.
  scenarioOf(s, file).metrics[metric] = value as MetricValue;
};
const deltaOf = (d: ReturnType<typeof compareSummaries>, file: string, metric: string) =>
  d.scenarios.find((s) => s.file.includes(file))!.metrics.find((m) => m.metric === metric)!;

describe('metric dictionary', () => {
  it('describes the names it knows and marks the others', () => {
    const d = metricDictionary(['writeOutageMs', 'steadyTps', 'myOwnFigure', 'constructor', 'writeOutageMs']);
    expect(Object.keys(d)).toEqual(['constructor', 'myOwnFigure', 'steadyTps', 'writeOutageMs']);
    expect(d.writeOutageMs).toMatchObject({ unit: 'ms', better: 'lower', threshold: { relative: 0.25, absolute: 1000 } });
    expect(d.steadyTps).toMatchObject({ unit: 'tps', better: 'higher', threshold: { relative: 0.15 } });
    expect(d.myOwnFigure).toEqual(UNKNOWN_METRIC);
    expect(d.constructor).toEqual(UNKNOWN_METRIC);
    expect(UNKNOWN_METRIC).toMatchObject({ unit: '', better: 'none' });
    d.writeOutageMs!.threshold!.absolute = 1; // a copy: the dictionary itself is untouched
    expect(METRICS.writeOutageMs!.threshold!.absolute).toBe(1000);
  });

  it('knows every metric the scenarios record, with a unit and a meaning', () => {
    for (const name of [
      'stallOnsetMs',
      'recoveryMs',
      'lostAcked',
      'catchupSeen',
      'streamingAfterRestartMs',
      'streamingAfterRewindMs',
      'readyMs',
      'otherReceiveLsn',
      'promotedReceiveLsn',
    ]) {
      expect(METRICS[name], name).toBeDefined();
      expect(METRICS[name]!.description.length, name).toBeGreaterThan(10);
    }
    expect(METRICS.lostAcked).toMatchObject({ better: 'lower', threshold: { absolute: 0 } });
    expect(METRICS.stallOnsetMs!.better).toBe('none');
    // Every ms metric that is judged has the timing threshold.
    for (const [name, m] of Object.entries(METRICS))
      if (m.unit === 'ms' && m.better !== 'none') expect(m.threshold, name).toEqual({ relative: 0.25, absolute: 1000 });
  });
});

describe('metrics the stories record', () => {
  it('each has a unit and a direction: in the dictionary, or declared where it is recorded', () => {
    const root = join(import.meta.dirname, '..', '..');
    const files = [
      ...['scenarios', 'examples/scenarios'].flatMap((d) =>
        readdirSync(join(root, d))
          .filter((f) => f.endsWith('.test.ts'))
          .map((f) => join(d, f)),
      ),
      'harness/run/steps.ts',
    ];
    const calls = files.flatMap((f) =>
      [...readFileSync(join(root, f), 'utf8').matchAll(/rec\.metric\(\s*'([^']+)',([^;]*)\);/g)].map((m) => ({
        f,
        name: m[1]!,
        args: m[2]!,
      })),
    );
    expect(calls.length).toBeGreaterThan(40);
    for (const c of calls) expect(isKnownMetric(c.name) || /\{\s*unit:/.test(c.args), `${c.f}: ${c.name}`).toBe(true);
  });
});

describe('compareSummaries', () => {
  it('identical runs: nothing regressed, every scenario unchanged', () => {
    const d = compareSummaries(A(), B());
    expect(d.regressed).toBe(false);
    expect(d.reasons).toEqual([]);
    expect(d.match).toBe('id');
    expect(d.counts).toEqual({ regressed: 0, fixed: 0, new: 0, missing: 0, unchanged: 3 });
    expect(d.scenarios.every((s) => s.group === 'unchanged' && s.status === 'same')).toBe(true);
    expect(renderCompareText(d)).toMatch(/: no regression; 0 fixed/);
  });

  it('says when a run started on a loaded machine, and leaves the verdict as it is', () => {
    const loaded = (load: number[] | undefined) => (s: Summary) => {
      s.context = { ...s.context!, host: { ...s.context!.host, cpus: 2, ...(load ? { loadAverage: load } : {}) } };
    };
    const quiet = compareSummaries(B(loaded([1.2, 1, 1])), B(loaded([1.9, 1, 1])));
    expect(quiet.caveats).toEqual([]);
    const busy = compareSummaries(B(loaded([1.2, 1, 1])), B(loaded([5.6, 3, 2])));
    expect(busy.caveats).toEqual([
      expect.stringMatching(/^run B \(20260102-120000-bbbb\) started on a loaded machine \(1-minute load 2\.8 per CPU\)/),
    ]);
    expect(busy.regressed).toBe(false);
    expect(renderCompareText(busy)).toMatch(/\n {2}note {7}run B .* loaded machine/);
    expect(renderCompareHtml(busy)).toContain('class="banner note"');
    // A run from before the load was recorded says nothing about it.
    expect(compareSummaries(B(loaded(undefined)), B(loaded(undefined))).caveats).toEqual([]);
  });

  it('a seeded regression: writeOutageMs 2000 → 9000 ms regresses past +25 % and +1000 ms, and sorts first', () => {
    const d = compareSummaries(A(), B(setMetric('planned-switchover', 'writeOutageMs', 9000)));
    expect(d.regressed).toBe(true);
    expect(d.reasons).toEqual([
      'planned-switchover › fast-stop the primary, promote the most advanced (pg15): writeOutageMs rose from 2000 ms to 9000 ms (+7000 ms, +350 %), past the threshold of +25 % and +1000 ms.',
    ]);
    expect(d.scenarios[0]!.file).toBe('scenarios/planned-switchover.test.ts');
    expect(d.scenarios[0]!.group).toBe('regressed');
    expect(deltaOf(d, 'planned-switchover', 'writeOutageMs')).toMatchObject({
      a: 2000,
      b: 9000,
      delta: 7000,
      ratio: 4.5,
      change: 'regressed',
      threshold: { relative: 0.25, absolute: 1000 },
    });
    expect(d.thresholds.writeOutageMs).toMatchObject({ unit: 'ms', better: 'lower', overridden: false });
    expect(renderCompareText(d)).toMatch(/REGRESSED — 1 regression[\s\S]*\n {2}REGRESSED {2}planned-switchover/);
  });

  it('a timing regresses only past both bounds', () => {
    // +900 ms is +45 %, but not +1000 ms.
    expect(
      deltaOf(compareSummaries(A(), B(setMetric('planned-switchover', 'writeOutageMs', 2900))), 'planned-switchover', 'writeOutageMs')
        .change,
    ).toBe('changed');
    expect(compareSummaries(A(), B(setMetric('planned-switchover', 'writeOutageMs', 3100))).regressed).toBe(true);
    // +1500 ms of 10 s is +15 %, under 25 %.
    const a10 = A();
    scenarioOf(a10, 'planned-switchover').metrics.writeOutageMs = 10_000;
    expect(compareSummaries(a10, B(setMetric('planned-switchover', 'writeOutageMs', 11_500))).regressed).toBe(false);
    expect(compareSummaries(a10, B(setMetric('planned-switchover', 'writeOutageMs', 13_000))).regressed).toBe(true);
  });

  it('a shorter outage past the threshold is an improvement, not a regression', () => {
    const a = A();
    scenarioOf(a, 'planned-switchover').metrics.writeOutageMs = 9000;
    const d = compareSummaries(a, B());
    expect(d.regressed).toBe(false);
    expect(d.fixes).toEqual([expect.stringMatching(/writeOutageMs fell from 9000 ms to 2000 ms \(−7000 ms, −77\.8 %\)\.$/)]);
    expect(d.scenarios[0]!.group).toBe('fixed');
  });

  it('TPS regresses when it falls by more than 15 %', () => {
    expect(compareSummaries(A(), B(setMetric('quorum', 'steadyTps', 350))).regressed).toBe(false); // −12.5 %
    const d = compareSummaries(A(), B(setMetric('quorum', 'steadyTps', 330))); // −17.5 %
    expect(d.regressed).toBe(true);
    expect(d.reasons[0]).toMatch(/steadyTps fell from 400 tps to 330 tps \(−70 tps, −17\.5 %\), past the threshold of −15 %\.$/);
    expect(compareSummaries(A(), B(setMetric('quorum', 'steadyTps', 500))).fixes).toHaveLength(1);
  });

  it('any rise of lostAcked regresses', () => {
    const d = compareSummaries(A(), B(setMetric('failback-rewind', 'lostAcked', 1)));
    expect(d.regressed).toBe(true);
    expect(d.reasons[0]).toMatch(/lostAcked rose from 0 to 1 \(\+1\), past the threshold of any rise\.$/);
  });

  it('a check metric going true → false regresses; false → true is a fix; null is only a change', () => {
    expect(compareSummaries(A(), B(setMetric('quorum', 'catchupSeen', false))).reasons).toEqual([
      expect.stringMatching(/: catchupSeen went from true to false\.$/),
    ]);
    const a = A();
    scenarioOf(a, 'quorum').metrics.hashesEqual = false;
    expect(compareSummaries(a, B()).fixes).toEqual([expect.stringMatching(/hashesEqual went from false to true\.$/)]);
    const n = compareSummaries(A(), B(setMetric('quorum', 'hashesEqual', null)));
    expect(n.regressed).toBe(false);
    expect(deltaOf(n, 'quorum', 'hashesEqual')).toMatchObject({ kind: 'bool', change: 'changed' });
  });

  it('metrics that are not compared only show as changed', () => {
    const d = compareSummaries(
      A(),
      B((s) => {
        setMetric('quorum', 'stallOnsetMs', 5000)(s);
        setMetric('planned-switchover', 'promotedNode', 's2')(s);
        setMetric('quorum', 'syncRepWaiters', 1)(s);
      }),
    );
    expect(d.regressed).toBe(false);
    expect(deltaOf(d, 'quorum', 'stallOnsetMs')).toMatchObject({ kind: 'number', delta: 4900, change: 'changed' });
    expect(deltaOf(d, 'planned-switchover', 'promotedNode')).toMatchObject({ kind: 'other', a: 's1', b: 's2', change: 'changed' });
    expect(d.thresholds.stallOnsetMs).toBeUndefined();
  });

  it('a threshold override replaces the bounds it gives and keeps the others', () => {
    const b = B(setMetric('planned-switchover', 'writeOutageMs', 3500)); // +1500 ms, +75 %
    expect(compareSummaries(A(), b).regressed).toBe(true);
    const loose = compareSummaries(A(), b, { thresholds: { writeOutageMs: { relative: 1 } } });
    expect(loose.regressed).toBe(false);
    expect(loose.thresholds.writeOutageMs).toMatchObject({ threshold: { relative: 1, absolute: 1000 }, overridden: true });
    expect(compareSummaries(A(), b, { thresholds: { writeOutageMs: { absolute: 2000 } } }).regressed).toBe(false);
    expect(compareSummaries(A(), b, { thresholds: { writeOutageMs: { absolute: 1400 } } }).regressed).toBe(true);
  });

  it('pairs verdicts by id: a reworded check name or summary in a newer pgchaos is no regression', () => {
    // A: records written before ids (the fixture); B: the same run as a newer version words it.
    const reworded = (s: Summary) => {
      for (const sc of s.scenarios) {
        sc.verdicts = sc.verdicts.map((v) => ({
          ...v,
          id: verdictId(v),
          check: `${v.check} (reworded)`,
          summary: `now said otherwise: ${v.summary}`,
        }));
      }
    };
    const d = compareSummaries(A(), B(reworded));
    expect(d.regressed).toBe(false);
    expect(d.scenarios.flatMap((s) => s.verdictFlips)).toEqual([]);
    // Pairing by the sentence, a failed check renamed in B would have hidden behind an 'absent' A.
    const renamedAndFailed = (s: Summary) => {
      reworded(s);
      const q = scenarioOf(s, 'quorum');
      q.status = 'failed';
      q.verdicts[1] = { ...q.verdicts[1]!, status: 'failed' };
    };
    const f = compareSummaries(A(), B(renamedAndFailed));
    expect(f.regressed).toBe(true);
    expect(f.scenarios.find((x) => x.file.includes('quorum'))!.verdictFlips).toMatchObject([
      { id: 'throughput.recover', a: 'passed', b: 'failed' },
    ]);
  });

  it('a scenario that passed and then failed is a regression naming the checks that failed; the reverse a fix', () => {
    const failing = (s: Summary) => {
      const q = scenarioOf(s, 'quorum');
      q.status = 'failed';
      q.error = 'AssertionError: throughput recovers: TPS stayed at 0\n    at …';
      q.verdicts[1] = { ...q.verdicts[1]!, status: 'failed', summary: 'TPS stayed at 0 for 10 s after the repair' };
    };
    const d = compareSummaries(A(), B(failing));
    expect(d.regressed).toBe(true);
    expect(d.reasons).toEqual([
      'quorum-standby-loss › quorum commit: lose both standbys, stall, recover (pg15): passed → failed (throughput recovers failed).',
    ]);
    expect(d.scenarios[0]).toMatchObject({
      status: 'regression',
      verdictFlips: [{ check: 'throughput recovers', a: 'passed', b: 'failed' }],
    });
    const a = A();
    failing(a);
    const fix = compareSummaries(a, B());
    expect(fix.regressed).toBe(false);
    expect(fix.fixes).toEqual(['quorum-standby-loss › quorum commit: lose both standbys, stall, recover (pg15): failed → passed.']);
    expect(fix.scenarios[0]!.group).toBe('fixed');
    // Failed in both: no flip, no regression (the run's status says it).
    expect(compareSummaries(a, B(failing)).regressed).toBe(false);
    // Interrupted after passing: a regression.
    expect(
      compareSummaries(
        A(),
        B((s) => (scenarioOf(s, 'quorum').status = 'interrupted')),
      ).reasons[0],
    ).toMatch(/passed → interrupted/);
  });

  it('a scenario missing from B is a regression; a new one is not', () => {
    const d = compareSummaries(
      A(),
      B((s) => (s.scenarios = s.scenarios.filter((x) => !x.file.includes('rewind')))),
    );
    expect(d.regressed).toBe(true);
    expect(d.reasons).toEqual(['failback-rewind › partition, promote, rewind (pg15): ran in the baseline but not in the new run.']);
    expect(d.counts.missing).toBe(1);
    const n = compareSummaries(
      A(),
      B((s) => s.scenarios.push({ ...structuredClone(s.scenarios[0]!), name: 'another', id: 'planned-switchover--another--pg15' })),
    );
    expect(n.regressed).toBe(false);
    expect(n.counts.new).toBe(1);
    expect(n.scenarios.find((s) => s.name === 'another')).toMatchObject({ status: 'new', group: 'new', a: null });
  });

  it('runs on different majors match by scenario; by id nothing matches', () => {
    const b17 = onMajor(B(setMetric('planned-switchover', 'writeOutageMs', 9000)), 17);
    const d = compareSummaries(A(), b17);
    expect(d.match).toBe('scenario');
    expect(d.counts.missing).toBe(0);
    expect(d.reasons).toEqual([expect.stringMatching(/^planned-switchover › .* \(pg15 → pg17\): writeOutageMs rose/)]);
    const byId = compareSummaries(A(), b17, { match: 'id' });
    expect(byId.counts).toMatchObject({ missing: 3, new: 3 });
  });

  it("a metric unknown to pgchaos takes its direction from the run's dictionary", () => {
    const a = A();
    const b = B();
    scenarioOf(a, 'quorum').metrics.failoverMs = 1000;
    scenarioOf(b, 'quorum').metrics.failoverMs = 5000;
    expect(compareSummaries(a, b).regressed).toBe(false); // not in the dictionary: not compared
    b.metricDictionary = { failoverMs: { unit: 'ms', description: 'mine', better: 'lower', threshold: { absolute: 500 } } };
    expect(compareSummaries(a, b).reasons).toEqual([expect.stringMatching(/failoverMs rose from 1000 ms to 5000 ms/)]);
  });

  it("an older summary's tables among its metrics are not compared: a run of this version has them as record sections", () => {
    const a = A();
    setMetric('quorum', 'rowsPerNode', { primary: 4813000, s1: 4813000 })(a);
    setMetric('quorum', 'timelines', { primary: 1, s1: 1 })(a);
    const b = B(setMetric('quorum', 'timelines', { primary: 2, s1: 2 }));
    const d = compareSummaries(a, b);
    const names = d.scenarios.find((s) => s.file.includes('quorum'))!.metrics.map((m) => m.metric);
    expect(names).not.toContain('rowsPerNode');
    expect(names).not.toContain('timelines');
    expect(d.regressed).toBe(false);
    expect(d.scenarios.find((s) => s.file.includes('quorum'))!.group).toBe('unchanged');
  });
});

describe('compareMajors', () => {
  const twoMajors = () => {
    const hi = onMajor(baseline(), 17);
    scenarioOf(hi, 'planned-switchover').metrics.writeOutageMs = 9000;
    return joinMajors(onMajor(baseline(), 15), onMajor(baseline(), 13), hi);
  };

  it('compares every other major with the lowest', () => {
    const m = compareMajors(twoMajors());
    expect(m.base).toBe(13);
    expect(m.majors).toEqual([13, 15, 17]);
    expect(m.diffs.map((d) => [d.major, d.diff.regressed])).toEqual([
      [15, false],
      [17, true],
    ]);
    expect(m.regressed).toBe(true);
    expect(m.diffs[1]!.diff.reasons[0]).toMatch(/\(pg13 → pg17\): writeOutageMs rose from 2000 ms to 9000 ms/);
  });

  it('takes another base, and refuses one the run did not cover', () => {
    const m = compareMajors(twoMajors(), 17);
    expect(m.diffs.map((d) => d.major)).toEqual([13, 15]);
    expect(m.diffs[0]!.diff.fixes[0]).toMatch(/writeOutageMs fell from 9000 ms to 2000 ms/);
    expect(() => compareMajors(twoMajors(), 14)).toThrow(ConfigError);
    expect(() => compareMajors(twoMajors(), 14)).toThrow(/PostgreSQL 14 is not a major of run .* \(it ran 13, 15, 17\)/);
  });

  it('pairs verdicts across majors by id: a check worded otherwise on one major is no difference (the matrix page)', () => {
    const hi = onMajor(baseline(), 17);
    for (const sc of hi.scenarios)
      sc.verdicts = sc.verdicts.map((v) => ({
        ...v,
        id: verdictId(v),
        check: `${v.check}, reworded`,
        summary: `said otherwise: ${v.summary}`,
      }));
    const m = compareMajors(joinMajors(onMajor(baseline(), 13), hi));
    expect(m.regressed).toBe(false);
    expect(m.diffs[0]!.diff.scenarios.flatMap((s) => s.verdictFlips)).toEqual([]);
  });

  it('one major: nothing to compare', () => {
    expect(compareMajors(baseline())).toMatchObject({ base: 15, majors: [15], diffs: [], regressed: false });
  });
});

describe('parseSummary', () => {
  it('reads the fixture', () => {
    expect(parseSummary(fixtureText('baseline.summary.json'), 'x').scenarios).toHaveLength(3);
  });
  it('refuses an old, a newer, a garbled and a malformed summary with the reason and a fix', () => {
    const why = (text: string) => {
      try {
        parseSummary(text, 'run/summary.json');
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(why(fixtureText('old-schema.summary.json'))).toMatch(
      /^run\/summary\.json is an older summary \(before summary schema 2[\s\S]*fix: run the scenarios again/,
    );
    expect(why(fixtureText('garbled.summary.json'))).toMatch(
      /^run\/summary\.json is not valid JSON \([^)]+\): the run was probably cut off/,
    );
    expect(why(JSON.stringify({ ...baseline(), schema: 3 }))).toMatch(
      /summary schema 3; this pgchaos reads schema 2[\s\S]*fix: compare it with the pgchaos version that wrote it/,
    );
    const noMajor = baseline() as unknown as { scenarios: Array<Record<string, unknown>> };
    delete noMajor.scenarios[1]!.major;
    expect(why(JSON.stringify(noMajor))).toMatch(/not a valid pgchaos summary: scenarios\[1\]\.major is not a number/);
    expect(why('[1,2]')).toMatch(/not a pgchaos summary \(not a JSON object\)/);
  });
});

describe('renderCompareHtml', () => {
  it('puts regressions first, then fixes, and shows the thresholds', () => {
    const a = A();
    scenarioOf(a, 'quorum').status = 'failed';
    const d = compareSummaries(a, B(setMetric('planned-switchover', 'writeOutageMs', 9000)));
    const html = renderCompareHtml(d, { a: '../20260101-120000-aaaa/index.html', b: 'index.html' });
    expect(html).toContain('<div class="banner bad"><b>REGRESSED</b>: 1 regression');
    const reg = html.indexOf('<h2 class="g-regressed">Regressions (1)');
    const fix = html.indexOf('<h2 class="g-fixed">Fixes and improvements (1)');
    const same = html.indexOf('Unchanged (within thresholds) (1)');
    expect(reg).toBeGreaterThan(0);
    expect(fix).toBeGreaterThan(reg);
    expect(same).toBeGreaterThan(fix);
    expect(html).toMatch(
      /<tr class="bad"><td><b>writeOutageMs<\/b><\/td><td>2000 ms<\/td><td>9000 ms<\/td><td>\+7000 ms \(\+350 %\)<\/td><td>\+25 % and \+1000 ms<\/td><td>regressed<\/td><\/tr>/,
    );
    expect(html).toContain('<td><b>steadyTps</b></td><td>tps</td><td>a fall is worse</td><td>−15 %</td>');
    expect(html).toContain(
      'href="../20260101-120000-aaaa/index.html#planned-switchover--fast-stop-the-primary-promote-the-most-advanced--pg15"',
    );
    expect(html).toContain('synchronous_standby_names = <code>&#39;ANY 1 (s1, s2)&#39;</code>');
  });

  it('says so when nothing regressed, and escapes what it shows', () => {
    const b = B();
    scenarioOf(b, 'planned').metrics.promotedNode = '<script>';
    const html = renderCompareHtml(compareSummaries(A(), b));
    expect(html).toContain('<div class="banner good"><b>No regression</b>');
    expect(html).not.toContain('REGRESSED');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('formats thresholds in the direction that is worse', () => {
    expect(formatThreshold({ relative: 0.25, absolute: 1000 }, 'lower', 'ms')).toBe('+25 % and +1000 ms');
    expect(formatThreshold({ relative: 0.15 }, 'higher', 'tps')).toBe('−15 %');
    expect(formatThreshold({ absolute: 0 }, 'lower', 'count')).toBe('any rise');
  });
});
