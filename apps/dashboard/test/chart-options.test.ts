import type { LineSeriesOption } from 'echarts';
import { describe, expect, it } from 'vitest';
import { BAND_PREFIX, lineChartOption } from '../src/charts/line-options';
import { axisLineOption, heatmapOption, parallelOption } from '../src/charts/sweep-options';

type XY = [number, number];

describe('lineChartOption', () => {
  const option = lineChartOption({
    series: [
      {
        name: 'loss',
        points: [
          [0, 3],
          [10, 2],
          [20, null],
        ],
        band: [
          [0, 2.5, 3.5],
          [10, 1.5, 2.25],
        ],
      },
      { name: 'val', points: [[10, 2.2]], dashed: true },
    ],
    references: [{ label: 'κ = 0.5 bits', value: 0.5 }],
    smoothing: 0,
  });
  const series = option.series as LineSeriesOption[];

  it('draws a band as a transparent low line plus a stacked width that ends at the high value', () => {
    const low = series.find((s) => s.name === `${BAND_PREFIX}loss:low`)?.data as XY[];
    const width = series.find((s) => s.name === `${BAND_PREFIX}loss:width`)?.data as XY[];
    expect(low.map(([, y], i) => y + (width[i] as XY)[1])).toEqual([3.5, 2.25]);
    expect(series.find((s) => s.name === `${BAND_PREFIX}loss:low`)?.stack).toBe(
      series.find((s) => s.name === `${BAND_PREFIX}loss:width`)?.stack,
    );
  });

  it('lists only the real series in the legend, keeps gaps, dashes reference curves, draws the κ line', () => {
    expect((option.legend as { data: string[] }).data).toEqual(['loss', 'val']);
    expect(series.find((s) => s.name === 'loss')?.data).toEqual([
      [0, 3],
      [10, 2],
      [20, null],
    ]);
    const valStyle = series.find((s) => s.name === 'val')?.lineStyle as { type?: string } | undefined;
    expect(valStyle?.type).toBe('dashed');
    expect(series.find((s) => s.name === 'loss')?.markLine?.data).toEqual([{ name: 'κ = 0.5 bits', yAxis: 0.5 }]);
  });

  it('drops bands on a log axis (a stacked width has no meaning there)', () => {
    const log = lineChartOption({ series: [{ name: 'a', points: [[0, 1]], band: [[0, 0.5, 2]] }], logY: true });
    expect((log.series as LineSeriesOption[]).map((s) => s.name)).toEqual(['a']);
  });
});

describe('sweep chart options', () => {
  it('centres a difference heatmap on 0 and keeps the cells as given', () => {
    const cells: Array<[number, number, number, number]> = [
      [0, 0, -0.2, 2],
      [1, 0, 0.05, 2],
    ];
    const option = heatmapOption({
      xLabels: ['0.25', '1'],
      yLabels: ['4'],
      xName: 'κ',
      yName: 'H',
      cells,
      diverging: true,
      valueName: 'd',
    });
    const visualMap = option.visualMap as { min: number; max: number };
    expect([visualMap.min, visualMap.max]).toEqual([-0.2, 0.2]);
    expect((option.series as Array<{ data: unknown }>)[0]?.data).toEqual(cells);
  });

  it('keeps the baseline in the line plot range and draws it', () => {
    const option = axisLineOption({
      xLabels: ['a', 'b'],
      xName: 'm',
      yName: 'ce',
      series: [
        {
          name: 'mean',
          points: [
            [1.8, 0.01, 2],
            [1.9, null, 1],
          ],
        },
      ],
      baseline: { mean: 2.5, n: 2 },
    });
    const yAxis = option.yAxis as {
      min: (e: { min: number; max: number }) => number;
      max: (e: { min: number; max: number }) => number;
    };
    expect(yAxis.max({ min: 1.8, max: 1.9 })).toBeGreaterThan(2.5);
    expect(yAxis.min({ min: 1.8, max: 1.9 })).toBeLessThan(1.8);
    const line = (option.series as LineSeriesOption[]).find((s) => s.name === 'mean');
    expect(line?.data).toEqual([1.8, 1.9]);
    expect(line?.markLine?.data).toEqual([{ yAxis: 2.5 }]);
    // Only the point with a std gets a band.
    const low = (option.series as LineSeriesOption[]).find((s) => String(s.name).endsWith(':low'));
    expect(low?.data).toEqual([1.79, null]);
  });

  it('gives parallel coordinates one axis per dimension, categories where text', () => {
    const option = parallelOption({
      dimensions: [{ name: 'κ' }, { name: 'variant', categories: ['baseline', 'free'] }, { name: 'ce' }],
      rows: [
        [0.5, 'free', 1.9],
        [1, 'baseline', 2],
      ],
    });
    expect(option.parallelAxis).toEqual([
      { dim: 0, name: 'κ', type: 'value', scale: true },
      { dim: 1, name: 'variant', type: 'category', data: ['baseline', 'free'] },
      { dim: 2, name: 'ce', type: 'value', scale: true },
    ]);
    expect((option.visualMap as { dimension: number; min: number; max: number }).dimension).toBe(2);
  });
});
