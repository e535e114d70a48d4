import { type Tensor, tf } from '@ftlab/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  binaryMapper,
  bitsToCodes,
  codeBits,
  codesToBits,
  planDenseChunks,
  sampleLatent,
} from '../src/binary-mapper.js';
import { ConstantCache } from '../src/constants.js';
import { Rng } from '../src/random.js';
import { ENGINES, useEngine } from './helpers.js';

const constants = new ConstantCache();
const BIG_BUDGET = 1 << 26;

function randomArray(count: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: count }, () => rng.normal() * scale);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** G_d = prod_h P(b_h = bit_h(d)) for one row of logits, by enumerating every code (float64). */
function codeProbabilities(logits: ArrayLike<number>, h: number): Float64Array {
  const out = new Float64Array(2 ** h);
  for (let d = 0; d < out.length; d++) {
    let g = 1;
    for (let i = 0; i < h; i++) g *= (d >> i) & 1 ? sigmoid(logits[i]) : 1 - sigmoid(logits[i]);
    out[d] = g;
  }
  return out;
}

/**
 * d/dl of sum_{n,d} G_nd(l_n) w_nd by brute force: every code enumerated, central differences
 * in float64 (independent of the implementation's closed form).
 */
function bruteForceGradient(logits: Float32Array, weights: Float64Array, rows: number, h: number): Float64Array {
  const codes = 2 ** h;
  const grad = new Float64Array(rows * h);
  const eps = 1e-6;
  for (let n = 0; n < rows; n++) {
    const row = Array.from(logits.subarray(n * h, (n + 1) * h));
    const objective = (l: number[]) => {
      const g = codeProbabilities(l, h);
      let total = 0;
      for (let d = 0; d < codes; d++) total += g[d] * weights[n * codes + d];
      return total;
    };
    for (let i = 0; i < h; i++) {
      const plus = row.slice();
      const minus = row.slice();
      plus[i] = plus[i] + eps;
      minus[i] = minus[i] - eps;
      grad[n * h + i] = (objective(plus) - objective(minus)) / (2 * eps);
    }
  }
  return grad;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('code bits', () => {
  beforeAll(() => useEngine('wasm'));

  it('z = sum_h 2^h b_h, and back', () => {
    expect(Array.from(codeBits(5, 2, 3))).toEqual([1, 0, 1, 0, 1, 1]);
    const bits = tf.tensor2d([1, 0, 1, 0, 1, 1, 1, 1, 1], [3, 3]);
    const codes = bitsToCodes(bits);
    expect(Array.from(codes.dataSync())).toEqual([5, 6, 7]);
    expect(Array.from(codesToBits(codes, 3).dataSync())).toEqual(Array.from(bits.dataSync()));
    expect(Array.from(bitsToCodes(codesToBits(tf.tensor1d([65535, 0, 40000], 'int32'), 16)).dataSync())).toEqual([
      65535, 0, 40000,
    ]);
  });

  it('plans dense chunks within the byte budget, covering all rows and codes', () => {
    for (const [rows, codes, budget] of [
      [2048, 65536, 64 << 20],
      [2048, 256, 1024],
      [7, 16, 1024],
      [100000, 65536, 1 << 20],
      [3, 4, 1 << 20],
    ] as const) {
      const plan = planDenseChunks(rows, codes, budget);
      expect(plan.rowChunk).toBeGreaterThanOrEqual(1);
      expect(plan.codeChunk).toBeGreaterThanOrEqual(1);
      expect(plan.rowChunk).toBeLessThanOrEqual(rows);
      expect(plan.codeChunk).toBeLessThanOrEqual(codes);
      expect(plan.rowChunk * plan.codeChunk * 4).toBeLessThanOrEqual(Math.max(budget, 4));
    }
    expect(planDenseChunks(10, 16, 1 << 20)).toEqual({ rowChunk: 10, codeChunk: 16 });
    expect(planDenseChunks(2048, 65536, 64 << 20)).toEqual({ rowChunk: 2048, codeChunk: 8192 });
  });
});

describe.each(ENGINES)('Binary Mapper on %s', (engine) => {
  it('outputs exactly one-hot rows at the sampled code, even for extreme logits', async () => {
    await useEngine(engine);
    for (const h of [1, 3, 4]) {
      const rows = 50;
      const values = randomArray(rows * h, h, 3);
      values[0] = 40;
      values[1 % values.length] = -40;
      const logits = tf.tensor2d(values, [rows, h]);
      const { y, bits } = binaryMapper(logits, { estimator: 'dense', seed: 7, constants, chunkBytes: BIG_BUDGET });
      const yData = y.dataSync();
      const codes = bitsToCodes(bits).dataSync();
      for (let n = 0; n < rows; n++) {
        for (let d = 0; d < 2 ** h; d++) expect(yData[n * 2 ** h + d]).toBe(d === codes[n] ? 1 : 0);
      }
      tf.dispose([logits, y, bits]);
    }
  });

  it.each([1, 2, 3, 4])('dense gradient equals the brute-force gradient of sum_d G_d w_d (H=%i)', async (h) => {
    await useEngine(engine);
    const rows = 6;
    const codes = 2 ** h;
    const logitValues = randomArray(rows * h, 10 + h, 1.5);
    const w = randomArray(rows * codes, 20 + h);
    const logits = tf.tensor2d(logitValues, [rows, h]);
    const weights = tf.tensor2d(w, [rows, codes]);
    // 1 KiB budget: forces the chunked path for the larger H (rows x codes > 256 floats).
    for (const chunkBytes of [BIG_BUDGET, 1024]) {
      const grad = tf.grad((l: Tensor) =>
        tf.sum(tf.mul(binaryMapper(l, { estimator: 'dense', seed: 3, constants, chunkBytes }).y, weights)),
      )(logits);
      expect(maxAbs(grad.dataSync(), bruteForceGradient(logitValues, Float64Array.from(w), rows, h))).toBeLessThan(
        1e-5,
      );
      grad.dispose();
    }
    tf.dispose([logits, weights]);
  });

  it('fused with the post-sampler: R = W[z], dR/dlogits as if R = G W, dW = Y^T dR, in bounded chunks', async () => {
    await useEngine(engine);
    const [rows, h, d] = [40, 6, 5];
    const codes = 2 ** h;
    const logitValues = randomArray(rows * h, 31, 1.2);
    const tableValues = randomArray(codes * d, 32);
    const upstreamValues = randomArray(rows * d, 33);
    const logits = tf.tensor2d(logitValues, [rows, h]);
    const table = tf.tensor2d(tableValues, [codes, d]);
    const upstream = tf.tensor2d(upstreamValues, [rows, d]);
    // w_nd = W_d . u_n: the upstream gradient dL/dY of L = sum(R * u) with R = Y W.
    const w = new Float64Array(rows * codes);
    for (let n = 0; n < rows; n++) {
      for (let c = 0; c < codes; c++) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += tableValues[c * d + k] * upstreamValues[n * d + k];
        w[n * codes + c] = dot;
      }
    }
    const expected = bruteForceGradient(logitValues, w, rows, h);
    // 1 KiB = 256 floats < rows * codes = 2560: chunks over rows and codes.
    for (const chunkBytes of [BIG_BUDGET, 1024]) {
      let codesUsed: Int32Array | null = null;
      const [gl, gw] = tf.grads((l: Tensor, t: Tensor) => {
        const sample = sampleLatent(l, t, { estimator: 'dense', seed: 5, constants, chunkBytes });
        codesUsed = bitsToCodes(sample.bits).dataSync() as Int32Array;
        const r = sample.r;
        // forward value is exactly the table row of the sampled code
        expect(maxAbs(r.dataSync(), tf.gather(t, bitsToCodes(sample.bits)).dataSync())).toBe(0);
        return tf.sum(tf.mul(r, upstream));
      })([logits, table]) as [Tensor, Tensor];
      expect(maxAbs(gl.dataSync(), expected)).toBeLessThan(1e-5);
      const expectedTableGrad = new Float64Array(codes * d);
      for (let n = 0; n < rows; n++) {
        for (let k = 0; k < d; k++)
          expectedTableGrad[(codesUsed as unknown as Int32Array)[n]! * d + k]! += upstreamValues[n * d + k]!;
      }
      expect(maxAbs(gw.dataSync(), expectedTableGrad)).toBeLessThan(1e-5);
      tf.dispose([gl, gw]);
    }
    tf.dispose([logits, table, upstream]);
  });

  it('dense backward memory stays bounded by the chunk budget (H = 12)', async () => {
    await useEngine(engine);
    const [rows, h, d] = [256, 12, 8];
    const codes = 2 ** h; // (rows, codes) = 1M floats = 4 MiB per unchunked work tensor
    const logits = tf.tensor2d(randomArray(rows * h, 51), [rows, h]);
    const table = tf.tensor2d(randomArray(codes * d, 52), [codes, d]);
    const peak = async (chunkBytes: number) => {
      const profile = await tf.profile(() => {
        const [gl, gw] = tf.grads((l: Tensor, t: Tensor) => {
          const s = sampleLatent(l, t, { estimator: 'dense', seed: 1, constants, chunkBytes });
          return tf.sum(s.r);
        })([logits, table]);
        tf.dispose([gl, gw]);
      });
      return profile.peakBytes;
    };
    await peak(BIG_BUDGET); // builds the cached code tables outside the measurement
    const unchunked = await peak(BIG_BUDGET);
    const chunked = await peak(64 * 1024);
    // the table's gradient, small [rows, H] and [rows, D] tensors, and 64 KiB work tensors
    expect(chunked).toBeLessThan(2 * codes * d * 4 + 32 * 64 * 1024);
    if (engine === 'native') {
      // One fused kernel that never stores a (rows, codes) tensor, whatever the budget.
      expect(unchunked).toBeLessThan(2 * codes * d * 4 + 32 * 64 * 1024);
    } else {
      expect(unchunked).toBeGreaterThan(3 * rows * codes * 4); // several (rows, codes) tensors alive
      expect(chunked).toBeLessThan(unchunked / 5);
    }
    tf.dispose([logits, table]);
  });

  it('samples bits with frequencies sigmoid(logit) and codes with probabilities G', async () => {
    await useEngine(engine);
    const rows = 20000;
    const perBit = [-1.5, 0, 0.7];
    const h = perBit.length;
    const logits = tf.tidy(() => tf.tile(tf.tensor2d([perBit], [1, h]), [rows, 1]));
    const { y, bits } = binaryMapper(logits, { estimator: 'dense', seed: 11, constants, chunkBytes: BIG_BUDGET });
    const bitMeans = tf.mean(bits, 0).dataSync();
    perBit.forEach((l, i) => {
      const p = sigmoid(l);
      const sd = Math.sqrt((p * (1 - p)) / rows);
      expect(Math.abs(bitMeans[i] - p)).toBeLessThan(4.5 * sd);
    });
    // Pearson chi-square of the code counts against G (7 degrees of freedom; 99.99% quantile 29.9).
    const counts = tf.sum(y, 0).dataSync();
    const g = codeProbabilities(perBit, h);
    let chi2 = 0;
    for (let c = 0; c < 2 ** h; c++) chi2 += (counts[c] - rows * g[c]) ** 2 / (rows * g[c]);
    expect(chi2).toBeLessThan(29.9);
    tf.dispose([logits, y, bits]);
  });

  it('same seed, same codes; another seed, other codes', async () => {
    await useEngine(engine);
    const logits = tf.zeros([64, 4]);
    const draw = (seed: number) => {
      const { y, bits } = binaryMapper(logits, { estimator: 'dense', seed, constants, chunkBytes: BIG_BUDGET });
      const codes = Array.from(bitsToCodes(bits).dataSync());
      tf.dispose([y, bits]);
      return codes;
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    logits.dispose();
  });

  it('the three estimators are distinguishable: sampled is a one-sample estimate of dense, factored is per-bit', async () => {
    await useEngine(engine);
    const [rows, h, d] = [3, 3, 4];
    const codes = 2 ** h;
    const logitValues = randomArray(rows * h, 41);
    const logits = tf.tensor2d(logitValues, [rows, h]);
    const table = tf.tensor2d(randomArray(codes * d, 42), [codes, d]);
    const upstream = tf.tensor2d(randomArray(rows * d, 43), [rows, d]);
    const gradients = (estimator: 'dense' | 'sampled', seed: number) => {
      let used: Float32Array | null = null;
      const g = tf.grad((l: Tensor) => {
        const s = sampleLatent(l, table, { estimator, seed, constants, chunkBytes: BIG_BUDGET });
        used = s.bits.dataSync() as Float32Array;
        return tf.sum(tf.mul(s.r, upstream));
      })(logits);
      const out = { grad: g.dataSync() as Float32Array, bits: used as unknown as Float32Array };
      g.dispose();
      return out;
    };
    // sampled: exactly g_z (b_h - p_h) with g_z = u . W[z]
    const sampled = gradients('sampled', 9);
    const zRows = tf.gather(table, bitsToCodes(tf.tensor2d(sampled.bits, [rows, h])));
    const gz = tf.sum(tf.mul(zRows, upstream), 1).dataSync();
    const expectedSampled = logitValues.map((l, i) => gz[Math.floor(i / h)] * (sampled.bits[i] - sigmoid(l)));
    expect(maxAbs(sampled.grad, expectedSampled)).toBeLessThan(1e-5);
    // dense does not depend on the draw; sampled does, and averages to dense (unbiased)
    const dense = gradients('dense', 9).grad;
    expect(maxAbs(gradients('dense', 10).grad, dense)).toBe(0);
    expect(maxAbs(sampled.grad, dense)).toBeGreaterThan(1e-3);
    const draws = 3000;
    const mean = new Float64Array(rows * h);
    for (let s = 0; s < draws; s++) {
      const { grad } = gradients('sampled', 100 + s);
      for (let i = 0; i < grad.length; i++) mean[i] = mean[i] + grad[i] / draws;
    }
    expect(maxAbs(mean, dense)).toBeLessThan(0.06);

    // factored: R = (2b - 1) W with W: H x D; dR/dl_h = 2 p_h (1 - p_h) W_h; dW = (2b - 1)^T dR
    const factoredTable = tf.tensor2d(randomArray(h * d, 44), [h, d]);
    let bits: Float32Array | null = null;
    const [gl, gw] = tf.grads((l: Tensor, t: Tensor) => {
      const s = sampleLatent(l, t, { estimator: 'factored', seed: 9, constants, chunkBytes: BIG_BUDGET });
      bits = s.bits.dataSync() as Float32Array;
      const signs = tf.sub(tf.mul(s.bits, 2), 1);
      expect(maxAbs(s.r.dataSync(), tf.matMul(signs, t).dataSync())).toBeLessThan(1e-6);
      return tf.sum(tf.mul(s.r, upstream));
    })([logits, factoredTable]) as [Tensor, Tensor];
    const uw = tf.matMul(upstream, factoredTable, false, true).dataSync(); // [rows, H]
    const expectedFactored = logitValues.map((l, i) => 2 * sigmoid(l) * (1 - sigmoid(l)) * uw[i]);
    expect(maxAbs(gl.dataSync(), expectedFactored)).toBeLessThan(1e-5);
    const signs = tf.sub(tf.mul(tf.tensor2d(bits as unknown as Float32Array, [rows, h]), 2), 1);
    expect(maxAbs(gw.dataSync(), tf.matMul(signs, upstream, true, false).dataSync())).toBeLessThan(1e-5);
    expect(gw.shape).toEqual([h, d]);
    tf.dispose([logits, table, upstream, zRows, factoredTable, gl, gw, signs]);
  });
});
