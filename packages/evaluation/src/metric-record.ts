// The one shape every score leaves this package in (the lm-evaluation-harness habit: a number
// never travels without its standard error and n). It maps one to one onto the tracker's
// evaluations table.
import type { Estimate } from './stats.js';

export interface MetricRecord {
  /** What was evaluated: a benchmark task name, 'likelihood', 'latent' or 'toy_z_study'. */
  task: string;
  metric: string;
  /** The answer-extraction pipeline the metric was scored after (lm-eval's filter name); absent: none. */
  filter?: string;
  value: number;
  /** null where it cannot be estimated (fewer than two independent units). */
  stderr: number | null;
  /** Independent units behind the value (rows, items, groups). */
  n: number;
  /** A caveat a reader must see next to the number (e.g. why posterior CE is not a loss). */
  note?: string;
  /** Where a benchmark number came from: shots, item limit, data hash, task version, items asked and cut. */
  provenance?: Record<string, string | number | null>;
}

export function metricRecord(task: string, metric: string, estimate: Estimate, note?: string): MetricRecord {
  const record: MetricRecord = { task, metric, value: estimate.value, stderr: estimate.stderr, n: estimate.n };
  if (note !== undefined) record.note = note;
  return record;
}
