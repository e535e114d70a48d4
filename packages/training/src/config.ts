// A run's configuration: what a user writes in experiments/*.yaml, validated before anything is
// written anywhere. Unknown keys, wrong types and impossible combinations all fail here with the
// file, the line, the field and a fix.
//
//   name: toy-quick            # the experiment name runs are grouped under
//   seed: 1                    # every random choice derives from it
//   data:  { kind: toy }       # @ftlab/data's DataConfig
//   model: { variant: free-transformer, width: 64, layers: 4, latentBits: 8, kappa: { bits: 0.5 } }
//   training: { steps: 2000, batchSize: 32, lr: 3.0e-3 }
//   evaluation: { every: 200 }
import { isAbsolute, resolve } from 'node:path';
import { checkConfig } from '@ftlab/config';
import { createDataset, type DataConfig, DataConfigSchema, type Dataset, resolveDataConfig } from '@ftlab/data';
import { RunEvaluationSchema } from '@ftlab/evaluation';
import {
  hasLatent,
  type ModelConfig,
  ModelConfigError,
  type ModelConfigInput,
  ModelConfigInputSchema,
  parameterCount,
  resolveModelConfig,
} from '@ftlab/model';
import { z } from 'zod';
import { issueProblems, type LineOf, linePrefix, withFix } from './config-problems.js';
import { DEFAULT_DIVERGENCE } from './divergence.js';
import { ConfigError, parseYaml, readConfigText } from './yaml-errors.js';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

export const TrainingSettingsSchema = z.strictObject({
  steps: positiveInt,
  batchSize: positiveInt,
  /** T, tokens per training row (rows hold T + 1). Default: the dataset's fixed length, else the context. */
  sequenceLength: positiveInt.optional(),
  lr: z.number().positive().max(1).default(3e-3),
  /** Floor of the cosine decay; default lr / 10. */
  minLr: z.number().nonnegative().optional(),
  warmupSteps: nonNegativeInt.default(100),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.95),
  eps: z.number().positive().default(1e-8),
  weightDecay: z.number().nonnegative().default(0.1),
  /** Decay norm gains, embeddings and zeta too (off, as in nanoGPT and Llama recipes). */
  decayNormsAndEmbeddings: z.boolean().default(false),
  /** Global gradient-norm clip; 0 disables it. */
  gradClip: z.number().nonnegative().default(1),
  logEvery: positiveInt.default(10),
  checkpointEvery: positiveInt.default(200),
  /** A loss above this (median of 11 steps; NaN/Infinity at once) stops the run as FAILED. */
  divergenceLoss: z.number().positive().default(100),
  /**
   * The checks relative to the run's own history (divergence.ts). Optional rather than defaulted
   * so that configs without it keep their hash: stored runs still resume from their checkpoints
   * and sweeps still recognise the runs they already have.
   */
  divergence: z
    .strictObject({
      enabled: z.boolean().default(DEFAULT_DIVERGENCE.enabled),
      factor: z.number().gt(1).default(DEFAULT_DIVERGENCE.factor),
    })
    .optional(),
  /** Memory the run may use for weights, gradients, optimizer moments and activations (estimate). */
  memoryBudgetBytes: positiveInt.default(4 * 2 ** 30),
});

export const RunConfigFileSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  description: z.string().optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
  /** @ftlab/data's schema: toy | text | arithmetic | reviews, each with its options. */
  data: DataConfigSchema,
  /** @ftlab/model's schema; vocabSize comes from the data. */
  model: ModelConfigInputSchema,
  training: TrainingSettingsSchema,
  /** @ftlab/evaluation's schema of the evaluation the training loop runs. */
  evaluation: RunEvaluationSchema.default(RunEvaluationSchema.parse({})),
});

export type TrainingSettings = z.infer<typeof TrainingSettingsSchema> & { sequenceLength: number; minLr: number };
export type EvaluationSettings = z.infer<typeof RunEvaluationSchema> & { batchSize: number };

/** Every field explicit: what is stored with the run and hashed. */
export interface RunConfig {
  name: string;
  description?: string;
  seed: number;
  data: DataConfig;
  model: ModelConfig;
  training: TrainingSettings;
  evaluation: EvaluationSettings;
}

/** Estimated bytes for weights + gradients + two AdamW moments, plus rough activation memory. */
export function estimateTrainingBytes(config: Pick<RunConfig, 'model' | 'training'>): number {
  const params = parameterCount(config.model).total;
  const { batchSize, sequenceLength } = config.training;
  const { width, layers, mlpWidth, heads } = config.model;
  const perBlock =
    batchSize * sequenceLength * (8 * width + 3 * mlpWidth) + batchSize * heads * sequenceLength ** 2 * 2;
  const logits = batchSize * sequenceLength * config.model.vocabSize * 3;
  return 4 * (4 * params + (layers + 2) * perBlock + logits);
}

/**
 * Validates a parsed config object and fills every default. `file` names the source in errors;
 * `lineOf` maps a field path to its line. Builds the dataset once to learn the vocabulary size
 * (and checks sequence lengths against it); returns it so the caller need not build it again.
 */
export function resolveRunConfig(
  raw: unknown,
  file: string,
  lineOf: LineOf = () => '',
): { config: RunConfig; dataset: Dataset } {
  const at = (path: readonly (string | number)[]) => linePrefix(lineOf, path);
  // Every section's schema at once: a file with a mistake in each section gets all of them.
  const checked = checkConfig(RunConfigFileSchema, raw);
  if (!checked.success) throw new ConfigError(file, issueProblems(checked.issues, lineOf));
  const file_ = checked.data;
  // The sections as written: their own packages fill the defaults (the parsed copy has zod's).
  const written = raw as { data: DataConfig; model: ModelConfigInput };
  const problems: string[] = [];

  let dataConfig: DataConfig | undefined;
  let dataset: Dataset | undefined;
  try {
    dataConfig = resolveDataConfig(written.data);
    dataset = createDataset(dataConfig, { seed: file_.seed });
  } catch (error) {
    problems.push(withFix(`${at(['data'])}${(error as Error).message}`));
  }

  const modelInput: ModelConfigInput = { ...written.model };
  if (dataset) {
    if (modelInput.vocabSize !== undefined && modelInput.vocabSize !== dataset.vocabSize) {
      problems.push(
        `${at(['model', 'vocabSize'])}model.vocabSize: ${modelInput.vocabSize} differs from the dataset's vocabulary (${dataset.vocabSize}). Fix: remove model.vocabSize; it is taken from the data.`,
      );
    }
    modelInput.vocabSize = dataset.vocabSize;
  } else {
    modelInput.vocabSize ??= 2;
  }
  const sequenceLength =
    file_.training.sequenceLength ??
    dataset?.fixedSequenceLength ??
    (typeof modelInput.contextLength === 'number' ? modelInput.contextLength : 256);
  modelInput.contextLength ??= sequenceLength;

  let model: ModelConfig | undefined;
  try {
    model = resolveModelConfig(modelInput);
  } catch (error) {
    if (!(error instanceof ModelConfigError)) throw error;
    for (const problem of error.problems) {
      const field = problem.split(':')[0]?.split('.').slice(1) ?? [];
      problems.push(withFix(`${at(['model', ...field])}${problem}`));
    }
  }

  if (dataset?.fixedSequenceLength !== undefined && sequenceLength !== dataset.fixedSequenceLength) {
    problems.push(
      `${at(['training', 'sequenceLength'])}training.sequenceLength: ${sequenceLength} but every ${dataset.config.kind} sequence has ${dataset.fixedSequenceLength} tokens after the first. Fix: remove training.sequenceLength.`,
    );
  }
  if (model && sequenceLength > model.contextLength) {
    problems.push(
      `${at(['training', 'sequenceLength'])}training.sequenceLength: ${sequenceLength} exceeds model.contextLength ${model.contextLength}. Fix: raise model.contextLength or shorten the sequences.`,
    );
  }
  const minLr = file_.training.minLr ?? file_.training.lr / 10;
  if (minLr > file_.training.lr) {
    problems.push(
      `${at(['training', 'minLr'])}training.minLr: ${minLr} exceeds training.lr ${file_.training.lr}. Fix: lower minLr.`,
    );
  }
  if (file_.training.warmupSteps > file_.training.steps) {
    problems.push(
      `${at(['training', 'warmupSteps'])}training.warmupSteps: ${file_.training.warmupSteps} exceeds training.steps ${file_.training.steps}. Fix: shorten the warmup.`,
    );
  }
  const training: TrainingSettings = { ...file_.training, sequenceLength, minLr };
  if (model) {
    const bytes = estimateTrainingBytes({ model, training });
    if (bytes > training.memoryBudgetBytes) {
      const latent = hasLatent(model);
      problems.push(
        `${at(latent ? ['model', 'latentBits'] : ['model'])}model: this run needs about ${(bytes / 2 ** 30).toFixed(2)} GiB (weights, gradients, AdamW moments${latent ? `, the 2^${model.latentBits}-row post-sampler` : ''} and activations), over training.memoryBudgetBytes ${(training.memoryBudgetBytes / 2 ** 30).toFixed(2)} GiB. Fix: lower ${latent ? 'latentBits, ' : ''}width, layers or batchSize, or raise the budget.`,
      );
    }
  }
  if (problems.length > 0 || !model || !dataConfig || !dataset) throw new ConfigError(file, problems);

  const evaluation: EvaluationSettings = {
    ...file_.evaluation,
    batchSize: file_.evaluation.batchSize ?? file_.training.batchSize,
  };
  const config: RunConfig = {
    name: file_.name ?? file.replace(/^.*\//, '').replace(/\.ya?ml$/, ''),
    ...(file_.description === undefined ? {} : { description: file_.description }),
    seed: file_.seed,
    data: dataConfig,
    model,
    training,
    evaluation,
  };
  return { config, dataset };
}

/**
 * A new run's raw config with a relative `data.path` made absolute against the working
 * directory, so the run records where the file was and resume, reproduce and workers started in
 * another folder read the same file. Only configs read from files go through here: a stored run's
 * config is never rewritten, since its config hash must not change (resume checks it).
 */
export function withAbsoluteDataPath(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const data = (raw as Record<string, unknown>).data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return raw;
  const path = (data as Record<string, unknown>).path;
  if (typeof path !== 'string' || path === '' || isAbsolute(path)) return raw;
  return { ...raw, data: { ...data, path: resolve(path) } };
}

export function parseRunConfig(text: string, file: string): { config: RunConfig; dataset: Dataset } {
  const { value, lineOf } = parseYaml(text, file);
  return resolveRunConfig(withAbsoluteDataPath(value), file, lineOf);
}

export function loadRunConfig(path: string): { config: RunConfig; dataset: Dataset } {
  return parseRunConfig(readConfigText(path), path);
}
