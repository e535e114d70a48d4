// The Binary Mapper (spec section 2) and the post-sampler it feeds.
//
//   p_h = sigmoid(bit_logits_h)             h = 0..H-1
//   b_h ~ Bernoulli(p_h),  z = sum_h 2^h b_h,  Y = onehot(z) over C = 2^H codes
//   G_d = prod_h P(b_h = bit_h(d))          the probability of code d under the encoder
//   output = Y + G - stopgrad(G)            forward value exactly Y, gradient as if it were G
//   R = PostSampler(Y) = Y W = W[z]         (W: C x D; the forward is a row gather)
//
// TensorFlow.js has no stopGradient, so the pass-through is one tf.customGrad whose forward
// samples (Less has no gradient) and returns exactly the hard value, and whose backward is the
// gradient of G. This is `hard + (G - G_detached)` with the difference folded away exactly; the
// bits never go through an integer cast on the gradient path.
//
// Gradient of the dense estimator with respect to the bit logits, for upstream g = dL/dY:
//   dG_d/dl_h = G_d (bit_h(d) - p_h)   =>   dL/dl_h = sum_d g_d G_d bit_h(d) - p_h sum_d g_d G_d
// with log G_d = sum_h bit_h(d) l_h - sum_h softplus(l_h). Inside the model g = dR W^T, so the
// backward costs a (rows, D) x (D, C) product: it is chunked over rows and codes so that no work
// tensor exceeds `denseChunkBytes`, and H = 16 trains in bounded memory.
//
// The other estimators (config.estimator):
//   sampled:  gradient as if output = Y * G / stopgrad(G): dL/dl_h = g_z (b_h - p_h). Since z ~ G,
//             this is a one-sample (unbiased, much noisier) estimate of the dense gradient; it
//             costs O(H + D) per token.
//   factored: R = W (2b - 1) with W: H x D (additive per-bit embeddings) and a per-bit
//             straight-through: dR/dl_h = 2 p_h (1 - p_h) W_h. Exact for that restricted
//             embedding, O(H D) per token.
import { fusedDenseBitGradient, hasFusedKernels, matMul, type Tensor, tf } from '@ftlab/backend';
import type { Estimator } from './config.js';
import type { ConstantCache } from './constants.js';
import { deriveSeed } from './random.js';

/** bit_h(d) for codes c0..c0+count-1: row-major [count, H] of 0/1 (bit 0 is the least significant). */
export function codeBits(c0: number, count: number, bits: number): Float32Array {
  const out = new Float32Array(count * bits);
  for (let i = 0; i < count; i++) for (let h = 0; h < bits; h++) out[i * bits + h] = ((c0 + i) >>> h) & 1;
  return out;
}

/** z = sum_h 2^h b_h for bits [N, H] (0/1 floats): int32 [N]. Exact for H <= 24. */
export function bitsToCodes(bits: Tensor): Tensor {
  return tf.tidy(() => {
    const h = bits.shape[1] as number;
    const powers = tf.tensor2d(
      Array.from({ length: h }, (_, i) => 2 ** i),
      [h, 1],
    );
    return tf.cast(tf.reshape(tf.matMul(bits, powers), [-1]), 'int32');
  });
}

/** bit_h(z) for int32 codes [N]: float [N, H]. */
export function codesToBits(codes: Tensor, bits: number): Tensor {
  return tf.tidy(() => {
    const powers = tf.tensor1d(
      Array.from({ length: bits }, (_, i) => 2 ** i),
      'int32',
    );
    const column = tf.reshape(codes, [-1, 1]);
    return tf.cast(tf.mod(tf.floorDiv(column, powers), 2), 'float32');
  });
}

/** The spec's draw: b_h = 1 iff u_h < p_h, so b_h ~ Bernoulli(p_h) for u_h ~ U[0, 1). Float 0/1. */
export function bitsFromUniforms(probabilities: Tensor, uniforms: Tensor): Tensor {
  return tf.tidy(() => tf.cast(tf.less(uniforms, probabilities), 'float32'));
}

/** b_h ~ Bernoulli(sigmoid(l_h)) from seeded uniforms: float 0/1 [N, H]. Never differentiated. */
export function sampleBits(bitLogits: Tensor, seed: number): Tensor {
  return tf.tidy(() =>
    bitsFromUniforms(tf.sigmoid(bitLogits), tf.randomUniform(bitLogits.shape, 0, 1, 'float32', seed)),
  );
}

/** The seed of the posterior Z draw in forward(..., { seed }). */
export function posteriorSeed(forwardSeed: number): number {
  return deriveSeed(forwardSeed, 'posterior-z');
}

/**
 * The uniforms u [B, T, H] that forward(inputs [B, T], ..., { seed }) compares with the encoder's
 * bit probabilities to draw Z from the posterior, so that another implementation can draw the same codes.
 */
export function posteriorUniforms(batch: number, time: number, bits: number, forwardSeed: number): Tensor {
  return tf.tidy(() =>
    tf.reshape(tf.randomUniform([batch * time, bits], 0, 1, 'float32', posteriorSeed(forwardSeed)), [
      batch,
      time,
      bits,
    ]),
  );
}

/** Uniform-prior bits (each bit 0 or 1 with probability 1/2): float [N, H]. */
export function samplePriorBits(rows: number, bits: number, seed: number): Tensor {
  return tf.tidy(() => tf.cast(tf.less(tf.randomUniform([rows, bits], 0, 1, 'float32', seed), 0.5), 'float32'));
}

export interface ChunkPlan {
  rowChunk: number;
  codeChunk: number;
}

/**
 * Chunk sizes for the dense backward's (rows, codes) work tensors: rowChunk * codeChunk * 4
 * bytes stays within `budgetBytes`. Code chunks stay wide (up to 256 codes) for matmul efficiency.
 */
export function planDenseChunks(rows: number, codes: number, budgetBytes: number): ChunkPlan {
  const maxElements = Math.max(1, Math.floor(budgetBytes / 4));
  if (rows * codes <= maxElements) return { rowChunk: rows, codeChunk: codes };
  const codeChunk = Math.min(codes, Math.max(Math.floor(maxElements / rows), Math.min(codes, 256, maxElements)));
  const rowChunk = Math.min(rows, Math.max(1, Math.floor(maxElements / codeChunk)));
  return { rowChunk, codeChunk };
}

/** Codes' bits transposed [H, C] and bits with a ones column [C, H + 1], cached per model. */
function bitTables(constants: ConstantCache, bits: number): { bitsT: Tensor; bitsWithOnes: Tensor } {
  const codes = 2 ** bits;
  const bitsT = constants.get(`code-bits-T:${bits}`, () =>
    tf.transpose(tf.tensor2d(codeBits(0, codes, bits), [codes, bits])),
  );
  const bitsWithOnes = constants.get(`code-bits-1:${bits}`, () =>
    tf.concat([tf.tensor2d(codeBits(0, codes, bits), [codes, bits]), tf.ones([codes, 1])], 1),
  );
  return { bitsT, bitsWithOnes };
}

/**
 * dL/dl for the dense estimator: sum_d g_d G_d (bit_h(d) - p_h), chunked.
 * `upstream(r0, r1, c0, c1)` returns g = dL/dY for rows r0..r1-1 and codes c0..c1-1.
 */
function denseLogitGradient(
  bitLogits: Tensor,
  upstream: (r0: number, r1: number, c0: number, c1: number) => Tensor,
  plan: ChunkPlan,
  constants: ConstantCache,
): Tensor {
  const [rows, bits] = bitLogits.shape as [number, number];
  const codes = 2 ** bits;
  const { bitsT, bitsWithOnes } = bitTables(constants, bits);
  const rowGrads: Tensor[] = [];
  for (let r0 = 0; r0 < rows; r0 += plan.rowChunk) {
    const r1 = Math.min(rows, r0 + plan.rowChunk);
    rowGrads.push(
      tf.tidy(() => {
        const l = tf.slice(bitLogits, [r0, 0], [r1 - r0, bits]);
        const logNormaliser = tf.neg(tf.sum(tf.softplus(l), 1, true)); // sum_h log(1 - p_h)
        let sums: Tensor | null = null; // [rows, H + 1]: sum_d A_d bit_h(d) and sum_d A_d
        for (let c0 = 0; c0 < codes; c0 += plan.codeChunk) {
          const c1 = Math.min(codes, c0 + plan.codeChunk);
          const whole = c0 === 0 && c1 === codes;
          // Disposed as soon as used: at most three (rows, codes) work tensors are alive at once.
          const probability = tf.tidy(() => {
            const cols = whole ? bitsT : tf.slice(bitsT, [0, c0], [bits, c1 - c0]);
            return tf.exp(tf.add(matMul(l, cols), logNormaliser)); // G_d for this chunk
          });
          const g = upstream(r0, r1, c0, c1);
          const weighted = tf.mul(g, probability); // A_d = g_d G_d
          tf.dispose([g, probability]);
          const chunkSums = tf.tidy(() =>
            matMul(weighted, whole ? bitsWithOnes : tf.slice(bitsWithOnes, [c0, 0], [c1 - c0, bits + 1])),
          );
          weighted.dispose();
          const next: Tensor = sums === null ? chunkSums : tf.add(sums, chunkSums);
          if (sums !== null) {
            sums.dispose();
            chunkSums.dispose();
          }
          sums = next;
        }
        const total = sums as Tensor;
        const [weightedBits, weightTotal] = tf.split(total, [bits, 1], 1) as [Tensor, Tensor];
        return tf.sub(weightedBits, tf.mul(tf.sigmoid(l), weightTotal));
      }),
    );
  }
  const out = rowGrads.length === 1 ? (rowGrads[0] as Tensor) : tf.concat(rowGrads, 0);
  if (rowGrads.length > 1) tf.dispose(rowGrads);
  return out;
}

/** dL/dl for the sampled estimator: g_z (b_h - p_h), with gAtSample = g_z [N, 1]. */
function sampledLogitGradient(bitLogits: Tensor, bits: Tensor, gAtSample: Tensor): Tensor {
  return tf.tidy(() => tf.mul(gAtSample, tf.sub(bits, tf.sigmoid(bitLogits))));
}

export interface BinaryMapperOptions {
  estimator: 'dense' | 'sampled';
  seed: number;
  /** Cache of the code bit tables; a throwaway one is fine for one-off use. */
  constants: ConstantCache;
  chunkBytes: number;
}

/**
 * The Binary Mapper on its own: bit logits [N, H] -> Y [N, C], exactly one-hot in the forward
 * pass, with the dense or sampled pass-through gradient. It materialises (N, C), so it is for
 * tests and small H; the model uses `sampleLatent`, which fuses it with the post-sampler.
 * Returns the sampled bits too (float 0/1 [N, H], caller disposes).
 */
export function binaryMapper(bitLogits: Tensor, options: BinaryMapperOptions): { y: Tensor; bits: Tensor } {
  const [rows, h] = bitLogits.shape as [number, number];
  const codes = 2 ** h;
  let sampled: Tensor | null = null;
  const op = tf.customGrad((l, save) => {
    const bits = sampleBits(l as Tensor, options.seed);
    sampled = tf.keep(bits.clone());
    // oneHot as int32, then cast: the wasm engine's float32 OneHot writes the integer bit
    // pattern of 1 (a denormal, 1.4e-45) instead of 1.0 (tfjs 4.22).
    const y = tf.cast(tf.oneHot(bitsToCodes(bits), codes), 'float32');
    (save as tf.GradSaveFunc)([l as Tensor, bits, y]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [logits, b, hard] = saved as [Tensor, Tensor, Tensor];
        if (options.estimator === 'sampled') return sampledLogitGradient(logits, b, tf.sum(tf.mul(dy, hard), 1, true));
        const plan = planDenseChunks(rows, codes, options.chunkBytes);
        return denseLogitGradient(
          logits,
          (r0, r1, c0, c1) => tf.slice(dy, [r0, c0], [r1 - r0, c1 - c0]),
          plan,
          options.constants,
        );
      },
    };
  });
  const y = op(bitLogits);
  return { y, bits: adopt(sampled) };
}

/** Moves a tensor kept inside a customGrad forward into the caller's tidy scope. */
function adopt(kept: Tensor | null): Tensor {
  if (kept === null) throw new Error('internal: the customGrad forward did not run');
  const tracked = kept.clone();
  kept.dispose();
  return tracked;
}

/** R = W[z] with the gradient dW = Y^T dR as a scatter-add (no (N, C) one-hot is built). */
export function gatherRows(table: Tensor, codes: Tensor): Tensor {
  const op = tf.customGrad((w, save) => {
    (save as tf.GradSaveFunc)([codes]);
    return {
      value: tf.gather(w as Tensor, codes),
      gradFunc: (dy: Tensor, saved: Tensor[]) => scatterRows(saved[0] as Tensor, dy, (w as Tensor).shape),
    };
  });
  return op(table);
}

function scatterRows(codes: Tensor, rowsGrad: Tensor, shape: number[]): Tensor {
  return tf.scatterND(tf.reshape(codes, [-1, 1]), rowsGrad, shape);
}

/** R = (2b - 1) W for the factored post-sampler (bits [N, H], W [H, D]). */
function factoredProjection(bits: Tensor, table: Tensor): Tensor {
  return tf.tidy(() => matMul(tf.sub(tf.mul(bits, 2), 1), table));
}

export interface SampleLatentOptions {
  estimator: Estimator;
  seed: number;
  chunkBytes: number;
  constants: ConstantCache;
}

export interface LatentSample {
  /** R [N, D], the post-sampler output that enters the decoder. */
  r: Tensor;
  /** The sampled bits b [N, H] (float 0/1), constants for the gradient. */
  bits: Tensor;
}

/**
 * Binary Mapper + post-sampler, fused: samples b from the bit logits [N, H] and returns
 * R = PostSampler(onehot(z)) [N, D] with the configured estimator's gradient for both the bit
 * logits and the post-sampler table ([C, D], or [H, D] for the factored estimator).
 */
export function sampleLatent(bitLogits: Tensor, table: Tensor, options: SampleLatentOptions): LatentSample {
  const [rows, h] = bitLogits.shape as [number, number];
  const codes = 2 ** h;
  let sampled: Tensor | null = null;
  const op = tf.customGrad((l, w, save) => {
    const logits = l as Tensor;
    const weights = w as Tensor;
    const bits = sampleBits(logits, options.seed);
    sampled = tf.keep(bits.clone());
    if (options.estimator === 'factored') {
      (save as tf.GradSaveFunc)([logits, weights, bits]);
      return {
        value: factoredProjection(bits, weights),
        gradFunc: (dr: Tensor, saved: Tensor[]) => {
          const [lg, wt, b] = saved as [Tensor, Tensor, Tensor];
          const p = tf.sigmoid(lg);
          // d(2 b_ST - 1)/dl = 2 p (1 - p) with the straight-through b_ST = b + (p - stopgrad(p)).
          const dl = tf.mul(matMul(dr, wt, false, true), tf.mul(2, tf.mul(p, tf.sub(1, p))));
          const dw = matMul(tf.sub(tf.mul(b, 2), 1), dr, true, false);
          return [dl, dw];
        },
      };
    }
    const z = bitsToCodes(bits);
    const r = tf.gather(weights, z);
    (save as tf.GradSaveFunc)([logits, weights, bits, z, r]);
    return {
      value: r,
      gradFunc: (dr: Tensor, saved: Tensor[]) => {
        const [lg, wt, b, zs, rs] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
        const dw = scatterRows(zs, dr, wt.shape); // Y^T dR: Y's forward value is the one-hot
        if (options.estimator === 'sampled') {
          // g_z = dR . W[z] = dR . R
          return [sampledLogitGradient(lg, b, tf.sum(tf.mul(dr, rs), 1, true)), dw];
        }
        // The native engine computes the same sums in one kernel, never storing a (rows, codes) array.
        if (hasFusedKernels()) return [fusedDenseBitGradient(lg, dr, wt), dw];
        const plan = planDenseChunks(rows, codes, options.chunkBytes);
        const dl = denseLogitGradient(
          lg,
          // g = dL/dY = dR W^T, one (rows, D) x (D, codes) block at a time.
          (r0, r1, c0, c1) =>
            matMul(
              r0 === 0 && r1 === rows ? dr : tf.slice(dr, [r0, 0], [r1 - r0, -1]),
              c0 === 0 && c1 === codes ? wt : tf.slice(wt, [c0, 0], [c1 - c0, -1]),
              false,
              true,
            ),
          plan,
          options.constants,
        );
        return [dl, dw];
      },
    };
  });
  const r = op(bitLogits, table);
  return { r, bits: adopt(sampled) };
}

/** R for bits that were not sampled from the encoder (prior draws or given codes). */
export function latentFromBits(bits: Tensor, table: Tensor, estimator: Estimator): Tensor {
  return tf.tidy(() =>
    estimator === 'factored' ? factoredProjection(bits, table) : gatherRows(table, bitsToCodes(bits)),
  );
}
