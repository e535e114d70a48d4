// What a run evaluates: periodic validation metrics (honest ones next to the leaky one, see the
// spec's section 4) and, after the last step, the full evaluation (IWAE, latent usage and
// collapse, the toy Z study, the benchmark tasks), recorded in the tracker and results.json.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deriveSeed } from '@ftlab/data';
import { charactersPerToken, evaluateLikelihood, evaluateModel, recordEvaluation } from '@ftlab/evaluation';
import type { RunEvaluationHooks } from './execute-run.js';

/** Validation metric keys (nats per token unless the key says bits). */
export const VAL_METRICS = {
  posteriorCe: 'val/posterior_ce',
  elbo: 'val/elbo',
  priorCe: 'val/prior_ce',
  klNats: 'val/kl_nats',
  klBits: 'val/kl_bits',
  /** Bits per character of the ELBO (text runs; equals bits per token for char tokenizers). */
  elboBitsPerChar: 'val/elbo_bpc',
} as const;

export interface EvaluationHookOptions {
  /** Progress lines of the final evaluation. */
  log?: (message: string) => void;
  /** Skip the benchmark tasks and the toy study (quick runs, tests). */
  likelihoodOnly?: boolean;
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
      return async (model) => {
        // The same seed at every evaluation: curves then move only because the model does.
        const m = evaluateLikelihood(model, validation, {
          seed: deriveSeed(config.seed, 'validation') % 2147483647,
          priorSamples,
          iwaeSamples: 1,
          iwaeSampleCounts: [1],
          charactersPerToken: chars,
        });
        return {
          [VAL_METRICS.posteriorCe]: m.posteriorCrossEntropy.value,
          [VAL_METRICS.elbo]: m.elboNll.value,
          [VAL_METRICS.priorCe]: m.priorCrossEntropy.value,
          [VAL_METRICS.klNats]: m.klPerToken.value,
          [VAL_METRICS.klBits]: m.klPerToken.value / Math.LN2,
          [VAL_METRICS.elboBitsPerChar]: m.elboNll.value / Math.LN2 / chars,
        };
      };
    },
    finalEvaluation: async ({ tracker, run, config, dataset, model, step, runDir }) => {
      const klHistory = (await tracker.metricHistory(run.id, VAL_METRICS.klBits))
        .filter((p) => p.value !== null)
        .map((p) => ({ step: p.step, klBitsPerToken: p.value as number }));
      const e = config.evaluation;
      const results = await evaluateModel({
        model,
        dataset,
        seed: deriveSeed(config.seed, 'final-evaluation') % 2147483647,
        run: run.id,
        step,
        klHistory,
        settings: {
          batchSize: e.batchSize,
          ...(e.finalRows > 0 ? { maxRows: e.finalRows } : {}),
          priorSamples: e.priorSamples,
          iwaeSamples: e.iwaeSamples,
          zGroups: options.likelihoodOnly ? 0 : e.zGroups,
          zGroupSize: e.zGroupSize,
        },
        ...(options.likelihoodOnly ? { tasks: [] } : {}),
        ...(options.log ? { log: options.log } : {}),
      });
      await recordEvaluation(tracker, run.id, step, results, { resultsPath: join(runDir, 'results.json') });
      if (results.sheet) {
        const path = join(runDir, 'z-sheet.txt');
        await writeFile(path, results.sheet);
        await tracker.logArtifact(run.id, { kind: 'z-sheet', path, bytes: Buffer.byteLength(results.sheet) });
      }
    },
  };
}
