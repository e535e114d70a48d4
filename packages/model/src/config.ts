// The model's configuration: plain, JSON-serialisable data. `resolveModelConfig` fills every
// default explicitly and validates every field at once, so a stored config says exactly what ran.
//
// Spec symbols: D = width, L = layers, H = latentBits (C = 2^H codes), kappa = kappaNats,
// m = encoderPlacement.

export const MODEL_VARIANTS = ['baseline', 'baseline-plus-one', 'free-transformer', 'cvae'] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];

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
  return config.variant === 'free-transformer' || config.variant === 'cvae';
}

const KNOWN_FIELDS = new Set<string>([
  'variant',
  'vocabSize',
  'width',
  'layers',
  'heads',
  'mlpWidth',
  'contextLength',
  'ropeBase',
  'normEps',
  'latentBits',
  'kappaNats',
  'kappa',
  'encoderPlacement',
  'estimator',
  'zeroInitPostSampler',
  'latentKvPath',
  'promptZ',
  'denseChunkBytes',
  'tieEmbeddings',
  'cvaeEncoderLayers',
  'initStd',
]);

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known field nearest to a misspelt one, if any is close enough to be a likely typo. */
function closestField(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const field of KNOWN_FIELDS) {
    const distance = editDistance(name.toLowerCase(), field.toLowerCase());
    if (distance < bestDistance) {
      best = field;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Fills defaults and validates. Throws a ModelConfigError naming every bad field as
 * `model.<field>: <what is wrong>`. The result has every field explicit (kappa in nats).
 */
export function resolveModelConfig(input: ModelConfigInput): ModelConfig {
  const problems: string[] = [];
  const bad = (field: string, message: string) => problems.push(`model.${field}: ${message}`);
  if (input === null || typeof input !== 'object') throw new ModelConfigError(['model: expected an object']);

  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(key)) {
      const hint = closestField(key);
      bad(key, `unknown field${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
  }

  const int = (field: keyof ModelConfig, value: unknown, min: number, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!isInt(value) || value < min) {
      bad(field, `${JSON.stringify(value)} must be an integer >= ${min}`);
      return fallback;
    }
    return value;
  };
  const positive = (field: keyof ModelConfig, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      bad(field, `${JSON.stringify(value)} must be a finite number > 0`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(field: keyof ModelConfig, value: unknown, options: readonly T[], fallback: T): T => {
    if (value === undefined) return fallback;
    if (!options.includes(value as T)) {
      bad(field, `${JSON.stringify(value)} is not one of ${options.join(', ')}`);
      return fallback;
    }
    return value as T;
  };
  const bool = (field: keyof ModelConfig, value: unknown, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      bad(field, `${JSON.stringify(value)} must be true or false`);
      return fallback;
    }
    return value;
  };

  const variant = oneOf('variant', input.variant, MODEL_VARIANTS, 'free-transformer');
  if (input.vocabSize === undefined) bad('vocabSize', 'is required (the tokenizer decides it)');
  const vocabSize = int('vocabSize', input.vocabSize, 2, 2);
  const width = int('width', input.width, 2, 128);
  const layers = int('layers', input.layers, 1, 4);
  const heads = int('heads', input.heads, 1, 4);
  if (width % heads !== 0) bad('width', `${width} is not divisible by heads=${heads}`);
  else if ((width / heads) % 2 !== 0) {
    bad('heads', `head size width/heads = ${width / heads} must be even (rotary embedding rotates pairs)`);
  }
  const mlpWidth = int('mlpWidth', input.mlpWidth, 1, defaultMlpWidth(width));
  const contextLength = int('contextLength', input.contextLength, 1, DEFAULT_CONTEXT);
  const ropeBase = positive('ropeBase', input.ropeBase, 10_000);
  if (ropeBase <= 1 && input.ropeBase !== undefined) bad('ropeBase', `${ropeBase} must be > 1`);
  const normEps = positive('normEps', input.normEps, 1e-5);
  const latentBits = int('latentBits', input.latentBits, 1, 8);
  if (latentBits > MAX_LATENT_BITS) {
    bad('latentBits', `${latentBits} is above ${MAX_LATENT_BITS} (the post-sampler has 2^H rows)`);
  }

  let kappaNats = 0;
  if (input.kappa !== undefined && input.kappaNats !== undefined) {
    bad('kappa', 'give either kappa or kappaNats, not both');
  } else if (input.kappa !== undefined) {
    const k = input.kappa as Record<string, unknown>;
    const keys = k && typeof k === 'object' ? Object.keys(k) : [];
    const value = keys.length === 1 ? k[keys[0] as string] : undefined;
    if (keys.length !== 1 || (keys[0] !== 'nats' && keys[0] !== 'bits')) {
      bad('kappa', `${JSON.stringify(input.kappa)} must be {"nats": x} or {"bits": x}`);
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      bad('kappa', `${JSON.stringify(value)} ${keys[0]} must be a finite number >= 0`);
    } else {
      kappaNats = keys[0] === 'bits' ? value * Math.LN2 : value;
    }
  } else if (input.kappaNats !== undefined) {
    if (typeof input.kappaNats !== 'number' || !Number.isFinite(input.kappaNats) || input.kappaNats < 0) {
      bad('kappaNats', `${JSON.stringify(input.kappaNats)} must be a finite number >= 0`);
    } else kappaNats = input.kappaNats;
  }

  const encoderPlacement = int('encoderPlacement', input.encoderPlacement, 1, Math.max(1, Math.floor(layers / 2)));
  if (variant === 'free-transformer') {
    if (layers < 2)
      bad('layers', `${layers} is too few for the Free Transformer: it needs L >= 2 (Z enters block m+1)`);
    else if (encoderPlacement > layers - 1) {
      bad('encoderPlacement', `${encoderPlacement} is outside 1..${layers - 1} (L=${layers})`);
    }
  }
  const estimator = oneOf('estimator', input.estimator, ESTIMATORS, 'dense');
  const zeroInitPostSampler = bool('zeroInitPostSampler', input.zeroInitPostSampler, true);
  const latentKvPath = oneOf('latentKvPath', input.latentKvPath, LATENT_KV_PATHS, 'before-norm');
  const promptZ = oneOf('promptZ', input.promptZ, PROMPT_Z_MODES, 'posterior');
  const denseChunkBytes = int('denseChunkBytes', input.denseChunkBytes, 1024, 64 * 1024 * 1024);
  const tieEmbeddings = bool('tieEmbeddings', input.tieEmbeddings, false);
  // The spec's "ideal but expensive" cvae: a full encoder (L blocks), about twice the training cost.
  const cvaeEncoderLayers = int('cvaeEncoderLayers', input.cvaeEncoderLayers, 1, Math.max(1, layers));
  const initStd = positive('initStd', input.initStd, 0.02);

  if (problems.length > 0) throw new ModelConfigError(problems);
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
