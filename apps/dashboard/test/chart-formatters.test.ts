// Every formatter of every chart option, fed the user's text at its most hostile. A tooltip
// formatter's string becomes innerHTML, so its text must come out escaped; the other formatters
// draw numbers on the canvas. The browser half (the tooltips as Chromium renders them, ECharts'
// own escaping included) is chart-xss-browser.test.ts.
import type { EChartsOption } from 'echarts';
import { describe, expect, it } from 'vitest';
import { lineChartOption } from '../src/charts/line-options';
import { axisLineOption, heatmapOption, parallelOption } from '../src/charts/sweep-options';
import { escapeHtml, tooltipHtml } from '../src/charts/tooltip-html';

const HOSTILE = `<img src=x onerror="alert('x')">&amp;</div><script>alert(1)</script>`;
const ESCAPED =
  '&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;amp;&lt;/div&gt;&lt;script&gt;alert(1)&lt;/script&gt;';
const hostile = (where: string) => `${where} ${HOSTILE}`;

type Formatter = (...args: unknown[]) => unknown;

/** Every function in an option, by its path (formatters, and axis bounds computed from the extent). */
function functionsOf(value: unknown, path = ''): Map<string, Formatter> {
  const found = new Map<string, Formatter>();
  if (typeof value === 'function') found.set(path, value as Formatter);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      for (const [childPath, fn] of functionsOf(child, path === '' ? key : `${path}.${key}`)) found.set(childPath, fn);
    }
  }
  return found;
}

const line = lineChartOption({
  series: [
    { name: hostile('run name'), points: [[0, 1.5]], band: [[0, 1, 2]] },
    { name: hostile('metric key'), points: [[0, 2]] },
  ],
  yName: hostile('y'),
  references: [{ label: hostile('reference'), value: 1 }],
});
const heatmap = heatmapOption({
  xLabels: [hostile('x value')],
  yLabels: ['plain', hostile('y value')],
  xName: hostile('x axis'),
  yName: hostile('y axis'),
  cells: [[0, 1, 1.234567, 2]],
  diverging: false,
  valueName: hostile('metric'),
});
const axisLine = axisLineOption({
  xLabels: [hostile('x value')],
  xName: hostile('x axis'),
  yName: hostile('metric'),
  series: [{ name: hostile('series'), points: [[1.5, 0.1, 2]] }],
  baseline: { mean: 1.4, n: 2 },
});
const parallel = parallelOption({
  dimensions: [{ name: hostile('axis'), categories: [hostile('value')] }, { name: hostile('metric') }],
  rows: [[hostile('value'), 1.5]],
});

// The formatters each chart has. A new one fails here until it gets a check below.
const CHARTS: Record<string, [EChartsOption, string[]]> = {
  line: [line, ['tooltip.valueFormatter']],
  heatmap: [heatmap, ['series.0.label.formatter', 'tooltip.formatter', 'visualMap.formatter']],
  axisLine: [axisLine, ['tooltip.valueFormatter', 'yAxis.axisLabel.formatter', 'yAxis.min', 'yAxis.max']],
  parallel: [parallel, ['visualMap.formatter']],
};

describe('tooltipHtml', () => {
  it('escapes every interpolated value and keeps the markup it is written with', () => {
    expect(escapeHtml(HOSTILE)).toBe(ESCAPED);
    expect(tooltipHtml`${HOSTILE}<br/>${3} runs`).toBe(`${ESCAPED}<br/>3 runs`);
    expect(tooltipHtml`${'a'}`).toBe('a');
  });
});

describe('chart formatters with hostile text', () => {
  it.each(Object.keys(CHARTS))('%s: has exactly the formatters checked here', (chart) => {
    const [option, expected] = CHARTS[chart] as [EChartsOption, string[]];
    expect([...functionsOf(option).keys()].sort()).toEqual([...expected].sort());
  });

  it('heatmap tooltip: axis names, axis values and the metric key come out as text', () => {
    const formatter = functionsOf(heatmap).get('tooltip.formatter') as Formatter;
    const html = String(formatter({ value: [0, 1, 1.234567, 2], name: HOSTILE, seriesName: HOSTILE }));
    expect(html).toBe(
      `x axis ${ESCAPED} x value ${ESCAPED}, y axis ${ESCAPED} y value ${ESCAPED}<br/>metric ${ESCAPED}: 1.235 (2 runs)`,
    );
    // The one tag left is the line break the formatter writes itself.
    expect(html.match(/<[^>]*>/g)).toEqual(['<br/>']);
  });

  it('no tooltip is a string template (ECharts would insert names into it unescaped)', () => {
    for (const [option] of Object.values(CHARTS)) {
      const tooltip = (option as { tooltip?: { formatter?: unknown } }).tooltip;
      expect(typeof tooltip?.formatter === 'string').toBe(false);
    }
  });

  it('the value formatters of the default tooltips, labels and colour scales only write numbers', () => {
    const numeric = /^-?\d+(\.\d+)?(e[-+]\d+)?$/;
    const call = (option: EChartsOption, path: string, ...args: unknown[]) =>
      String((functionsOf(option).get(path) as Formatter)(...args));
    expect(call(line, 'tooltip.valueFormatter', 1.23456789)).toBe('1.2346');
    expect(call(axisLine, 'tooltip.valueFormatter', 1.23456789)).toBe('1.235');
    expect(call(axisLine, 'tooltip.valueFormatter', HOSTILE)).toBe('-');
    expect(call(axisLine, 'yAxis.axisLabel.formatter', 0.000123456)).toMatch(numeric);
    expect(call(heatmap, 'series.0.label.formatter', { value: [0, 1, 1.234567, 2], name: HOSTILE })).toBe('1.235');
    expect(call(heatmap, 'visualMap.formatter', 2.5)).toBe('2.5');
    expect(call(parallel, 'visualMap.formatter', 2.5)).toBe('2.5');
    expect(call(axisLine, 'yAxis.min', { min: 1.5, max: 1.5 })).toMatch(numeric);
    expect(call(axisLine, 'yAxis.max', { min: 1.5, max: 1.5 })).toMatch(numeric);
  });
});
