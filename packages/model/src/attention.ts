// Multi-head attention with rotary positions, all heads in one batched matmul:
//   Attention(Q, K, V) = softmax(Q K^T / sqrt(dh) + mask) V,  then the output projection W_o.
//
// Three callers share it: the causal self-attention of decoder blocks (queries, keys and values
// from the same input), block m+1 of the Free Transformer (queries from norm(X), keys and values
// from norm(X + R)), and the encoder block (the constant query zeta at every position, keys and
// values from the middle activations, no mask).
import {
  fusedAttention,
  fusedLinearResidual,
  fusedProjectedAttention,
  fusedRope,
  hasFusedKernels,
  linear,
  matMul,
  type Tensor,
  tf,
} from '@ftlab/backend';
import type { LayerKvCache } from './kv-cache.js';
import type { RopeTables } from './rope.js';
import { applyRope } from './rope.js';

export interface AttentionWeights {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  o: Tensor;
}

/** Observes intermediate tensors (tests use it to see exactly what each block computes). */
export type TraceFn = (name: string, tensor: Tensor) => void;

export interface AttentionContext {
  heads: number;
  /** Rotary tables for the query positions [T, dh], pre-scaled by 1/sqrt(dh) (the score scale). */
  queryRope: RopeTables;
  /** Rotary tables for the new key positions [T, dh]. */
  keyRope: RopeTables;
  /** Additive [Tq, Tk] mask (0 or a large negative number), or null for full attention. */
  mask: Tensor | null;
  /** Query i sees keys up to position offset + i (what `mask` encodes), else every key. */
  causal: boolean;
  /** Earlier positions' keys and values; the new ones are appended to it. */
  cache?: LayerKvCache;
  trace?: TraceFn;
}

/**
 * x W reshaped to heads: [B, T, D] -> [B, heads, T, dh]. Separate q, k and v products (rather
 * than one fused product split afterwards) because tfjs slices run in JavaScript, and the
 * transpose stays rank 4 because the wasm engine's rank-5 transpose is ~20x slower.
 */
function projectHeads(x: Tensor, weight: Tensor, heads: number): Tensor {
  const [batch, time] = x.shape as [number, number];
  const width = weight.shape[1] as number;
  return tf.transpose(tf.reshape(linear(x, weight), [batch, time, heads, width / heads]), [0, 2, 1, 3]);
}

/** softmax(q k^T + mask) v with heads merged back: q [B|1, h, Tq, dh] -> [B, Tq, D]. */
function attend(q: Tensor, keys: Tensor, values: Tensor, mask: Tensor | null): Tensor {
  let scores = matMul(q, keys, false, true); // [B, h, Tq, Tk]; 1/sqrt(dh) is inside q's rope table
  if (mask !== null) scores = tf.add(scores, mask);
  const mixed = matMul(tf.softmax(scores), values); // [B, h, Tq, dh]
  const [batch, heads, time, headDim] = mixed.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [batch, time, heads * headDim]);
}

/**
 * x [1, 1, D] repeated at `time` positions, [1, time, D]. Its gradient is one sum over the
 * positions (tf.broadcastTo's own gradient slices and adds every copy separately).
 */
function repeatOverTime(x: Tensor, time: number): Tensor {
  const op = tf.customGrad((input) => ({
    value: tf.broadcastTo(input as Tensor, [1, time, (input as Tensor).shape[2] as number]),
    gradFunc: (dy: Tensor) => tf.sum(dy, 1, true),
  }));
  return op(x);
}

/**
 * The same attention with fused kernels (native engine, no KV cache): q, k and v stay in the
 * [B, T, heads * dh] layout of x W, RoPE and the whole softmax(q k^T + mask) v (forward and
 * backward) are one kernel each, and no head transposes are needed; the projections, RoPE and
 * attention are one op (fusedProjectedAttention), and the output projection adds the residual
 * (fusedLinearResidual). `hq` is [Bq, T, D] with Bq = 1 for the encoder's shared query.
 */
function fusedAttentionPath(
  w: AttentionWeights,
  hq: Tensor,
  hkv: Tensor,
  ctx: AttentionContext,
  residual: Tensor | null,
): Tensor {
  let mixed: Tensor;
  if (ctx.trace) {
    // The same kernels one op at a time, so that q, k and v can be observed.
    const q = fusedRope(linear(hq, w.q), ctx.queryRope.cos, ctx.queryRope.sin, ctx.heads);
    const keys = fusedRope(linear(hkv, w.k), ctx.keyRope.cos, ctx.keyRope.sin, ctx.heads);
    const values = linear(hkv, w.v);
    ctx.trace('q', q);
    ctx.trace('k', keys);
    ctx.trace('v', values);
    mixed = fusedAttention(q, keys, values, ctx.heads, ctx.causal);
  } else {
    const { queryRope, keyRope } = ctx;
    const tables = { queryCos: queryRope.cos, querySin: queryRope.sin, keyCos: keyRope.cos, keySin: keyRope.sin };
    mixed = fusedProjectedAttention(hq, hkv, w, tables, ctx.heads, ctx.causal);
  }
  return residual === null ? linear(mixed, w.o) : fusedLinearResidual(mixed, w.o, residual);
}

/**
 * Attention whose queries come from `hq` [B, T, D] and keys/values from `hkv` [B, T, D] (the
 * same tensor for ordinary self-attention; norm(X + R) in block m+1 of the Free Transformer).
 * With `residual` [B, T, D], returns residual + attention (on the native engine the output
 * projection starts from the residual: one pass instead of a product and an add, same bits).
 */
export function attention(
  w: AttentionWeights,
  hq: Tensor,
  hkv: Tensor,
  ctx: AttentionContext,
  residual: Tensor | null = null,
): Tensor {
  return tf.tidy(() => {
    if (hasFusedKernels() && !ctx.cache) return fusedAttentionPath(w, hq, hkv, ctx, residual);
    const q = applyRope(projectHeads(hq, w.q, ctx.heads), ctx.queryRope);
    const keys = applyRope(projectHeads(hkv, w.k, ctx.heads), ctx.keyRope);
    const values = projectHeads(hkv, w.v, ctx.heads);
    ctx.trace?.('q', q);
    ctx.trace?.('k', keys);
    ctx.trace?.('v', values);
    const all = ctx.cache ? ctx.cache.append(keys, values) : { keys, values };
    const out = linear(attend(q, all.keys, all.values, ctx.mask), w.o);
    return residual === null ? out : tf.add(residual, out);
  });
}

/**
 * The encoder's attention: the same learned query `hZeta` [D] at every position (made
 * position-dependent by RoPE, else every position would get the same latent), keys and values
 * from `hkv` [B, T, D], no mask (the encoder sees the whole sequence).
 */
export function constantQueryAttention(w: AttentionWeights, hZeta: Tensor, hkv: Tensor, ctx: AttentionContext): Tensor {
  return tf.tidy(() => {
    const d = w.q.shape[1] as number;
    if (hasFusedKernels() && !ctx.cache) {
      return fusedAttentionPath(
        w,
        repeatOverTime(tf.reshape(hZeta, [1, 1, d]), hkv.shape[1] as number),
        hkv,
        ctx,
        null,
      );
    }
    // [1, 1, D] -> [1, h, 1, dh]; RoPE broadcasts it to [1, h, T, dh] (one query per position).
    const q = applyRope(projectHeads(tf.reshape(hZeta, [1, 1, d]), w.q, ctx.heads), ctx.queryRope);
    const keys = applyRope(projectHeads(hkv, w.k, ctx.heads), ctx.keyRope);
    const values = projectHeads(hkv, w.v, ctx.heads);
    ctx.trace?.('q', q);
    ctx.trace?.('k', keys);
    ctx.trace?.('v', values);
    return linear(attend(q, keys, values, ctx.mask), w.o);
  });
}
