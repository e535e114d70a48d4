// ftlab train <config.yaml>: one run, in this process, with a progress bar.
import type { BackendInfo } from '@ftlab/backend';
import { defaultWorkerName, type Run, type Tracker } from '@ftlab/tracker';
import { evaluationHooks, executeRun, loadRunConfig, runInput, type TrainOutcome } from '@ftlab/training';
import { artifactRoot, type GlobalOptions, openStore, startBackend } from '../context.js';
import { createOutput, type Output } from '../output.js';
import { progressBar } from '../progress.js';
import { onInterrupt } from '../signals.js';

export interface TrainCommandOptions extends GlobalOptions {
  name?: string;
  /** --tag key=value pairs. */
  tag?: Record<string, string>;
  evaluate: boolean;
}

/** Runs `run` (RUNNING, held by this process) to its end, showing progress; shared by train and resume. */
export async function runInForeground(
  tracker: Tracker,
  run: Run,
  backend: BackendInfo,
  out: Output,
  options: { worker: string; evaluate: boolean },
): Promise<TrainOutcome> {
  const bar = progressBar(out, `run ${run.id}`);
  const stop = new AbortController();
  const release = onInterrupt(() => {
    out.info(`\nstopping run ${run.id} at the next step: checkpointing (press Ctrl-C again to wait)`);
    stop.abort();
  });
  try {
    const outcome = await executeRun({
      tracker,
      run,
      worker: options.worker,
      backend,
      hooks: evaluationHooks({ likelihoodOnly: !options.evaluate, log: (m) => out.info(`evaluation: ${m}`) }),
      signal: stop.signal,
      onProgress: (p) => {
        bar?.update({ done: p.step, total: p.totalSteps, unit: 'steps', tokensPerSec: p.tokensPerSec, loss: p.loss });
        out.progress({ event: 'progress', run: run.id, ...p });
      },
    });
    bar?.done();
    return outcome;
  } finally {
    release();
  }
}

export function describeOutcome(runId: string, outcome: TrainOutcome): string {
  switch (outcome.status) {
    case 'FINISHED':
      return `run ${runId} FINISHED at step ${outcome.step}`;
    case 'FAILED':
      return `run ${runId} FAILED: ${outcome.reason}`;
    case 'KILLED':
      return `run ${runId} KILLED at step ${outcome.step} (checkpointed): continue with \`ftlab resume ${runId}\``;
    case 'LOST':
      return `run ${runId} was taken over elsewhere: ${outcome.reason}`;
    case 'RELEASED':
      return `run ${runId} handed back to the queue: ${outcome.reason}`;
  }
}

export function exitCodeFor(outcome: TrainOutcome): number {
  return outcome.status === 'FINISHED' ? 0 : outcome.status === 'KILLED' ? 130 : 1;
}

export async function trainCommand(file: string, options: TrainCommandOptions): Promise<number> {
  const out = createOutput(options);
  // Validate before touching the database: a bad config writes nothing.
  const { config } = loadRunConfig(file);
  if (options.name) config.name = options.name;
  const backend = await startBackend(options, out.info);
  const tracker = await openStore(options);
  try {
    const experiment = await tracker.ensureExperiment(config.name, config.description);
    const tags = options.tag ?? {};
    const worker = defaultWorkerName();
    const run = await tracker.startRun({
      ...runInput(config, { artifactRoot: artifactRoot(options), backend: backend.name, tags }),
      experimentId: experiment.id,
      worker,
    });
    out.info(
      `run ${run.id} (${config.model.variant}, seed ${config.seed}) on ${backend.name}; database ${tracker.location}`,
    );
    const outcome = await runInForeground(tracker, run, backend, out, { worker, evaluate: options.evaluate });
    out.result({ run: run.id, ...outcomeJson(outcome) }, () => describeOutcome(run.id, outcome));
    return exitCodeFor(outcome);
  } finally {
    await tracker.close();
  }
}

export function outcomeJson(outcome: TrainOutcome): Record<string, unknown> {
  const { status, step } = outcome;
  return { status, step, ...('reason' in outcome ? { reason: outcome.reason } : {}) };
}
