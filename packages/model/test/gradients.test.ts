// Finite-difference checks of every parameter's gradient on tiny models.
//
// For the Free Transformer the gradient reaching the encoder is the Binary Mapper's
// pass-through, which is the exact gradient of a surrogate: the same network with
//   dense:    R = W[z0] + (G(l) - G(l0)) W        (output = Y + G - stopgrad(G))
//   sampled:  R = W[z0] G_z0(l) / G_z0(l0)        (output = Y G / stopgrad(G))
//   factored: R = (2 (b0 + p(l) - p(l0)) - 1) W   (per-bit straight-through)
// where z0 / b0 are the codes sampled at the current weights and G is built here by
// enumerating all codes. The surrogate equals the model's loss at the current weights, and its
// central differences must match the model's gradients for every parameter, including the
// encoder's and the post-sampler's.
import { type Tensor, tf } from '@ftlab/backend';
import { describe, expect, it } from 'vitest';
import { codeBits, codesToBits } from '../src/binary-mapper.js';
import type { TransformerModel } from '../src/free-transformer.js';
import { createModel, lossAndGradients, type ModelConfigInput } from '../src/index.js';
import { Rng } from '../src/random.js';
import type { ForwardResultWithLoss } from '../src/types.js';
import { ENGINES, randomizeWeights, randomTokens, tinyConfig, tokens2d, useEngine } from './helpers.js';

type Override = (bitLogits: Tensor, table: Tensor) => { r: Tensor; bits: Tensor };

/** The surrogate whose exact gradient the configured estimator returns (see the file header). */
function surrogate(estimator: string, codes: Int32Array, logits0: Float32Array, h: number): Override {
  const rows = codes.length;
  const codeCount = 2 ** h;
  return (bitLogits, table) => {
    const z0 = tf.tensor1d(codes, 'int32');
    const bits0 = codesToBits(z0, h);
    const p = tf.sigmoid(bitLogits);
    const p0 = tf.sigmoid(tf.tensor2d(logits0, [rows, h]));
    // G_d(l) = prod_h P(b_h = bit_h(d)) for every code d, enumerated: [rows, C]
    const allBits = tf.tensor3d(codeBits(0, codeCount, h), [1, codeCount, h]);
    const enumerate = (q: Tensor) => {
      const q3 = tf.expandDims(q, 1);
      const perBit = tf.add(tf.mul(allBits, q3), tf.mul(tf.sub(1, allBits), tf.sub(1, q3)));
      return tf.exp(tf.sum(tf.log(perBit), 2));
    };
    let r: Tensor;
    if (estimator === 'factored') {
      r = tf.matMul(tf.sub(tf.mul(tf.add(bits0, tf.sub(p, p0)), 2), 1), table);
    } else {
      const rows0 = tf.gather(table, z0);
      const g = enumerate(p);
      const g0 = enumerate(p0);
      if (estimator === 'dense') r = tf.add(rows0, tf.matMul(tf.sub(g, g0), table));
      else {
        const atCode = (gAll: Tensor) => tf.sum(tf.mul(gAll, tf.oneHot(z0, codeCount).toFloat()), 1, true);
        r = tf.mul(rows0, tf.div(atCode(g), atCode(g0)));
      }
    }
    return { r, bits: bits0 };
  };
}

function unitDirection(size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const d = Float32Array.from({ length: size }, () => rng.normal());
  const norm = Math.sqrt(d.reduce((s, v) => s + v * v, 0));
  return d.map((v) => v / norm);
}

const CASES: Array<[string, ModelConfigInput]> = [
  ['baseline', { variant: 'baseline' }],
  ['baseline, tied embeddings', { variant: 'baseline', tieEmbeddings: true }],
  ['free-transformer, dense', { variant: 'free-transformer', estimator: 'dense' }],
  ['free-transformer, dense, R after the norm', { variant: 'free-transformer', latentKvPath: 'after-norm' }],
  ['free-transformer, sampled', { variant: 'free-transformer', estimator: 'sampled' }],
  ['free-transformer, factored', { variant: 'free-transformer', estimator: 'factored' }],
  ['cvae, dense', { variant: 'cvae', cvaeEncoderLayers: 1 }],
];

describe.each(ENGINES)('gradients on %s', (engine) => {
  it.each(CASES)('match central differences for every parameter: %s', async (_, overrides) => {
    await useEngine(engine);
    const config = tinyConfig({ zeroInitPostSampler: false, kappaNats: 0, latentBits: 2, ...overrides });
    const model = createModel(config, 3) as TransformerModel;
    randomizeWeights(model, 4, 0.4);
    const [batch, time] = [2, 5];
    const x = tokens2d(randomTokens(batch, time, config.vocabSize, 5), batch, time);
    const y = tokens2d(randomTokens(batch, time, config.vocabSize, 6), batch, time);
    const seed = 7;

    const reference = model.forward(x, y, { seed });
    const lossAt = (override: Override | undefined) => {
      const out = model.forwardWith(x, y, {
        offset: 0,
        cache: null,
        z: { mode: 'posterior' },
        seed,
        encoder: true,
        latentOverride: override,
      }) as ForwardResultWithLoss;
      const value = out.loss.dataSync()[0];
      tf.dispose(Object.values(out) as Tensor[]);
      return value;
    };
    const hasLatent = reference.bitLogits !== undefined;
    const override = hasLatent
      ? surrogate(
          config.estimator,
          reference.codes.dataSync() as Int32Array,
          reference.bitLogits?.dataSync() as Float32Array,
          config.latentBits,
        )
      : undefined;
    // the surrogate reproduces the sampled codes and the loss at the current weights
    expect(Math.abs(lossAt(override) - reference.loss.dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose(Object.values(reference) as Tensor[]);

    const { grads, loss } = lossAndGradients(model, x, y, { seed });
    expect(Number.isFinite(loss)).toBe(true);
    const eps = 1e-2;
    let checked = 0;
    for (const [index, { name, variable }] of model.variables.entries()) {
      const grad = grads.get(name) as Tensor;
      const direction = unitDirection(variable.size, 100 + index);
      const analytic = tf.tidy(() => tf.sum(tf.mul(grad, tf.tensor(direction, variable.shape))).dataSync()[0]);
      const original = variable.dataSync().slice() as Float32Array;
      const shifted = (sign: number) => {
        tf.tidy(() =>
          variable.assign(
            tf.tensor(
              original.map((v, i) => v + sign * eps * direction[i]),
              variable.shape,
            ),
          ),
        );
        return lossAt(override);
      };
      const numeric = (shifted(1) - shifted(-1)) / (2 * eps);
      tf.tidy(() => variable.assign(tf.tensor(original, variable.shape)));
      const tolerance = 2e-4 + 1e-2 * Math.abs(numeric);
      expect(Math.abs(analytic - numeric), `${name}: analytic ${analytic} vs numeric ${numeric}`).toBeLessThan(
        tolerance,
      );
      if (Math.abs(numeric) > 1e-3) checked++;
    }
    // Nearly every parameter has a gradient clearly away from zero, so the comparison is not vacuous.
    expect(checked).toBeGreaterThanOrEqual(model.variables.length - 3);
    tf.dispose([...grads.values(), x, y]);
    model.dispose();
  });
});
