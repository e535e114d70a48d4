import { selectBackend, tf } from '@ftlab/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, clipByGlobalNorm } from '../src/optimizer.js';
import { learningRate } from '../src/schedule.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

/** AdamW in plain float64 for one scalar parameter, as PyTorch writes it. */
function referenceAdamW(w0: number, grads: number[], lr: number, b1: number, b2: number, eps: number, wd: number) {
  let [w, m, v] = [w0, 0, 0];
  grads.forEach((g, i) => {
    const t = i + 1;
    w *= 1 - lr * wd;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const mHat = m / (1 - b1 ** t);
    const vHat = v / (1 - b2 ** t);
    w -= (lr * mHat) / (Math.sqrt(vHat) + eps);
  });
  return w;
}

describe('AdamW', () => {
  const settings = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
  const grads = [0.5, -1.25, 2, 0.1, -0.3];

  it('matches the float64 reference update, with decay only on parameters flagged for it', () => {
    const decayed = tf.variable(tf.tensor1d([1.5]));
    const plain = tf.variable(tf.tensor1d([1.5]));
    const opt = new AdamW(
      [
        { name: 'w', variable: decayed, decay: true },
        { name: 'norm', variable: plain, decay: false },
      ],
      settings,
    );
    for (const g of grads) opt.apply({ w: tf.tensor1d([g]), norm: tf.tensor1d([g]) }, 0.01);
    expect(opt.step).toBe(5);
    expect(decayed.dataSync()[0]).toBeCloseTo(referenceAdamW(1.5, grads, 0.01, 0.9, 0.95, 1e-8, 0.1), 5);
    expect(plain.dataSync()[0]).toBeCloseTo(referenceAdamW(1.5, grads, 0.01, 0.9, 0.95, 1e-8, 0), 5);
    expect(decayed.dataSync()[0]).not.toBeCloseTo(plain.dataSync()[0], 5);
  });

  it('restores a saved state exactly: continuing gives the same weights as never stopping', () => {
    const run = (stopAfter: number | null) => {
      const w = tf.variable(tf.tensor1d([0.3, -0.7]));
      let opt = new AdamW([{ name: 'w', variable: w, decay: true }], settings);
      grads.forEach((g, i) => {
        if (i === stopAfter) {
          const state = opt.state();
          opt = new AdamW([{ name: 'w', variable: w, decay: true }], settings);
          opt.restore(state);
        }
        opt.apply({ w: tf.tensor1d([g, -g]) }, 0.02);
      });
      return Array.from(w.dataSync());
    };
    expect(run(3)).toEqual(run(null));
  });

  it('refuses a state that does not fit its parameters, naming the parameter and the shapes', () => {
    const opt = new AdamW([{ name: 'w', variable: tf.variable(tf.zeros([2])), decay: true }], settings);
    expect(() => opt.restore({ step: 1, moments: {} })).toThrow('optimizer state has no moments for parameter "w"');
    expect(() => opt.restore({ step: 1, moments: { w: { m: tf.zeros([3]), v: tf.zeros([2]) } } })).toThrow(
      'optimizer state m for "w" has shape [3], the parameter has [2]',
    );
    expect(() => opt.apply({}, 0.1)).toThrow('AdamW: no gradient for parameter "w"');
  });
});

describe('clipByGlobalNorm', () => {
  it('scales every gradient by maxNorm / norm when the global norm exceeds it, and reports the norm before', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(clipped.a?.dataSync()[0]).toBeCloseTo(0.6, 5);
    expect(clipped.b?.dataSync()[1]).toBeCloseTo(0.8, 5);
    expect(clipByGlobalNorm(grads, 10).grads).toBe(grads);
    expect(clipByGlobalNorm(grads, 0).grads).toBe(grads); // 0 disables clipping
  });
});

describe('learningRate', () => {
  const schedule = { lr: 1e-3, warmupSteps: 10, decaySteps: 110, minLr: 1e-4 };
  it('warms up linearly to the peak, then decays along a cosine to the floor', () => {
    expect(learningRate(schedule, 0)).toBeCloseTo(1e-4, 12);
    expect(learningRate(schedule, 9)).toBeCloseTo(1e-3, 12);
    expect(learningRate(schedule, 10)).toBeCloseTo(1e-3, 12);
    expect(learningRate(schedule, 60)).toBeCloseTo(5.5e-4, 12); // halfway: the mean of peak and floor
    expect(learningRate(schedule, 110)).toBe(1e-4);
    expect(learningRate(schedule, 500)).toBe(1e-4);
    for (let s = 10; s < 110; s++) expect(learningRate(schedule, s + 1)).toBeLessThanOrEqual(learningRate(schedule, s));
  });
});
