// Parameter and FLOP counts for the dashboard's cost columns.
//
// FLOPs count matrix products only (2 per multiply-add), the usual convention (Kaplan et al.
// 2020, nanoGPT's estimate_mfu); norms, softmax and other elementwise work are left out. Per
// token of a sequence of length T, forward:
//   decoder block      2 (4 D^2 + 3 D F) + 4 T D      (q, k, v, o; SwiGLU; scores and mixing,
//                                                      all T keys as computed, no causal halving)
//   head               2 D V                          (the embedding is a lookup: 0)
//   encoder block      2 (3 D^2 + 3 D F) + 4 T D      (its query projection runs once per sequence)
//   readout            2 D H
//   post-sampler       0 (row gather) or 2 H D (factored)
//   cvae encoder       its blocks like decoder blocks
// Training = 3 x forward (backward ~ twice the forward), plus the estimator's backward terms,
// which have no forward counterpart:
//   dense              2 C (D + 2 H + 1)   (g = dR W^T over all C codes, log G, and the sums)
//   sampled            2 D                 (g_z = dR . W[z])
import { decoderLayerCount, hasLatent, type ModelConfig } from './config.js';
import { PARAMETER_GROUPS, type ParameterGroup, parameterSpecs } from './parameters.js';

export interface ParameterCount {
  total: number;
  byGroup: Record<ParameterGroup, number>;
}

export function parameterCount(config: ModelConfig): ParameterCount {
  const byGroup = Object.fromEntries(PARAMETER_GROUPS.map((g) => [g, 0])) as Record<ParameterGroup, number>;
  let total = 0;
  for (const spec of parameterSpecs(config)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    byGroup[spec.group] += size;
    total += size;
  }
  return { total, byGroup };
}

export interface FlopsOptions {
  /** Forward + backward (default false: forward only). */
  training?: boolean;
  /** Sequence length T for the attention terms; default config.contextLength. */
  sequenceLength?: number;
}

/** FLOPs per token (see the header of this file for the formula). */
export function flopsPerToken(config: ModelConfig, options: FlopsOptions = {}): number {
  const { width: d, mlpWidth: f, vocabSize: v, latentBits: h } = config;
  const t = options.sequenceLength ?? config.contextLength;
  const block = 2 * (4 * d * d + 3 * d * f) + 4 * t * d;
  let forward = decoderLayerCount(config) * block + 2 * d * v;
  let backwardOnly = 0;
  if (hasLatent(config)) {
    const encoderBlock = 2 * (3 * d * d + 3 * d * f) + 4 * t * d;
    forward += encoderBlock + 2 * d * h;
    if (config.variant === 'cvae') forward += config.cvaeEncoderLayers * block;
    if (config.estimator === 'factored') forward += 2 * h * d;
    const codes = 2 ** h;
    if (config.estimator === 'dense') backwardOnly = 2 * codes * (d + 2 * h + 1);
    if (config.estimator === 'sampled') backwardOnly = 2 * d;
  }
  return options.training ? 3 * forward + backwardOnly : forward;
}
