// The paper-style comparison table comes from @ftlab/evaluation/report (compareSweep pairs each
// Free Transformer run with the baseline of its seed and computes paired confidence intervals;
// its exportComparison writes Markdown, LaTeX and CSV, which the table route calls). That entry computes from recorded values only
// and loads no TensorFlow.js, so the dashboard imports it like any module.
import { ComparisonError, type ComparisonTable, LiveComparison, type TableFormat } from '@ftlab/evaluation/report';
import type { Tracker } from '@ftlab/tracker';

export type ComparisonResult = { ok: true; table: ComparisonTable } | { ok: false; message: string };

export const TABLE_FORMATS = {
  markdown: { extension: 'md', contentType: 'text/markdown; charset=utf-8', label: 'Markdown' },
  latex: { extension: 'tex', contentType: 'application/x-tex; charset=utf-8', label: 'LaTeX' },
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8', label: 'CSV' },
} as const satisfies Record<TableFormat, { extension: string; contentType: string; label: string }>;

export type TableFormatName = keyof typeof TABLE_FORMATS;

/** Sweeps whose comparison stays in memory (each holds its finished runs' configs and values). */
export const MAX_LIVE_COMPARISONS = 16;

interface CachedComparison {
  tracker: Tracker;
  live: LiveComparison;
}

// One live comparison per database and sweep, kept on globalThis so that every route bundle shares it.
const globalCache = globalThis as typeof globalThis & { __ftlabComparisons?: Map<string, CachedComparison> };
globalCache.__ftlabComparisons ??= new Map<string, CachedComparison>();
const comparisons = globalCache.__ftlabComparisons;

/**
 * The comparison of a sweep's FINISHED runs, or why there is none (not enough runs, unpairable
 * configs). An open sweep page re-renders every few seconds while the sweep trains on the same
 * cores, so the table is maintained as runs finish (LiveComparison: the first view reads every
 * finished run; a view after a run finished reads only the runs that ended since, and evaluations
 * recorded after a run ended show up within a minute), never rebuilt from the database per view.
 */
export async function sweepComparison(tracker: Tracker, sweepId: string): Promise<ComparisonResult> {
  const key = `${tracker.location}\u0000${sweepId}`;
  let cached = comparisons.get(key);
  // A reopened database (the file was replaced) is a new tracker: start again.
  if (cached === undefined || cached.tracker !== tracker) {
    cached = { tracker, live: new LiveComparison(tracker, sweepId) };
  }
  // Most recently viewed last; the least recently viewed sweeps are let go beyond the limit.
  comparisons.delete(key);
  comparisons.set(key, cached);
  for (const old of comparisons.keys()) {
    if (comparisons.size <= MAX_LIVE_COMPARISONS) break;
    comparisons.delete(old);
  }
  try {
    return { ok: true, table: (await cached.live.update()).table };
  } catch (error) {
    if (error instanceof ComparisonError) return { ok: false, message: error.message };
    // A failed read (a damaged database) must not leave a half-updated comparison behind.
    if (comparisons.get(key) === cached) comparisons.delete(key);
    throw error;
  }
}
