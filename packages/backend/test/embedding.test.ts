import { describe, expect, it } from 'vitest';
import { embeddingLookup, tf } from '../src/index.js';
import { ENGINES, maxAbsDiff, uniform, useEngine } from './helpers.js';

describe.each(ENGINES)('embeddingLookup on %s', (engine) => {
  it('returns the rows of the table and the gradient of oneHot(ids) x table', async () => {
    await useEngine(engine);
    const table = uniform([11, 4], 7);
    const ids = tf.tensor2d(
      [
        [0, 3, 3],
        [10, 1, 0],
      ],
      [2, 3],
      'int32',
    );
    const rows = embeddingLookup(ids, table);
    expect(rows.shape).toEqual([2, 3, 4]);
    const reference = tf.matMul(tf.oneHot(tf.reshape(ids, [-1]), 11), table).reshape([2, 3, 4]);
    expect(maxAbsDiff(rows, reference)).toBe(0);

    const upstream = uniform([2, 3, 4], 8);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(ids, t), upstream)))(table);
    const gradRef = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.mul(tf.matMul(tf.oneHot(tf.reshape(ids, [-1]), 11), t).reshape([2, 3, 4]), upstream)),
    )(table);
    expect(maxAbsDiff(grad, gradRef)).toBeLessThan(1e-6);
    // Row 3 appears twice: its gradient is the sum of both upstream rows.
    const twice = tf.add(upstream.slice([0, 1, 0], [1, 1, 4]), upstream.slice([0, 2, 0], [1, 1, 4])).reshape([4]);
    expect(maxAbsDiff(grad.slice([3, 0], [1, 4]).reshape([4]), twice)).toBeLessThan(1e-6);
  });

  it('rejects float ids and non-matrix tables with a clear message', async () => {
    await useEngine(engine);
    expect(() => embeddingLookup(tf.tensor1d([1, 2]), tf.ones([3, 2]))).toThrow(/ids must be int32, got float32/);
    expect(() => embeddingLookup(tf.tensor1d([1], 'int32'), tf.ones([3]))).toThrow(/table must be 2-D/);
  });
});

it('tf.gather alone cannot be trained on wasm (why embeddingLookup exists)', async () => {
  await useEngine('wasm');
  const table = tf.ones([3, 2]);
  const ids = tf.tensor1d([0, 2], 'int32');
  expect(() => tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, ids)))(table)).toThrow(/UnsortedSegmentSum/);
});
