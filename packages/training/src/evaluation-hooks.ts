// What a run evaluates: periodic validation metrics (honest ones next to the leaky one, see the
// spec's section 4) and, after the last step, the full evaluation (IWAE, latent usage and
// collapse, the toy Z study, the benchmark tasks), recorded in the tracker and results.json.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VAL_METRICS, Z_SHEET_ARTIFACT_KIND } from '@ftlab/contract';
import type { Dataset } from '@ftlab/data';

import {
  charactersPerToken,
  type EvaluateModelInput,
  type EvaluationResults,
  evaluateLikelihood,
  evaluateModel,
  type MetricRecord,
  recordEvaluation,
  seedFor,
  type TaskRegistry,
} from '@ftlab/evaluation';
import type { Model } from '@ftlab/model';
import type { Tracker } from '@ftlab/tracker';
import type { RunConfig } from './config.js';
import type { RunEvaluationHooks } from './execute-run.js';

/** Importance samples of the IWAE bound at each validation (the final evaluation uses evaluation.iwaeSamples). */
export const VALIDATION_IWAE_SAMPLES = 4;

export interface EvaluationHookOptions {
  /** Progress lines of the final evaluation. */
  log?: (message: string) => void;
  /** Skip the benchmark tasks and the toy study (quick runs, tests). */
  likelihoodOnly?: boolean;
}

export interface EvaluateTrainedModelInput {
  tracker: Tracker;
  runId: string;
  config: RunConfig;
  dataset: Dataset;
  model: Model;
  step: number;
  /** Names the evaluation's random stream (with the run's seed): same purpose, same draws. */
  purpose: string;
  tasks?: ReadonlyArray<string>;
  registry?: TaskRegistry;
  /** Validation rows for the likelihood metrics (default: config.evaluation.finalRows, 0 = all). */
  rows?: number;
  iwaeSamples?: number;
  likelihoodOnly?: boolean;
  log?: (message: string) => void;
  /** Each group of records as soon as it is computed (see evaluateModel's onRecords). */
  onRecords?: (records: readonly MetricRecord[]) => unknown;
  /** Items per task, few-shot examples, skipping the likelihood metrics, keeping samples (see EvaluationSettings). */
  taskLimit?: number;
  numFewshot?: number;
  likelihood?: boolean;
  logSamples?: boolean;
  onTaskProgress?: EvaluateModelInput['onTaskProgress'];
  onSamples?: EvaluateModelInput['onSamples'];
}

/**
 * The full evaluation of a run's model with the run's evaluation settings, its KL history (for
 * the collapse flag) and a seed derived from the run's: what `ftlab eval` and the end of training run.
 */
export async function evaluateTrainedModel(input: EvaluateTrainedModelInput): Promise<EvaluationResults> {
  const { config } = input;
  const klHistory = (await input.tracker.metricHistory(input.runId, VAL_METRICS.klBits))
    .filter((p) => p.value !== null)
    .map((p) => ({ step: p.step, klBitsPerToken: p.value as number }));
  const e = config.evaluation;
  const rows = input.rows ?? e.finalRows;
  return evaluateModel({
    model: input.model,
    dataset: input.dataset,
    seed: seedFor(config.seed, input.purpose),
    run: input.runId,
    step: input.step,
    klHistory,
    settings: {
      batchSize: e.batchSize,
      ...(rows > 0 ? { maxRows: rows } : {}),
      priorSamples: e.priorSamples,
      iwaeSamples: input.iwaeSamples ?? e.iwaeSamples,
      zGroups: input.likelihoodOnly ? 0 : e.zGroups,
      zGroupSize: e.zGroupSize,
      ...(input.taskLimit === undefined ? {} : { taskLimit: input.taskLimit }),
      ...(input.numFewshot === undefined ? {} : { numFewshot: input.numFewshot }),
      ...(input.likelihood === undefined ? {} : { likelihood: input.likelihood }),
      ...(input.logSamples ? { logSamples: true } : {}),
    },
    ...(input.likelihoodOnly ? { tasks: [] } : input.tasks ? { tasks: input.tasks } : {}),
    ...(input.registry ? { registry: input.registry } : {}),
    ...(input.log ? { log: input.log } : {}),
    ...(input.onRecords ? { onRecords: input.onRecords } : {}),
    ...(input.onTaskProgress ? { onTaskProgress: input.onTaskProgress } : {}),
    ...(input.onSamples ? { onSamples: input.onSamples } : {}),
  });
}

export function evaluationHooks(options: EvaluationHookOptions = {}): RunEvaluationHooks {
  return {
    validate: ({ config, dataset }) => {
      const { batchSize, batches, priorSamples } = config.evaluation;
      const validation = dataset.evaluationBatches('validation', {
        batchSize,
        sequenceLength: config.training.sequenceLength,
        maxRows: batches * batchSize,
      });
      const chars = charactersPerToken(dataset, 'validation');
      const iwaeSamples = Math.min(VALIDATION_IWAE_SAMPLES, config.evaluation.iwaeSamples);
      return async (model) => {
        // The same seed at every evaluation: curves then move only because the model does.
        const m = evaluateLikelihood(model, validation, {
          seed: seedFor(config.seed, 'validation'),
          priorSamples,
          iwaeSamples,
          iwaeSampleCounts: [iwaeSamples],
          charactersPerToken: chars,
        });
        return {
          [VAL_METRICS.posteriorCe]: m.posteriorCrossEntropy.value,
          [VAL_METRICS.elbo]: m.elboNll.value,
          [VAL_METRICS.priorCe]: m.priorCrossEntropy.value,
          [VAL_METRICS.klNats]: m.klPerToken.value,
          [VAL_METRICS.klBits]: m.klPerToken.value / Math.LN2,
          [VAL_METRICS.elboBitsPerChar]: m.elboNll.value / Math.LN2 / chars,
          [VAL_METRICS.iwae]: (m.iwae[0] as { nll: { value: number } }).nll.value,
        };
      };
    },
    finalEvaluation: async ({ tracker, run, config, dataset, model, step, runDir }) => {
      const results = await evaluateTrainedModel({
        tracker,
        runId: run.id,
        config,
        dataset,
        model,
        step,
        purpose: 'final-evaluation',
        ...(options.likelihoodOnly ? { likelihoodOnly: true } : {}),
        ...(options.log ? { log: options.log } : {}),
      });
      await recordEvaluation(tracker, run.id, step, results, { resultsPath: join(runDir, 'results.json') });
      if (results.sheet) {
        const path = join(runDir, 'z-sheet.txt');
        await writeFile(path, results.sheet);
        await tracker.logArtifact(run.id, {
          kind: Z_SHEET_ARTIFACT_KIND,
          path,
          bytes: Buffer.byteLength(results.sheet),
        });
      }
    },
  };
}
