import { selectBackend, tf } from '@ftlab/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchToTensors, type TokenRows } from '../src/batch-tensors.js';
import { Rng } from '../src/random.js';

describe('batchToTensors', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('gives int32 [B, T] inputs (first T tokens of each row) and targets (the next T)', () => {
    const batch: TokenRows = { tokens: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), batchSize: 2, length: 4 };
    const { inputs, targets } = batchToTensors(batch);
    expect(inputs.shape).toEqual([2, 3]);
    expect(inputs.dtype).toBe('int32');
    expect(targets.dtype).toBe('int32');
    expect(inputs.arraySync()).toEqual([
      [1, 2, 3],
      [5, 6, 7],
    ]);
    expect(targets.arraySync()).toEqual([
      [2, 3, 4],
      [6, 7, 8],
    ]);
    tf.dispose([inputs, targets]);
  });

  it('keeps a batch intact: targets are inputs shifted by one, on the tfjs engine in use', () => {
    const rng = new Rng(0);
    const batch: TokenRows = {
      tokens: Int32Array.from({ length: 8 * 66 }, () => rng.int(29)),
      batchSize: 8,
      length: 66,
    };
    const before = tf.memory().numTensors;
    const { inputs, targets } = batchToTensors(batch);
    const rowsIn = inputs.arraySync();
    const rowsOut = targets.arraySync();
    for (let r = 0; r < 8; r++) {
      const row = Array.from(batch.tokens.subarray(r * 66, (r + 1) * 66));
      expect(rowsIn[r]).toEqual(row.slice(0, 65));
      expect(rowsOut[r]).toEqual(row.slice(1));
    }
    tf.dispose([inputs, targets]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a malformed batch', () => {
    expect(() => batchToTensors({ tokens: new Int32Array(5), batchSize: 2, length: 3 })).toThrow(/2 x 3 tokens; got 5/);
    expect(() => batchToTensors({ tokens: new Int32Array(2), batchSize: 2, length: 1 })).toThrow(/at least 2 tokens/);
  });
});
