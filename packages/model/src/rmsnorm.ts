// RMSNorm (Zhang & Sennrich 2019), the pre-norm of every Llama block:
//   y = x / sqrt(mean(x^2) + eps) * weight
import { type Tensor, tf } from '@ftlab/backend';

export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  return tf.tidy(() => {
    const inverseRms = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps));
    return tf.mul(tf.mul(x, inverseRms), weight);
  });
}
