// The paper-style comparison table comes from @ftlab/evaluation (compareSweep pairs each Free
// Transformer run with the baseline of its seed and computes paired confidence intervals;
// exportComparison writes Markdown, LaTeX and CSV). Like the tracker it is loaded at run time
// from its package (it pulls TensorFlow.js in, which must not be bundled), and only when a page
// needs it. If it cannot load, the sweep page says so and shows everything else.
import type { ComparisonTable, TableFormat } from '@ftlab/evaluation';
import type { Tracker } from '@ftlab/tracker';

type EvaluationModule = typeof import('@ftlab/evaluation');
let evaluationModule: Promise<EvaluationModule> | undefined;

export function loadEvaluationModule(): Promise<EvaluationModule> {
  evaluationModule ??= import(/* turbopackIgnore: true */ /* webpackIgnore: true */ '@ftlab/evaluation').catch(
    (error: unknown) => {
      evaluationModule = undefined; // retry on the next request (e.g. after a build)
      throw error;
    },
  );
  return evaluationModule;
}

export type ComparisonResult = { ok: true; table: ComparisonTable } | { ok: false; message: string };

export const TABLE_FORMATS = {
  markdown: { extension: 'md', contentType: 'text/markdown; charset=utf-8', label: 'Markdown' },
  latex: { extension: 'tex', contentType: 'application/x-tex; charset=utf-8', label: 'LaTeX' },
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8', label: 'CSV' },
} as const satisfies Record<TableFormat, { extension: string; contentType: string; label: string }>;

export type TableFormatName = keyof typeof TABLE_FORMATS;

/**
 * Building the table reads every finished run with its evaluations (about 0.6 s for 1,000 runs
 * here), and an open sweep page re-renders every few seconds while the sweep trains on the same
 * cores. So each table is kept until a run of the sweep finishes, or for COMPARISON_MAX_AGE_MS at
 * most (evaluations recorded after a run finished show up within that time).
 */
export const COMPARISON_MAX_AGE_MS = 60_000;

interface CachedComparison {
  fingerprint: string;
  at: number;
  result: Promise<ComparisonResult>;
}

const globalCache = globalThis as typeof globalThis & { __ftlabComparisons?: Map<string, CachedComparison> };
globalCache.__ftlabComparisons ??= new Map<string, CachedComparison>();
const comparisons = globalCache.__ftlabComparisons;

/** Changes whenever a run of the sweep finishes: the number of finished runs and the latest end time. */
async function finishedFingerprint(tracker: Tracker, sweepId: string): Promise<string> {
  const latest = await tracker.listRuns({
    sweepId,
    status: 'FINISHED',
    orderBy: 'endedAt',
    descending: true,
    limit: 1,
    paramKeys: [],
  });
  return `${latest.total}:${latest.runs[0]?.endedAt ?? 0}`;
}

/** The comparison of a sweep's FINISHED runs, or why there is none (not enough runs, unpairable configs). */
export async function sweepComparison(tracker: Tracker, sweepId: string): Promise<ComparisonResult> {
  const key = `${tracker.location}\u0000${sweepId}`;
  const fingerprint = await finishedFingerprint(tracker, sweepId);
  const cached = comparisons.get(key);
  if (cached && cached.fingerprint === fingerprint && Date.now() - cached.at < COMPARISON_MAX_AGE_MS) {
    return cached.result;
  }
  const result = buildComparison(tracker, sweepId);
  comparisons.set(key, { fingerprint, at: Date.now(), result });
  // A failed build (a damaged database) must not be served again from the cache.
  result.catch(() => comparisons.get(key)?.result === result && comparisons.delete(key));
  return result;
}

async function buildComparison(tracker: Tracker, sweepId: string): Promise<ComparisonResult> {
  let evaluation: EvaluationModule;
  try {
    evaluation = await loadEvaluationModule();
  } catch (error) {
    return {
      ok: false,
      message: `The comparison table needs the evaluation package, which did not load (${(error as Error).message}). Build it: pnpm --filter @ftlab/evaluation build`,
    };
  }
  try {
    return { ok: true, table: await evaluation.compareSweep(tracker, sweepId) };
  } catch (error) {
    if (error instanceof evaluation.ComparisonError) return { ok: false, message: error.message };
    throw error;
  }
}

export async function exportTable(table: ComparisonTable, format: TableFormatName): Promise<string> {
  return (await loadEvaluationModule()).exportComparison(table, format);
}
