// The pre-norm transformer block of Llama, and the two Free Transformer variations of it:
//
//   decoder block l:   X = X + Attn(q = norm(X), kv = norm(X));      X = X + MLP(norm(X))
//   block m+1 with R:  X = X + Attn(q = norm(X), kv = norm(X + R));  X = X + MLP(norm(X))
//                      (latentKvPath 'after-norm': kv = norm(X) + R)
//   encoder block:     E = zeta + Attn(q = norm(zeta), kv = norm(X)), no mask
//                      E = E + MLP(norm(E))
import { type Tensor, tf } from '@ftlab/backend';
import { type AttentionContext, type AttentionWeights, attention, constantQueryAttention } from './attention.js';
import type { LatentKvPath } from './config.js';
import { type MlpWeights, swiGlu } from './mlp.js';
import { rmsNorm } from './rmsnorm.js';

export interface BlockWeights {
  inputNorm: Tensor;
  attention: AttentionWeights;
  postAttentionNorm: Tensor;
  mlp: MlpWeights;
}

/** Looks up a block's weights by its checkpoint-name prefix (`model.layers.3`). */
export function blockWeights(lookup: (name: string) => Tensor, prefix: string): BlockWeights {
  const get = (suffix: string) => lookup(`${prefix}.${suffix}`);
  return {
    inputNorm: get('input_layernorm.weight'),
    attention: {
      q: get('self_attn.q_proj.weight'),
      k: get('self_attn.k_proj.weight'),
      v: get('self_attn.v_proj.weight'),
      o: get('self_attn.o_proj.weight'),
    },
    postAttentionNorm: get('post_attention_layernorm.weight'),
    mlp: { gate: get('mlp.gate_proj.weight'), up: get('mlp.up_proj.weight'), down: get('mlp.down_proj.weight') },
  };
}

export interface LatentInjection {
  /** R = PostSampler(Y), [B, T, D]. */
  r: Tensor;
  path: LatentKvPath;
}

function mlpResidual(w: BlockWeights, x: Tensor, eps: number): Tensor {
  return swiGlu(rmsNorm(x, w.postAttentionNorm, eps), w.mlp, x);
}

/** A decoder block; with `latent`, R enters only this block's keys and values. */
export function decoderBlock(
  w: BlockWeights,
  x: Tensor,
  ctx: AttentionContext,
  eps: number,
  latent: LatentInjection | null = null,
): Tensor {
  return tf.tidy(() => {
    const h = rmsNorm(x, w.inputNorm, eps);
    let hkv = h;
    if (latent !== null) {
      hkv = latent.path === 'before-norm' ? rmsNorm(tf.add(x, latent.r), w.inputNorm, eps) : tf.add(h, latent.r);
    }
    return mlpResidual(w, attention(w.attention, h, hkv, ctx, x), eps);
  });
}

/** The encoder block: learned constant query zeta [D] at every position, keys/values from x. */
export function encoderBlock(w: BlockWeights, zeta: Tensor, x: Tensor, ctx: AttentionContext, eps: number): Tensor {
  return tf.tidy(() => {
    const e = tf.add(
      zeta,
      constantQueryAttention(w.attention, rmsNorm(zeta, w.inputNorm, eps), rmsNorm(x, w.inputNorm, eps), ctx),
    );
    return mlpResidual(w, e, eps);
  });
}
