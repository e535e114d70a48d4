// The model's configuration: plain, JSON-serialisable data. `resolveModelConfig` fills every
// default explicitly and validates every field at once, so a stored config says exactly what ran.
//
// Spec symbols: D = width, L = layers, H = latentBits (C = 2^H codes), kappa = kappaNats,
// m = encoderPlacement.
import { checkConfig, fieldRules, formatIssue } from '@ftlab/config';
import { MODEL_VARIANTS, type ModelVariant, variantHasLatent } from '@ftlab/contract';
import { z } from 'zod';

/**
 * How the Binary Mapper's gradient reaches the encoder (spec section 2, "Binary Mapper"):
 * - dense: the paper's pass-through, gradient as if the output were G over all 2^H codes;
 * - sampled: the same pass-through restricted to the sampled code (one-sample estimate, noisy);
 * - factored: additive per-bit embeddings R = W (2b - 1), per-bit straight-through, O(H D).
 */
export const ESTIMATORS = ['dense', 'sampled', 'factored'] as const;
export type Estimator = (typeof ESTIMATORS)[number];

export const LATENT_KV_PATHS = ['before-norm', 'after-norm'] as const;
/** before-norm: norm(X + R) feeds K, V; after-norm: norm(X) + R feeds K, V. Q always sees norm(X). */
export type LatentKvPath = (typeof LATENT_KV_PATHS)[number];

export const PROMPT_Z_MODES = ['posterior', 'prior'] as const;
/** Where the prompt's Z comes from at generation: the encoder (posterior prefill) or the uniform prior. */
export type PromptZMode = (typeof PROMPT_Z_MODES)[number];

/** The largest H: the post-sampler table has 2^H rows, and codes must stay exact in float32. */
export const MAX_LATENT_BITS = 16;

export interface ModelConfig {
  variant: ModelVariant;
  vocabSize: number;
  /** D, the residual stream width. */
  width: number;
  /** L, the number of decoder blocks being compared; `baseline-plus-one` builds L + 1 of them. */
  layers: number;
  heads: number;
  /** Hidden width of the SwiGLU MLP. */
  mlpWidth: number;
  /** Longest sequence the model accepts (RoPE tables are built for it). */
  contextLength: number;
  ropeBase: number;
  normEps: number;
  /** H, latent bits per token; the latent takes C = 2^H values. */
  latentBits: number;
  /** kappa, the free-bits budget per token, in nats (x bits = x ln 2 nats). */
  kappaNats: number;
  /** m: Z is injected into block m + 1 (1-based), i.e. after block m; 1..L-1. */
  encoderPlacement: number;
  estimator: Estimator;
  /** Zero post-sampler at init: the untrained Free Transformer then computes the baseline's function. */
  zeroInitPostSampler: boolean;
  latentKvPath: LatentKvPath;
  promptZ: PromptZMode;
  /** Memory budget in bytes for each (rows, codes) work tensor of the dense estimator's backward pass. */
  denseChunkBytes: number;
  /** Output head shares the token embedding matrix. */
  tieEmbeddings: boolean;
  /** cvae only: non-causal blocks in its separate encoder (before its zeta block). */
  cvaeEncoderLayers: number;
  /** Standard deviation of the normal initialisation of weight matrices. */
  initStd: number;
}

/** What a user may write: any subset of the fields, and kappa either in nats or in bits. */
export type ModelConfigInput = Partial<ModelConfig> & {
  kappa?: { nats: number } | { bits: number };
};

/** Lists every invalid field of a model configuration at once. */
export class ModelConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid model config: ${problems.join('; ')}`);
    this.name = 'ModelConfigError';
  }
}

const DEFAULT_CONTEXT = 256;

/** SwiGLU hidden width as in Llama: 2/3 of 4D, rounded up to a multiple of 32. */
export function defaultMlpWidth(width: number): number {
  return Math.ceil((8 * width) / 3 / 32) * 32;
}

/** Number of decoder blocks actually built (L + 1 for the compute-matched control). */
export function decoderLayerCount(config: ModelConfig): number {
  return config.variant === 'baseline-plus-one' ? config.layers + 1 : config.layers;
}

export function hasLatent(config: ModelConfig): boolean {
  return variantHasLatent(config.variant);
}

const int = (min: number) => z.number().int().min(min);

/**
 * What a model section may hold, every field checked; constant defaults are filled here, those
 * that depend on other fields (mlpWidth, contextLength, encoderPlacement, cvaeEncoderLayers) and
 * vocabSize (the tokenizer's) by `resolveModelConfig`. Rules across fields are issues on the field
 * to change.
 */
export const ModelConfigInputSchema = z
  .strictObject({
    variant: z.enum(MODEL_VARIANTS).default('free-transformer'),
    vocabSize: int(2).optional(),
    width: int(2).default(128),
    layers: int(1).default(4),
    heads: int(1).default(4),
    mlpWidth: int(1).optional(),
    contextLength: int(1).optional(),
    ropeBase: z.number().gt(1).default(10_000),
    normEps: z.number().positive().default(1e-5),
    latentBits: int(1)
      .max(MAX_LATENT_BITS, `Too big: H is at most ${MAX_LATENT_BITS} (the post-sampler has 2^H rows)`)
      .default(8),
    kappaNats: z.number().nonnegative().optional(),
    kappa: z
      .union([z.strictObject({ nats: z.number().nonnegative() }), z.strictObject({ bits: z.number().nonnegative() })], {
        error: 'must be { bits: x } or { nats: x }',
      })
      .optional(),
    encoderPlacement: int(1).optional(),
    estimator: z.enum(ESTIMATORS).default('dense'),
    zeroInitPostSampler: z.boolean().default(true),
    latentKvPath: z.enum(LATENT_KV_PATHS).default('before-norm'),
    promptZ: z.enum(PROMPT_Z_MODES).default('posterior'),
    denseChunkBytes: int(1024).default(64 * 1024 * 1024),
    tieEmbeddings: z.boolean().default(false),
    cvaeEncoderLayers: int(1).optional(),
    initStd: z.number().positive().default(0.02),
  })
  .check(
    fieldRules((c, { valid, issue }) => {
      if (c.kappa !== undefined && c.kappaNats !== undefined)
        issue('kappa', 'give either kappa or kappaNats, not both');
      if (valid('width', 'heads')) {
        if (c.width % c.heads !== 0) issue('width', `${c.width} is not divisible by heads=${c.heads}`);
        else if ((c.width / c.heads) % 2 !== 0) {
          issue('heads', `head size width/heads = ${c.width / c.heads} must be even (rotary embedding rotates pairs)`);
        }
      }
      if (c.variant === 'free-transformer' && valid('variant', 'layers', 'encoderPlacement')) {
        const placement = c.encoderPlacement ?? defaultEncoderPlacement(c.layers);
        if (c.layers < 2) {
          issue('layers', `${c.layers} is too few for the Free Transformer: it needs L >= 2 (Z enters block m+1)`);
        } else if (placement > c.layers - 1) {
          issue('encoderPlacement', `${placement} is outside 1..${c.layers - 1} (L=${c.layers})`);
        }
      }
    }),
  );

/** m = floor(L / 2): Z enters the middle of the stack, as in the paper. */
function defaultEncoderPlacement(layers: number): number {
  return Math.max(1, Math.floor(layers / 2));
}

/**
 * Fills defaults and validates. Throws a ModelConfigError naming every bad field as
 * `model.<field>: <what is wrong>`. The result has every field explicit (kappa in nats).
 */
export function resolveModelConfig(input: ModelConfigInput): ModelConfig {
  const checked = checkConfig(ModelConfigInputSchema, input);
  const problems = checked.success ? [] : checked.issues.map((issue) => formatIssue(issue, ['model']));
  if (input !== null && typeof input === 'object' && input.vocabSize === undefined) {
    problems.push('model.vocabSize: is required (the tokenizer decides it)');
  }
  if (!checked.success || problems.length > 0) throw new ModelConfigError(problems);
  const c = checked.data;
  const { variant, width, layers, heads, ropeBase, normEps, latentBits, estimator } = c;
  const { zeroInitPostSampler, latentKvPath, promptZ, denseChunkBytes, tieEmbeddings, initStd } = c;
  const kappaNats =
    c.kappa === undefined ? (c.kappaNats ?? 0) : 'bits' in c.kappa ? c.kappa.bits * Math.LN2 : c.kappa.nats;
  // The spec's "ideal but expensive" cvae: a full encoder (L blocks), about twice the training cost.
  const cvaeEncoderLayers = c.cvaeEncoderLayers ?? Math.max(1, layers);
  const vocabSize = c.vocabSize as number;
  const mlpWidth = c.mlpWidth ?? defaultMlpWidth(width);
  const contextLength = c.contextLength ?? DEFAULT_CONTEXT;
  const encoderPlacement = c.encoderPlacement ?? defaultEncoderPlacement(layers);
  return {
    variant,
    vocabSize,
    width,
    layers,
    heads,
    mlpWidth,
    contextLength,
    ropeBase,
    normEps,
    latentBits,
    kappaNats,
    encoderPlacement,
    estimator,
    zeroInitPostSampler,
    latentKvPath,
    promptZ,
    denseChunkBytes,
    tieEmbeddings,
    cvaeEncoderLayers,
    initStd,
  };
}
