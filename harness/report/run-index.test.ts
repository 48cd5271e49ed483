import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asRun, baseline, fixtureText, onMajor, scenarioOf } from './compare-fixtures/fixtures.ts';
import { listRuns, writeRunIndex } from './run-index.ts';

/** A reports folder: two good runs, an old-schema and a garbled one, a folder without summary, and `latest`. */
async function reports(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgchaos-index-'));
  const put = async (run: string, summary: string, files: string[] = []) => {
    await mkdir(join(dir, run), { recursive: true });
    await writeFile(join(dir, run, 'summary.json'), summary);
    for (const f of files) await writeFile(join(dir, run, f), '<html>');
  };
  const older = asRun(baseline(), '20260101-120000-aaaa');
  const newer = onMajor(asRun(baseline(), '20260103-090000-cccc'), 17);
  scenarioOf(newer, 'quorum').status = 'failed';
  newer.status = 'failed';
  newer.counts = { passed: 2, failed: 1, interrupted: 0, skipped: 0 };
  newer.context!.config = { synchronous_standby_names: 'FIRST 1 (s1, s2)', synchronous_commit: 'remote_apply' };
  scenarioOf(newer, 'planned-switchover').metrics.writeOutageMs = 9000;
  await put(older.run, JSON.stringify(older), ['index.html']);
  await put(newer.run, JSON.stringify(newer), ['index.html', 'matrix.html']);
  await put('20250601-080000-0bad', fixtureText('old-schema.summary.json'), ['index.html']);
  await put('20260102-000000-dead', fixtureText('garbled.summary.json'));
  await mkdir(join(dir, '20260104-000000-none'));
  await symlink(newer.run, join(dir, 'latest'));
  return dir;
}

describe('run index', () => {
  it('lists the runs that have a summary, newest first; broken ones as unreadable', async () => {
    const runs = await listRuns(await reports());
    // Unreadable runs sort by the time in their id.
    expect(runs.map((r) => r.dir)).toEqual([
      '20260103-090000-cccc',
      '20260102-000000-dead',
      '20260101-120000-aaaa',
      '20250601-080000-0bad',
    ]);
    expect(runs[1]!.startedAt).toBe('2026-01-02T00:00:00.000Z');
    const broken = runs.filter((r) => !r.summary);
    expect(broken.map((r) => r.dir).sort()).toEqual(['20250601-080000-0bad', '20260102-000000-dead']);
    expect(broken.find((r) => r.dir.endsWith('0bad'))!.unreadable).toMatch(/is an older summary/);
    expect(broken.find((r) => r.dir.endsWith('dead'))!.unreadable).toMatch(/is not valid JSON/);
    expect(await listRuns(join(tmpdir(), 'pgchaos-no-such-reports'))).toEqual([]);
  });

  it('writes reports/index.html with status, majors, config, key figures and links', async () => {
    const dir = await reports();
    const html = await readFile(await writeRunIndex(dir), 'utf8');
    const rows = html.split('<tr').slice(2);
    expect(rows).toHaveLength(4);
    const [newest, , older] = rows;
    expect(newest).toContain('<a href="20260103-090000-cccc/index.html"><code>20260103-090000-cccc</code></a>');
    expect(newest).toContain('<td class="failed">failed<br><small>2 passed, 1 failed</small></td><td>pg17</td>');
    expect(newest).toContain(
      'synchronous_standby_names = <code>&#39;FIRST 1 (s1, s2)&#39;</code><br>synchronous_commit = <code>&#39;remote_apply&#39;</code>',
    );
    expect(newest).toContain('writeOutageMs max <b>9000 ms</b>');
    expect(newest).toContain('steadyTps min <b>400 tps</b>');
    expect(newest).toContain('<a href="20260103-090000-cccc/matrix.html">matrix</a>');
    expect(newest).toContain('pgchaos compare 20260101-120000-aaaa 20260103-090000-cccc');
    expect(older).toContain('<td class="passed">passed<br><small>3 passed, 0 failed</small></td><td>pg15</td>');
    expect(older).toContain('writeOutageMs max <b>3000 ms</b>');
    expect(older).not.toContain('matrix.html'); // the older run has no matrix page
    expect(older).not.toContain('pgchaos compare'); // nothing readable before it
    const unreadable = rows.filter((r) => r.startsWith(' class="unreadable"'));
    expect(unreadable).toHaveLength(2);
    expect(unreadable.join('')).toMatch(/<b>unreadable<\/b>: 20250601-080000-0bad\/summary\.json is an older summary/);
    expect(html).not.toContain('20260104-000000-none');
    expect(html).not.toContain('>latest<');
  });

  it('an empty reports folder gives an index that says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgchaos-index-'));
    expect(await readFile(await writeRunIndex(dir), 'utf8')).toContain('no run with a summary.json yet');
  });
});
