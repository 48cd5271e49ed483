import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseline, joinMajors, onMajor, scenarioOf } from './compare-fixtures/fixtures.ts';
import { renderMatrixHtml, writeMatrix } from './matrix.ts';

/** pg13 as the fixture; pg15 with a longer write outage, a failed quorum story and no rewind story. */
function run() {
  const hi = onMajor(baseline(), 15);
  scenarioOf(hi, 'planned-switchover').metrics.writeOutageMs = 9000;
  scenarioOf(hi, 'quorum').status = 'failed';
  scenarioOf(hi, 'quorum').metrics.recoveryMs = 400;
  hi.scenarios = hi.scenarios.filter((s) => !s.file.includes('rewind'));
  return joinMajors(onMajor(baseline(), 13), hi);
}

const cellsOf = (html: string, file: string) => {
  const row = html.split('<tr>').find((r) => r.includes(`<code>${file}</code>`));
  if (!row) throw new Error(`no row for ${file}`);
  return row.split('<td').slice(1);
};

describe('renderMatrixHtml', () => {
  it('scenarios down, majors across, the lowest the base', () => {
    const html = renderMatrixHtml(run());
    expect(html).toContain('<th>scenario</th><th>pg13 (base)</th><th>pg15</th>');
    const [pg13, pg15] = cellsOf(html, 'planned-switchover');
    expect(pg13).toContain(
      '<a class="passed" href="index.html#planned-switchover--fast-stop-the-primary-promote-the-most-advanced--pg13">passed</a>',
    );
    expect(pg13).toContain('<li class="">writeOutageMs <b>2000 ms</b></li>');
    expect(pg15).toContain('href="index.html#planned-switchover--fast-stop-the-primary-promote-the-most-advanced--pg15"');
    expect(pg15).toContain('<li class="bad">writeOutageMs <b>9000 ms</b> <span class="d">(+7000 ms)</span></li>');
    expect(pg15).toContain('lostAcked <b>0</b>');
  });

  it('marks a scenario that regressed on a major, an improvement, and one not run', () => {
    const html = renderMatrixHtml(run());
    const [, quorum15] = cellsOf(html, 'quorum-standby-loss');
    expect(quorum15).toMatch(/^ class="cell regressed"><a class="failed"[^>]*>failed<\/a> <b class="bad">regressed<\/b>/);
    expect(quorum15).toContain('<li class="">recoveryMs <b>400 ms</b> <span class="d">(−200 ms)</span></li>'); // within the threshold
    const [, rewind15] = cellsOf(html, 'failback-rewind');
    expect(rewind15).toContain('not run on pg15');
    expect(html).toContain('<div class="banner bad"><b>3 regressions</b> against pg13');
    expect(html).toMatch(/<li>planned-switchover › [^<]*\(pg13 → pg15\): writeOutageMs rose from 2000 ms to 9000 ms/);
    expect(html).toMatch(/<li>failback-rewind › [^<]*: ran in the baseline but not in the new run\.<\/li>/);
  });

  it('a run on one major says there is nothing to compare', () => {
    const html = renderMatrixHtml(baseline());
    expect(html).toContain('This run covers one major (pg15): nothing to compare.');
    expect(html).not.toContain('(base)');
    expect(html).not.toContain('<div class="banner');
  });

  it('no regression across majors says so', () => {
    const html = renderMatrixHtml(joinMajors(onMajor(baseline(), 13), onMajor(baseline(), 15)));
    expect(html).toContain('<div class="banner good"><b>No regression</b> against pg13');
    expect(html).not.toContain('class="bad"');
  });
});

describe('writeMatrix', () => {
  it('writes matrix.html into the run folder and nothing else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgchaos-matrix-'));
    const path = await writeMatrix(dir, run());
    expect(path).toBe(join(dir, 'matrix.html'));
    expect(await readdir(dir)).toEqual(['matrix.html']);
    expect(await readFile(path, 'utf8')).toContain('PostgreSQL majors side by side');
  });
});
