// The run page's charts: which metric keys share a chart, and the kappa reference line on the
// KL chart. Keys a run logs that no chart names get a chart of their own under "other metrics".
import type { RunDetail, Tracker } from '@ftlab/tracker';
import type { LineSeries, ReferenceLine } from '../charts/series';
import { loadSeries, nonFiniteCount, type SeriesSpec } from './curves';
import { formatNumber } from './format';
import { METRIC, NATS_PER_BIT, PARAM } from './keys';
import { isBaselineVariant, runVariant } from './run-row';

export interface RunChartSpec {
  id: string;
  title: string;
  yName: string;
  series: SeriesSpec[];
  /** Draw kappa (bits per token) as a reference line. */
  kappaLine?: boolean;
  caption?: string;
}

export const RUN_CHARTS: RunChartSpec[] = [
  {
    id: 'loss',
    title: 'Training loss',
    yName: 'nats/token',
    series: [
      { key: METRIC.trainLoss, label: 'loss (CE + KL hinge)' },
      { key: METRIC.trainCe, label: 'CE' },
    ],
  },
  {
    id: 'validation',
    title: 'Validation likelihood',
    yName: 'nats/token',
    series: [
      { key: METRIC.valElbo, label: 'ELBO NLL' },
      { key: METRIC.valPriorCe, label: 'prior CE' },
      { key: METRIC.valIwae, label: 'IWAE' },
      { key: METRIC.valPosteriorCe, label: 'posterior CE (leaky)', dashed: true },
    ],
    caption: 'Posterior CE uses Z from the encoder, which has seen the future tokens: not a language-model loss.',
  },
  {
    id: 'kl',
    title: 'KL per token',
    yName: 'bits/token',
    series: [
      { key: METRIC.trainKlBits, label: 'train KL' },
      { key: METRIC.valKlBits, label: 'validation KL' },
    ],
    kappaLine: true,
    caption: 'Near 0 and staying there: collapse. Pinned at κ: the free-bits budget is used.',
  },
  { id: 'lr', title: 'Learning rate', yName: 'lr', series: [{ key: METRIC.learningRate, label: 'lr' }] },
  { id: 'grad', title: 'Gradient norm', yName: 'norm', series: [{ key: METRIC.gradNorm, label: 'grad norm' }] },
  {
    id: 'throughput',
    title: 'Throughput',
    yName: 'tokens/s',
    series: [{ key: METRIC.tokensPerSec, label: 'tokens/s' }],
  },
];

/** Keys the charts above already cover, or duplicate (KL in nats is the KL in bits times ln 2). */
const COVERED = new Set<string>([...RUN_CHARTS.flatMap((c) => c.series.map((s) => s.key)), METRIC.trainKlNats]);

export interface LoadedChart {
  id: string;
  title: string;
  yName: string;
  series: LineSeries[];
  references: ReferenceLine[];
  caption: string;
}

export function kappaReference(run: Pick<RunDetail, 'params' | 'variant'>): ReferenceLine | null {
  const kappaNats = run.params[PARAM.kappaNats]?.number ?? null;
  if (kappaNats === null || isBaselineVariant(runVariant(run))) return null;
  const bits = kappaNats / NATS_PER_BIT;
  return { label: `κ = ${formatNumber(bits, 3)} bits`, value: bits };
}

export async function loadRunCharts(tracker: Tracker, run: RunDetail, keys: string[]): Promise<LoadedChart[]> {
  const present = new Set(keys);
  const specs: RunChartSpec[] = [
    ...RUN_CHARTS,
    ...keys
      .filter((key) => !COVERED.has(key))
      .map((key): RunChartSpec => ({ id: `other-${key}`, title: key, yName: '', series: [{ key, label: key }] })),
  ];
  const charts: LoadedChart[] = [];
  for (const spec of specs) {
    const wanted = spec.series.filter((s) => present.has(s.key));
    if (wanted.length === 0) continue;
    const loaded = (await Promise.all(wanted.map((s) => loadSeries(tracker, run.id, s)))).filter((l) => l !== null);
    if (loaded.length === 0) continue;
    const notes: string[] = spec.caption ? [spec.caption] : [];
    const nonFinite = loaded.reduce((total, l) => total + nonFiniteCount(l.curve), 0);
    if (nonFinite > 0) notes.push(`${nonFinite} NaN/Infinity value(s) are not drawn.`);
    const downsampled = loaded.find((l) => l.curve.downsampled);
    if (downsampled) {
      notes.push(
        `${downsampled.curve.totalPoints.toLocaleString('en-US')} points shown as ${downsampled.curve.points.length} buckets of ${downsampled.curve.bucketSteps} steps (line: mean, band: min..max).`,
      );
    }
    const kappa = spec.kappaLine ? kappaReference(run) : null;
    charts.push({
      id: spec.id,
      title: spec.title,
      yName: spec.yName,
      series: loaded.map((l) => l.series),
      references: kappa ? [kappa] : [],
      caption: notes.join(' '),
    });
  }
  return charts;
}
