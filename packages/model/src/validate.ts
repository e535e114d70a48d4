// Checks of what callers pass to forward() and generate(): each error says which argument was
// wrong, how, and what was expected, instead of a shape error deep inside a kernel.
import { type Tensor, tf } from '@ftlab/backend';
import type { ModelConfig } from './config.js';

/** Throws unless `tokens` is an int32 [B, T] tensor with 1 <= T <= contextLength and ids in [0, V). */
export function checkTokenTensor(what: string, tokens: Tensor, config: ModelConfig): void {
  if (tokens.rank !== 2) throw new Error(`${what}: expected a [batch, time] tensor, got shape [${tokens.shape}]`);
  if (tokens.dtype !== 'int32') {
    throw new Error(`${what}: expected int32 token ids, got ${tokens.dtype} (use tf.tensor2d(ids, shape, 'int32'))`);
  }
  const [batch, time] = tokens.shape as [number, number];
  if (batch < 1 || time < 1) throw new Error(`${what}: shape [${tokens.shape}] is empty`);
  if (time > config.contextLength) {
    throw new Error(`${what}: length ${time} exceeds the model's contextLength ${config.contextLength}`);
  }
  checkRange(what, tokens, config.vocabSize, 'token id', 'vocabSize');
}

/** Throws unless every value of the int32 tensor is in [0, limit). One small read-back. */
export function checkRange(what: string, values: Tensor, limit: number, noun: string, limitName: string): void {
  const [min, max] = tf.tidy(() => tf.stack([tf.min(values), tf.max(values)]).dataSync());
  if (min < 0 || max >= limit) {
    const badValue = min < 0 ? min : max;
    throw new Error(`${what}: ${noun} ${badValue} is outside 0..${limit - 1} (${limitName}=${limit})`);
  }
}

/** Throws unless `array` holds `count` integers in [0, limit). */
export function checkIntArray(what: string, array: ArrayLike<number>, count: number, limit: number): void {
  if (array.length !== count) throw new Error(`${what}: expected ${count} values, got ${array.length}`);
  for (let i = 0; i < array.length; i++) {
    const value = array[i];
    if (!Number.isInteger(value) || value < 0 || value >= limit) {
      throw new Error(`${what}: value ${value} at index ${i} is not an integer in 0..${limit - 1}`);
    }
  }
}
