// The model's public contract: what forward() and generate() take and return. Packages that
// train, evaluate or serve models depend on these types only.
import type { Tensor, Tensor2D, Tensor3D, tf, Variable } from '@ftlab/backend';
import type { ModelConfig } from './config.js';
import type { GenerateOptions, GenerateResult } from './generate.js';

/** Where Z comes from: the encoder (default), the uniform prior, or given codes [B, T]. */
export type ZOption = { mode: 'posterior' } | { mode: 'prior' } | { mode: 'given'; codes: Int32Array | Tensor };

export interface ForwardOptions {
  z?: ZOption;
  /** All randomness of the call (Z sampling) derives from it: same seed, same output. */
  seed: number;
  /** Accepted for symmetry with training loops; the model has no dropout, so it changes nothing. */
  training?: boolean;
}

/** Tensors of one forward pass; the caller disposes them (or calls forward inside tf.tidy). */
export interface ForwardResult {
  logits: Tensor3D;
  /** KL(Q(Z_t | S) || Uniform(C)) per token in nats, before the hinge; zeros without a latent. */
  klPerToken: Tensor2D;
  kl: tf.Scalar;
  /** The codes z_t used, int32 [B, T]; zeros without a latent. */
  codes: Tensor2D;
  /** log Q(z_t | S) of those codes under the encoder, [B, T]; zeros without a latent. */
  logQ: Tensor2D;
  /** Encoder bit logits [B, T, H] (absent without a latent). */
  bitLogits?: Tensor3D;
  /** Mean KL of each bit over the batch, [H] nats (absent without a latent). */
  bitKl?: tf.Tensor1D;
}

export interface ForwardResultWithLoss extends ForwardResult {
  cePerToken: Tensor2D;
  ce: tf.Scalar;
  /** mean CE + (1/T) sum_t max(0, KL_t - kappa), averaged over the batch. */
  loss: tf.Scalar;
}

export interface NamedVariable {
  name: string;
  variable: Variable;
  decay: boolean;
}

export interface Model {
  readonly config: ModelConfig;
  readonly variables: ReadonlyArray<NamedVariable>;
  forward(inputs: Tensor2D, targets: Tensor2D, options: ForwardOptions): ForwardResultWithLoss;
  forward(inputs: Tensor2D, targets: null, options: ForwardOptions): ForwardResult;
  generate(prompt: PromptInput, options: GenerateOptions): GenerateResult;
  dispose(): void;
}

export type PromptInput = Int32Array | readonly number[] | ReadonlyArray<Int32Array | readonly number[]>;
