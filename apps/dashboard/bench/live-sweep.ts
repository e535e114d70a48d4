// What a sweep that is training does to the bench database: new runs appear in the sweep, log
// their curves step by step, get their evaluations and finish. Used by the concurrent writer
// (writer.ts, a child process) and by the bench's "right after a run finished" case.
import type { MetricPoint, Tracker } from '@ftlab/tracker';
import { benchRunInput, evaluationsOf, TRAIN_KEYS, VAL_EVERY, VAL_KEYS, value } from './data';

export interface LiveRun {
  id: string;
  seed: number;
}

/**
 * A new run of the sweep (a seed the generated database does not have), claimed by `worker`. The
 * claim takes the oldest PENDING run, which may be one another writer just created: the run
 * returned is the one claimed.
 */
export async function startRun(tracker: Tracker, sweepId: string, seed: number, worker: string): Promise<LiveRun> {
  const kappaBits = [0.25, 1, 4][seed % 3] as number;
  await tracker.createRuns(sweepId, [benchRunInput(kappaBits, 8, seed, LIVE_RUN_STEPS)]);
  const run = await tracker.claimNextRun(sweepId, worker);
  if (run === null) throw new Error(`bench: the run of seed ${seed} was created but could not be claimed`);
  return { id: run.id, seed: run.seed ?? seed };
}

/** Steps of a run the live writers add (the generated runs have 1,200). */
export const LIVE_RUN_STEPS = 200;

/** Logs steps [from, to) of a run's curves, as a training process flushing its metric buffer. */
export async function logSteps(tracker: Tracker, run: LiveRun, from: number, to: number): Promise<void> {
  const points: MetricPoint[] = [];
  for (let step = from; step < to; step++) {
    for (const key of TRAIN_KEYS) points.push({ runId: run.id, key, step, value: value(key, step, run.seed, 1) });
    if (step % VAL_EVERY === VAL_EVERY - 1) {
      for (const key of VAL_KEYS) points.push({ runId: run.id, key, step, value: value(key, step, run.seed, 1) });
    }
  }
  await tracker.logMetrics(points);
  await tracker.heartbeat(run.id, to - 1);
}

/** Records the run's final evaluations and marks it FINISHED: the sweep's comparison changes. */
export async function finishRun(tracker: Tracker, run: LiveRun, lastStep: number): Promise<void> {
  await tracker.logEvaluations(run.id, evaluationsOf(lastStep, run.seed, 1));
  await tracker.finishRun(run.id, lastStep);
}
