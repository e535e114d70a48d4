// The training loop, in the order a reader expects (nanoGPT's train.py):
//   batch -> forward/backward -> clip -> AdamW step -> log -> validate every N -> checkpoint every N
// plus what a tracked, resumable run needs: heartbeats, a stop request that checkpoints and
// returns KILLED, divergence detection (divergence.ts) that returns FAILED with the step and the
// reason before the step's update is applied and without writing another checkpoint.
import { tf } from '@ftlab/backend';
import { deriveSeed, TRAIN_METRICS } from '@ftlab/contract';
import type { BatchPosition, Dataset } from '@ftlab/data';
import { batchToTensors, createModel, lossAndGradients, type Model } from '@ftlab/model';
import { type MetricWriter, RunStateError, type Tracker } from '@ftlab/tracker';
import { type LogWindow, latestCheckpointDir, loadTrainingCheckpoint, saveTrainingCheckpoint } from './checkpoint.js';
import type { RunConfig } from './config.js';
import { DEFAULT_DIVERGENCE, DivergenceDetector, type DivergenceState } from './divergence.js';
import { AdamW, clipByGlobalNorm } from './optimizer.js';
import { learningRate } from './schedule.js';

/** Periodic validation: metric key -> value, logged at `step`. */
export type Validator = (model: Model, step: number) => Promise<Record<string, number>>;

export interface Progress {
  step: number;
  totalSteps: number;
  loss: number;
  tokensPerSec: number;
  elapsedMs: number;
}

export interface TrainOptions {
  tracker: Tracker;
  runId: string;
  config: RunConfig;
  configHash: string;
  dataset: Dataset;
  /** Where checkpoints and other files of this run live. */
  artifactRoot: string;
  validate?: Validator;
  /** Aborting it stops the run at the next step boundary: checkpoint, then KILLED. */
  signal?: AbortSignal;
  /** Aborted when the tracker says this process no longer owns the run: stop without writing. */
  lost?: AbortSignal;
  /**
   * Called before each checkpoint is written; throws RunStateError when this process no longer
   * owns the run. A worker that was stopped (SIGSTOP, a suspended VM) while another took the run
   * over must not write its older state over the other's files before its next heartbeat.
   */
  confirmOwnership?: () => Promise<void>;
  onProgress?: (progress: Progress) => void;
  /** Checkpoints kept on disk (default 2). */
  keepCheckpoints?: number;
}

export type TrainOutcome =
  | { status: 'FINISHED'; step: number; model: Model }
  | { status: 'FAILED'; step: number; reason: string }
  | { status: 'KILLED'; step: number }
  /** The tracker says this worker no longer owns the run (marked CRASHED or killed elsewhere). */
  | { status: 'LOST'; step: number; reason: string }
  /** This worker cannot use the run's files (artifact root unreachable): handed back to the queue. */
  | { status: 'RELEASED'; step: number; reason: string };

interface Start {
  model: Model;
  optimizer: AdamW;
  step: number;
  position: BatchPosition | undefined;
  window: LogWindow;
  divergence: DivergenceState | undefined;
}

const emptyWindow = (): LogWindow => ({ loss: 0, ce: 0, kl: 0, gradNorm: 0, steps: 0 });

async function startOrResume(options: TrainOptions): Promise<Start> {
  const { config } = options;
  const optimizerSettings = {
    beta1: config.training.beta1,
    beta2: config.training.beta2,
    eps: config.training.eps,
    weightDecay: config.training.weightDecay,
  };
  const parametersOf = (model: Model) =>
    model.variables.map((v) => ({ ...v, decay: v.decay || config.training.decayNormsAndEmbeddings }));
  const dir = await latestCheckpointDir(options.artifactRoot);
  if (dir === null) {
    const model = createModel(config.model, deriveSeed(config.seed, 'model-init'));
    return {
      model,
      optimizer: new AdamW(parametersOf(model), optimizerSettings),
      step: 0,
      position: undefined,
      window: emptyWindow(),
      divergence: undefined,
    };
  }
  const loaded = await loadTrainingCheckpoint(dir, { configHash: options.configHash });
  const optimizer = new AdamW(parametersOf(loaded.model), optimizerSettings);
  optimizer.restore(loaded.optimizer);
  for (const { m, v } of Object.values(loaded.optimizer.moments)) tf.dispose([m, v]);
  return {
    model: loaded.model,
    optimizer,
    step: loaded.state.step,
    position: loaded.state.dataPosition,
    window: loaded.state.window,
    // Checkpoints written before divergence detection have none: the history restarts there.
    divergence: loaded.state.divergence,
  };
}

/** Trains (or resumes) one run to its last step. The caller owns run status transitions. */
export async function train(options: TrainOptions): Promise<TrainOutcome> {
  const { tracker, runId, config, dataset } = options;
  const { steps, batchSize, sequenceLength, gradClip, logEvery, checkpointEvery } = config.training;
  const schedule = {
    lr: config.training.lr,
    warmupSteps: config.training.warmupSteps,
    decaySteps: steps,
    minLr: config.training.minLr,
  };
  const start = await startOrResume(options);
  const { model, optimizer } = start;
  const divergence = new DivergenceDetector(
    {
      settings: config.training.divergence ?? DEFAULT_DIVERGENCE,
      ceiling: config.training.divergenceLoss,
      vocabSize: config.model.vocabSize,
      lr: config.training.lr,
      warmupSteps: config.training.warmupSteps,
    },
    start.divergence,
  );
  let step = start.step;
  const batches = dataset.batches('train', { batchSize, sequenceLength, position: start.position });
  const metrics: MetricWriter = await tracker.metricWriter(runId);
  const tokensPerStep = batchSize * sequenceLength;

  const checkpoint = async () => {
    await options.confirmOwnership?.();
    // Points first: a resume starts after the checkpoint, so points older than it must be stored.
    await metrics.flush();
    const state = optimizer.state();
    try {
      await saveTrainingCheckpoint({
        artifactRoot: options.artifactRoot,
        runId,
        step,
        model,
        optimizer: state,
        dataPosition: batches.position(),
        configHash: options.configHash,
        window: { ...logWindow },
        divergence: divergence.state(),
        keep: options.keepCheckpoints ?? 2,
        ...(options.confirmOwnership ? { confirm: options.confirmOwnership } : {}),
      });
    } finally {
      for (const { m, v } of Object.values(state.moments)) tf.dispose([m, v]);
    }
  };
  const validate = async () => {
    if (!options.validate) return;
    const values = await options.validate(model, step);
    metrics.logStep(step, values);
  };

  const logWindow: LogWindow = { ...start.window };
  let windowStarted = performance.now();
  let timedSteps = 0; // steps since windowStarted (a resumed window holds steps timed by an earlier process)
  const runStarted = performance.now();
  const finishWith = async (outcome: TrainOutcome): Promise<TrainOutcome> => {
    await metrics.close();
    optimizer.dispose();
    if (outcome.status !== 'FINISHED') model.dispose();
    return outcome;
  };

  try {
    if (step === 0) await validate(); // the untrained model, for the curves' first point
    while (step < steps) {
      if (options.lost?.aborted) {
        return await finishWith({
          status: 'LOST',
          step,
          reason: String(options.lost.reason?.message ?? options.lost.reason),
        });
      }
      if (options.signal?.aborted) {
        await checkpoint();
        return await finishWith({ status: 'KILLED', step });
      }
      const lr = learningRate(schedule, step);
      const batch = batches.next();
      const { inputs, targets } = batchToTensors(batch);
      const result = lossAndGradients(model, inputs, targets, {
        seed: deriveSeed(config.seed, 'z', step),
        training: true,
      });
      tf.dispose([inputs, targets]);
      const grads = Object.fromEntries(result.grads);
      const clipped = clipByGlobalNorm(grads, gradClip);
      const diverged = divergence.observe(step + 1, {
        loss: result.loss,
        ce: result.ce,
        kl: result.kl,
        gradNorm: clipped.norm,
      });
      if (diverged === null) optimizer.apply(clipped.grads, lr);
      tf.dispose(Object.values(grads));
      if (clipped.grads !== grads) tf.dispose(Object.values(clipped.grads));
      if (diverged !== null) {
        metrics.log(TRAIN_METRICS.loss, step + 1, result.loss);
        return await finishWith({ status: 'FAILED', step, reason: diverged });
      }
      step += 1;

      logWindow.loss += result.loss;
      logWindow.ce += result.ce;
      logWindow.kl += result.kl;
      logWindow.gradNorm += clipped.norm;
      logWindow.steps += 1;
      timedSteps += 1;
      if (step % logEvery === 0 || step === steps) {
        const elapsed = performance.now() - windowStarted;
        const n = logWindow.steps;
        const tokensPerSec = (tokensPerStep * timedSteps * 1000) / elapsed;
        metrics.logStep(step, {
          [TRAIN_METRICS.loss]: logWindow.loss / n,
          [TRAIN_METRICS.ce]: logWindow.ce / n,
          [TRAIN_METRICS.klNats]: logWindow.kl / n,
          [TRAIN_METRICS.klBits]: logWindow.kl / n / Math.LN2,
          [TRAIN_METRICS.lr]: lr,
          [TRAIN_METRICS.gradNorm]: logWindow.gradNorm / n,
          [TRAIN_METRICS.tokensPerSec]: tokensPerSec,
          [TRAIN_METRICS.msPerStep]: elapsed / timedSteps,
        });
        options.onProgress?.({
          step,
          totalSteps: steps,
          loss: logWindow.loss / n,
          tokensPerSec,
          elapsedMs: performance.now() - runStarted,
        });
        Object.assign(logWindow, emptyWindow());
        windowStarted = performance.now();
        timedSteps = 0;
      }
      if (step % config.evaluation.every === 0 || step === steps) await validate();
      if (step % checkpointEvery === 0 || step === steps) await checkpoint();
      // Let timers (heartbeats) and signal handlers (Ctrl-C) run between steps.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return await finishWith({ status: 'FINISHED', step, model });
  } catch (error) {
    if (error instanceof RunStateError) return await finishWith({ status: 'LOST', step, reason: error.message });
    await finishWith({ status: 'FAILED', step, reason: '' }).catch(() => undefined);
    throw error;
  }
}
