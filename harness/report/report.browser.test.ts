/**
 * The run report as its reader sees it: built from a fixture run (two scenarios on two majors,
 * one failed with its server logs), opened from disk in headless Chromium, offline. Fails on any
 * console error, page error or network request, on a scenario missing a panel, and on faults
 * not shaded in every panel. Keeps a screenshot in the run's report folder (screenshots/).
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { currentRun } from '../run-id.ts';
import { writeReport } from './report.ts';

const CHROMIUM = '/usr/bin/chromium';
const FIXTURE = fileURLToPath(new URL('./fixtures/run', import.meta.url));
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Panels of a scenario with writer and observer samples: TPS, outcomes, latency, lag bytes, lag time, lanes. */
const PANELS = ['tps', 'outcomes', 'latency', 'lagBytes', 'lagTimes', 'lanes'];

/** What the test reads of the page (the project compiles without the DOM library). */
interface PageGlobals {
  document: {
    querySelectorAll(selector: string): Iterable<{ id: string; querySelectorAll(selector: string): { length: number } }>;
    getElementById(id: string): { textContent: string | null } | null;
    body: { scrollHeight: number };
  };
  __pgchaos?: {
    charts: Array<{
      scenario: string;
      panel: string;
      chart: {
        data: unknown[][];
        scales: { x: { min: number; max: number } };
        setScale(key: string, range: { min: number; max: number }): void;
        ctx: { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
        bbox: { top: number };
        valToPos(v: number, scale: string, canvas: boolean): number;
      };
    }>;
  };
}

const cleanup: string[] = [];
afterAll(async () => {
  await Promise.all(cleanup.map((d) => rm(d, { recursive: true, force: true })));
});

describe('the run report in a browser', () => {
  it('draws every panel of every scenario, faults shaded, with no console error and no network', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `the report's browser test needs Chromium at ${CHROMIUM}; fix: sh bin/chromium.sh (as root it runs apt-get install -y chromium; otherwise: sudo apt-get install -y chromium)`,
      );
    }
    const root = await mkdtemp(join(tmpdir(), 'pgchaos-report-'));
    cleanup.push(root);
    const runDir = join(root, 'reports', '20261124-181424-9cae');
    await cp(FIXTURE, runDir, { recursive: true });
    const summary = await writeReport(runDir);
    expect(summary?.counts).toEqual({ passed: 2, failed: 1, interrupted: 0, skipped: 0 });
    const html = join(runDir, 'index.html');
    expect((await stat(html)).size).toBeLessThan(600_000);

    const browser = await chromium.launchPersistentContext(join(root, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1300, height: 1000 },
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()} (the report must open offline)`);
      });
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

      const scenarios = await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        return [...g.document.querySelectorAll('section.scenario')].map((s) => ({
          id: s.id,
          canvases: s.querySelectorAll('.charts canvas').length,
          panels: (g.__pgchaos?.charts ?? [])
            .filter((c) => c.scenario === s.id)
            .map((c) => ({ panel: c.panel, points: c.chart.data[0]!.length })),
        }));
      });
      expect(scenarios.map((s) => s.id)).toEqual(summary!.scenarios.map((s) => s.id));
      for (const s of scenarios) {
        expect(
          s.panels.map((p) => p.panel),
          s.id,
        ).toEqual(PANELS);
        expect(s.canvases, s.id).toBe(PANELS.length);
        for (const p of s.panels) expect(p.points, `${s.id} ${p.panel}`).toBeGreaterThan(50);
      }

      // The artifact: the page as it opens (header, matrix, the failed scenario's verdicts and panels).
      const shots = join(currentRun().dir, 'screenshots');
      await mkdir(shots, { recursive: true });
      const height = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.scrollHeight);
      await page.screenshot({
        path: join(shots, 'report.png'),
        fullPage: true,
        clip: { x: 0, y: 0, width: 1300, height: Math.min(height, 3400) },
      });

      // Every panel shows the faults: the band's top strip has its kind's colour at the middle of the longest fault.
      const shaded = await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        return g.__pgchaos!.charts.map(({ scenario, panel, chart }) => {
          const data = JSON.parse(g.document.getElementById(`data-${scenario}`)!.textContent!) as {
            faults: Array<{ from: number; to: number; color: string }>;
          };
          const f = data.faults.reduce((a, b) => (b.to - b.from > a.to - a.from ? b : a));
          const want = [1, 3, 5].map((i) => Number.parseInt(f.color.slice(i, i + 2), 16));
          const reds = [0.3, 0.45, 0.6, 0.75].map((k) => {
            const x = Math.round(chart.valToPos(f.from + k * (f.to - f.from), 'x', true));
            const px = chart.ctx.getImageData(x, Math.round(chart.bbox.top) + 1, 1, 1).data;
            return want.every((c, i) => Math.abs(px[i]! - c) < 40);
          });
          return { scenario, panel, red: reds.filter(Boolean).length };
        });
      });
      for (const s of shaded) expect(s.red, `fault band in ${s.scenario} ${s.panel}`).toBeGreaterThanOrEqual(3);

      // Zooming one panel zooms every panel of its scenario (and no other scenario's).
      const zoomed = await page.evaluate(async () => {
        const g = globalThis as unknown as PageGlobals;
        const charts = g.__pgchaos!.charts;
        const first = charts[0]!;
        first.chart.setScale('x', { min: 10, max: 12 });
        await new Promise((resolve) => setTimeout(resolve, 50)); // uPlot commits scale changes in a microtask
        return charts.map((c) => ({ same: c.scenario === first.scenario, x: [c.chart.scales.x.min, c.chart.scales.x.max] }));
      });
      for (const z of zoomed.filter((c) => c.same)) expect(z.x).toEqual([10, 12]);
      for (const z of zoomed.filter((c) => !c.same)) expect(z.x).not.toEqual([10, 12]);

      // The failed scenario shows its log tails with FATAL lines highlighted; the matrix has both majors.
      expect(await page.locator('section.scenario.failed pre.log .FATAL').count()).toBeGreaterThan(0);
      expect(await page.locator('section.scenario.passed pre.log').count()).toBe(0);
      expect(await page.locator('table.matrix th').allInnerTexts()).toEqual(['scenario', 'PostgreSQL 15', 'PostgreSQL 13']);

      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
