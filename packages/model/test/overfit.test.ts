// Each variant must be able to memorise a small fixed batch: the loss falls by 90%.
import { tf } from '@ftlab/backend';
import { describe, expect, it } from 'vitest';
import { createModel, lossAndGradients, type ModelConfigInput, resolveModelConfig, TestAdam } from '../src/index.js';
import { ENGINES, randomTokens, tokens2d, useEngine } from './helpers.js';

const VARIANTS: Array<[string, ModelConfigInput]> = [
  ['baseline', { variant: 'baseline' }],
  ['baseline-plus-one', { variant: 'baseline-plus-one' }],
  ['free-transformer (dense)', { variant: 'free-transformer' }],
  ['free-transformer (factored)', { variant: 'free-transformer', estimator: 'factored' }],
  ['cvae', { variant: 'cvae' }],
];

describe.each(ENGINES)('overfitting a fixed batch on %s', (engine) => {
  it.each(VARIANTS)('%s: the loss falls by 90%%', async (_, overrides) => {
    await useEngine(engine);
    const config = resolveModelConfig({
      vocabSize: 11,
      width: 32,
      layers: 2,
      heads: 2,
      mlpWidth: 64,
      contextLength: 12,
      latentBits: 4,
      kappaNats: 1,
      ...overrides,
    });
    const model = createModel(config, 1);
    const batch = randomTokens(4, 13, config.vocabSize, 2);
    const all = tokens2d(batch, 4, 13);
    const x = tf.slice(all, [0, 0], [4, 12]) as tf.Tensor2D;
    const y = tf.slice(all, [0, 1], [4, 12]) as tf.Tensor2D;
    const adam = new TestAdam(1e-2);
    let first = Number.NaN;
    let last = Number.NaN;
    for (let step = 0; step < 300; step++) {
      const { grads, loss } = lossAndGradients(model, x, y, { seed: step });
      if (step === 0) first = loss;
      last = loss;
      if (loss < 0.1 * first) {
        tf.dispose([...grads.values()]);
        break;
      }
      adam.step(model, grads);
      tf.dispose([...grads.values()]);
    }
    expect(first).toBeGreaterThan(2);
    expect(last).toBeLessThan(0.1 * first);
    adam.dispose();
    tf.dispose([all, x, y]);
    model.dispose();
  });
});
