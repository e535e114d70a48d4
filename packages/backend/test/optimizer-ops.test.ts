import { describe, expect, it } from 'vitest';
import { adamWUpdate, sumOfSquares, tf } from '../src/index.js';
import { ENGINES, maxAbsDiff, uniform, useEngine } from './helpers.js';

describe.each(ENGINES)('optimizer ops on %s', (engine) => {
  it('adamWUpdate equals AdamW written out, over three steps, with and without decay', async () => {
    await useEngine(engine);
    const [beta1, beta2, eps, lr, weightDecay] = [0.9, 0.95, 1e-8, 3e-3, 0.1];
    for (const decayed of [true, false]) {
      let param = uniform([7, 5], 1);
      let m = tf.zeros([7, 5]);
      let v = tf.zeros([7, 5]);
      const pw = (param.dataSync() as Float32Array).slice();
      const mw = new Float64Array(35);
      const vw = new Float64Array(35);
      for (let t = 1; t <= 3; t++) {
        const grad = uniform([7, 5], 10 + t);
        const g = grad.dataSync();
        const c1 = 1 - beta1 ** t;
        const c2 = 1 - beta2 ** t;
        const step = {
          beta1,
          beta2,
          stepSize: (lr * Math.sqrt(c2)) / c1,
          epsHat: eps * Math.sqrt(c2),
          decay: decayed ? 1 - lr * weightDecay : 1,
        };
        const next = adamWUpdate(param, m, v, grad, step);
        tf.dispose([param, m, v, grad]);
        ({ param, m, v } = next);
        for (let i = 0; i < 35; i++) {
          mw[i] = beta1 * mw[i] + (1 - beta1) * g[i];
          vw[i] = beta2 * vw[i] + (1 - beta2) * g[i] ** 2;
          pw[i] = pw[i] * step.decay - (step.stepSize * mw[i]) / (Math.sqrt(vw[i]) + step.epsHat);
        }
      }
      expect(maxAbsDiff(param, tf.tensor(pw, [7, 5]))).toBeLessThan(1e-6);
      expect(maxAbsDiff(m, tf.tensor(Float32Array.from(mw), [7, 5]))).toBeLessThan(1e-6);
      expect(maxAbsDiff(v, tf.tensor(Float32Array.from(vw), [7, 5]))).toBeLessThan(1e-7);
      tf.dispose([param, m, v]);
    }
  });

  it('sumOfSquares sums every tensor; a shape mismatch is refused', async () => {
    await useEngine(engine);
    const tensors = [uniform([3, 4], 1), uniform([5], 2), uniform([2, 2, 2], 3)];
    const expected = tensors.reduce((s, t) => s + Array.from(t.dataSync()).reduce((a, x) => a + x * x, 0), 0);
    expect(Math.abs(sumOfSquares(tensors) - expected) / expected).toBeLessThan(1e-6);
    expect(sumOfSquares([])).toBe(0);
    const [a, b] = tensors as [tf.Tensor, tf.Tensor];
    expect(() => adamWUpdate(a, a, a, b, { beta1: 0.9, beta2: 0.9, stepSize: 1, epsHat: 1, decay: 1 })).toThrow(
      "adamWUpdate: grad [5] must have the parameter's shape [3,4]",
    );
    tf.dispose(tensors);
  });
});
