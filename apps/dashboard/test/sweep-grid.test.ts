// The sweep page's arithmetic against brute force: heatmap cells from the tracker's sweep
// summary, differences paired by seed, the line over one axis, parallel-coordinate rows.
import type { ParamValue, SweepSummary } from '@ftlab/tracker';
import { describe, expect, it } from 'vitest';
import { PARAM } from '../src/lib/keys';
import {
  baselineOf,
  computeAxisLine,
  computeHeatmap,
  deltaToBaseline,
  NOT_APPLICABLE,
  parallelRows,
  type SweepRunPoint,
  sweepPoints,
} from '../src/lib/sweep-grid';
import { parseSweepView, resolveSweepView } from '../src/lib/sweep-view';
import { KAPPA_BITS, LATENT_BITS, priorCe, SEEDS } from './fixtures/lab-database';
import { withLabDatabase } from './helpers/lab-reader';

let summary: SweepSummary;
withLabDatabase('ftlab-dashboard-sweep-grid-', async ({ lab, reader }) => {
  summary = await reader.sweepSummary(lab.sweepId);
});

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('computeHeatmap', () => {
  it('has one cell per (κ, H) holding the mean over seeds, baselines kept out of the cells', () => {
    const heatmap = computeHeatmap(sweepPoints(summary, 'val/prior_ce'), PARAM.kappaNats, PARAM.latentBits);
    expect(heatmap.x.map((v) => v.label)).toEqual(KAPPA_BITS.map(String));
    expect(heatmap.y.map((v) => v.label)).toEqual(LATENT_BITS.map(String));
    expect(heatmap.cells).toHaveLength(KAPPA_BITS.length * LATENT_BITS.length);
    for (const cell of heatmap.cells) {
      const kappa = KAPPA_BITS[cell.x];
      const h = LATENT_BITS[cell.y];
      expect(cell.value.mean).toBeCloseTo(mean(SEEDS.map((seed) => priorCe(kappa, h, seed))), 12);
      expect(cell.value.n).toBe(SEEDS.length);
      expect(cell.runIds).toHaveLength(SEEDS.length);
      const deltas = SEEDS.map((seed) => priorCe(kappa, h, seed) - priorCe(null, null, seed));
      expect(cell.delta?.mean).toBeCloseTo(mean(deltas), 12);
      expect(cell.paired).toBe(SEEDS.length);
    }
    expect(heatmap.baseline?.mean).toBeCloseTo(mean(SEEDS.map((seed) => priorCe(null, null, seed))), 12);
    expect(heatmap.withoutValue).toBe(0);
  });

  it('counts runs without the metric instead of inventing a value', () => {
    const heatmap = computeHeatmap(sweepPoints(summary, 'no/such_metric'), PARAM.kappaNats, PARAM.latentBits);
    expect(heatmap.cells).toEqual([]);
    expect(heatmap.baseline).toBeNull();
    expect(heatmap.withoutValue).toBe(KAPPA_BITS.length * LATENT_BITS.length * SEEDS.length);
  });
});

const value = (text: string, number: number | null = Number(text)): ParamValue => ({ text, number });
const point = (
  seed: number | null,
  v: number | null,
  isBaseline: boolean,
  axes: Record<string, ParamValue> = {},
): SweepRunPoint => ({
  id: `${isBaseline ? 'b' : 'f'}${seed}-${Math.random()}`,
  name: 'x',
  seed,
  status: 'FINISHED',
  isBaseline,
  axes,
  value: v,
});

describe('differences to the baseline', () => {
  it('pairs by seed where the seed has a baseline, else uses the baseline mean', () => {
    const baseline = baselineOf([point(0, 2, true), point(1, 3, true), point(1, 3.5, true)]);
    expect(baseline?.mean).toBeCloseTo(2.833333333333, 9);
    expect(baseline?.bySeed.get(1)).toBe(3.25);
    expect(deltaToBaseline(point(1, 3, false), baseline!)).toEqual({ delta: -0.25, paired: true });
    expect(deltaToBaseline(point(5, 3, false), baseline!)?.paired).toBe(false);
    expect(deltaToBaseline(point(null, 3, false), baseline!)?.delta).toBeCloseTo(3 - 2.833333333333, 9);
    expect(deltaToBaseline(point(0, null, false), baseline!)).toBeNull();
    expect(baselineOf([point(0, null, true)])).toBeNull();
  });
});

describe('the reference baseline', () => {
  it('is the plain baseline only: an L+1-block control is compared, not averaged into the reference', () => {
    const baselineRun = summary.runs.find((r) => r.variant === 'baseline');
    expect(baselineRun).toBeDefined();
    const plusOne = { ...baselineRun!, id: 'plus-one-run', variant: 'baseline-plus-one', latestMetrics: {} };
    plusOne.latestMetrics = { 'val/prior_ce': { ...baselineRun!.latestMetrics['val/prior_ce']!, value: 99 } };
    const points = sweepPoints({ runs: [...summary.runs, plusOne] }, 'val/prior_ce');
    expect(points.find((p) => p.id === 'plus-one-run')?.isBaseline).toBe(false);
    const withControl = baselineOf(points);
    const without = baselineOf(sweepPoints(summary, 'val/prior_ce'));
    expect(withControl?.mean).toBe(without?.mean); // the control's 99 is not in the reference
    expect(withControl?.n).toBe(without?.n);
  });
});

describe('computeAxisLine', () => {
  it('gives mean ± std per axis value, split by another axis on request', () => {
    const points = sweepPoints(summary, 'val/prior_ce');
    const pooled = computeAxisLine(points, PARAM.kappaNats, null);
    expect(pooled.series).toHaveLength(1);
    pooled.x.forEach((_, i) => {
      const kappa = KAPPA_BITS[i];
      const values = LATENT_BITS.flatMap((h) => SEEDS.map((seed) => priorCe(kappa, h, seed)));
      expect(pooled.series[0]?.points[i]?.mean).toBeCloseTo(mean(values), 12);
      expect(pooled.series[0]?.points[i]?.n).toBe(values.length);
    });
    const split = computeAxisLine(points, PARAM.kappaNats, PARAM.latentBits);
    expect(split.series.map((s) => s.name)).toEqual(LATENT_BITS.map((h) => `H (latent bits) = ${h}`));
    expect(split.series[1]?.points[2]?.mean).toBeCloseTo(mean(SEEDS.map((seed) => priorCe(4, 8, seed))), 12);
  });
});

describe('parallelRows', () => {
  it('puts runs without a value on an axis in an n/a category, κ in bits, the metric last', () => {
    const points = [
      point(0, 2, true, { 'model.variant': value('baseline', null) }),
      point(0, 1.5, false, {
        'model.variant': value('free-transformer', null),
        [PARAM.kappaNats]: value(String(Math.LN2), Math.LN2),
      }),
      point(1, null, false, { 'model.variant': value('free-transformer', null) }),
    ];
    const { dimensions, rows } = parallelRows(points, ['model.variant', PARAM.kappaNats], 'val/prior_ce');
    expect(dimensions.map((d) => d.categories ?? null)).toEqual([
      ['baseline', 'free-transformer'],
      [NOT_APPLICABLE, '1'],
      null,
    ]);
    expect(rows).toEqual([
      ['baseline', NOT_APPLICABLE, 2],
      ['free-transformer', '1', 1.5],
    ]);
    const numeric = parallelRows(points.slice(1, 2), [PARAM.kappaNats], 'm');
    expect(numeric.dimensions[0]?.categories).toBeUndefined();
    expect(numeric.rows[0]?.[0]).toBeCloseTo(1, 12);
  });
});

describe('resolveSweepView', () => {
  const axes = ['model.variant', PARAM.kappaNats, PARAM.latentBits];
  const metrics = ['train/loss', 'val/prior_ce'];

  it('defaults to the honest metric over κ × H, and the line along κ when placement is not swept', () => {
    expect(resolveSweepView(parseSweepView({}), axes, metrics)).toEqual({
      metric: 'val/prior_ce',
      x: PARAM.kappaNats,
      y: PARAM.latentBits,
      mode: 'value',
      line: PARAM.kappaNats,
      series: '',
      warnings: [],
    });
  });

  it('accepts only axes and metrics the sweep has, and never the variant as a grid axis', () => {
    const view = resolveSweepView(
      parseSweepView({
        metric: 'val/nope',
        x: 'model.variant',
        y: "'; DROP TABLE runs",
        mode: 'ratio',
        series: PARAM.latentBits,
        line: PARAM.latentBits,
      }),
      axes,
      metrics,
    );
    expect(view.metric).toBe('val/prior_ce');
    expect(view.x).toBe(PARAM.kappaNats);
    expect(view.y).toBe(PARAM.latentBits);
    expect(view.mode).toBe('value');
    expect(view.series).toBe('');
    expect(view.warnings).toHaveLength(5);
  });
});
