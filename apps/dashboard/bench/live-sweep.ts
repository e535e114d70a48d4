// What a sweep that is training does to the bench database: new runs appear in the sweep, log
// their curves step by step, get their evaluations and finish. Used by the concurrent writer
// (writer.ts, a child process) and by the bench's "right after a run finished" case.
import type { Tracker } from '@ftlab/tracker';
import { baselineRunInput, benchRunInput, evaluationsOf, metricPoints } from './data';

export interface LiveRun {
  id: string;
  seed: number;
}

/**
 * The n-th new run of the sweep, claimed by `worker`: runs come in pairs of one seed the generated
 * database does not have (1,000 + n/2), the baseline then a Free Transformer, with the generated
 * runs' config (only fewer steps are logged), so the comparison pairs them like the others. The
 * claim takes the oldest PENDING run, which may be one another writer just created: the run
 * returned is the one claimed.
 */
export async function startRun(tracker: Tracker, sweepId: string, n: number, worker: string): Promise<LiveRun> {
  const seed = 1000 + Math.floor(n / 2);
  const kappaBits = [0.25, 1, 4][Math.floor(n / 2) % 3];
  await tracker.createRuns(sweepId, [n % 2 === 0 ? baselineRunInput(seed) : benchRunInput(kappaBits, 8, seed)]);
  const run = await tracker.claimNextRun(sweepId, worker);
  if (run === null) throw new Error(`bench: the run of seed ${seed} was created but could not be claimed`);
  return { id: run.id, seed: run.seed ?? seed };
}

/** Steps a live run logs before it finishes (the generated runs log 1,200). */
export const LIVE_RUN_STEPS = 200;

/** Logs steps [from, to) of a run's curves, as a training process flushing its metric buffer. */
export async function logSteps(tracker: Tracker, run: LiveRun, from: number, to: number): Promise<void> {
  await tracker.logMetrics(metricPoints(run.id, from, to, run.seed, 1));
  await tracker.heartbeat(run.id, to - 1);
}

/** Records the run's final evaluations and marks it FINISHED: the sweep's comparison changes. */
export async function finishRun(tracker: Tracker, run: LiveRun, lastStep: number): Promise<void> {
  await tracker.logEvaluations(run.id, evaluationsOf(lastStep, run.seed, 1));
  await tracker.finishRun(run.id, lastStep);
}
