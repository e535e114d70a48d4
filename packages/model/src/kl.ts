// The KL term of the loss (spec section 2, "Loss"), per token, against the uniform prior:
//   KL_t = KL(Q(Z_t | S) || Uniform(C)) = H ln 2 - sum_h binary_entropy(p_h)        (nats)
// Q factorises over bits, so it is a sum of per-bit terms ln 2 - h(p_h), each in [0, ln 2],
// computed from the logits without log(0): h(p) = softplus(l) - p l.
// The free-bits hinge is applied per token, before averaging:
//   penalty = (1/T) sum_t max(0, KL_t - kappa), averaged over the batch.
import { type Tensor, tf } from '@ftlab/backend';

const LN2 = Math.LN2;

/** Per-bit KL(Bernoulli(p_h) || Bernoulli(1/2)) in nats, same shape as the logits, in [0, ln 2]. */
export function bitKl(bitLogits: Tensor): Tensor {
  return tf.tidy(() => {
    const entropy = tf.sub(tf.softplus(bitLogits), tf.mul(tf.sigmoid(bitLogits), bitLogits));
    // Clipped only against float32 rounding at the ends (|error| ~1e-7); the gradient is ~0 there.
    return tf.clipByValue(tf.sub(LN2, entropy), 0, LN2);
  });
}

/** KL_t in nats for bit logits [..., H]: shape [...]. */
export function tokenKl(bitLogits: Tensor): Tensor {
  return tf.tidy(() => tf.sum(bitKl(bitLogits), -1));
}

/** Mean over tokens of max(0, KL_t - kappa): the hinge acts on each token separately. */
export function freeBitsPenalty(klPerToken: Tensor, kappaNats: number): Tensor {
  return tf.tidy(() => tf.mean(tf.relu(tf.sub(klPerToken, kappaNats))));
}

/** log Q(z | S) = sum_h [b_h log p_h + (1 - b_h) log(1 - p_h)] = sum_h (b_h l_h - softplus(l_h)). */
export function logPosterior(bitLogits: Tensor, bits: Tensor): Tensor {
  return tf.tidy(() => tf.sum(tf.sub(tf.mul(bits, bitLogits), tf.softplus(bitLogits)), -1));
}
