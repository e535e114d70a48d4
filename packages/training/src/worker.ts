// A sweep worker: claims runs from the tracker's queue and executes them until none is left.
// Several workers (processes, possibly on several machines) share one queue; the tracker's
// compare-and-set claim guarantees no run is trained twice at once. When the queue is empty a
// worker looks for runs whose worker died (no heartbeat), requeues them and resumes them from
// their checkpoints; it exits once every run of the sweep has ended.

import type { BackendInfo } from '@ftlab/backend';
import { DEFAULT_STALE_AFTER_MS } from '@ftlab/contract';
import type { Run, Tracker } from '@ftlab/tracker';
import { executeRun, type RunEvaluationHooks } from './execute-run.js';
import type { Progress, TrainOutcome } from './trainer.js';

export interface WorkerOptions {
  tracker: Tracker;
  sweepId?: string;
  worker: string;
  backend: BackendInfo;
  hooks?: RunEvaluationHooks;
  /** Aborting stops the current run at a step boundary (checkpointed, KILLED) and the worker. */
  signal?: AbortSignal;
  /** A RUNNING run without a heartbeat for this long is considered crashed (default 60 s). */
  staleAfterMs?: number;
  heartbeatMs?: number;
  /** How often to look again while other workers still hold runs (default 2 s). */
  pollMs?: number;
  maxResumes?: number;
  onRunStart?: (run: Run) => void;
  onRunEnd?: (run: Run, outcome: TrainOutcome) => void;
  onProgress?: (run: Run, progress: Progress) => void;
  /** Stop after this many runs (default: until the queue is empty). */
  maxRuns?: number;
}

export interface WorkerSummary {
  runs: Array<{ id: string; status: TrainOutcome['status']; step: number }>;
  stoppedBy: 'empty-queue' | 'signal' | 'max-runs';
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  const { tracker, sweepId, worker } = options;
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const summary: WorkerSummary = { runs: [], stoppedBy: 'empty-queue' };
  // Runs this worker handed back because it cannot reach their files; other workers may.
  const released = new Set<string>();
  while (true) {
    if (options.signal?.aborted) return { ...summary, stoppedBy: 'signal' };
    if (options.maxRuns !== undefined && summary.runs.length >= options.maxRuns) {
      return { ...summary, stoppedBy: 'max-runs' };
    }
    const run = await tracker.claimNextRun(sweepId, worker, { skip: [...released] });
    if (!run) {
      // Nothing queued: recover runs whose worker died, or wait for the ones still running.
      await tracker.markStaleRuns(staleAfterMs, sweepId === undefined ? {} : { sweepId });
      const { requeued } = await tracker.requeueCrashedRuns({
        ...(sweepId === undefined ? {} : { sweepId }),
        ...(options.maxResumes === undefined ? {} : { maxResumes: options.maxResumes }),
      });
      if (requeued.length > 0) continue;
      const running = await tracker.listRuns({
        status: 'RUNNING',
        ...(sweepId === undefined ? {} : { sweepId }),
        limit: 1,
      });
      if (running.total === 0) return summary;
      await sleep(options.pollMs ?? 2000, options.signal);
      continue;
    }
    options.onRunStart?.(run);
    let outcome: TrainOutcome;
    try {
      outcome = await executeRun({
        tracker,
        run,
        worker,
        backend: options.backend,
        ...(options.hooks ? { hooks: options.hooks } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
        onProgress: (progress) => options.onProgress?.(run, progress),
      });
    } catch (error) {
      // One broken run (a failing final evaluation, a corrupt checkpoint) must not stop the queue:
      // once the tracker holds it as FAILED with the reason, go on with the next run. Anything
      // else (the tracker itself unreachable) stops the worker.
      const recorded = await tracker.getRun(run.id).catch(() => null);
      if (recorded?.status !== 'FAILED') throw error;
      outcome = { status: 'FAILED', step: recorded.lastStep ?? 0, reason: recorded.failureReason ?? String(error) };
    }
    if (outcome.status === 'RELEASED') released.add(run.id);
    summary.runs.push({ id: run.id, status: outcome.status, step: outcome.step });
    options.onRunEnd?.(run, outcome);
  }
}
