import { matMul, selectBackend, tf } from '@ftlab/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { profileSteps } from '../src/kernel-profile.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('profileSteps', () => {
  const a = tf.randomNormal([64, 32], 0, 1, 'float32', 1);
  const b = tf.randomNormal([32, 16], 0, 1, 'float32', 2);

  /** Per step: three products (one inside a custom gradient's scope), one add, that product's gradient. */
  const step = (index: number) => {
    tf.tidy(() => {
      const x = tf.matMul(a, b);
      const y = tf.matMul(a, b);
      tf.add(x, y).dataSync();
      const grad = tf.grad((w: tf.Tensor) => tf.sum(matMul(a, w)))(b);
      grad.dataSync();
      expect(index).toBeGreaterThanOrEqual(5);
    });
  };

  it('counts each kernel call once per step, by name and by input shapes, scopes left out', async () => {
    const profile = await profileSteps(step, 3, 5);
    expect(profile.steps).toBe(3);
    const names = profile.kernels.map((k) => k.kernel);
    // The custom gradient's and tf.sum's scopes are not kernels: their time is in the kernels they ran.
    expect(names).not.toContain('unnamed scope');
    expect(names).toContain('BatchMatMul');
    expect(names).toContain('Add');
    const matmul = profile.kernels.find((k) => k.kernel === 'BatchMatMul');
    // a b twice and a w once forward; the custom gradient computes both operands' gradients: 5.
    expect(matmul?.callsPerStep).toBe(5);
    expect(profile.kernels.find((k) => k.kernel === 'Add')?.callsPerStep).toBe(1);
    const forward = profile.byShape.find((k) => k.kernel === 'BatchMatMul' && k.shapes === '[64,32] x [32,16]');
    expect(forward?.callsPerStep).toBe(3);
    for (const k of profile.kernels) expect(k.msPerStep).toBeGreaterThanOrEqual(0);
    // Slowest first; kernel time and time outside kernels add up to the step.
    const times = profile.kernels.map((k) => k.msPerStep);
    expect(times).toEqual([...times].sort((x, y) => y - x));
    const inside = times.reduce((sum, t) => sum + t, 0);
    expect(inside + profile.outsideKernelsMsPerStep).toBeCloseTo(profile.msPerStep, 0);
    expect(profile.kernels.reduce((sum, k) => sum + k.share, 0)).toBeLessThanOrEqual(1.01);
  });

  it('keeps the slowest shapes only, and refuses a step count below 1', async () => {
    const profile = await profileSteps(step, 1, 5, 2);
    expect(profile.byShape).toHaveLength(2);
    await expect(profileSteps(step, 0, 5)).rejects.toThrow(/kernel profile: steps must be >= 1, got 0/);
  });
});
