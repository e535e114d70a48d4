// Matrix products whose gradients never call a transposed matmul.
//
// On the wasm backend (XNNPACK) `matMul(a, b, transposeA, transposeB)` with a transpose flag
// leaves the fast path: a backward [2048,512]^T x [2048,128] took ~170 ms against ~6.5 ms for the
// plain product. tf.matMul's own gradient uses exactly those flags. Here the transposes are
// explicit tensor transposes followed by a plain matMul, which is several times faster on wasm
// and costs next to nothing on the other engines.
import { type Tensor, tf } from './tf.js';

/** Swaps the last two axes. */
export function transposeLast2(x: Tensor): Tensor {
  if (x.rank < 2) throw new Error(`transposeLast2 needs rank >= 2, got shape [${x.shape}]`);
  if (x.rank === 2) return tf.transpose(x);
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return tf.transpose(x, perm);
}

/** Sums a broadcast gradient back down to `shape` (the input's shape before broadcasting). */
export function sumToShape(grad: Tensor, shape: readonly number[]): Tensor {
  if (grad.shape.length === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const lead = grad.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? tf.sum(grad, axes, true) : grad;
  return tf.reshape(summed, [...shape]);
}

/**
 * A product with transpose flags, computed the way the active engine is fastest: wasm gets
 * explicit transposes and a plain matMul; the native, cpu and tensorflow engines take the flags
 * directly (native's GEMM packs transposed operands at no extra cost; on cpu the extra
 * transpose copies cost more than they save).
 */
function product(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? transposeLast2(a) : a, transposeB ? transposeLast2(b) : b);
}

/**
 * `tf.matMul(a, b, transposeA, transposeB)` with the same values and gradients, computed
 * without transposed-operand kernels on wasm. Works for 2-D and batched (rank >= 3,
 * broadcastable batch dimensions) operands; unlike tf.matMul (tfjs 4.22) its gradient also
 * handles broadcast batch dimensions.
 */
export function matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  const op = tf.customGrad((x, y, save) => {
    (save as tf.GradSaveFunc)([x as Tensor, y as Tensor]);
    return {
      value: product(x as Tensor, y as Tensor, transposeA, transposeB),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [l, r] = saved as [Tensor, Tensor];
        // With A = op(x), B = op(y) and value = A B:  dA = dy B^T,  dB = A^T dy.
        // dx = dA (or dA^T when x was transposed), likewise for y.
        const dx = transposeA ? product(r, dy, transposeB, true) : product(dy, r, false, !transposeB);
        const dyOut = transposeB ? product(dy, l, true, transposeA) : product(l, dy, !transposeA, false);
        return [sumToShape(dx, l.shape), sumToShape(dyOut, r.shape)];
      },
    };
  });
  return op(a, b);
}

/**
 * `x W` for x of any rank (..., in) and a weight W (in, out): flattens the leading axes so the
 * product is one large 2-D matmul, the shape XNNPACK is fastest on.
 */
export function linear(x: Tensor, weight: Tensor): Tensor {
  const inFeatures = x.shape[x.rank - 1];
  if (weight.rank !== 2 || weight.shape[0] !== inFeatures) {
    throw new Error(`linear: input [${x.shape}] does not match weight [${weight.shape}]`);
  }
  if (x.rank === 2) return matMul(x, weight);
  const flat = tf.reshape(x, [-1, inFeatures]);
  return tf.reshape(matMul(flat, weight), [...x.shape.slice(0, -1), weight.shape[1] as number]);
}
