// The dashboard as a user sees it: the built app served by serve.mjs on a tracker database this
// test fills through the real store API, driven by Debian's Chromium; the main flows on a SQLite
// file and again on PostgreSQL (helpers/engines.ts). Screenshots of every page go to
// test-results/ (not committed).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTracker } from '@ftlab/tracker';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLabDatabase,
  KAPPA_BITS,
  LATENT_BITS,
  type LabDatabase,
  priorCe,
  SEEDS,
  STEPS,
  XSS_NOTE,
  XSS_RUN_NAME,
  XSS_TAG_VALUE,
  Z_SHEET_TEXT,
} from './fixtures/lab-database';
import { openInChromium, type RunningDashboard, SCREENSHOTS_DIR } from './helpers/dashboard';
import { describeOnEachEngine } from './helpers/engines';

interface ChartOption {
  series: Array<{ name?: string; type: string; data: unknown[]; markLine?: { data: Array<{ yAxis: number }> } }>;
  xAxis?: Array<{ data?: string[] }>;
  yAxis?: Array<{ data?: string[] }>;
}

/** The option ECharts holds for the chart with this test id, once it has rendered. */
async function chartOption(page: Page, testId: string): Promise<ChartOption> {
  await page.waitForSelector(`[data-testid="${testId}"][data-ready="1"]`, { timeout: 20_000 });
  return page.evaluate((id) => {
    const element = document.querySelector(`[data-testid="${id}"]`) as HTMLElement;
    const option = window.echarts?.getInstanceByDom(element)?.getOption();
    // Functions (formatters) do not cross into the test; the data does.
    return JSON.parse(JSON.stringify(option ?? null));
  }, testId);
}

const visibleSeries = (option: ChartOption) => option.series.filter((s) => !String(s.name).startsWith('\u200bband:'));

describeOnEachEngine('dashboard in Chromium', (engine) => {
  let dir: string;
  let remove: () => Promise<void>;
  let lab: LabDatabase;
  let dashboard: RunningDashboard;
  let page: Page;
  let close: () => Promise<void>;

  const open = async (path: string) => {
    const response = await page.goto(`${dashboard.url}${path}`, { waitUntil: 'networkidle' });
    return response;
  };
  const screenshot = (name: string) =>
    page.screenshot({
      path: join(SCREENSHOTS_DIR, `${name}${engine === 'postgres' ? '-postgres' : ''}.png`),
      fullPage: true,
    });

  beforeAll(async () => {
    ({ dashboard, page, close } = await openInChromium(async () => {
      ({ dir, lab, remove } = await createLabDatabase('ftlab-dashboard-test-', engine));
      return lab.path;
    }));
  }, 240_000);

  afterAll(async () => {
    await close?.();
    await remove?.();
  });

  it('lists every run with badges, κ in bits and the collapse marker', async () => {
    const response = await open('/');
    expect(response?.status()).toBe(200);
    const rows = page.getByTestId('run-row');
    await expect.poll(() => rows.count()).toBe(lab.allRunIds.length);
    expect(await page.getByTestId('runs-count').textContent()).toContain(`of ${lab.allRunIds.length}`);
    const collapsedRow = page.locator(`[data-run-id="${lab.collapsedRun.id}"]`);
    expect(await collapsedRow.getByTestId('collapse-marker').count()).toBe(1);
    expect(await page.getByTestId('collapse-marker').count()).toBe(1);
    expect(await collapsedRow.textContent()).toContain('0.25');
    expect(await page.locator('.badge.FINISHED').count()).toBe(lab.allRunIds.length - 1);
    expect(await page.locator('.badge.RUNNING').count()).toBe(1);
    await screenshot('runs');
  });

  it('narrows the table with a filter typed in the form, and keeps it in the URL', async () => {
    await open('/');
    await page.getByTestId('runs-filters').locator('input[name="q"]').fill('H=8 seed=1');
    await page.getByTestId('runs-filters').getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/q=H%3D8\+seed%3D1|q=H%3D8%20seed%3D1/);
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(KAPPA_BITS.length);
    for (const name of await page.getByTestId('run-name').allTextContents()) expect(name).toMatch(/H=8 seed=1$/);

    // The same view from a shared URL: κ from 0.9 to 1.1 bits, H = 4, sorted by prior CE.
    await open('/?kappa_min=0.9&kappa_max=1.1&H=4&sort=priorCe');
    const names = await page.getByTestId('run-name').allTextContents();
    expect(names).toEqual(['free kappa=1 H=4 seed=0', 'free kappa=1 H=4 seed=1']);
    await screenshot('runs-filtered');
  });

  it('ignores malicious filter and sort parameters: no injection, a notice instead', async () => {
    const evil = new URLSearchParams({
      q: "' OR 1=1; DROP TABLE runs; --",
      sort: 'name; DROP TABLE runs',
      status: "FINISHED' OR '1'='1",
      H: '1 OR 1=1',
      sweep: "x' UNION SELECT * FROM params --",
      tag: '<script>alert(1)</script>:x',
    });
    const response = await open(`/?${evil.toString()}`);
    expect(response?.status()).toBe(200);
    const warnings = await page.getByTestId('query-warnings').textContent();
    expect(warnings).toContain('Ignored sort');
    expect(warnings).toContain('Ignored status');
    expect(warnings).toContain('Ignored H');
    // The search is a literal substring: no run name contains it.
    expect(await page.getByTestId('run-row').count()).toBe(0);
    expect(await page.getByTestId('empty-state').textContent()).toContain('No run matches');
    const tracker = await openTracker(lab.path, { readonly: true });
    expect((await tracker.listRuns({ limit: 1 })).total).toBe(lab.allRunIds.length);
    await tracker.close();
  });

  it('shows names, tags and notes containing HTML as text, never as markup', async () => {
    await open('/');
    expect(await page.getByText(XSS_RUN_NAME).count()).toBeGreaterThan(0);
    expect(await page.getByText(XSS_TAG_VALUE, { exact: false }).count()).toBeGreaterThan(0);
    await open(`/runs/${lab.collapsedRun.id}`);
    expect(await page.getByTestId('note').first().textContent()).toContain(XSS_NOTE);
    await open(`/runs/${lab.xssRun.id}`);
    expect(await page.getByTestId('run-title').textContent()).toContain(XSS_RUN_NAME);
    const injected = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return [w.__xssName, w.__xssTag, w.__xssNote, w.__xssTagKey, document.querySelectorAll('img[src="x"]').length];
    });
    expect(injected).toEqual([undefined, undefined, undefined, undefined, 0]);
  });

  it('shows a run: curves from downsampled points, the κ line, the z sheet, evaluations, config', async () => {
    await open(`/runs/${lab.sheetRun.id}`);
    const loss = await chartOption(page, 'chart-loss');
    expect(visibleSeries(loss).map((s) => s.name)).toEqual(['loss (CE + KL hinge)', 'CE']);
    const kl = await chartOption(page, 'chart-kl');
    const klLine = visibleSeries(kl).find((s) => s.markLine);
    expect(klLine?.markLine?.data[0]?.yAxis).toBeCloseTo(4, 9); // κ = 4 bits
    for (const id of ['chart-validation', 'chart-lr', 'chart-grad', 'chart-throughput']) {
      expect(visibleSeries(await chartOption(page, id)).length).toBeGreaterThan(0);
    }
    expect(await page.getByTestId('z-sheet').textContent()).toBe(Z_SHEET_TEXT);
    expect(await page.getByTestId('evaluations').textContent()).toContain('prior_ce_bits_per_token');
    expect(await page.getByTestId('environment-panel').textContent()).toContain('0123456789ab (dirty');
    expect(await page.getByTestId('config-panel').textContent()).toContain('model.latentBits');
    await screenshot('run');
  });

  it('answers an unknown run id with a 404 page that links back', async () => {
    const response = await open('/runs/no-such-run');
    expect(response?.status()).toBe(404);
    expect(await page.getByTestId('not-found').textContent()).toContain('No such run');
    await page
      .getByRole('link', { name: /Back to all runs/ })
      .first()
      .click();
    await page.waitForURL(`${dashboard.url}/`);
  });

  it('selects runs on the runs page and draws one series per run on the compare page', async () => {
    await open(`/?sweep=${lab.sweepId}&H=8&seed=0`);
    const boxes = page.locator('input[name="runs"]');
    expect(await boxes.count()).toBe(KAPPA_BITS.length);
    for (let i = 0; i < KAPPA_BITS.length; i++) await boxes.nth(i).check();
    await page.getByTestId('compare-selected').click();
    await page.waitForURL(/\/compare\?runs=/);
    const option = await chartOption(page, 'compare-chart');
    const lines = visibleSeries(option);
    expect(lines).toHaveLength(KAPPA_BITS.length);
    expect(lines.map((s) => s.name).sort()).toEqual(KAPPA_BITS.map((k) => `free kappa=${k} H=8 seed=0`).sort());
    for (const line of lines) expect(line.data).toHaveLength(120); // 120 steps: not downsampled
    await screenshot('compare');
  });

  it('groups runs by config hash with mean ± std bands over seeds', async () => {
    const ids = SEEDS.flatMap((seed) => [lab.freeRuns.get(`1/8/${seed}`)?.id, lab.freeRuns.get(`4/8/${seed}`)?.id]);
    await open(`/compare?runs=${ids.join(',')}&group=config&metric=val/prior_ce`);
    const option = await chartOption(page, 'compare-chart');
    const lines = visibleSeries(option);
    expect(lines).toHaveLength(2);
    expect(lines.every((s) => /\(2 runs\)$/.test(String(s.name)))).toBe(true);
    const [, last] = (lines[0]?.data.at(-1) ?? []) as [number, number];
    const expected = (priorCe(1, 8, 0) + priorCe(1, 8, 1)) / 2;
    const expected4 = (priorCe(4, 8, 0) + priorCe(4, 8, 1)) / 2;
    expect([expected, expected4].some((v) => Math.abs(v - last) < 1e-9)).toBe(true);
    // Two band series (low + width) per group.
    expect(option.series.length).toBe(6);
    await screenshot('compare-grouped');
  });

  it('compares benchmarks: configurations as columns, differences to the baseline paired by seed, a row over steps', async () => {
    const baselines = SEEDS.map((seed) => lab.baselines.get(seed)?.id as string);
    const free = SEEDS.map((seed) => lab.freeRuns.get(`4/8/${seed}`)?.id as string);
    // One more evaluation at an earlier step for the chart over steps.
    const writer = await openTracker(lab.path);
    await writer.logEvaluations(free[1], [
      { step: 40, task: 'likelihood', metric: 'prior_ce_bits_per_token', value: 3, stderr: 0.02, n: 256 },
    ]);
    await writer.close();
    const key = 'likelihood/prior_ce_bits_per_token';
    await open(`/compare?runs=${[...baselines, ...free].join(',')}&group=config`);
    const table = page.getByTestId('benchmark-table');
    await expect
      .poll(() => table.locator('th').allTextContents())
      .toEqual([
        'Task / metric',
        expect.stringMatching(/\(2 seeds\) \(baseline\)$/),
        expect.stringMatching(/\(2 seeds\)$/),
      ]);
    const row = table.locator(`[data-key="${key}"]`);
    const expected =
      SEEDS.reduce((sum, seed) => sum + (priorCe(4, 8, seed) - priorCe(null, null, seed)) / Math.LN2, 0) / 2;
    const delta = await row.getByTestId('benchmark-delta').textContent();
    expect(Number(/^([+-][0-9.]+)/.exec(delta ?? '')?.[1])).toBeCloseTo(expected, 3);
    expect(delta).toMatch(/ ±[0-9.]+/);
    // The same runs one by one: each with its own stderr and n.
    await open(`/compare?runs=${baselines.join(',')}`);
    expect(await page.getByTestId('benchmark-table').locator(`[data-key="${key}"] td`).nth(1).textContent()).toMatch(
      /^[0-9.]+ ± 0\.010 n=256$/,
    );
    // Picking a row draws it over the evaluated steps.
    await open(`/compare?runs=${free.join(',')}`);
    await page.getByTestId('benchmark-table').getByRole('link', { name: key }).click();
    await page.waitForURL(/bench=likelihood%2Fprior_ce_bits_per_token/);
    const option = await chartOption(page, 'benchmark-history');
    const steps = visibleSeries(option).map((series) => (series.data as Array<[number, number]>).map(([step]) => step));
    expect(steps).toEqual([[STEPS - 1], [40, STEPS - 1]]);
    await screenshot('compare-benchmarks');
  });

  it('draws the sweep heatmap with one cell per (κ, H) holding the mean over seeds', async () => {
    const response = await open(`/sweeps/${lab.sweepId}`);
    expect(response?.status()).toBe(200);
    const option = await chartOption(page, 'sweep-heatmap');
    expect(option.xAxis?.[0]?.data).toEqual(KAPPA_BITS.map(String));
    expect(option.yAxis?.[0]?.data).toEqual(LATENT_BITS.map(String));
    const cells = option.series[0]?.data as Array<[number, number, number, number]>;
    expect(cells).toHaveLength(KAPPA_BITS.length * LATENT_BITS.length);
    for (const [x, y, value, n] of cells) {
      const kappa = KAPPA_BITS[x];
      const h = LATENT_BITS[y];
      const expected = SEEDS.reduce((sum, seed) => sum + priorCe(kappa, h, seed), 0) / SEEDS.length;
      expect(value).toBeCloseTo(expected, 12);
      expect(n).toBe(SEEDS.length);
    }
    expect(visibleSeries(await chartOption(page, 'sweep-line')).length).toBe(1);
    expect((await chartOption(page, 'sweep-parallel')).series[0]?.data.length).toBe(lab.allRunIds.length - 1);
    await screenshot('sweep');
  });

  it('switches the heatmap to the difference to the baseline of the same seed', async () => {
    await open(`/sweeps/${lab.sweepId}?mode=delta&metric=val/prior_ce`);
    const cells = (await chartOption(page, 'sweep-heatmap')).series[0]?.data as Array<[number, number, number]>;
    expect(cells).toHaveLength(KAPPA_BITS.length * LATENT_BITS.length);
    for (const [x, y, value] of cells) {
      const deltas = SEEDS.map((seed) => priorCe(KAPPA_BITS[x], LATENT_BITS[y], seed) - priorCe(null, null, seed));
      expect(value).toBeCloseTo(deltas.reduce((a, b) => a + b, 0) / deltas.length, 12);
    }
    await screenshot('sweep-delta');
  });

  it('downloads the paper-style table as Markdown, LaTeX and CSV', async () => {
    await open(`/sweeps/${lab.sweepId}`);
    expect(await page.getByTestId('comparison-table').textContent()).toContain('likelihood/prior_ce_bits_per_token');
    const contents: Record<string, string> = {};
    for (const format of ['markdown', 'latex', 'csv']) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId(`export-${format}`).click(),
      ]);
      const path = join(dir, `table-${format}`);
      await download.saveAs(path);
      contents[format] = readFileSync(path, 'utf8');
      expect(download.suggestedFilename()).toMatch(/^toy-kappa-h-comparison\.(md|tex|csv)$/);
    }
    expect(contents.markdown).toMatch(/^\| metric \| baseline \(n=2\) \|/);
    expect(contents.markdown).toContain('likelihood/prior_ce_bits_per_token');
    expect(contents.latex).toContain('\\begin{tabular}');
    const csvLines = contents.csv.trim().split('\n');
    expect(csvLines[0]).toBe(
      'task,metric,column,is_baseline,mean,std,n,delta,delta_stderr,ci_low,ci_high,pairs,significant',
    );
    const baselineRow = csvLines.find((line) => line.startsWith('likelihood,prior_ce_bits_per_token,baseline,true,'));
    const baselineMean = SEEDS.reduce((s, seed) => s + priorCe(null, null, seed) / Math.LN2, 0) / SEEDS.length;
    expect(Number(baselineRow?.split(',')[4])).toBeCloseTo(baselineMean, 10);
    expect(csvLines).toHaveLength(1 + 2 * (1 + KAPPA_BITS.length * LATENT_BITS.length));
  });

  it('exports a run and a sweep as CSV and JSON, and says what is wrong with a bad request', async () => {
    const run = lab.collapsedRun;
    const csv = await fetch(`${dashboard.url}/runs/${run.id}/export`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="[A-Za-z0-9._-]+\.csv"$/);
    expect((await csv.text()).split('\n').length).toBeGreaterThan(2);
    const json = await fetch(`${dashboard.url}/runs/${run.id}/export?format=json`);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(JSON.stringify(await json.json())).toContain(run.id);
    // A sweep's export is streamed (chunked, no length known in advance) and is byte for byte
    // the tracker's own export, which `ftlab export` writes.
    const reader = await openTracker(lab.path, { readonly: true });
    try {
      for (const format of ['csv', 'json'] as const) {
        const sweepExport = await fetch(`${dashboard.url}/sweeps/${lab.sweepId}/export?format=${format}`);
        expect(sweepExport.status).toBe(200);
        expect(sweepExport.headers.get('transfer-encoding')).toBe('chunked');
        expect(sweepExport.headers.get('content-length')).toBeNull();
        expect(sweepExport.headers.get('content-disposition')).toBe(`attachment; filename="toy-kappa-h.${format}"`);
        const text = await sweepExport.text();
        expect(text).toBe(await reader.exportSweep(lab.sweepId, { format }));
        if (format === 'csv') expect(text.trim().split('\n').length).toBeGreaterThan(KAPPA_BITS.length);
      }
    } finally {
      await reader.close();
    }
    const noSweep = await fetch(`${dashboard.url}/sweeps/nosuchsweep0/export`);
    expect(noSweep.status).toBe(404);
    expect(await noSweep.text()).toContain('No sweep with id "nosuchsweep0" in this database.');

    for (const path of [`/runs/${run.id}/export?format=xml`, `/sweeps/${lab.sweepId}/export?format=xml`]) {
      const bad = await fetch(`${dashboard.url}${path}`);
      expect(bad.status).toBe(400);
      expect(await bad.text()).toBe('Unknown format "xml": use csv or json.\n');
    }
    const unknown = await fetch(`${dashboard.url}/runs/nosuchrun000/export`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('No run with id "nosuchrun000" in this database.');
    // An id the tracker cannot have made, on every file route (the figure's bad options notwithstanding).
    for (const [kind, path] of [
      ['run', '/runs/bad.id/export'],
      ['sweep', '/sweeps/bad.id/export?format=json'],
      ['sweep', '/sweeps/bad.id/table'],
      ['sweep', '/sweeps/bad.id/figure/svg?groups=0'],
    ]) {
      const refused = await fetch(`${dashboard.url}${path}`);
      expect(refused.status, path).toBe(404);
      expect(await refused.text(), path).toBe(`No ${kind} with id "bad.id".\n`);
    }
  });

  it('lists sweeps', async () => {
    await open('/sweeps');
    expect(await page.getByTestId('sweeps-table').textContent()).toContain('toy-kappa-h');
    await screenshot('sweeps');
  });

  it('picks up a new run while it is open, without a reload', async () => {
    await open('/'); // a RUNNING run is listed, so the page re-reads the tracker every few seconds
    const before = await page.getByTestId('run-row').count();
    const tracker = await openTracker(lab.path);
    await tracker.startRun({ name: 'arrived while watching', config: { seed: 3 }, seed: 3 });
    await tracker.close();
    await page.getByText('arrived while watching').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('run-row').count()).toBe(before + 1);
  });
});

describe('dashboard on a missing or corrupt database', () => {
  let dir: string;
  let dashboard: RunningDashboard;
  let page: Page;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dashboard, page, close } = await openInChromium(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ftlab-dashboard-missing-'));
      return join(dir, 'nothing-here.db');
    }));
  }, 240_000);

  afterAll(async () => {
    await close?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('explains a missing file with the commands that create one, on every page', async () => {
    for (const path of ['/', '/sweeps', '/compare?runs=abc', '/runs/abc', '/sweeps/abc']) {
      const response = await page.goto(`${dashboard.url}${path}`);
      expect(response?.status()).toBe(200);
      const problem = page.getByTestId('database-problem');
      expect(await problem.getAttribute('data-kind')).toBe('missing');
      expect(await problem.textContent()).toContain('npm run demo');
      expect(await problem.textContent()).toContain('npx ftlab train experiments/toy-quick.yaml');
      expect(await problem.textContent()).toContain(join(dir, 'nothing-here.db'));
    }
    await page.screenshot({ path: join(SCREENSHOTS_DIR, 'missing-database.png'), fullPage: true });
    const table = await page.request.get(`${dashboard.url}/sweeps/abc/table?format=csv`);
    expect(table.status()).toBe(503);
    expect(await table.text()).toContain('There is no file at');
  });

  it('explains a file that is not a tracker database, and leaves it untouched', async () => {
    const path = join(dir, 'nothing-here.db');
    const garbage = 'these are notes, not a database\n'.repeat(100);
    writeFileSync(path, garbage);
    await page.goto(`${dashboard.url}/`);
    const problem = page.getByTestId('database-problem');
    expect(await problem.getAttribute('data-kind')).toBe('not-a-database');
    expect(await problem.textContent()).toContain('is not a SQLite database');
    expect(await page.content()).not.toContain('at openTracker'); // no stack trace
    expect(readFileSync(path, 'utf8')).toBe(garbage);
    await page.screenshot({ path: join(SCREENSHOTS_DIR, 'corrupt-database.png'), fullPage: true });
  });
});
