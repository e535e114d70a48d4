// Fused training ops: RMSNorm, SwiGLU, rotary embedding and attention, each one kernel forward
// and one backward on the native engine (C++ kernels on the wasm heap, see native-engine.ts).
// They compute exactly the functions the model writes out with tf ops (the readable reference,
// used on every other engine); `hasFusedKernels()` says whether the active engine has them.
// Each is a tf.customGrad whose gradient is the fused backward kernel.

import { linear } from './matmul.js';
import { NATIVE_TF_BACKEND } from './native-engine.js';
import { FUSED_KERNELS } from './native-fused-kernels.js';
import { type Tensor, tf } from './tf.js';

/** Whether the active engine runs the fused ops (only the native engine does). */
export function hasFusedKernels(): boolean {
  return tf.getBackend() === NATIVE_TF_BACKEND;
}

function requireFused(op: string): void {
  if (!hasFusedKernels()) {
    throw new Error(
      `${op}: the active engine "${tf.getBackend()}" has no fused kernels; check hasFusedKernels() and use the ` +
        'tf-op reference path instead (only the native engine has them)',
    );
  }
}

function run(kernel: string, inputs: Record<string, Tensor>, attrs: Record<string, unknown> = {}): Tensor[] {
  const out = tf.engine().runKernel(kernel, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap);
  return Array.isArray(out) ? (out as Tensor[]) : [out as Tensor];
}

function requireFloat(op: string, name: string, t: Tensor): void {
  if (t.dtype !== 'float32') throw new Error(`${op}: ${name} must be float32, got ${t.dtype}`);
}

/** Each of `operands` is float32 and of rank `rank`, which `shape` names in the message. */
function requireFloats(op: string, rank: number, shape: string, operands: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(operands)) {
    requireFloat(op, name, t);
    if (t.rank !== rank) throw new Error(`${op}: ${name} [${t.shape}] must be ${shape}`);
  }
}

/** Throws unless `name` [B, T, heads * headDim] (headDim even) fits the rotary tables cos, sin [T, headDim]. */
function checkRope(op: string, name: string, shape: readonly number[], cos: Tensor, sin: Tensor, heads: number): void {
  const [, time, width] = shape as [number, number, number];
  const headDim = width / heads;
  if (shape.length !== 3 || !Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new Error(`${op}: ${name} [${shape}] must be [B, T, heads * headDim] with ${heads} heads of even size`);
  }
  for (const [tableName, table] of [
    ['cos', cos],
    ['sin', sin],
  ] as const) {
    if (table.shape.join() !== `${time},${headDim}`) {
      throw new Error(
        `${op}: ${tableName} table [${table.shape}] must be [${time}, ${headDim}] for ${name} [${shape}]`,
      );
    }
  }
}

/** Throws unless q [Bq, Tq, width], k and v [B, Tk, width] fit one attention (Bq = 1 or B). */
function checkAttention(
  op: string,
  q: readonly number[],
  k: readonly number[],
  v: readonly number[],
  heads: number,
  causal: boolean,
): void {
  const [queryBatch, queryTime, width] = q as [number, number, number];
  const [batch, keyTime] = k as [number, number];
  if (k.join() !== v.join() || k[2] !== width || (queryBatch !== 1 && queryBatch !== batch)) {
    throw new Error(`${op}: shapes q [${q}], k [${k}], v [${v}] do not fit together`);
  }
  if (width % heads !== 0) throw new Error(`${op}: width ${width} is not divisible by ${heads} heads`);
  if (causal && queryTime !== keyTime) {
    throw new Error(`${op}: causal attention needs as many queries as keys, got ${queryTime} and ${keyTime}`);
  }
}

/** RMSNorm of the last axis: x * rsqrt(mean(x^2) + eps) * weight. */
export function fusedRmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  requireFused('fusedRmsNorm');
  requireFloat('fusedRmsNorm', 'x', x);
  const width = x.shape[x.rank - 1];
  if (weight.rank !== 1 || weight.shape[0] !== width) {
    throw new Error(`fusedRmsNorm: weight [${weight.shape}] must be [${width}] for x [${x.shape}]`);
  }
  const op = tf.customGrad((input, gain, save) => {
    const [y, inverseRms] = run(FUSED_KERNELS.rmsNorm, { x: input as Tensor, weight: gain as Tensor }, { eps }) as [
      Tensor,
      Tensor,
    ];
    (save as tf.GradSaveFunc)([input as Tensor, gain as Tensor, inverseRms]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xs, w, r] = saved as [Tensor, Tensor, Tensor];
        return run(FUSED_KERNELS.rmsNormGrad, { dy, x: xs, weight: w, inverseRms: r });
      },
    };
  });
  return op(x, weight);
}

/** SwiGLU's gating: silu(gate) * up, silu(g) = g * sigmoid(g). */
export function fusedSwiGlu(gate: Tensor, up: Tensor): Tensor {
  requireFused('fusedSwiGlu');
  requireFloat('fusedSwiGlu', 'gate', gate);
  if (gate.shape.join() !== up.shape.join()) {
    throw new Error(`fusedSwiGlu: gate [${gate.shape}] and up [${up.shape}] must have the same shape`);
  }
  const op = tf.customGrad((g, u, save) => {
    (save as tf.GradSaveFunc)([g as Tensor, u as Tensor]);
    return {
      value: run(FUSED_KERNELS.swiGlu, { gate: g as Tensor, up: u as Tensor })[0] as Tensor,
      gradFunc: (dh: Tensor, saved: Tensor[]) => {
        const [gs, us] = saved as [Tensor, Tensor];
        return run(FUSED_KERNELS.swiGluGrad, { dh, gate: gs, up: us });
      },
    };
  });
  return op(gate, up);
}

/**
 * residual + x W for x [..., in], a weight W [in, out] and residual [..., out]: the projection
 * that closes an attention or MLP sublayer, with its residual connection. One GEMM whose output
 * starts from the residual, so the sum is written once instead of the product and then the sum:
 * the same bits as tf.add(residual, linear(x, W)), and the same gradients (dx = dy W^T,
 * dW = x^T dy, d residual = dy).
 */
export function fusedLinearResidual(x: Tensor, weight: Tensor, residual: Tensor): Tensor {
  requireFused('fusedLinearResidual');
  for (const [name, t] of Object.entries({ x, weight, residual })) requireFloat('fusedLinearResidual', name, t);
  const [inFeatures, outFeatures] = weight.shape as [number, number];
  const outShape = [...x.shape.slice(0, -1), outFeatures];
  if (weight.rank !== 2 || x.shape[x.rank - 1] !== inFeatures || residual.shape.join() !== outShape.join()) {
    throw new Error(
      `fusedLinearResidual: x [${x.shape}], weight [${weight.shape}] and residual [${residual.shape}] do not fit ` +
        '(need [..., in], [in, out], [..., out])',
    );
  }
  const op = tf.customGrad((input, w, r, save) => {
    const flat = tf.reshape(input as Tensor, [-1, inFeatures]);
    (save as tf.GradSaveFunc)([flat, w as Tensor]);
    const addend = tf.reshape(r as Tensor, [-1, outFeatures]);
    const sum = run(
      FUSED_KERNELS.matMulAdd,
      { a: flat, b: w as Tensor, addend },
      { transposeA: false, transposeB: false },
    );
    return {
      value: tf.reshape(sum[0] as Tensor, outShape),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xs, ws] = saved as [Tensor, Tensor];
        const dRows = tf.reshape(dy, [-1, outFeatures]);
        // The products linear's gradient computes (matmul.ts), in the same order.
        const dx = inputGradient([[dRows, ws]]);
        return [tf.reshape(dx, (input as Tensor).shape), weightGradient(xs, dRows), dy];
      },
    };
  });
  return op(x, weight, residual);
}

/** Rows of x [..., d]: [-1, d]. */
function rows(x: Tensor): Tensor {
  return tf.reshape(x, [-1, x.shape[x.rank - 1] as number]);
}

/** The weight gradient of x [..., in] W: x^T dy over all rows, the product linear's gradient computes. */
function weightGradient(x: Tensor, dy: Tensor): Tensor {
  return tf.matMul(rows(x), rows(dy), true, false);
}

/**
 * The input gradient of one or several projections of one input, sum over i of dy_i W_i^T,
 * accumulated as tfjs accumulates a tensor's gradients (the first term, then each next one added
 * to the sum), but each next product starting from the sum instead of being added in a pass of its
 * own: the same bits. Returns [rows, in].
 */
function inputGradient(terms: ReadonlyArray<readonly [Tensor, Tensor]>): Tensor {
  const [[dy0, w0], ...rest] = terms as [readonly [Tensor, Tensor], ...Array<readonly [Tensor, Tensor]>];
  let sum = tf.matMul(rows(dy0), w0, false, true);
  for (const [dy, w] of rest) {
    const next = run(
      FUSED_KERNELS.matMulAdd,
      { a: rows(dy), b: w, addend: sum },
      { transposeA: false, transposeB: true },
    );
    sum = next[0] as Tensor;
  }
  return sum;
}

/** The rotary tables of a fused attention sublayer: queries' (pre-scaled) and keys'. */
export interface AttentionRopeTables {
  queryCos: Tensor;
  querySin: Tensor;
  keyCos: Tensor;
  keySin: Tensor;
}

/** The weights of a fused attention sublayer's input projections, each [D, D]. */
export interface ProjectionWeights {
  q: Tensor;
  k: Tensor;
  v: Tensor;
}

/**
 * softmax(q k^T (+ causal mask)) v with q = rope(hq W_q), k = rope(hkv W_k), v = hkv W_v: an
 * attention sublayer up to its output projection, as one differentiable op (the composition of
 * linear, fusedRope and fusedAttention, with their kernels and bits). What fusing adds is the
 * backward: where one tensor feeds several projections (hq === hkv: self-attention; else hkv's
 * keys and values), its gradient is accumulated inside the products (the GEMM with an addend of
 * fusedLinearResidual) in tfjs's own order, ((v + k) + q), without an add pass per term.
 */
export function fusedProjectedAttention(
  hq: Tensor,
  hkv: Tensor,
  w: ProjectionWeights,
  rope: AttentionRopeTables,
  heads: number,
  causal: boolean,
): Tensor {
  const name = 'fusedProjectedAttention';
  requireFused(name);
  requireFloats(name, 3, '[batch, time, width]', { hq, hkv });
  requireFloats(name, 2, '[in, out]', { wq: w.q, wk: w.k, wv: w.v });
  if (w.q.shape[0] !== hq.shape[2] || w.k.shape[0] !== hkv.shape[2] || w.v.shape[0] !== hkv.shape[2]) {
    throw new Error(
      `${name}: weights q [${w.q.shape}], k [${w.k.shape}], v [${w.v.shape}] do not fit hq [${hq.shape}] and hkv [${hkv.shape}]`,
    );
  }
  // The shapes of the projected q, k and v (checked before anything runs).
  const qShape = [...hq.shape.slice(0, 2), w.q.shape[1] as number];
  const kShape = [...hkv.shape.slice(0, 2), w.k.shape[1] as number];
  const vShape = [...hkv.shape.slice(0, 2), w.v.shape[1] as number];
  checkAttention(name, qShape, kShape, vShape, heads, causal);
  checkRope(name, 'q', qShape, rope.queryCos, rope.querySin, heads);
  checkRope(name, 'k', kShape, rope.keyCos, rope.keySin, heads);
  const self = hq === hkv;
  const ropeOf = (x: Tensor, cos: Tensor, sin: Tensor, transposed: boolean) =>
    run(FUSED_KERNELS.rope, { x, cos, sin }, { heads, transposed })[0] as Tensor;
  const attrs = { heads, causal };
  const forward = (xq: Tensor, xkv: Tensor, wq: Tensor, wk: Tensor, wv: Tensor, save: tf.GradSaveFunc) => {
    const q = ropeOf(linear(xq, wq), rope.queryCos, rope.querySin, false);
    const k = ropeOf(linear(xkv, wk), rope.keyCos, rope.keySin, false);
    const v = linear(xkv, wv);
    const [out, probs] = run(FUSED_KERNELS.attention, { q, k, v }, attrs) as [Tensor, Tensor];
    save([xq, xkv, wq, wk, wv, q, k, v, probs]);
    return out;
  };
  const backward = (dOut: Tensor, saved: Tensor[]) => {
    const [xq, xkv, wq, wk, wv, q, k, v, probs] = saved as [
      Tensor,
      Tensor,
      Tensor,
      Tensor,
      Tensor,
      Tensor,
      Tensor,
      Tensor,
      Tensor,
    ];
    const [dq, dk, dv] = run(FUSED_KERNELS.attentionGrad, { dOut, q, k, v, probs }, attrs) as [Tensor, Tensor, Tensor];
    const dqIn = ropeOf(dq, rope.queryCos, rope.querySin, true);
    const dkIn = ropeOf(dk, rope.keyCos, rope.keySin, true);
    const dwq = weightGradient(xq, dqIn);
    const dwk = weightGradient(xkv, dkIn);
    const dwv = weightGradient(xkv, dv);
    // Input gradients: tfjs would add a tensor's gradients in reverse order of its uses (v, k, q).
    if (self) {
      const dx = inputGradient([
        [dv, wv],
        [dkIn, wk],
        [dqIn, wq],
      ]);
      return [tf.reshape(dx, xq.shape), dwq, dwk, dwv];
    }
    const dxq = tf.reshape(inputGradient([[dqIn, wq]]), xq.shape);
    const dxkv = tf.reshape(
      inputGradient([
        [dv, wv],
        [dkIn, wk],
      ]),
      xkv.shape,
    );
    return [dxq, dxkv, dwq, dwk, dwv];
  };
  if (self) {
    const op = tf.customGrad((x, wq, wk, wv, save) => ({
      value: forward(x as Tensor, x as Tensor, wq as Tensor, wk as Tensor, wv as Tensor, save as tf.GradSaveFunc),
      gradFunc: backward,
    }));
    return op(hq, w.q, w.k, w.v);
  }
  const op = tf.customGrad((xq, xkv, wq, wk, wv, save) => ({
    value: forward(xq as Tensor, xkv as Tensor, wq as Tensor, wk as Tensor, wv as Tensor, save as tf.GradSaveFunc),
    gradFunc: backward,
  }));
  return op(hq, hkv, w.q, w.k, w.v);
}

/**
 * silu(h W_gate) * (h W_up) for h [..., D]: the first half of a SwiGLU feed-forward as one
 * differentiable op (linear, linear and fusedSwiGlu, with their kernels and bits), whose
 * backward accumulates h's gradient inside the second product (dy_up W_up^T, then
 * dy_gate W_gate^T starting from it) instead of adding the two in a pass of its own.
 */
export function fusedSwiGluProjections(h: Tensor, gate: Tensor, up: Tensor): Tensor {
  requireFused('fusedSwiGluProjections');
  requireFloat('fusedSwiGluProjections', 'h', h);
  requireFloats('fusedSwiGluProjections', 2, '[in, out]', { gate, up });
  if (gate.shape.join() !== up.shape.join() || gate.shape[0] !== h.shape[h.rank - 1]) {
    throw new Error(`fusedSwiGluProjections: h [${h.shape}], gate [${gate.shape}] and up [${up.shape}] do not fit`);
  }
  const op = tf.customGrad((x, wg, wu, save) => {
    const g = linear(x as Tensor, wg as Tensor);
    const u = linear(x as Tensor, wu as Tensor);
    (save as tf.GradSaveFunc)([x as Tensor, wg as Tensor, wu as Tensor, g, u]);
    return {
      value: run(FUSED_KERNELS.swiGlu, { gate: g, up: u })[0] as Tensor,
      gradFunc: (dHidden: Tensor, saved: Tensor[]) => {
        const [xs, wgs, wus, gs, us] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
        const [dg, du] = run(FUSED_KERNELS.swiGluGrad, { dh: dHidden, gate: gs, up: us }) as [Tensor, Tensor];
        const dwg = weightGradient(xs, dg);
        const dwu = weightGradient(xs, du);
        // tfjs would add h's two gradients in reverse order of its uses: up's, then gate's.
        const dx = tf.reshape(
          inputGradient([
            [du, wus],
            [dg, wgs],
          ]),
          xs.shape,
        );
        return [dx, dwg, dwu];
      },
    };
  });
  return op(h, gate, up);
}

/**
 * Rotary embedding (Hugging Face rotate_half) of x [B, T, heads * dh], heads side by side on
 * the last axis, by constant tables cos, sin [T, dh]: x * cos + rotate_half(x) * sin per head.
 */
export function fusedRope(x: Tensor, cos: Tensor, sin: Tensor, heads: number): Tensor {
  requireFused('fusedRope');
  requireFloat('fusedRope', 'x', x);
  checkRope('fusedRope', 'x', x.shape, cos, sin, heads);
  const op = tf.customGrad((input) => ({
    value: run(FUSED_KERNELS.rope, { x: input as Tensor, cos, sin }, { heads, transposed: false })[0] as Tensor,
    gradFunc: (dy: Tensor) => run(FUSED_KERNELS.rope, { x: dy, cos, sin }, { heads, transposed: true })[0] as Tensor,
  }));
  return op(x);
}

/**
 * Multi-head attention softmax(Q K^T (+ causal mask)) V for q [Bq, Tq, heads * dh] (already
 * scaled by 1/sqrt(dh); Bq = 1 shares one query sequence across the batch) and k, v
 * [B, Tk, heads * dh]: returns [B, Tq, heads * dh], heads side by side as in q.
 */
export function fusedAttention(q: Tensor, k: Tensor, v: Tensor, heads: number, causal: boolean): Tensor {
  requireFused('fusedAttention');
  requireFloats('fusedAttention', 3, '[batch, time, width]', { q, k, v });
  checkAttention('fusedAttention', q.shape, k.shape, v.shape, heads, causal);
  const attrs = { heads, causal };
  const op = tf.customGrad((qs, ks, vs, save) => {
    const [out, probs] = run(FUSED_KERNELS.attention, { q: qs as Tensor, k: ks as Tensor, v: vs as Tensor }, attrs) as [
      Tensor,
      Tensor,
    ];
    (save as tf.GradSaveFunc)([qs as Tensor, ks as Tensor, vs as Tensor, probs]);
    return {
      value: out,
      gradFunc: (dOut: Tensor, saved: Tensor[]) => {
        const [sq, sk, sv, sp] = saved as [Tensor, Tensor, Tensor, Tensor];
        return run(FUSED_KERNELS.attentionGrad, { dOut, q: sq, k: sk, v: sv, probs: sp }, attrs);
      },
    };
  });
  return op(q, k, v);
}

/**
 * The dense Binary Mapper estimator's gradient with respect to the bit logits, fused with the
 * post-sampler (spec section 2): for logits [N, H], upstream dR [N, D] and the post-sampler
 * table W [2^H, D], returns dL/dl [N, H] with dL/dl_h = sum_d g_d G_d (bit_h(d) - p_h),
 * g = dR W^T, G_d = prod_h P(b_h = bit_h(d)). One kernel; no (N, 2^H) array is ever stored, so
 * memory stays bounded at any H. Not itself differentiable (it is a gradient).
 */
export function fusedDenseBitGradient(logits: Tensor, dR: Tensor, table: Tensor): Tensor {
  requireFused('fusedDenseBitGradient');
  requireFloats('fusedDenseBitGradient', 2, '2-D', { logits, dR, table });
  const [rows, bits] = logits.shape as [number, number];
  if (dR.shape[0] !== rows || table.shape[0] !== 2 ** bits || table.shape[1] !== dR.shape[1]) {
    throw new Error(
      `fusedDenseBitGradient: logits [${logits.shape}], dR [${dR.shape}] and table [${table.shape}] do not fit ` +
        '(need [N, H], [N, D], [2^H, D])',
    );
  }
  return run(FUSED_KERNELS.denseBitGradient, { logits, dR, table })[0] as Tensor;
}
