// SwiGLU feed-forward (Shazeer 2020), as in Llama: down( silu(x W_gate) * (x W_up) ).
import { linear, type Tensor, tf } from '@ftlab/backend';

export interface MlpWeights {
  gate: Tensor;
  up: Tensor;
  down: Tensor;
}

export function swiGlu(h: Tensor, w: MlpWeights): Tensor {
  return tf.tidy(() => {
    // Two products rather than one fused [D, 2F] product and a split: tfjs slices run in JavaScript.
    const gate = linear(h, w.gate);
    const silu = tf.mul(gate, tf.sigmoid(gate));
    return linear(tf.mul(silu, linear(h, w.up)), w.down);
  });
}
