// ftlab worker [--sweep id]: claim runs from the tracker's queue and train them until none is
// left. `ftlab sweep` starts several of these; on other machines they can be started by hand
// against a shared database.
import { defaultWorkerName } from '@ftlab/tracker';
import { evaluationHooks, runWorker } from '@ftlab/training';
import { type GlobalOptions, openStore, startBackend } from '../context.js';
import { createOutput } from '../output.js';
import { onInterrupt } from '../signals.js';
import { describeOutcome, outcomeJson } from './train.js';

export interface WorkerCommandOptions extends GlobalOptions {
  sweep?: string;
  staleAfter: number;
  maxRuns?: number;
  maxResumes: number;
  evaluate: boolean;
}

export async function workerCommand(options: WorkerCommandOptions): Promise<number> {
  const out = createOutput(options);
  const backend = await startBackend(options, out.info);
  const tracker = await openStore(options, { mustExist: true });
  const worker = defaultWorkerName();
  const stop = new AbortController();
  const release = onInterrupt(() => {
    out.info(`worker ${worker}: stopping after checkpointing the current run`);
    stop.abort();
  });
  try {
    if (options.sweep) await tracker.getSweep(options.sweep); // an unknown sweep id is an error, not an idle worker
    out.info(`worker ${worker} on ${backend.name}${options.sweep ? `, sweep ${options.sweep}` : ''}`);
    const summary = await runWorker({
      tracker,
      worker,
      backend,
      hooks: evaluationHooks({ likelihoodOnly: !options.evaluate }),
      signal: stop.signal,
      staleAfterMs: options.staleAfter * 1000,
      maxResumes: options.maxResumes,
      // Beat several times per stale period, or a live run would be taken for a crashed one.
      heartbeatMs: Math.max(100, Math.min(5000, (options.staleAfter * 1000) / 4)),
      ...(options.sweep ? { sweepId: options.sweep } : {}),
      ...(options.maxRuns === undefined ? {} : { maxRuns: options.maxRuns }),
      onRunStart: (run) =>
        out.event(
          { event: 'start', worker, run: run.id, name: run.name, resume: run.resumeCount },
          () =>
            `${worker}: run ${run.id} (${run.name}, seed ${run.seed}${run.resumeCount ? `, resume ${run.resumeCount}` : ''})`,
        ),
      onRunEnd: (run, outcome) =>
        out.event(
          { event: 'end', worker, run: run.id, ...outcomeJson(outcome) },
          () => `${worker}: ${describeOutcome(run.id, outcome)}`,
        ),
    });
    out.event(
      { event: 'exit', worker, runs: summary.runs.length, stoppedBy: summary.stoppedBy },
      () => `${worker}: ${summary.runs.length} run(s); stopped: ${summary.stoppedBy}`,
    );
    return summary.stoppedBy === 'signal' ? 130 : summary.runs.some((r) => r.status === 'FAILED') ? 1 : 0;
  } finally {
    release();
    await tracker.close();
  }
}
