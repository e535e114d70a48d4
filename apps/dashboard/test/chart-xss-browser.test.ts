// Script in the text a chart shows: a sweep whose axis name, axis values, metric key, run names
// and tags carry `<img src=x onerror=...>` (test/fixtures/xss-sweep.ts), served by the built
// dashboard and hovered in Chromium until each tooltip renders. The text must read literally and
// no payload may run or leave an element behind. On SQLite and on PostgreSQL.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  fillXssSweep,
  XSS_CORPUS_AXIS,
  XSS_CORPUS_VALUES,
  XSS_FLAGS,
  XSS_METRIC,
  XSS_PATH_AXIS,
  XSS_PATH_VALUES,
  XSS_TAG,
  type XssSweep,
  xssRunName,
} from './fixtures/xss-sweep';
import { openInChromium, type RunningDashboard } from './helpers/dashboard';
import { createTestDatabase, describeOnEachEngine } from './helpers/engines';

interface CategoryAxis {
  name: string;
  data: string[];
}

/** The chart's category axes and the pixel (in the chart's box) of a data value, from ECharts. */
async function chartGeometry(page: Page, testId: string, value: Array<number | string>, seriesIndex = 0) {
  await page.waitForSelector(`[data-testid="${testId}"][data-ready="1"]`, { timeout: 20_000 });
  return page.evaluate(
    ([id, at, series]) => {
      const element = document.querySelector(`[data-testid="${id}"]`) as HTMLElement;
      const chart = window.echarts?.getInstanceByDom(element);
      if (!chart) throw new Error(`no chart in [data-testid="${id}"]`);
      const option = chart.getOption() as { xAxis?: CategoryAxis[]; yAxis?: CategoryAxis[] };
      const pixel = chart.convertToPixel({ seriesIndex: series }, at as Array<number | string>) as number[];
      return { xAxis: option.xAxis?.[0], yAxis: option.yAxis?.[0], pixel };
    },
    [testId, value, seriesIndex] as const,
  );
}

/**
 * Hovers the chart at a data value until its tooltip shows `expected` (charts draw on a canvas,
 * so the only text in a chart's box is the tooltip's); returns that text.
 */
async function hoverTooltip(
  page: Page,
  testId: string,
  value: Array<number | string>,
  expected: string,
  seriesIndex = 0,
) {
  const chart = page.getByTestId(testId);
  let text = '';
  await expect
    .poll(
      async () => {
        const { pixel } = await chartGeometry(page, testId, value, seriesIndex);
        await chart.hover({ position: { x: pixel[0], y: pixel[1] } });
        text = (await chart.textContent()) ?? '';
        return text;
      },
      { timeout: 10_000 },
    )
    .toContain(expected);
  // Markup in the tooltip would have become elements inside the chart's box.
  expect(await chart.locator('img, script, svg').count()).toBe(0);
  return text;
}

/** The payload flags that got set, and the payload images anywhere on the page. */
const injected = (page: Page) =>
  page.evaluate(
    (flags) => ({
      flags: flags.filter((flag) => (window as unknown as Record<string, unknown>)[flag] !== undefined),
      images: document.querySelectorAll('img[src="x"]').length,
    }),
    XSS_FLAGS,
  );

describeOnEachEngine('chart tooltips in Chromium show script-bearing text literally', (engine) => {
  let sweep: XssSweep;
  let remove: () => Promise<void>;
  let dashboard: RunningDashboard;
  let page: Page;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ dashboard, page, close } = await openInChromium(async () => {
      const database = await createTestDatabase(engine, 'ftlab-dashboard-xss-');
      remove = database.remove;
      sweep = await fillXssSweep(database.location);
      return database.location;
    }));
  }, 240_000);

  afterAll(async () => {
    await close?.();
    await remove?.();
  });

  it('sweep heatmap: axis names, axis values and the metric key in every cell tooltip', async () => {
    await page.goto(`${dashboard.url}/sweeps/${sweep.sweepId}`, { waitUntil: 'networkidle' });
    const { xAxis, yAxis } = await chartGeometry(page, 'sweep-heatmap', [0, 0]);
    // The two axes in the order the sweep lists them (by key): which one is x is not the point.
    const axes = new Map([
      [XSS_CORPUS_AXIS, XSS_CORPUS_VALUES],
      [XSS_PATH_AXIS, XSS_PATH_VALUES],
    ]);
    expect(new Set([xAxis?.name, yAxis?.name])).toEqual(new Set(axes.keys()));
    const x = xAxis as CategoryAxis;
    const y = yAxis as CategoryAxis;
    expect([...x.data].sort()).toEqual([...(axes.get(x.name) as string[])].sort());
    expect([...y.data].sort()).toEqual([...(axes.get(y.name) as string[])].sort());
    const labelOf = (axis: string, xLabel: string, yLabel: string) => (x.name === axis ? xLabel : yLabel);
    for (const [xi, xLabel] of x.data.entries()) {
      for (const [yi, yLabel] of y.data.entries()) {
        const c = XSS_CORPUS_VALUES.indexOf(labelOf(XSS_CORPUS_AXIS, xLabel, yLabel));
        const p = XSS_PATH_VALUES.indexOf(labelOf(XSS_PATH_AXIS, xLabel, yLabel));
        const value = sweep.finals.get(`${c}/${p}`) as number;
        const text = await hoverTooltip(page, 'sweep-heatmap', [xi, yi], `${x.name} ${xLabel}, ${y.name} ${yLabel}`);
        expect(text).toBe(`${x.name} ${xLabel}, ${y.name} ${yLabel}${XSS_METRIC}: ${value} (1 run)`);
      }
    }
    expect(await injected(page)).toEqual({ flags: [], images: 0 });
  });

  it('sweep line plot: the axis values in the tooltip over each point', async () => {
    await page.goto(`${dashboard.url}/sweeps/${sweep.sweepId}`, { waitUntil: 'networkidle' });
    const { xAxis } = await chartGeometry(page, 'sweep-line', [0, 2]);
    const x = xAxis as CategoryAxis;
    expect(x.data.length).toBe(2);
    for (let xi = 0; xi < x.data.length; xi++) {
      const text = await hoverTooltip(page, 'sweep-line', [xi, 2.3], x.data[xi]);
      expect(text).toContain('mean over runs');
    }
    expect(await injected(page)).toEqual({ flags: [], images: 0 });
  });

  it('compare chart: run names in the tooltip and the legend, the metric key chosen as the metric', async () => {
    await page.goto(`${dashboard.url}/compare?runs=${sweep.runIds.join(',')}`, { waitUntil: 'networkidle' });
    const text = await hoverTooltip(page, 'compare-chart', [5, 2.5], xssRunName(0));
    for (let index = 1; index < sweep.runIds.length; index++) expect(text).toContain(xssRunName(index));
    expect(await page.locator('body').textContent()).toContain(XSS_METRIC);
    expect(await injected(page)).toEqual({ flags: [], images: 0 });
  });

  it('run page and runs list: the metric key as a chart title and series name, run names and tags', async () => {
    await page.goto(`${dashboard.url}/runs/${sweep.runIds[0]}`, { waitUntil: 'networkidle' });
    expect(await page.locator('body').textContent()).toContain(XSS_METRIC);
    expect(await injected(page)).toEqual({ flags: [], images: 0 });
    await page.goto(`${dashboard.url}/`, { waitUntil: 'networkidle' });
    expect(await page.locator('body').textContent()).toContain(xssRunName(3));
    expect(await page.locator('body').textContent()).toContain(XSS_TAG);
    expect(await injected(page)).toEqual({ flags: [], images: 0 });
  });
});
