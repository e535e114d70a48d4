// Rotary position embedding (Su et al. 2021) in the Hugging Face Llama convention
// ("rotate_half": dimension i is paired with i + dh/2), so checkpoints load into transformers.
//
//   rope(x)_t = x_t * cos(t * theta) + rotate_half(x_t) * sin(t * theta),
//   theta_i = base^(-2i / dh),  rotate_half([x1, x2]) = [-x2, x1].
//
// Written as x * cos + swap_halves(x) * signedSin with signedSin = [-sin, sin], which needs no
// negation op at run time.
import { type Tensor, tf } from '@ftlab/backend';

export interface RopeTables {
  /** [T, dh] cos(t theta) for the T positions covered. */
  cos: Tensor;
  /** [T, dh] [-sin(t theta), sin(t theta)]. */
  signedSin: Tensor;
}

/** Tables for positions offset..offset+length-1, computed in float64 and rounded once. */
export function ropeTables(headDim: number, offset: number, length: number, base: number, scale = 1): RopeTables {
  const half = headDim / 2;
  const cos = new Float32Array(length * headDim);
  const sin = new Float32Array(length * headDim);
  for (let t = 0; t < length; t++) {
    for (let i = 0; i < half; i++) {
      const angle = (offset + t) * base ** ((-2 * i) / headDim);
      const c = Math.cos(angle) * scale;
      const s = Math.sin(angle) * scale;
      cos[t * headDim + i] = c;
      cos[t * headDim + half + i] = c;
      sin[t * headDim + i] = -s;
      sin[t * headDim + half + i] = s;
    }
  }
  return { cos: tf.tensor2d(cos, [length, headDim]), signedSin: tf.tensor2d(sin, [length, headDim]) };
}

/** [x1, x2] -> [x2, x1] along the last axis. */
function swapHalves(x: Tensor): Tensor {
  const [x1, x2] = tf.split(x, 2, -1) as [Tensor, Tensor];
  return tf.concat([x2, x1], -1);
}

/** Rotates x [..., T, dh] by the tables (which broadcast over the leading axes). */
export function applyRope(x: Tensor, tables: RopeTables): Tensor {
  return tf.tidy(() => tf.add(tf.mul(x, tables.cos), tf.mul(swapHalves(x), tables.signedSin)));
}
