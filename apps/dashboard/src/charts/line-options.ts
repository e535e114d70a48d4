// ECharts options for metric curves over steps: lines, shaded bands drawn as a transparent
// lower line plus a stacked (high - low) area, and horizontal reference lines (kappa, baseline).
import type { EChartsOption, LineSeriesOption } from 'echarts';
import { type BandPoint, emaSmooth, type LineSeries, type ReferenceLine } from './series';

export const PALETTE = [
  '#2f5bd3',
  '#d9622b',
  '#2e9d62',
  '#b8378f',
  '#8a6d1f',
  '#19a0b5',
  '#7a4fd1',
  '#c23b3b',
  '#5c7a29',
  '#3b4f7a',
];

export const BAND_PREFIX = '\u200bband:';

/** A shaded band as ECharts draws one: a transparent lower line plus a stacked (high - low) area. */
export function bandSeries(name: string, band: BandPoint[], color: string): LineSeriesOption[] {
  const stack = `${BAND_PREFIX}${name}`;
  const common = {
    type: 'line' as const,
    stack,
    symbol: 'none',
    silent: true,
    lineStyle: { opacity: 0 },
    tooltip: { show: false },
    z: 1,
  };
  return [
    { ...common, name: `${BAND_PREFIX}${name}:low`, data: band.map(([step, low]) => [step, low]) },
    {
      ...common,
      name: `${BAND_PREFIX}${name}:width`,
      data: band.map(([step, low, high]) => [step, high - low]),
      areaStyle: { color, opacity: 0.15 },
    },
  ];
}

export interface LineChartSpec {
  series: LineSeries[];
  yName?: string;
  xName?: string;
  references?: ReferenceLine[];
  /** EMA factor in [0, 1): applied to lines, not to bands. */
  smoothing?: number;
  logY?: boolean;
  /** Show a zoom slider under the chart. */
  zoom?: boolean;
}

export function lineChartOption(spec: LineChartSpec): EChartsOption {
  const smoothing = spec.smoothing ?? 0;
  const series: LineSeriesOption[] = [];
  spec.series.forEach((line, index) => {
    const color = PALETTE[index % PALETTE.length];
    if (line.band && line.band.length > 0 && !spec.logY) series.push(...bandSeries(line.name, line.band, color));
    series.push({
      type: 'line',
      name: line.name,
      data: emaSmooth(line.points, smoothing),
      showSymbol: line.points.length < 40,
      symbolSize: 5,
      connectNulls: false,
      color,
      lineStyle: { width: 1.6, type: line.dashed ? 'dashed' : 'solid' },
      emphasis: { focus: 'series' },
      z: 3,
    });
  });
  const references = spec.references ?? [];
  if (references.length > 0 && series.length > 0) {
    // A markLine on the first visible series: horizontal lines across the whole chart.
    const target = series.find((s) => !String(s.name).startsWith(BAND_PREFIX)) as LineSeriesOption;
    target.markLine = {
      silent: true,
      symbol: 'none',
      lineStyle: { type: 'dashed', color: '#8a93a3' },
      label: { formatter: '{b}', position: 'insideEndTop', color: '#5d6675' },
      data: references.map((reference) => ({ name: reference.label, yAxis: reference.value })),
    };
  }
  const legendNames = spec.series.map((line) => line.name);
  return {
    animation: false,
    grid: { left: 64, right: 20, top: legendNames.length > 1 ? 34 : 14, bottom: spec.zoom ? 56 : 28 },
    legend: legendNames.length > 1 ? { data: legendNames, top: 0, type: 'scroll' } : { show: false },
    // ECharts' own tooltip: it escapes series names (run names, metric keys) and values; a custom
    // formatter would have to build its HTML with tooltipHtml (tooltip-html.ts).
    tooltip: {
      trigger: 'axis',
      confine: true,
      valueFormatter: (value) =>
        typeof value === 'number' ? String(Number(value.toPrecision(5))) : String(value ?? '-'),
    },
    xAxis: { type: 'value', name: spec.xName ?? 'step', nameLocation: 'middle', nameGap: 22, scale: true },
    // The unit runs along the axis, clear of the legend above the plot.
    yAxis: { type: spec.logY ? 'log' : 'value', name: spec.yName, nameLocation: 'middle', nameGap: 48, scale: true },
    dataZoom: spec.zoom ? [{ type: 'inside' }, { type: 'slider', height: 16, bottom: 8 }] : [{ type: 'inside' }],
    series,
  };
}
