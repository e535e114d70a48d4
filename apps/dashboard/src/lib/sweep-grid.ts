// A sweep's runs arranged over its axes for the sweep page's charts: the heatmap over two axes
// (mean over seeds per cell, or the difference to the baseline), the line over one axis, the
// parallel-coordinates rows. Runs of the plain baseline are kept out of the cells: they are the
// reference each cell is compared with (the L+1-block control is compared like any other run).
import type { ParamValue, RunStatus, SweepSummary } from '@ftlab/tracker';
import { formatNumber } from './format';
import { NATS_PER_BIT, PARAM, REFERENCE_VARIANT } from './keys';
import { runVariant } from './run-row';

export interface SweepRunPoint {
  id: string;
  name: string;
  seed: number | null;
  status: RunStatus;
  /** A run of the reference variant (the plain baseline). */
  isBaseline: boolean;
  axes: Record<string, ParamValue>;
  /** The run's latest value of the chosen metric (null: not logged, or not finite). */
  value: number | null;
}

export interface AxisValue {
  /** The param's text: the identity of the value. */
  text: string;
  number: number | null;
  label: string;
}

export interface Aggregate {
  mean: number;
  std: number | null;
  n: number;
}

export function sweepPoints(summary: Pick<SweepSummary, 'runs'>, metric: string): SweepRunPoint[] {
  return summary.runs.map((run) => ({
    id: run.id,
    name: run.name,
    seed: run.seed,
    status: run.status,
    isBaseline: runVariant(run) === REFERENCE_VARIANT,
    axes: run.params,
    value: run.latestMetrics[metric]?.value ?? null,
  }));
}

/** How an axis value reads: κ in bits (the config stores nats), everything else as written. */
export function axisValueLabel(key: string, value: ParamValue): string {
  if (key === PARAM.kappaNats && value.number !== null) return `${formatNumber(value.number / NATS_PER_BIT, 3)}`;
  return value.text;
}

export function axisTitle(key: string): string {
  if (key === PARAM.kappaNats) return 'κ (bits/token)';
  if (key === PARAM.latentBits) return 'H (latent bits)';
  if (key === PARAM.encoderPlacement) return 'm (encoder placement)';
  if (key === PARAM.variant) return 'variant';
  return key;
}

/** The distinct values an axis takes among the given points, numbers ascending, else by text. */
export function axisValues(points: SweepRunPoint[], key: string): AxisValue[] {
  const byText = new Map<string, AxisValue>();
  for (const point of points) {
    const value = point.axes[key];
    if (value === undefined || byText.has(value.text)) continue;
    byText.set(value.text, { text: value.text, number: value.number, label: axisValueLabel(key, value) });
  }
  return [...byText.values()].sort((a, b) =>
    a.number !== null && b.number !== null ? a.number - b.number : a.text.localeCompare(b.text),
  );
}

export function aggregate(values: number[]): Aggregate | null {
  if (values.length === 0) return null;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  if (values.length < 2) return { mean, std: null, n: 1 };
  const variance = values.reduce((sum, v) => sum + (v - mean) * (v - mean), 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance), n: values.length };
}

export interface Baseline extends Aggregate {
  /** Mean baseline value per seed, for differences paired by seed. */
  bySeed: Map<number, number>;
}

export function baselineOf(points: SweepRunPoint[]): Baseline | null {
  const baselines = points.filter((p) => p.isBaseline && p.value !== null);
  const overall = aggregate(baselines.map((p) => p.value as number));
  if (overall === null) return null;
  const perSeed = new Map<number, number[]>();
  for (const p of baselines) {
    if (p.seed === null) continue;
    perSeed.set(p.seed, [...(perSeed.get(p.seed) ?? []), p.value as number]);
  }
  const bySeed = new Map([...perSeed].map(([seed, values]) => [seed, (aggregate(values) as Aggregate).mean]));
  return { ...overall, bySeed };
}

/**
 * Each run's difference to the baseline: paired with the baseline run of the same seed where
 * there is one (same data order and init), else with the mean over baseline runs.
 */
export function deltaToBaseline(point: SweepRunPoint, baseline: Baseline): { delta: number; paired: boolean } | null {
  if (point.value === null) return null;
  const sameSeed = point.seed === null ? undefined : baseline.bySeed.get(point.seed);
  return sameSeed === undefined
    ? { delta: point.value - baseline.mean, paired: false }
    : { delta: point.value - sameSeed, paired: true };
}

export interface HeatmapCell {
  /** Indexes into the heatmap's x and y values. */
  x: number;
  y: number;
  value: Aggregate;
  /** Mean difference to the baseline (null without baseline runs). */
  delta: Aggregate | null;
  /** How many of the differences were paired by seed. */
  paired: number;
  runIds: string[];
}

export interface Heatmap {
  xKey: string;
  yKey: string;
  x: AxisValue[];
  y: AxisValue[];
  cells: HeatmapCell[];
  baseline: Baseline | null;
  /** Non-baseline runs without a value of the metric (pending, or never logged it). */
  withoutValue: number;
}

export function computeHeatmap(points: SweepRunPoint[], xKey: string, yKey: string): Heatmap {
  const latent = points.filter((p) => !p.isBaseline && p.axes[xKey] !== undefined && p.axes[yKey] !== undefined);
  const x = axisValues(latent, xKey);
  const y = axisValues(latent, yKey);
  const baseline = baselineOf(points);
  const groups = new Map<string, SweepRunPoint[]>();
  let withoutValue = 0;
  for (const point of latent) {
    if (point.value === null) {
      withoutValue++;
      continue;
    }
    const xi = x.findIndex((v) => v.text === point.axes[xKey]?.text);
    const yi = y.findIndex((v) => v.text === point.axes[yKey]?.text);
    const key = `${xi},${yi}`;
    groups.set(key, [...(groups.get(key) ?? []), point]);
  }
  const cells: HeatmapCell[] = [];
  for (const [key, members] of groups) {
    const [xi, yi] = key.split(',').map(Number) as [number, number];
    const deltas = baseline ? members.map((p) => deltaToBaseline(p, baseline)).filter((d) => d !== null) : [];
    cells.push({
      x: xi,
      y: yi,
      value: aggregate(members.map((p) => p.value as number)) as Aggregate,
      delta: aggregate(deltas.map((d) => d.delta)),
      paired: deltas.filter((d) => d.paired).length,
      runIds: members.map((p) => p.id),
    });
  }
  cells.sort((a, b) => a.y - b.y || a.x - b.x);
  return { xKey, yKey, x, y, cells, baseline, withoutValue };
}

export interface AxisLine {
  axisKey: string;
  seriesKey: string | null;
  x: AxisValue[];
  series: Array<{ name: string; points: Array<Aggregate | null> }>;
  baseline: Baseline | null;
}

/** Mean ± std of the metric at each value of one axis, one line per value of `seriesKey` (or one line). */
export function computeAxisLine(points: SweepRunPoint[], axisKey: string, seriesKey: string | null): AxisLine {
  const latent = points.filter((p) => !p.isBaseline && p.axes[axisKey] !== undefined && p.value !== null);
  const x = axisValues(latent, axisKey);
  const seriesValues = seriesKey ? axisValues(latent, seriesKey) : [null];
  const series = seriesValues.map((seriesValue) => {
    const members = latent.filter(
      (p) => seriesValue === null || p.axes[seriesKey as string]?.text === seriesValue.text,
    );
    return {
      name: seriesValue === null ? 'mean over runs' : `${axisTitle(seriesKey as string)} = ${seriesValue.label}`,
      points: x.map((value) =>
        aggregate(members.filter((p) => p.axes[axisKey]?.text === value.text).map((p) => p.value as number)),
      ),
    };
  });
  return { axisKey, seriesKey, x, series, baseline: baselineOf(points) };
}

export interface ParallelDimension {
  key: string;
  name: string;
  /** Category values for text axes; absent for numeric ones. */
  categories?: string[];
}

/** Where a run has no value on an axis (a baseline has no κ): its own category, not a fake number. */
export const NOT_APPLICABLE = 'n/a';

/**
 * One row per run with a value: each axis, then the metric. An axis is numeric (κ in bits) when
 * every run has a number there; otherwise it is categorical, with 'n/a' for runs that lack it.
 */
export function parallelRows(
  points: SweepRunPoint[],
  axisKeys: string[],
  metric: string,
): { dimensions: ParallelDimension[]; rows: Array<Array<number | string>>; runIds: string[] } {
  const withValue = points.filter((p) => p.value !== null);
  const dimensions: ParallelDimension[] = axisKeys.map((key) => {
    const values = axisValues(withValue, key);
    const complete = withValue.every((p) => p.axes[key] !== undefined);
    if (complete && values.every((v) => v.number !== null)) return { key, name: axisTitle(key) };
    const categories = values.map((v) => v.label);
    return { key, name: axisTitle(key), categories: complete ? categories : [NOT_APPLICABLE, ...categories] };
  });
  dimensions.push({ key: metric, name: metric });
  const rows = withValue.map((point) => [
    ...axisKeys.map((key, i) => {
      const value = point.axes[key];
      if (dimensions[i]?.categories) return value === undefined ? NOT_APPLICABLE : axisValueLabel(key, value);
      const number = (value as ParamValue).number as number;
      return key === PARAM.kappaNats ? number / NATS_PER_BIT : number;
    }),
    point.value as number,
  ]);
  return { dimensions, rows, runIds: withValue.map((p) => p.id) };
}
