// The native engine (wasm + C++ kernels, fused RMSNorm/SwiGLU/RoPE/attention) must compute the
// same training step as the reference engines: same loss and gradients on the same batch.
// Skipped, visibly and with the reason, where the addon is not built.
import { loadNative, type Tensor2D, tf } from '@ftlab/backend';
import { describe, expect, it } from 'vitest';
import { createModel, lossAndGradients, type ModelConfigInput, resolveModelConfig } from '../src/index.js';
import { type Engine, NATIVE_SKIP_REASON, randomizeWeights, randomTokens, tokens2d, useEngine } from './helpers.js';

const VARIANTS: Record<string, ModelConfigInput> = {
  baseline: { variant: 'baseline' },
  'free-transformer dense H=8': { variant: 'free-transformer', latentBits: 8, estimator: 'dense' },
  'free-transformer factored H=6, R after the norm': {
    variant: 'free-transformer',
    latentBits: 6,
    estimator: 'factored',
    latentKvPath: 'after-norm',
  },
  'free-transformer sampled H=5': { variant: 'free-transformer', latentBits: 5, estimator: 'sampled' },
  cvae: { variant: 'cvae', latentBits: 4 },
  'tied baseline-plus-one': { variant: 'baseline-plus-one', tieEmbeddings: true },
};

const SHAPE = { vocabSize: 28, width: 64, layers: 4, heads: 4, contextLength: 32, kappa: { bits: 0.5 } } as const;
const [BATCH, TIME] = [4, 32];

interface Step {
  loss: number;
  ce: number;
  kl: number;
  grads: Map<string, Float32Array>;
}

/** One training step's loss and gradients on `engine`, from weights that depend only on the seed. */
async function step(engine: Engine, overrides: ModelConfigInput): Promise<Step> {
  await useEngine(engine);
  const model = createModel(resolveModelConfig({ ...SHAPE, ...overrides }), 11);
  randomizeWeights(model, 12, 0.2);
  const tokens = randomTokens(BATCH, TIME + 1, SHAPE.vocabSize, 13);
  const rows = (from: number) =>
    Int32Array.from({ length: BATCH * TIME }, (_, i) => tokens[Math.floor(i / TIME) * (TIME + 1) + (i % TIME) + from]!);
  const inputs = tokens2d(rows(0), BATCH, TIME) as Tensor2D;
  const targets = tokens2d(rows(1), BATCH, TIME) as Tensor2D;
  const result = lossAndGradients(model, inputs, targets, { seed: 14, training: true });
  const grads = new Map([...result.grads].map(([name, g]) => [name, g.dataSync() as Float32Array]));
  tf.dispose([inputs, targets, ...result.grads.values()]);
  model.dispose();
  return { loss: result.loss, ce: result.ce, kl: result.kl, grads };
}

/** Largest |a - b| over a parameter's gradient, relative to that gradient's largest entry. */
function relativeGradientError(a: Float32Array, b: Float32Array): number {
  let scale = 1e-12;
  for (const x of a) scale = Math.max(scale, Math.abs(x));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

const title = NATIVE_SKIP_REASON === null ? 'native engine' : `native engine (SKIPPED: ${NATIVE_SKIP_REASON})`;

// The AVX-512 and AVX2 GEMM kernels sum each element over k in the same order and round their
// stores alike, so a training step is bit-identical on machines with and without AVX-512.
const native = loadNative();
const avx512 = native.available && native.addon.info().avx512f;
const kernelsTitle = avx512
  ? 'native engine, AVX-512 against AVX2 GEMM kernel'
  : `native engine, AVX-512 against AVX2 GEMM kernel (SKIPPED: ${NATIVE_SKIP_REASON ?? 'this CPU has no AVX-512'})`;
describe.skipIf(!avx512)(kernelsTitle, () => {
  for (const name of ['baseline', 'free-transformer dense H=8', 'cvae']) {
    it(`${name}: the same loss and gradients, bit for bit`, async () => {
      if (!native.available) throw new Error('unreachable');
      const wide = await step('native', VARIANTS[name] as ModelConfigInput);
      native.addon.setAvx512(false);
      try {
        expect(native.addon.info().gemmKernel).toBe('avx2-fma');
        const narrow = await step('native', VARIANTS[name] as ModelConfigInput);
        expect([narrow.loss, narrow.ce, narrow.kl]).toEqual([wide.loss, wide.ce, wide.kl]);
        for (const [param, grad] of wide.grads) expect(narrow.grads.get(param), param).toEqual(grad);
      } finally {
        native.addon.setAvx512(true);
      }
    });
  }
});

describe.skipIf(NATIVE_SKIP_REASON !== null)(title, () => {
  for (const [name, overrides] of Object.entries(VARIANTS)) {
    it(`${name}: same loss (1e-4) and gradients (1e-4 relative) as wasm and cpu on the same batch`, async () => {
      const native = await step('native', overrides);
      for (const reference of ['wasm', 'cpu'] as const) {
        const expected = await step(reference, overrides);
        expect(Math.abs(native.loss - expected.loss)).toBeLessThan(1e-4);
        expect(Math.abs(native.ce - expected.ce)).toBeLessThan(1e-4);
        expect(Math.abs(native.kl - expected.kl)).toBeLessThan(1e-4);
        expect([...native.grads.keys()]).toEqual([...expected.grads.keys()]);
        for (const [param, grad] of expected.grads) {
          const error = relativeGradientError(grad, native.grads.get(param) as Float32Array);
          expect(error, `${reference} vs native, gradient of ${param}`).toBeLessThan(1e-4);
        }
      }
    });
  }
});
