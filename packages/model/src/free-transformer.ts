// The model: the Llama-style baseline and the Free Transformer (spec section 2), plus the two
// ablation variants, in one forward pass that reads like the spec's pseudo-code:
//
//   X = embed(S)                                   (cvae: X = embed(S) + R, R from its own encoder)
//   for l in 1..m:      X = Block_l(q = X, kv = X)
//   E = EncoderBlock(q = broadcast(zeta), kv = X)  (non-causal, RoPE)
//   bit_logits = Readout(E)                        (B, T, H)
//   R = PostSampler(BinaryMapper(bit_logits))      (B, T, D)
//   X = Block_{m+1}(q = X, kv = X + R)
//   for l in m+2..L:    X = Block_l(q = X, kv = X)
//   logits = Head(Norm(X))
//
// baseline: no encoder and no R; baseline-plus-one: the same with L + 1 blocks.
import { embeddingLookup, linear, type Tensor, type Tensor2D, type Tensor3D, tf, type Variable } from '@ftlab/backend';
import type { AttentionContext, TraceFn } from './attention.js';
import {
  bitsToCodes,
  codesToBits,
  latentFromBits,
  posteriorSeed,
  sampleLatent,
  samplePriorBits,
} from './binary-mapper.js';
import { type BlockWeights, blockWeights, decoderBlock, encoderBlock } from './block.js';
import { decoderLayerCount, hasLatent, type ModelConfig, type ModelConfigInput, resolveModelConfig } from './config.js';
import { ConstantCache } from './constants.js';
import type { GenerateOptions, GenerateResult } from './generate.js';
import { generate } from './generate.js';
import { createVariables } from './init.js';
import { bitKl, logPosterior, tokenKl } from './kl.js';
import { KvCache } from './kv-cache.js';
import { crossEntropyPerToken, freeTransformerLoss } from './loss.js';
import {
  CVAE_EMBED,
  cvaeBlockPrefix,
  decoderBlockPrefix,
  EMBED,
  ENCODER_BLOCK,
  FINAL_NORM,
  LM_HEAD,
  POST_SAMPLER,
  parameterSpecs,
  READOUT,
  ZETA,
} from './parameters.js';
import { deriveSeed } from './random.js';
import { rmsNorm } from './rmsnorm.js';
import { type RopeTables, ropeTables, rotateHalfMatrix } from './rope.js';
import type {
  ForwardOptions,
  ForwardResult,
  ForwardResultWithLoss,
  Model,
  NamedVariable,
  PromptInput,
  ZOption,
} from './types.js';
import { checkIntArray, checkRange, checkTokenTensor } from './validate.js';

/** Options of the internal pass shared by forward() and incremental decoding. */
export interface RunOptions {
  /** Position of the first token (nonzero only when decoding with a cache). */
  offset: number;
  cache: KvCache | null;
  z: ZOption;
  seed: number;
  /** Run the encoder even when Z does not come from it (for KL and log Q). */
  encoder: boolean;
  trace?: (block: string, name: string, tensor: Tensor) => void;
  /** Replaces Binary Mapper + post-sampler: tests build surrogate objectives with it. */
  latentOverride?: (bitLogits: Tensor, table: Tensor) => { r: Tensor; bits: Tensor };
}

interface LatentState {
  /** [B, T, H], or null when the encoder was skipped. */
  bitLogits: Tensor | null;
  /** Bits of the codes used, float 0/1 [B*T, H]. */
  bits: Tensor;
  r: Tensor;
}

const MASKED = -1e9;

export class TransformerModel implements Model {
  readonly variables: ReadonlyArray<NamedVariable>;
  private readonly params: Map<string, Variable>;
  private readonly constants = new ConstantCache();
  private readonly blocks: BlockWeights[];
  private readonly cvaeBlocks: BlockWeights[];
  private readonly encoder: BlockWeights | null;

  constructor(
    readonly config: ModelConfig,
    params: Map<string, Variable>,
  ) {
    this.params = params;
    const specs = parameterSpecs(config);
    this.variables = specs.map((spec) => ({ name: spec.name, variable: this.param(spec.name), decay: spec.decay }));
    const lookup = (name: string) => this.param(name);
    this.blocks = Array.from({ length: decoderLayerCount(config) }, (_, i) =>
      blockWeights(lookup, decoderBlockPrefix(i)),
    );
    this.cvaeBlocks =
      config.variant === 'cvae'
        ? Array.from({ length: config.cvaeEncoderLayers }, (_, j) => blockWeights(lookup, cvaeBlockPrefix(j)))
        : [];
    this.encoder = hasLatent(config) ? blockWeights(lookup, ENCODER_BLOCK) : null;
  }

  private param(name: string): Variable {
    const variable = this.params.get(name);
    if (variable === undefined) throw new Error(`internal: the model has no parameter ${name}`);
    return variable;
  }

  forward(inputs: Tensor2D, targets: Tensor2D, options: ForwardOptions): ForwardResultWithLoss;
  forward(inputs: Tensor2D, targets: null, options: ForwardOptions): ForwardResult;
  forward(inputs: Tensor2D, targets: Tensor2D | null, options: ForwardOptions): ForwardResult | ForwardResultWithLoss {
    checkTokenTensor('forward inputs', inputs, this.config);
    if (targets !== null) {
      checkTokenTensor('forward targets', targets, this.config);
      if (targets.shape.join() !== inputs.shape.join()) {
        throw new Error(`forward: targets shape [${targets.shape}] differs from inputs shape [${inputs.shape}]`);
      }
    }
    if (!Number.isInteger(options?.seed))
      throw new Error(`forward: options.seed must be an integer, got ${options?.seed}`);
    const z = options.z ?? { mode: 'posterior' };
    this.checkZ(z, inputs.shape[0] * inputs.shape[1], inputs.shape);
    return this.forwardWith(inputs, targets, { offset: 0, cache: null, z, seed: options.seed, encoder: true });
  }

  /** forward() without argument checks and with every run option (tests use latentOverride). */
  forwardWith(inputs: Tensor, targets: Tensor | null, options: RunOptions): ForwardResult | ForwardResultWithLoss {
    return tf.tidy(() => {
      const { logits, latent } = this.run(inputs, options);
      return this.results(logits, latent, targets) as ForwardResult & tf.TensorContainerObject;
    });
  }

  generate(prompt: PromptInput, options: GenerateOptions): GenerateResult {
    return generate(this, prompt, options);
  }

  newKvCache(): KvCache {
    return new KvCache(this.blocks.length);
  }

  /**
   * Incremental decoding for generate(): runs `tokens` (row-major [batch, T]) at the positions
   * after those already in `cache` (or from 0 without a cache), with Z from the encoder
   * (`codes` null, prefill only) or the given codes. Returns the last position's logits
   * [batch, V] and the codes used [batch, T].
   */
  decode(
    tokens: Int32Array,
    batch: number,
    cache: KvCache | null,
    codes: Int32Array | null,
    seed: number,
  ): { lastLogits: Float32Array; codes: Int32Array } {
    const time = tokens.length / batch;
    const offset = cache?.length ?? 0;
    if (codes === null && offset > 0) throw new Error('internal: posterior Z needs the whole prompt (offset 0)');
    const z: ZOption = codes === null ? { mode: 'posterior' } : { mode: 'given', codes };
    const [logits, used] = tf.tidy(() => {
      const input = tf.tensor2d(tokens, [batch, time], 'int32');
      const out = this.run(input, { offset, cache, z, seed, encoder: false });
      const vocab = this.config.vocabSize;
      const last = tf.reshape(tf.slice(out.logits, [0, time - 1, 0], [batch, 1, vocab]), [batch, vocab]);
      return [last, out.latent ? bitsToCodes(out.latent.bits) : tf.zeros([batch * time], 'int32')];
    });
    const result = { lastLogits: logits.dataSync() as Float32Array, codes: used.dataSync() as Int32Array };
    tf.dispose([logits, used]);
    return result;
  }

  dispose(): void {
    for (const variable of this.params.values()) variable.dispose();
    this.constants.dispose();
  }

  private checkZ(z: ZOption, count: number, shape: number[]): void {
    if (z.mode === 'given' && hasLatent(this.config)) {
      const codes = 2 ** this.config.latentBits;
      if (z.codes instanceof Int32Array) checkIntArray('forward z.codes', z.codes, count, codes);
      else {
        if (z.codes.shape.join() !== shape.join() || z.codes.dtype !== 'int32') {
          throw new Error(`forward z.codes: expected int32 [${shape}], got ${z.codes.dtype} [${z.codes.shape}]`);
        }
        checkRange('forward z.codes', z.codes, codes, 'code', '2^latentBits');
      }
    } else if (!['posterior', 'prior', 'given'].includes(z.mode)) {
      throw new Error(`forward z.mode: ${JSON.stringify(z.mode)} is not posterior, prior or given`);
    }
  }

  /** The whole network for tokens at positions offset..offset+T-1. Returns logits [B, T, V]. */
  run(inputs: Tensor, o: RunOptions): { logits: Tensor; latent: LatentState | null } {
    const c = this.config;
    const [batch, time] = inputs.shape as [number, number];
    const causal = this.attentionContext(o.offset, time, true);
    let x = embeddingLookup(inputs, this.param(EMBED));
    let latent: LatentState | null = null;
    if (c.variant === 'cvae') {
      latent = this.latent(
        o.encoder || o.z.mode === 'posterior' ? () => this.cvaeBitLogits(inputs, o) : null,
        batch,
        time,
        o,
      );
      x = tf.add(x, latent.r); // the cvae's Z enters the decoder at its input
    }
    for (let l = 0; l < this.blocks.length; l++) {
      const block = this.blocks[l] as BlockWeights;
      const ctx: AttentionContext = { ...causal, cache: o.cache?.layers[l], trace: this.tracer(o, `layers.${l}`) };
      o.trace?.(`layers.${l}`, 'input', x);
      if (c.variant === 'free-transformer' && l === c.encoderPlacement) {
        // x holds the output of block m: the encoder reads it, and R enters block m+1's K/V only.
        const middle = x;
        latent = this.latent(
          o.encoder || o.z.mode === 'posterior' ? () => this.encoderBitLogits(middle, o) : null,
          batch,
          time,
          o,
        );
        x = decoderBlock(block, x, ctx, c.normEps, { r: latent.r, path: c.latentKvPath });
      } else {
        x = decoderBlock(block, x, ctx, c.normEps);
      }
    }
    const logits = linear(rmsNorm(x, this.param(FINAL_NORM), c.normEps), this.headWeight());
    return { logits, latent };
  }

  private tracer(o: RunOptions, block: string): TraceFn | undefined {
    const trace = o.trace;
    return trace ? (name, tensor) => trace(block, name, tensor) : undefined;
  }

  private headWeight(): Tensor {
    return this.config.tieEmbeddings ? tf.transpose(this.param(EMBED)) : this.param(LM_HEAD);
  }

  /** Bit logits [B, T, H] = Readout(EncoderBlock(zeta, X)) from the middle activations X. */
  private encoderBitLogits(middle: Tensor, o: RunOptions): Tensor {
    const time = middle.shape[1] as number;
    const ctx = { ...this.attentionContext(o.offset, time, false), trace: this.tracer(o, 'encoder') };
    const e = encoderBlock(this.encoder as BlockWeights, this.param(ZETA), middle, ctx, this.config.normEps);
    return linear(e, this.param(READOUT));
  }

  /** The cvae's separate encoder: its own embedding and non-causal blocks, then the zeta block. */
  private cvaeBitLogits(inputs: Tensor, o: RunOptions): Tensor {
    const time = inputs.shape[1] as number;
    const ctx = this.attentionContext(o.offset, time, false);
    let x = embeddingLookup(inputs, this.param(CVAE_EMBED));
    for (const block of this.cvaeBlocks) x = decoderBlock(block, x, ctx, this.config.normEps);
    return this.encoderBitLogits(x, o);
  }

  /** Z for every position, from the encoder, the prior or given codes, and R = PostSampler(Y). */
  private latent(bitLogitsOf: (() => Tensor) | null, batch: number, time: number, o: RunOptions): LatentState {
    const c = this.config;
    const rows = batch * time;
    const table = this.param(POST_SAMPLER);
    const bitLogits = bitLogitsOf ? bitLogitsOf() : null;
    let bits: Tensor;
    let r: Tensor;
    if (o.z.mode === 'posterior') {
      const flat = tf.reshape(bitLogits as Tensor, [rows, c.latentBits]);
      const sample = o.latentOverride
        ? o.latentOverride(flat, table)
        : sampleLatent(flat, table, {
            estimator: c.estimator,
            seed: posteriorSeed(o.seed),
            chunkBytes: c.denseChunkBytes,
            constants: this.constants,
          });
      bits = sample.bits;
      r = sample.r;
    } else {
      if (o.z.mode === 'prior') bits = samplePriorBits(rows, c.latentBits, deriveSeed(o.seed, 'prior-z'));
      else {
        const given = o.z.codes instanceof Int32Array ? tf.tensor1d(o.z.codes, 'int32') : o.z.codes;
        bits = codesToBits(given, c.latentBits);
      }
      r = latentFromBits(bits, table, c.estimator);
    }
    return { bitLogits, bits, r: tf.reshape(r, [batch, time, c.width]) };
  }

  private results(
    logits: Tensor,
    latent: LatentState | null,
    targets: Tensor | null,
  ): ForwardResult | ForwardResultWithLoss {
    const [batch, time] = logits.shape as [number, number];
    const out: ForwardResult = {
      logits: logits as Tensor3D,
      klPerToken: tf.zeros([batch, time]) as Tensor2D,
      kl: tf.scalar(0) as tf.Scalar,
      codes: tf.zeros([batch, time], 'int32') as Tensor2D,
      logQ: tf.zeros([batch, time]) as Tensor2D,
    };
    let klForLoss: Tensor | null = null;
    if (latent !== null) {
      out.codes = tf.reshape(bitsToCodes(latent.bits), [batch, time]) as Tensor2D;
      if (latent.bitLogits !== null) {
        const h = this.config.latentBits;
        out.bitLogits = latent.bitLogits as Tensor3D;
        out.klPerToken = tokenKl(latent.bitLogits) as Tensor2D;
        out.kl = tf.mean(out.klPerToken) as tf.Scalar;
        out.logQ = tf.reshape(logPosterior(tf.reshape(latent.bitLogits, [-1, h]), latent.bits), [
          batch,
          time,
        ]) as Tensor2D;
        out.bitKl = tf.mean(tf.reshape(bitKl(latent.bitLogits), [-1, h]), 0) as tf.Tensor1D;
        klForLoss = out.klPerToken;
      }
    }
    if (targets === null) return out;
    const cePerToken = crossEntropyPerToken(logits, targets) as Tensor2D;
    return {
      ...out,
      cePerToken,
      ce: tf.mean(cePerToken) as tf.Scalar,
      loss: freeTransformerLoss(cePerToken, klForLoss, this.config.kappaNats) as tf.Scalar,
    };
  }

  /** RoPE tables and mask for `length` positions from `offset` (causal or full attention). */
  private attentionContext(offset: number, length: number, causal: boolean): AttentionContext {
    const c = this.config;
    const headDim = c.width / c.heads;
    const rotateHalf = this.constants.get(`rotate-half:${headDim}`, () => rotateHalfMatrix(headDim));
    const rope = (scale: number): RopeTables => {
      const table = (part: 'cos' | 'sin') =>
        this.constants.get(
          `rope-${part}:${offset}:${length}:${scale}`,
          () => ropeTables(headDim, offset, length, c.ropeBase, scale)[part],
        );
      return { cos: table('cos'), sin: table('sin'), rotateHalf };
    };
    let mask: Tensor | null = null;
    if (causal && length > 1) {
      mask = this.constants.get(`causal-mask:${offset}:${length}`, () => {
        const keys = offset + length;
        const values = new Float32Array(length * keys);
        for (let i = 0; i < length; i++) for (let j = offset + i + 1; j < keys; j++) values[i * keys + j] = MASKED;
        return tf.tensor2d(values, [length, keys]);
      });
    }
    // The queries' tables carry the score scale 1/sqrt(dh).
    return { heads: c.heads, queryRope: rope(1 / Math.sqrt(headDim)), keyRope: rope(1), mask, causal };
  }
}

/**
 * A model with freshly initialised weights, deterministic in `seed` on every engine. The config
 * is (re)validated, so a partial one gets its defaults.
 */
export function createModel(config: ModelConfig | ModelConfigInput, seed: number): Model {
  if (!Number.isInteger(seed)) throw new Error(`createModel: seed must be an integer, got ${seed}`);
  const resolved = resolveModelConfig(config);
  return new TransformerModel(resolved, createVariables(parameterSpecs(resolved), seed));
}
