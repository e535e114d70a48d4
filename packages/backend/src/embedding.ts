// Embedding lookup that trains on every engine. tf.gather's gradient needs the
// UnsortedSegmentSum kernel, which the wasm backend lacks; here the forward pass is a gather
// and the backward pass is oneHot(ids)^T dy, a plain matmul.
import { type Tensor, tf } from './tf.js';

/** Rows of `table` (vocab, dim) for integer `ids` of any shape: result is [...ids.shape, dim]. */
export function embeddingLookup(ids: Tensor, table: Tensor): Tensor {
  if (ids.dtype !== 'int32') throw new Error(`embeddingLookup: ids must be int32, got ${ids.dtype}`);
  if (table.rank !== 2) throw new Error(`embeddingLookup: table must be 2-D, got shape [${table.shape}]`);
  const [vocab, dim] = table.shape as [number, number];
  const flatIds = tf.reshape(ids, [-1]);
  const lookup = tf.customGrad((t, save) => {
    (save as tf.GradSaveFunc)([flatIds]);
    return {
      value: tf.gather(t as Tensor, flatIds),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const oneHotT = tf.transpose(tf.oneHot(saved[0] as Tensor, vocab)); // (vocab, n)
        return tf.matMul(oneHotT, dy);
      },
    };
  });
  return tf.reshape(lookup(table), [...ids.shape, dim]);
}
