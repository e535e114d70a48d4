// The `evaluation:` section of a run config: how often and how much the training loop evaluates,
// and the final evaluation's sample counts. Owned here, composed by @ftlab/training's run config.
import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const RunEvaluationSchema = z.strictObject({
  /** Validation metrics every N steps (and at the end). */
  every: positiveInt.default(200),
  /** Validation batches per periodic evaluation (the final one uses the whole validation set). */
  batches: positiveInt.default(4),
  /** Rows per validation batch; default: training.batchSize. */
  batchSize: positiveInt.optional(),
  /** K draws from the prior for prior CE. */
  priorSamples: positiveInt.default(4),
  /** K importance samples for the IWAE bound (final evaluation). */
  iwaeSamples: positiveInt.default(8),
  /** Rows of the validation split the final evaluation reads (0 = all). */
  finalRows: z.number().int().nonnegative().default(256),
  /** Toy runs: groups of generations sharing one pinned Z, and their size (the paper's figure). */
  zGroups: positiveInt.default(4),
  zGroupSize: positiveInt.default(8),
});
