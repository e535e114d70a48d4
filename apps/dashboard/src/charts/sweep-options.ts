// ECharts options for the sweep page: the heatmap over two axes, the line over one axis with
// mean ± std bands, and parallel coordinates over every axis. Built from plain data computed on
// the server (see lib/sweep-grid.ts), so these functions are pure and tested without a browser.
import type { EChartsOption, HeatmapSeriesOption, LineSeriesOption, ParallelSeriesOption } from 'echarts';
import { bandSeries, PALETTE } from './line-options';
import { tooltipHtml } from './tooltip-html';

const short = (value: number) => String(Number(value.toPrecision(4)));

export interface HeatmapData {
  xLabels: string[];
  yLabels: string[];
  xName: string;
  yName: string;
  /** [x index, y index, value, runs in the cell]. */
  cells: Array<[number, number, number, number]>;
  /** Differences: a diverging scale centred on 0. */
  diverging: boolean;
  valueName: string;
}

export function heatmapOption(data: HeatmapData): EChartsOption {
  const values = data.cells.map((cell) => cell[2]);
  let min = values.length > 0 ? Math.min(...values) : 0;
  let max = values.length > 0 ? Math.max(...values) : 1;
  if (data.diverging) {
    const reach = Math.max(Math.abs(min), Math.abs(max)) || 1;
    min = -reach;
    max = reach;
  } else if (min === max) {
    min -= 1;
    max += 1;
  }
  const series: HeatmapSeriesOption = {
    type: 'heatmap',
    name: data.valueName,
    data: data.cells,
    label: { show: true, formatter: (p) => short((p.value as number[])[2]), fontSize: 11 },
    emphasis: { itemStyle: { borderColor: '#1d2330', borderWidth: 1 } },
  };
  return {
    animation: false,
    grid: { left: 72, right: 120, top: 12, bottom: 48 },
    tooltip: {
      confine: true,
      formatter: (p) => {
        const [x, y, value, n] = (p as { value: number[] }).value as [number, number, number, number];
        // Axis names, axis values and the metric key are the user's text: escaped by tooltipHtml.
        return tooltipHtml`${data.xName} ${data.xLabels[x]}, ${data.yName} ${data.yLabels[y]}<br/>${data.valueName}: ${short(value)} (${n} run${n === 1 ? '' : 's'})`;
      },
    },
    xAxis: {
      type: 'category',
      data: data.xLabels,
      name: data.xName,
      nameLocation: 'middle',
      nameGap: 28,
      splitArea: { show: true },
    },
    yAxis: {
      type: 'category',
      data: data.yLabels,
      name: data.yName,
      nameLocation: 'middle',
      nameGap: 48,
      splitArea: { show: true },
    },
    visualMap: {
      min,
      max,
      dimension: 2,
      calculable: true,
      orient: 'vertical',
      right: 16,
      top: 'middle',
      itemHeight: 200,
      // Differences: blue below the baseline, orange above. Neutral on purpose: lower is better for
      // a loss, not for tokens/s.
      inRange: {
        color: data.diverging ? ['#2f5bd3', '#f7f7f7', '#d9622b'] : ['#f2f6ff', '#8fb0ef', '#2f5bd3', '#172f70'],
      },
      formatter: (value) => short(Number(value)),
    },
    series: [series],
  };
}

export interface AxisLineData {
  xLabels: string[];
  xName: string;
  yName: string;
  /** Per line, per x: [mean, std, n] or null where no run has that value. */
  series: Array<{ name: string; points: Array<[number, number | null, number] | null> }>;
  baseline: { mean: number; n: number } | null;
}

export function axisLineOption(data: AxisLineData): EChartsOption {
  const series: LineSeriesOption[] = [];
  data.series.forEach((line, index) => {
    const color = PALETTE[index % PALETTE.length];
    const band = line.points.flatMap(
      (point, x): Array<[number, number, number]> =>
        point && point[1] !== null ? [[x, point[0] - point[1], point[0] + point[1]]] : [],
    );
    if (band.length > 0) {
      // On a category axis the band's x is the category index.
      series.push(...bandSeries(line.name, band, color).map((s) => ({ ...s, data: bandData(s, line.points.length) })));
    }
    series.push({
      type: 'line',
      name: line.name,
      color,
      data: line.points.map((point) => (point ? point[0] : null)),
      symbolSize: 7,
      connectNulls: true,
      z: 3,
    });
  });
  if (data.baseline && series.length > 0) {
    const target = series[series.length - 1] as LineSeriesOption;
    target.markLine = {
      silent: true,
      symbol: 'none',
      lineStyle: { type: 'dashed', color: '#5d6675' },
      label: { formatter: `baseline ${short(data.baseline.mean)}`, position: 'insideEndTop' },
      data: [{ yAxis: data.baseline.mean }],
    };
  }
  const names = data.series.map((line) => line.name);
  return {
    animation: false,
    grid: { left: 72, right: 24, top: names.length > 1 ? 34 : 16, bottom: 44 },
    legend: names.length > 1 ? { data: names, top: 0, type: 'scroll' } : { show: false },
    // ECharts' own tooltip, which escapes the axis value and the series names (see tooltip-html.ts).
    tooltip: { trigger: 'axis', confine: true, valueFormatter: (v) => (typeof v === 'number' ? short(v) : '-') },
    xAxis: { type: 'category', data: data.xLabels, name: data.xName, nameLocation: 'middle', nameGap: 28 },
    yAxis: {
      type: 'value',
      name: data.yName,
      nameLocation: 'middle',
      nameGap: 48,
      scale: true,
      axisLabel: { formatter: (v: number) => short(v) },
      // Keep the baseline line in view even when every run is far from it.
      ...(data.baseline ? { min: extendTo(data.baseline.mean, 'min'), max: extendTo(data.baseline.mean, 'max') } : {}),
    },
    series,
  };
}

/** An axis bound that also covers `value`, rounded outwards to a readable step. */
function extendTo(value: number, bound: 'min' | 'max') {
  return (extent: { min: number; max: number }) => {
    const low = Math.min(extent.min, value);
    const high = Math.max(extent.max, value);
    const step = 10 ** Math.floor(Math.log10(high - low || Math.abs(value) || 1)) / 2;
    return bound === 'min' ? Math.floor(low / step - 0.2) * step : Math.ceil(high / step + 0.2) * step;
  };
}

/** A band series' [x, y] pairs as a dense per-category array (null where there is no point). */
function bandData(series: LineSeriesOption, length: number): Array<number | null> {
  const dense: Array<number | null> = Array.from({ length }, () => null);
  for (const [x, y] of (series.data ?? []) as Array<[number, number]>) dense[x] = y;
  return dense;
}

export interface ParallelData {
  dimensions: Array<{ name: string; categories?: string[] }>;
  rows: Array<Array<number | string>>;
}

export function parallelOption(data: ParallelData): EChartsOption {
  const metricIndex = data.dimensions.length - 1;
  const metricValues = data.rows.map((row) => row[metricIndex] as number).filter((v) => Number.isFinite(v));
  const series: ParallelSeriesOption = {
    type: 'parallel',
    data: data.rows,
    lineStyle: { width: 1.2, opacity: 0.55 },
    emphasis: { lineStyle: { width: 2.5, opacity: 1 } },
  };
  return {
    animation: false,
    parallel: { left: 60, right: 90, top: 36, bottom: 24 },
    parallelAxis: data.dimensions.map((dimension, dim) =>
      dimension.categories
        ? { dim, name: dimension.name, type: 'category', data: dimension.categories }
        : { dim, name: dimension.name, type: 'value', scale: true },
    ),
    visualMap:
      metricValues.length > 0
        ? {
            type: 'continuous',
            dimension: metricIndex,
            min: Math.min(...metricValues),
            max: Math.max(...metricValues) + (Math.min(...metricValues) === Math.max(...metricValues) ? 1 : 0),
            right: 0,
            top: 'middle',
            itemHeight: 140,
            calculable: true,
            inRange: { color: ['#2f5bd3', '#8fb0ef', '#f0a35e', '#c23b3b'] },
            formatter: (value) => short(Number(value)),
          }
        : undefined,
    series: [series],
  };
}
