import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, flopsPerToken, type ModelConfigInput, parameterCount, resolveModelConfig } from '../src/index.js';
import { useEngine } from './helpers.js';

const base = { vocabSize: 64, width: 128, layers: 4, heads: 4, contextLength: 64 };

describe('cost', () => {
  beforeAll(() => useEngine('wasm'));

  it('parameter counts equal the sizes of the created variables, per group', () => {
    for (const overrides of [
      { variant: 'baseline' },
      { variant: 'baseline-plus-one' },
      { variant: 'free-transformer', latentBits: 4 },
      { variant: 'free-transformer', latentBits: 4, estimator: 'factored' },
      { variant: 'cvae', latentBits: 3 },
      { variant: 'baseline', tieEmbeddings: true },
    ] as ModelConfigInput[]) {
      const config = resolveModelConfig({ vocabSize: 11, width: 8, layers: 2, heads: 2, ...overrides });
      const model = createModel(config, 1);
      const actual = model.variables.reduce((s, v) => s + v.variable.size, 0);
      const count = parameterCount(config);
      expect(count.total).toBe(actual);
      expect(Object.values(count.byGroup).reduce((a, b) => a + b, 0)).toBe(actual);
      model.dispose();
    }
  });

  it('counts the Free Transformer as the baseline plus one encoder block, readout and post-sampler', () => {
    const baseline = parameterCount(resolveModelConfig({ ...base, variant: 'baseline' }));
    const ft = parameterCount(resolveModelConfig({ ...base, variant: 'free-transformer', latentBits: 8 }));
    const d = 128;
    const f = resolveModelConfig(base).mlpWidth;
    const block = 4 * d * d + 3 * d * f + 2 * d;
    expect(baseline.total).toBe(64 * d + 4 * block + d + d * 64);
    expect(ft.total - baseline.total).toBe(block + d + d * 8 + 256 * d); // block, zeta, readout, 2^H x D table
    expect(ft.byGroup.postSampler).toBe(256 * d);
    const factored = parameterCount(resolveModelConfig({ ...base, latentBits: 16, estimator: 'factored' }));
    expect(factored.byGroup.postSampler).toBe(16 * d);
  });

  it('FLOPs per token: 6N-style training cost, attention terms, and the 2^H dense backward', () => {
    const baseline = resolveModelConfig({ ...base, variant: 'baseline' });
    const d = 128;
    const f = baseline.mlpWidth;
    const forward = 4 * (2 * (4 * d * d + 3 * d * f) + 4 * 64 * d) + 2 * d * 64;
    expect(flopsPerToken(baseline)).toBe(forward);
    expect(flopsPerToken(baseline, { training: true })).toBe(3 * forward);
    expect(flopsPerToken(baseline, { sequenceLength: 32 })).toBe(forward - 4 * 4 * 32 * d);
    const plusOne = flopsPerToken(resolveModelConfig({ ...base, variant: 'baseline-plus-one' }));
    const ft8 = flopsPerToken(resolveModelConfig({ ...base, latentBits: 8 }), { training: true });
    const ft16 = flopsPerToken(resolveModelConfig({ ...base, latentBits: 16 }), { training: true });
    const ft16factored = flopsPerToken(resolveModelConfig({ ...base, latentBits: 16, estimator: 'factored' }), {
      training: true,
    });
    expect(plusOne).toBeGreaterThan(forward);
    // dense backward 2C(D + 2H + 1), plus the readout's 3 x 2DH
    expect(ft16 - ft8).toBe(2 * 65536 * (d + 33) - 2 * 256 * (d + 17) + 3 * 2 * d * (16 - 8));
    expect(ft16).toBeGreaterThan(4 * flopsPerToken(baseline, { training: true })); // 2^16 codes dominate at d=128
    expect(ft16factored).toBeLessThan(1.5 * flopsPerToken(baseline, { training: true }));
  });
});
