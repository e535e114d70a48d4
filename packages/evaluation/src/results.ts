// The results of one evaluation as one JSON shape (written next to the run, mirrored in the
// tracker's evaluations table), and how they print.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@ftlab/model';
import type { TaskResult } from './harness/run-task.js';
import type { CollapseStatus, LatentUsage } from './latent-usage.js';
import type { LmEvalResults } from './lm-eval-results.js';
import type { MetricRecord } from './metric-record.js';
import type { ToyEffects } from './toy-group-effect.js';
import type { ToyChanceLevels, ToyConditionStats, ToyGroup } from './toy-z-study.js';

export const RESULTS_FORMAT = 'ftlab-evaluation-results';

export interface ToyStudySummary {
  hasLatent: boolean;
  pinned: ToyConditionStats;
  independent: ToyConditionStats;
  /** Absent in results written before the per-run test existed. */
  effects?: ToyEffects;
  chance: ToyChanceLevels;
  pinnedGroups: ToyGroup[];
  independentGroups: ToyGroup[];
}

/** What one benchmark task of an evaluation covered (see TaskResult), or why it failed. */
export type TaskSummary =
  | Omit<TaskResult, 'task' | 'metrics' | 'samples'>
  | {
      /** The task failed; the evaluation's other metrics and tasks are kept. */
      error: string;
    };

export interface EvaluationResults extends Partial<LmEvalResults> {
  format: typeof RESULTS_FORMAT;
  /** The tracker's run id (null for a model evaluated outside a run). */
  run: string | null;
  step: number | null;
  seed: number;
  /** What was evaluated: split, rows, dataset fingerprint, model variant... */
  context: Record<string, string | number | boolean | null>;
  metrics: MetricRecord[];
  latentUsage?: LatentUsage;
  collapse?: CollapseStatus;
  toyStudy?: ToyStudySummary;
  /** The toy study's grouped generations as text (formatToySheet). */
  sheet?: string;
  /** Per benchmark task: items asked for and scored, skipped by reason, contexts cut, or its error. */
  tasks?: Record<string, TaskSummary>;
}

function formatValue(value: number | null): string {
  if (value === null) return '';
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e5 || magnitude < 1e-3)) return value.toExponential(3);
  return value.toFixed(4);
}

/**
 * The metrics as an aligned text table (task, metric, value, ± stderr, n), each caveat once as a
 * numbered note below the table.
 */
export function formatMetricsTable(metrics: readonly MetricRecord[] | EvaluationResults): string {
  const records = Array.isArray(metrics)
    ? (metrics as readonly MetricRecord[])
    : (metrics as EvaluationResults).metrics;
  const notes: string[] = [];
  const rows = records.map((m) => {
    let mark = '';
    if (m.note) {
      let index = notes.indexOf(m.note);
      if (index < 0) index = notes.push(m.note) - 1;
      mark = ` [${index + 1}]`;
    }
    return [
      m.task,
      `${m.metric}${mark}`,
      formatValue(m.value),
      m.stderr === null ? '' : `± ${formatValue(m.stderr)}`,
      String(m.n),
    ];
  });
  const header = ['task', 'metric', 'value', 'stderr', 'n'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  if (notes.length > 0) out.push('', ...notes.map((note, i) => `[${i + 1}] ${note}`));
  return `${out.join('\n')}\n`;
}

/** Writes `results` as JSON to `path` atomically (a temporary file in the same directory, then a rename). */
export async function writeResultsJson(
  path: string,
  results: EvaluationResults,
): Promise<{ bytes: number; text: string }> {
  await mkdir(dirname(path), { recursive: true });
  const text = `${JSON.stringify(results, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
  await writeFileAtomic(path, text); // its error names the file
  return { bytes: Buffer.byteLength(text), text };
}
