// The training objective (spec section 2, "Loss"):
//   loss = mean_t CE_t + (1/T) sum_t max(0, KL_t - kappa)      (both averaged over the batch)
import { type Tensor, tf } from '@ftlab/backend';
import { freeBitsPenalty } from './kl.js';

/** CE_t = -log softmax(logits_t)[target_t] in nats: logits [B, T, V], int32 targets [B, T] -> [B, T]. */
export function crossEntropyPerToken(logits: Tensor, targets: Tensor): Tensor {
  return tf.tidy(() => {
    const vocab = logits.shape[logits.rank - 1];
    // A one-hot product instead of a gather: tf.gather has no gradient on wasm.
    return tf.neg(tf.sum(tf.mul(tf.cast(tf.oneHot(targets, vocab), 'float32'), tf.logSoftmax(logits)), -1));
  });
}

/** The loss from per-token CE and per-token KL (zeros for models without a latent). */
export function freeTransformerLoss(cePerToken: Tensor, klPerToken: Tensor | null, kappaNats: number): Tensor {
  return tf.tidy(() => {
    const ce = tf.mean(cePerToken);
    return klPerToken === null ? ce : tf.add(ce, freeBitsPenalty(klPerToken, kappaNats));
  });
}
