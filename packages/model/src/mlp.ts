// SwiGLU feed-forward (Shazeer 2020), as in Llama: down( silu(x W_gate) * (x W_up) ).
import { fusedLinearResidual, fusedSwiGluProjections, hasFusedKernels, linear, type Tensor, tf } from '@ftlab/backend';

export interface MlpWeights {
  gate: Tensor;
  up: Tensor;
  down: Tensor;
}

/**
 * The feed-forward of h [..., D]; with `residual` [..., D], residual + it (on the native engine
 * the down projection starts from the residual: one pass instead of a product and an add, same bits).
 */
export function swiGlu(h: Tensor, w: MlpWeights, residual: Tensor | null = null): Tensor {
  return tf.tidy(() => {
    if (hasFusedKernels()) {
      // Both products and silu(gate) * up as one op, whose backward sums h's two gradients in place.
      const hidden = fusedSwiGluProjections(h, w.gate, w.up);
      return residual === null ? linear(hidden, w.down) : fusedLinearResidual(hidden, w.down, residual);
    }
    // Two products rather than one fused [D, 2F] product and a split: tfjs slices run in JavaScript.
    const gate = linear(h, w.gate);
    const up = linear(h, w.up);
    const out = linear(tf.mul(tf.mul(gate, tf.sigmoid(gate)), up), w.down);
    return residual === null ? out : tf.add(residual, out);
  });
}
