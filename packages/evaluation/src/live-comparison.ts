// A sweep's comparison table kept up to date while the sweep trains, for a page that shows it on
// every view (the dashboard's sweep page). Rebuilding it from the tracker on each view read every
// finished run again; here the first view loads them all, and a later view after a run finished
// reads only the runs that ended since (a few small reads) and rebuilds the table from the runs
// held in memory, which is arithmetic. Evaluations recorded after their run ended show at the
// next full read (LIVE_COMPARISON_MAX_AGE_MS).
import type { Tracker } from '@ftlab/tracker';
import {
  buildComparison,
  type CompareSweepOptions,
  ComparisonError,
  type ComparisonTable,
  type LoadedRunEvaluations,
  loadRunEvaluations,
} from './compare.js';

/**
 * Runs that ended this long before the latest end seen are read again on an update: two
 * transactions can commit in the other order than their clocks read (PostgreSQL's statement time),
 * so a run may appear with an end time slightly before one already seen.
 */
export const LIVE_COMPARISON_LOOKBACK_MS = 10_000;

/** After this long the runs are all read again: evaluations recorded after a run ended show up then. */
export const LIVE_COMPARISON_MAX_AGE_MS = 60_000;

/** Comparison order: creation time, then queue position, then id (as the tracker lists them). */
function byCreation(a: LoadedRunEvaluations, b: LoadedRunEvaluations): number {
  return a.createdAt - b.createdAt || a.queuePosition - b.queuePosition || (a.runId < b.runId ? -1 : 1);
}

export interface LiveComparisonUpdate {
  table: ComparisonTable;
  /** How this update got its runs: unchanged (nothing ended), the runs that ended since, or all. */
  read: 'none' | 'ended-since' | 'all';
}

export class LiveComparison {
  private runs = new Map<string, LoadedRunEvaluations>();
  /** `${count}:${latest end}` of the sweep's compared runs when the table was built. */
  private fingerprint: string | null = null;
  private latestEnd = 0;
  private loadedAllAt = 0;
  private table: ComparisonTable | null = null;
  private readonly statuses: NonNullable<CompareSweepOptions['statuses']>;
  /** Updates run one at a time (two page views at once must not interleave their reads). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly tracker: Tracker,
    private readonly sweepId: string,
    private readonly options: CompareSweepOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.statuses = options.statuses ?? ['FINISHED'];
  }

  /**
   * The table as of now. Throws ComparisonError when the runs cannot be compared (none yet, no
   * runs but the baseline, configs that differ in more than the axes), like compareSweep.
   */
  update(): Promise<LiveComparisonUpdate> {
    const result = this.queue.then(() => this.updateNow());
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async updateNow(): Promise<LiveComparisonUpdate> {
    const latest = await this.tracker.listRuns({
      sweepId: this.sweepId,
      status: this.statuses,
      orderBy: 'endedAt',
      descending: true,
      limit: 1,
      paramKeys: [],
    });
    const latestEnd = latest.runs[0]?.endedAt ?? 0;
    const fingerprint = `${latest.total}:${latestEnd}`;
    const fresh = this.now() - this.loadedAllAt < LIVE_COMPARISON_MAX_AGE_MS;
    if (fresh && this.table !== null && fingerprint === this.fingerprint) return { table: this.table, read: 'none' };
    let read: LiveComparisonUpdate['read'] = 'all';
    if (fresh && this.fingerprint !== null) {
      const since = Math.max(0, this.latestEnd - LIVE_COMPARISON_LOOKBACK_MS);
      const changed = await loadRunEvaluations(this.tracker, this.sweepId, { ...this.options, endedSince: since });
      for (const run of changed) this.runs.set(run.runId, run);
      read = 'ended-since';
    }
    // A count that does not add up (a run left the compared statuses) is settled by reading all.
    if (read === 'all' || this.runs.size !== latest.total) {
      const all = await loadRunEvaluations(this.tracker, this.sweepId, this.options);
      this.runs = new Map(all.map((run) => [run.runId, run]));
      this.loadedAllAt = this.now();
      read = 'all';
    }
    this.fingerprint = fingerprint;
    this.latestEnd = latestEnd;
    this.table = null;
    if (this.runs.size === 0) {
      throw new ComparisonError(`sweep ${this.sweepId} has no ${this.statuses.join('/')} runs to compare`);
    }
    this.table = buildComparison([...this.runs.values()].sort(byCreation), this.options);
    return { table: this.table, read };
  }
}
