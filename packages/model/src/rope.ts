// Rotary position embedding (Su et al. 2021) in the Hugging Face Llama convention
// ("rotate_half": dimension i is paired with i + dh/2), so checkpoints load into transformers.
//
//   rope(x)_t = x_t * cos(t * theta) + rotate_half(x_t) * sin(t * theta),
//   theta_i = base^(-2i / dh),  rotate_half([x1, x2]) = [-x2, x1].
//
// rotate_half is computed as a product with a constant signed permutation matrix: on both
// engines one small matmul is faster than the split + concat it replaces (tfjs slices run in
// JavaScript), and multiplying by 0 and +-1 is exact, so the values are the same.
import { type Tensor, tf } from '@ftlab/backend';

export interface RopeTables {
  /** [T, dh] cos(t theta) for the T positions covered. */
  cos: Tensor;
  /** [T, dh] sin(t theta). */
  sin: Tensor;
  /** [dh, dh] the matrix of rotate_half: x P = rotate_half(x). */
  rotateHalf: Tensor;
}

/** cos and sin tables for positions offset..offset+length-1, computed in float64, rounded once. */
export function ropeTables(
  headDim: number,
  offset: number,
  length: number,
  base: number,
  scale = 1,
): { cos: Tensor; sin: Tensor } {
  const half = headDim / 2;
  const cos = new Float32Array(length * headDim);
  const sin = new Float32Array(length * headDim);
  for (let t = 0; t < length; t++) {
    for (let i = 0; i < half; i++) {
      const angle = (offset + t) * base ** ((-2 * i) / headDim);
      for (const j of [i, half + i]) {
        cos[t * headDim + j] = Math.cos(angle) * scale;
        sin[t * headDim + j] = Math.sin(angle) * scale;
      }
    }
  }
  return { cos: tf.tensor2d(cos, [length, headDim]), sin: tf.tensor2d(sin, [length, headDim]) };
}

/** P with x P = rotate_half(x) = [-x2, x1]. */
export function rotateHalfMatrix(headDim: number): Tensor {
  const half = headDim / 2;
  const p = new Float32Array(headDim * headDim);
  for (let j = 0; j < half; j++) {
    p[(j + half) * headDim + j] = -1; // out_j = -x_{j + half}
    p[j * headDim + j + half] = 1; // out_{j + half} = x_j
  }
  return tf.tensor2d(p, [headDim, headDim]);
}

/** rotate_half(x) for x [..., dh]. Its gradient is -rotate_half(dy), since P^T = -P. */
function rotateHalf(x: Tensor, p: Tensor): Tensor {
  const headDim = p.shape[0];
  const op = tf.customGrad((input) => {
    const flat = tf.reshape(input as Tensor, [-1, headDim]);
    return {
      value: tf.reshape(tf.matMul(flat, p), (input as Tensor).shape),
      gradFunc: (dy: Tensor) => tf.neg(tf.reshape(tf.matMul(tf.reshape(dy, [-1, headDim]), p), dy.shape)),
    };
  });
  return op(x);
}

/** Rotates x [..., T, dh] by the tables (which broadcast over the leading axes). */
export function applyRope(x: Tensor, tables: RopeTables): Tensor {
  return tf.tidy(() => tf.add(tf.mul(x, tables.cos), tf.mul(rotateHalf(x, tables.rotateHalf), tables.sin)));
}
