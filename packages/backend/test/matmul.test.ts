import { describe, expect, it } from 'vitest';
import { linear, matMul, sumToShape, tf } from '../src/index.js';
import { ENGINES, maxAbsDiff, uniform, useEngine } from './helpers.js';

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

// Random shapes, every combination of transpose flags, 2-D and batched 4-D (with broadcast).
function cases(): Case[] {
  let state = 12345;
  const dim = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return 1 + (state % 9);
  };
  const out: Case[] = [];
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      for (let rep = 0; rep < 3; rep++) {
        const [m, k, n] = [dim(), dim(), dim()];
        const a2 = transposeA ? [k, m] : [m, k];
        const b2 = transposeB ? [n, k] : [k, n];
        out.push({ a: a2, b: b2, transposeA, transposeB });
        const [p, q] = [1 + (rep % 2), 2 + rep];
        out.push({ a: [p, q, ...a2], b: [p, q, ...b2], transposeA, transposeB });
        out.push({ a: [2, q, ...a2], b: [1, q, ...b2], transposeA, transposeB });
      }
    }
  }
  return out;
}

describe.each(ENGINES)('matMul on %s', (engine) => {
  it.each(cases())('equals tf.matMul in value and gradient: %j', async ({ a, b, transposeA, transposeB }) => {
    await useEngine(engine);
    const x = uniform(a, 1);
    const y = uniform(b, 2);
    const expected = tf.matMul(x, y, transposeA, transposeB);
    const actual = matMul(x, y, transposeA, transposeB);
    expect(actual.shape).toEqual(expected.shape);
    expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-5);

    const upstream = uniform(expected.shape, 3);
    const loss = (f: typeof matMul) => (p: tf.Tensor, q: tf.Tensor) =>
      tf.sum(tf.mul(f(p, q, transposeA, transposeB), upstream));
    // tf.matMul's own gradient throws on broadcast batch axes (tfjs 4.22), so the reference
    // broadcasts explicitly with tile, whose gradient sums the copies.
    const reps = b.map((d, i) => (i < b.length - 2 ? a[i] / d : 1));
    const reference: typeof matMul = (p, q, ta, tb) =>
      tf.matMul(p, reps.some((r) => r > 1) ? tf.tile(q, reps) : q, ta, tb);
    const [gxRef, gyRef] = tf.grads(loss(reference))([x, y]) as [tf.Tensor, tf.Tensor];
    const [gx, gy] = tf.grads(loss(matMul))([x, y]) as [tf.Tensor, tf.Tensor];
    expect(gx.shape).toEqual(x.shape);
    expect(gy.shape).toEqual(y.shape);
    expect(maxAbsDiff(gx, gxRef)).toBeLessThan(1e-5);
    expect(maxAbsDiff(gy, gyRef)).toBeLessThan(1e-5);
    tf.dispose([x, y, expected, actual, upstream, gxRef, gyRef, gx, gy]);
  });

  it('linear flattens leading axes and matches a batched product', async () => {
    await useEngine(engine);
    const x = uniform([2, 3, 5], 4);
    const w = uniform([5, 7], 5);
    const expected = tf.matMul(tf.reshape(x, [6, 5]), w).reshape([2, 3, 7]);
    expect(maxAbsDiff(linear(x, w), expected)).toBeLessThan(1e-5);
    expect(() => linear(x, uniform([4, 7], 6))).toThrow(/does not match weight \[4,7\]/);
  });
});

describe('sumToShape', () => {
  it('sums broadcast axes back to the operand shape', () => {
    const g = tf.ones([2, 3, 4]);
    expect(sumToShape(g, [1, 3, 4]).arraySync()).toEqual(tf.fill([1, 3, 4], 2).arraySync());
    expect(sumToShape(g, [3, 4]).arraySync()).toEqual(tf.fill([3, 4], 2).arraySync());
    expect(sumToShape(g, [2, 3, 4])).toBe(g);
  });
});
