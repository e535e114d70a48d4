// The compare page's benchmark table: tasks x metrics as rows, the chosen runs (or their
// configurations, seeds pooled) as columns. A run's cell is its latest evaluated value with the
// evaluation's own stderr and n; a configuration's cell is the mean over its seeds with their
// spread, and, against the baseline configuration, the mean difference paired by seed with its
// interval (the same paired t as the sweep's comparison table). Also a benchmark's values over the
// evaluated steps, per run.
import { defaultComparisonRows, type PairedInterval, pairedInterval } from '@ftlab/evaluation/report';
import type { Evaluation, RunSummary } from '@ftlab/tracker';
import type { LineSeries } from '../charts/series';
import { configGroups } from './config-diff';
import { isBaselineVariant, runVariant } from './run-row';
import { aggregate } from './sweep-grid';

export interface BenchmarkCell {
  /** A run's value, or the mean over a configuration's seeds (null: none has it). */
  value: number | null;
  /** A run's stderr as evaluated, or the std across a configuration's seeds. */
  spread: number | null;
  /** Items behind a run's value, or seeds behind a configuration's mean. */
  n: number;
  /** Against the baseline configuration, paired by seed (configurations only, not the baseline). */
  delta?: PairedInterval | null;
}

export interface BenchmarkColumn {
  label: string;
  runIds: string[];
  isBaseline: boolean;
}

export interface BenchmarkTable {
  grouping: 'runs' | 'config';
  columns: BenchmarkColumn[];
  rows: Array<{ key: string; cells: BenchmarkCell[] }>;
}

/** Each run's latest evaluation per "task/metric" (the value at its highest step). */
export function latestEvaluations(evaluations: readonly Evaluation[]): Map<string, Map<string, Evaluation>> {
  const byRun = new Map<string, Map<string, Evaluation>>();
  for (const e of evaluations) {
    const key = `${e.task}/${e.metric}`;
    const latest = byRun.get(e.runId) ?? new Map<string, Evaluation>();
    const seen = latest.get(key);
    if (seen === undefined || e.step > seen.step) latest.set(key, e);
    byRun.set(e.runId, latest);
  }
  return byRun;
}

/**
 * The table for `runs` in page order, rows ordered and filtered as in the sweep's comparison
 * (defaultComparisonRows); paired intervals at 95%.
 */
export function benchmarkTable(
  runs: readonly RunSummary[],
  evaluations: readonly Evaluation[],
  grouping: 'runs' | 'config',
): BenchmarkTable {
  const latest = latestEvaluations(evaluations);
  const keys = defaultComparisonRows([...new Set([...latest.values()].flatMap((values) => [...values.keys()]))]);
  const evaluationOf = (runId: string, key: string) => latest.get(runId)?.get(key);
  if (grouping === 'runs') {
    const columns = runs.map((run) => ({ label: run.name, runIds: [run.id], isBaseline: false }));
    return {
      grouping,
      columns,
      rows: keys.map((key) => ({
        key,
        cells: runs.map((run) => {
          const e = evaluationOf(run.id, key);
          return { value: e?.value ?? null, spread: e?.stderr ?? null, n: e?.n ?? 0 };
        }),
      })),
    };
  }
  const groups = configGroups(runs);
  const members = groups.map((group) => group.runs);
  const columns: BenchmarkColumn[] = groups.map(({ runs: group, label }) => ({
    label: `${label} (${group.length} seed${group.length > 1 ? 's' : ''})`,
    runIds: group.map((run) => run.id),
    isBaseline: isBaselineVariant(runVariant(group[0] as RunSummary)),
  }));
  const baselineIndex = columns.findIndex((column) => column.isBaseline);
  const baselineBySeed = new Map<number, string>();
  if (baselineIndex >= 0) {
    for (const run of members[baselineIndex] as RunSummary[]) {
      if (run.seed !== null) baselineBySeed.set(run.seed, run.id);
    }
  }
  return {
    grouping,
    columns,
    rows: keys.map((key) => ({
      key,
      cells: members.map((group, index): BenchmarkCell => {
        const values = group.flatMap((run) => {
          const value = evaluationOf(run.id, key)?.value;
          return value === null || value === undefined ? [] : [value];
        });
        const pooled = aggregate(values);
        const cell: BenchmarkCell = { value: pooled?.mean ?? null, spread: pooled?.std ?? null, n: values.length };
        if (baselineIndex >= 0 && index !== baselineIndex) {
          const differences = group.flatMap((run) => {
            const baseline = run.seed === null ? undefined : baselineBySeed.get(run.seed);
            const [a, b] = [
              evaluationOf(run.id, key)?.value,
              baseline ? evaluationOf(baseline, key)?.value : undefined,
            ];
            return typeof a === 'number' && typeof b === 'number' ? [a - b] : [];
          });
          cell.delta = differences.length > 0 ? pairedInterval(differences, 0.95) : null;
        }
        return cell;
      }),
    })),
  };
}

/** One series per run: its values of `key` at every evaluated step. */
export function benchmarkHistory(
  runs: readonly RunSummary[],
  evaluations: readonly Evaluation[],
  key: string,
  labels: readonly string[],
): LineSeries[] {
  return runs.flatMap((run, index) => {
    const points = evaluations
      .filter((e) => e.runId === run.id && `${e.task}/${e.metric}` === key)
      .sort((a, b) => a.step - b.step)
      .map((e): [number, number | null] => [e.step, e.value]);
    return points.length === 0 ? [] : [{ name: labels[index] ?? run.name, points }];
  });
}
