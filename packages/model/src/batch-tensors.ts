// A batch of token rows as the model takes it: inputs and next-token targets. The data package
// yields plain rows (no tensors), so that reading data never loads TensorFlow.js.
import { tf } from '@ftlab/backend';

/** B rows of `length` = T + 1 token ids, row-major (what @ftlab/data's batches are). */
export interface TokenRows {
  tokens: Int32Array;
  batchSize: number;
  length: number;
}

/** Splits a batch into model inputs (first T tokens of each row) and targets (last T), int32 [B, T] each. */
export function batchToTensors(batch: TokenRows): { inputs: tf.Tensor2D; targets: tf.Tensor2D } {
  const { tokens, batchSize, length } = batch;
  if (length < 2 || tokens.length !== batchSize * length) {
    throw new Error(
      `A batch needs rows of at least 2 tokens and ${batchSize} x ${length} tokens; got ${tokens.length}.`,
    );
  }
  const T = length - 1;
  const inputs = new Int32Array(batchSize * T);
  const targets = new Int32Array(batchSize * T);
  for (let b = 0; b < batchSize; b++) {
    inputs.set(tokens.subarray(b * length, b * length + T), b * T);
    targets.set(tokens.subarray(b * length + 1, (b + 1) * length), b * T);
  }
  return {
    inputs: tf.tensor2d(inputs, [batchSize, T], 'int32'),
    targets: tf.tensor2d(targets, [batchSize, T], 'int32'),
  };
}
