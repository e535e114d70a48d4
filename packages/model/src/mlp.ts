// SwiGLU feed-forward (Shazeer 2020), as in Llama: down( silu(x W_gate) * (x W_up) ).
import { fusedSwiGlu, hasFusedKernels, linear, type Tensor, tf } from '@ftlab/backend';

export interface MlpWeights {
  gate: Tensor;
  up: Tensor;
  down: Tensor;
}

export function swiGlu(h: Tensor, w: MlpWeights): Tensor {
  return tf.tidy(() => {
    // Two products rather than one fused [D, 2F] product and a split: tfjs slices run in JavaScript.
    const gate = linear(h, w.gate);
    const up = linear(h, w.up);
    // silu(gate) * up; the native engine computes it (and its gradient) in one kernel.
    const hidden = hasFusedKernels() ? fusedSwiGlu(gate, up) : tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
    return linear(hidden, w.down);
  });
}
