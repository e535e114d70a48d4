// The fused ops equal the tf-op compositions they replace, in value and gradient. The reference
// is computed on the wasm engine; the fused op on the native engine (skipped without its addon).
import { describe, expect, it } from 'vitest';
import {
  fusedAttention,
  fusedDenseBitGradient,
  fusedLinearResidual,
  fusedProjectedAttention,
  fusedRmsNorm,
  fusedRope,
  fusedSwiGlu,
  fusedSwiGluProjections,
  linear,
  matMul,
  type Tensor,
  tf,
} from '../src/index.js';
import { maxAbsDiff, NATIVE_SKIP_REASON, uniform, useEngine } from './helpers.js';

function rmsNormReference(x: Tensor, w: Tensor, eps: number): Tensor {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), w);
}

function ropeReference(x: Tensor, cos: Tensor, sin: Tensor, heads: number): Tensor {
  const [batch, time, width] = x.shape as [number, number, number];
  const dh = width / heads;
  const split = tf.reshape(x, [batch, time, heads, dh]);
  const [x1, x2] = tf.split(split, 2, 3) as [Tensor, Tensor];
  const rotated = tf.concat([tf.neg(x2), x1], 3);
  const c = tf.reshape(cos, [1, time, 1, dh]);
  const s = tf.reshape(sin, [1, time, 1, dh]);
  return tf.reshape(tf.add(tf.mul(split, c), tf.mul(rotated, s)), [batch, time, width]);
}

function attentionReference(q: Tensor, k: Tensor, v: Tensor, heads: number, causal: boolean): Tensor {
  const [batch, time, width] = k.shape as [number, number, number];
  const dh = width / heads;
  const split = (t: Tensor) => tf.transpose(tf.reshape(t, [t.shape[0], time, heads, dh]), [0, 2, 1, 3]);
  // matMul, not tf.matMul: its gradient handles the query's broadcast batch.
  let scores = matMul(split(q), split(k), false, true);
  if (causal) {
    const mask = tf.tensor2d(
      Array.from({ length: time * time }, (_, i) => (i % time > Math.floor(i / time) ? -1e9 : 0)),
      [time, time],
    );
    scores = tf.add(scores, mask);
  }
  const mixed = matMul(tf.softmax(scores), split(v));
  return tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [batch, time, width]);
}

/** Value and gradients (for upstream dOut) of f on an engine. */
async function valueAndGrads(
  engine: 'native' | 'wasm',
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
): Promise<Tensor[]> {
  await useEngine(engine);
  const value = f(...inputs);
  const dOut = uniform(value.shape, 99);
  const grads = tf.grads((...xs: Tensor[]) => tf.sum(tf.mul(f(...xs), dOut)))(inputs);
  return [value, ...grads];
}

async function expectSame(
  fused: (...xs: Tensor[]) => Tensor,
  reference: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  tolerance: number,
): Promise<void> {
  const got = await valueAndGrads('native', fused, inputs);
  const expected = await valueAndGrads('wasm', reference, inputs);
  got.forEach((g, i) => {
    expect(g.shape, `output ${i}`).toEqual(expected[i]?.shape);
    expect(maxAbsDiff(g, expected[i] as Tensor), `output ${i} (0: value, then gradients)`).toBeLessThan(tolerance);
  });
}

const title = (what: string) => (NATIVE_SKIP_REASON === null ? what : `${what} (SKIPPED: ${NATIVE_SKIP_REASON})`);

describe.skipIf(NATIVE_SKIP_REASON !== null)(title('fused ops on the native engine'), () => {
  it('fusedRmsNorm equals x * rsqrt(mean(x^2) + eps) * w', async () => {
    await expectSame(
      (x, w) => fusedRmsNorm(x, w, 1e-5),
      (x, w) => rmsNormReference(x, w, 1e-5),
      [uniform([3, 4, 21], 1), uniform([21], 2)],
      1e-5,
    );
  });

  it('fusedSwiGlu equals gate * sigmoid(gate) * up', async () => {
    await expectSame(
      fusedSwiGlu,
      (g, u) => tf.mul(tf.mul(g, tf.sigmoid(g)), u),
      [tf.mul(uniform([5, 3, 13], 3), 6), uniform([5, 3, 13], 4)],
      1e-5,
    );
  });

  it('fusedLinearResidual equals residual + x W, with the bits of the add it replaces', async () => {
    // Rows across full and edge GEMM tiles (3 x 9 = 27 rows of 12 and 6), 37 outputs (a partial panel).
    const inputs = [uniform([3, 9, 20], 12), uniform([20, 37], 13), uniform([3, 9, 37], 14)];
    const reference = (x: Tensor, w: Tensor, r: Tensor) => tf.add(r, linear(x, w));
    await expectSame(fusedLinearResidual, reference, inputs, 1e-5);
    // On the native engine itself: the same bits as the product followed by the add, gradients included.
    await expectSameBits(fusedLinearResidual, reference, inputs);
  });

  it('fusedRope equals x * cos + rotate_half(x) * sin per head', async () => {
    const [time, heads, dh] = [5, 3, 4];
    const cos = uniform([time, dh], 5);
    const sin = uniform([time, dh], 6);
    await expectSame(
      (x) => fusedRope(x, cos, sin, heads),
      (x) => ropeReference(x, cos, sin, heads),
      [uniform([2, time, heads * dh], 7)],
      1e-6,
    );
  });

  for (const causal of [true, false]) {
    it(`fusedAttention (${causal ? 'causal' : 'full'}, and a query shared by the batch) equals softmax(q k^T) v`, async () => {
      const [batch, time, heads, dh] = [3, 9, 2, 5];
      const k = uniform([batch, time, heads * dh], 8);
      const v = uniform([batch, time, heads * dh], 9);
      for (const queryBatch of [batch, 1]) {
        await expectSame(
          (q, kk, vv) => fusedAttention(q, kk, vv, heads, causal),
          (q, kk, vv) => attentionReference(q, kk, vv, heads, causal),
          [tf.mul(uniform([queryBatch, time, heads * dh], 10), 2), k, v],
          1e-5,
        );
      }
    });
  }

  /** Value and gradients of f on the native engine, equal bit for bit to those of `composed` there. */
  async function expectSameBits(
    f: (...xs: Tensor[]) => Tensor,
    composed: (...xs: Tensor[]) => Tensor,
    inputs: Tensor[],
  ) {
    const fused = await valueAndGrads('native', f, inputs);
    const unfused = await valueAndGrads('native', composed, inputs);
    expect(fused).toHaveLength(inputs.length + 1);
    fused.forEach((t, i) => {
      expect(t.shape, `output ${i}`).toEqual(unfused[i]?.shape);
      expect(t.dataSync(), `output ${i} (0: value, then gradients)`).toEqual(unfused[i]?.dataSync());
    });
  }

  it('fusedProjectedAttention: linear, RoPE and attention as one op, with their bits (self, cross, shared query)', async () => {
    const [batch, time, heads, dh] = [3, 9, 2, 4];
    const width = heads * dh;
    const rope = { queryCos: uniform([time, dh], 20), querySin: uniform([time, dh], 21) };
    const tables = { ...rope, keyCos: uniform([time, dh], 22), keySin: uniform([time, dh], 23) };
    const weights = [uniform([width, width], 24), uniform([width, width], 25), uniform([width, width], 26)];
    // The op it replaces, from a RoPE and an attention: the fused ones (native), or the tf-op references.
    const compose =
      (rope: typeof fusedRope, attend: typeof fusedAttention) =>
      (hq: Tensor, hkv: Tensor, wq: Tensor, wk: Tensor, wv: Tensor, causal: boolean) =>
        attend(
          rope(linear(hq, wq), tables.queryCos, tables.querySin, heads),
          rope(linear(hkv, wk), tables.keyCos, tables.keySin, heads),
          linear(hkv, wv),
          heads,
          causal,
        );
    const composed = compose(fusedRope, fusedAttention);
    const h = uniform([batch, time, width], 27);
    for (const causal of [true, false]) {
      // Self-attention: one input, whose gradient sums three products ((v + k) + q, as tfjs adds them).
      await expectSameBits(
        (x, wq, wk, wv) => fusedProjectedAttention(x, x, { q: wq, k: wk, v: wv }, tables, heads, causal),
        (x, wq, wk, wv) => composed(x, x, wq, wk, wv, causal),
        [h, ...weights],
      );
    }
    // Queries and keys from different inputs (block m+1), and one query row shared by the batch (the encoder).
    for (const hq of [uniform([batch, time, width], 28), uniform([1, time, width], 29)]) {
      await expectSameBits(
        (xq, xkv, wq, wk, wv) => fusedProjectedAttention(xq, xkv, { q: wq, k: wk, v: wv }, tables, heads, false),
        (xq, xkv, wq, wk, wv) => composed(xq, xkv, wq, wk, wv, false),
        [hq, h, ...weights],
      );
    }
    // And against the tf-op reference on wasm, to float32 precision.
    const reference = compose(ropeReference, attentionReference);
    await expectSame(
      (x, wq, wk, wv) => fusedProjectedAttention(x, x, { q: wq, k: wk, v: wv }, tables, heads, true),
      (x, wq, wk, wv) => reference(x, x, wq, wk, wv, true),
      [h, ...weights],
      1e-5,
    );
  });

  it('fusedSwiGluProjections: silu(h W_gate) * (h W_up) as one op, with the bits of linear, linear, fusedSwiGlu', async () => {
    const inputs = [uniform([3, 9, 20], 30), tf.mul(uniform([20, 37], 31), 3), uniform([20, 37], 32)];
    await expectSameBits(fusedSwiGluProjections, (x, wg, wu) => fusedSwiGlu(linear(x, wg), linear(x, wu)), inputs);
    await expectSame(
      fusedSwiGluProjections,
      (x, wg, wu) => {
        const g = linear(x, wg);
        return tf.mul(tf.mul(g, tf.sigmoid(g)), linear(x, wu));
      },
      inputs,
      1e-5,
    );
  });

  it('fusedDenseBitGradient equals sum_d (dR W^T)_d G_d (bit_h(d) - p_h) over all codes', async () => {
    const [rows, bits, width] = [11, 6, 5];
    const logits = tf.mul(uniform([rows, bits], 12), 3);
    const dR = uniform([rows, width], 13);
    const table = uniform([2 ** bits, width], 14);
    await useEngine('wasm');
    const codeBits = tf.tensor2d(
      Array.from({ length: 2 ** bits * bits }, (_, i) => (Math.floor(i / bits) >> (i % bits)) & 1),
      [2 ** bits, bits],
    );
    const logG = tf.sub(tf.matMul(logits, codeBits, false, true), tf.sum(tf.softplus(logits), 1, true));
    const weighted = tf.mul(tf.matMul(dR, table, false, true), tf.exp(logG)); // [rows, codes]
    const expected = tf.sub(tf.matMul(weighted, codeBits), tf.mul(tf.sigmoid(logits), tf.sum(weighted, 1, true)));
    await useEngine('native');
    expect(maxAbsDiff(fusedDenseBitGradient(logits, dR, table), expected)).toBeLessThan(1e-5);
    expect(() => fusedDenseBitGradient(logits, dR, uniform([2 ** bits - 1, width], 1))).toThrow(
      'fusedDenseBitGradient: logits [11,6], dR [11,5] and table [63,5] do not fit (need [N, H], [N, D], [2^H, D])',
    );
  });

  it('refuses what it cannot compute, saying what was wrong', async () => {
    await useEngine('native');
    const x = uniform([2, 5, 12], 11);
    expect(() => fusedRmsNorm(x, uniform([11], 1), 1e-5)).toThrow(
      'fusedRmsNorm: weight [11] must be [12] for x [2,5,12]',
    );
    expect(() => fusedSwiGlu(x, uniform([2, 5, 11], 1))).toThrow(
      /gate \[2,5,12\] and up \[2,5,11\] must have the same shape/,
    );
    expect(() => fusedRope(x, uniform([5, 6], 1), uniform([5, 6], 2), 5)).toThrow(/with 5 heads of even size/);
    expect(() => fusedRope(x, uniform([4, 6], 1), uniform([5, 6], 2), 2)).toThrow(
      'fusedRope: cos table [4,6] must be [5, 6] for x [2,5,12]',
    );
    expect(() => fusedAttention(x, x, uniform([2, 4, 12], 1), 2, false)).toThrow(/do not fit together/);
    expect(() => fusedAttention(uniform([2, 3, 12], 1), x, x, 2, true)).toThrow(
      /causal attention needs as many queries as keys, got 3 and 5/,
    );
    expect(() => fusedAttention(x, x, x, 5, false)).toThrow(/width 12 is not divisible by 5 heads/);
    expect(() => fusedAttention(x, uniform([5, 12], 1), x, 2, false)).toThrow(
      'fusedAttention: k [5,12] must be [batch, time, width]',
    );
    expect(() => fusedAttention(x, x, tf.cast(x, 'int32'), 2, false)).toThrow(
      'fusedAttention: v must be float32, got int32',
    );
    expect(() => fusedSwiGluProjections(x, uniform([12, 7], 1), uniform([12, 6], 2))).toThrow(
      'fusedSwiGluProjections: h [2,5,12], gate [12,7] and up [12,6] do not fit',
    );
    const w = { q: uniform([12, 12], 1), k: uniform([12, 12], 2), v: uniform([12, 12], 3) };
    const tables = {
      queryCos: uniform([5, 6], 4),
      querySin: uniform([5, 6], 5),
      keyCos: uniform([5, 6], 6),
      keySin: uniform([5, 6], 7),
    };
    const attend = (hq: Tensor, weights = w, rope = tables, heads = 2) =>
      fusedProjectedAttention(hq, x, weights, rope, heads, true);
    expect(() => attend(uniform([10, 12], 1))).toThrow(
      'fusedProjectedAttention: hq [10,12] must be [batch, time, width]',
    );
    expect(() => attend(x, { ...w, k: uniform([11, 12], 1) })).toThrow(
      'fusedProjectedAttention: weights q [12,12], k [11,12], v [12,12] do not fit hq [2,5,12] and hkv [2,5,12]',
    );
    expect(() => attend(x, { ...w, v: uniform([12], 1) })).toThrow(
      'fusedProjectedAttention: wv [12] must be [in, out]',
    );
    expect(() => attend(uniform([2, 4, 12], 1))).toThrow(
      'fusedProjectedAttention: causal attention needs as many queries as keys, got 4 and 5',
    );
    expect(() => attend(x, w, { ...tables, keySin: uniform([5, 4], 1) })).toThrow(
      'fusedProjectedAttention: sin table [5,4] must be [5, 6] for k [2,5,12]',
    );
    expect(() => attend(x, w, tables, 4)).toThrow(
      'fusedProjectedAttention: q [2,5,12] must be [B, T, heads * headDim] with 4 heads of even size',
    );
    expect(() => fusedLinearResidual(x, uniform([12, 7], 1), uniform([2, 5, 8], 2))).toThrow(
      'fusedLinearResidual: x [2,5,12], weight [12,7] and residual [2,5,8] do not fit (need [..., in], [in, out], [..., out])',
    );
    expect(() => fusedLinearResidual(x, uniform([12, 7], 1), tf.zeros([2, 5, 7], 'int32'))).toThrow(
      'fusedLinearResidual: residual must be float32, got int32',
    );
    expect(() => fusedDenseBitGradient(uniform([4, 3], 1), uniform([4, 5, 1], 2), uniform([8, 5], 3))).toThrow(
      'fusedDenseBitGradient: dR [4,5,1] must be 2-D',
    );
    await useEngine('wasm');
    expect(() => fusedRmsNorm(x, uniform([12], 1), 1e-5)).toThrow(
      /fusedRmsNorm: the active engine "wasm" has no fused kernels; check hasFusedKernels\(\)/,
    );
  });
});
