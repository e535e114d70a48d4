// The compare page's state in the URL: /compare?runs=a,b,c&metric=train/loss&group=config&ema=0.6
import { METRIC } from './keys';
import { ID_PATTERN, KEY_PATTERN, QueryReader, type SearchParams } from './search-params';

/** More overlaid curves than this are unreadable (and slow to query). */
export const MAX_COMPARE_RUNS = 40;

export type CompareGrouping = 'runs' | 'config';

export interface CompareView {
  runIds: string[];
  /** '' when not given: the page picks train/loss, or the first key the runs have. */
  metric: string;
  grouping: CompareGrouping;
  smoothing: number;
  /** The benchmark row drawn over steps ("task/metric"; '' for the first). */
  benchmark: string;
  warnings: string[];
}

/** A benchmark key: "task/metric", the metric possibly with its filter ("exact_match,strict-match"). */
const BENCHMARK_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.\-/,:@]{0,160}$/;

export function parseCompareView(params: SearchParams): CompareView {
  const read = new QueryReader(params);
  return {
    runIds: read.matching('runs', ID_PATTERN, MAX_COMPARE_RUNS),
    metric: read.matching('metric', KEY_PATTERN, 1)[0] ?? '',
    grouping: read.choice('group', ['runs', 'config'] as const, 'runs'),
    smoothing: read.number('ema', { min: 0, max: 0.99 }) ?? 0,
    benchmark: read.matching('bench', BENCHMARK_PATTERN, 1)[0] ?? '',
    warnings: read.warnings,
  };
}

export function chooseMetric(requested: string, available: string[]): string {
  if (requested !== '' && available.includes(requested)) return requested;
  if (available.includes(METRIC.trainLoss)) return METRIC.trainLoss;
  return available[0] ?? '';
}

/** The compare page's URL for `view`, with some of its state changed. */
export function compareHref(view: CompareView, change: { bench?: string } = {}): string {
  const params = new URLSearchParams({ runs: view.runIds.join(',') });
  if (view.metric !== '') params.set('metric', view.metric);
  if (view.grouping !== 'runs') params.set('group', view.grouping);
  if (view.smoothing > 0) params.set('ema', String(view.smoothing));
  const bench = change.bench ?? view.benchmark;
  if (bench !== '') params.set('bench', bench);
  return `/compare?${params.toString()}`;
}
