// SwiGLU feed-forward (Shazeer 2020), as in Llama: down( silu(x W_gate) * (x W_up) ).
import { linear, type Tensor, tf } from '@ftlab/backend';

export interface MlpWeights {
  gate: Tensor;
  up: Tensor;
  down: Tensor;
}

export function swiGlu(h: Tensor, w: MlpWeights): Tensor {
  return tf.tidy(() => {
    const hidden = w.gate.shape[1] as number;
    // One [D, 2F] product instead of two [D, F] ones: fewer, larger matmuls are faster on wasm.
    const gateUp = linear(h, tf.concat([w.gate, w.up], 1));
    const [gate, up] = tf.split(gateUp, [hidden, hidden], -1) as [Tensor, Tensor];
    const silu = tf.mul(gate, tf.sigmoid(gate));
    return linear(tf.mul(silu, up), w.down);
  });
}
