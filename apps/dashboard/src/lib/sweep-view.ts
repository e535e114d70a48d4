// The sweep page's state in the URL: which metric, which two axes the heatmap spans, value or
// difference to the baseline, which axis the line plot runs along and which axis splits it.
// Axis and metric names are checked against what the sweep actually has.
import { METRIC, PARAM } from './keys';
import { KEY_PATTERN, QueryReader, type SearchParams } from './search-params';

export type HeatmapMode = 'value' | 'delta';

export interface SweepView {
  metric: string;
  x: string;
  y: string;
  mode: HeatmapMode;
  line: string;
  /** '' = one line over all runs. */
  series: string;
  warnings: string[];
}

export function parseSweepView(params: SearchParams): SweepView {
  const read = new QueryReader(params);
  const key = (name: string) => read.matching(name, KEY_PATTERN, 1)[0] ?? '';
  return {
    metric: key('metric'),
    x: key('x'),
    y: key('y'),
    mode: read.choice('mode', ['value', 'delta'] as const, 'value'),
    line: key('line'),
    series: key('series'),
    warnings: read.warnings,
  };
}

/** Honest likelihoods first: a sweep is judged on prior CE / ELBO, not on the leaky posterior CE. */
export const METRIC_PREFERENCE = [METRIC.valPriorCe, METRIC.valElbo, METRIC.valIwae, METRIC.trainLoss];

function pick(requested: string, allowed: string[], preferred: string[], what: string, warnings: string[]): string {
  if (requested !== '') {
    if (allowed.includes(requested)) return requested;
    warnings.push(`This sweep has no ${what} ${JSON.stringify(requested)}; showing the default.`);
  }
  return preferred.find((candidate) => allowed.includes(candidate)) ?? allowed[0] ?? '';
}

/** Fills defaults (κ × H, placement for the line) and drops names the sweep does not have. */
export function resolveSweepView(view: SweepView, axes: string[], metrics: string[]): SweepView {
  const warnings = [...view.warnings];
  const metric = pick(view.metric, metrics, METRIC_PREFERENCE, 'metric', warnings);
  // The variant axis splits baseline from latent runs: the baseline is the reference, not a cell.
  const gridAxes = axes.filter((axis) => axis !== PARAM.variant);
  const x = pick(view.x, gridAxes, [PARAM.kappaNats, PARAM.encoderPlacement, PARAM.latentBits], 'axis', warnings);
  const y = pick(
    view.y,
    gridAxes.filter((axis) => axis !== x),
    [PARAM.latentBits, PARAM.kappaNats, PARAM.encoderPlacement],
    'axis',
    warnings,
  );
  const line = pick(view.line, gridAxes, [PARAM.encoderPlacement, PARAM.kappaNats, PARAM.latentBits], 'axis', warnings);
  let series = '';
  if (view.series !== '') {
    if (gridAxes.includes(view.series) && view.series !== line) series = view.series;
    else warnings.push(`Cannot split the line plot by ${JSON.stringify(view.series)}; showing one line.`);
  }
  return { metric, x, y, mode: view.mode, line, series, warnings };
}
