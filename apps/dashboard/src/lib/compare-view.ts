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
  warnings: string[];
}

export function parseCompareView(params: SearchParams): CompareView {
  const read = new QueryReader(params);
  return {
    runIds: read.matching('runs', ID_PATTERN, MAX_COMPARE_RUNS),
    metric: read.matching('metric', KEY_PATTERN, 1)[0] ?? '',
    grouping: read.choice('group', ['runs', 'config'] as const, 'runs'),
    smoothing: read.number('ema', { min: 0, max: 0.99 }) ?? 0,
    warnings: read.warnings,
  };
}

export function chooseMetric(requested: string, available: string[]): string {
  if (requested !== '' && available.includes(requested)) return requested;
  if (available.includes(METRIC.trainLoss)) return METRIC.trainLoss;
  return available[0] ?? '';
}
