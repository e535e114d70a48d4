// Each variant must be able to memorise a small fixed batch: the loss falls by 90%.
// A plain Adam (Kingma & Ba 2015) lives here; the project's AdamW is in @ftlab/training.
import { type Tensor, tf } from '@ftlab/backend';
import { describe, expect, it } from 'vitest';
import { createModel, lossAndGradients, type Model, type ModelConfigInput, resolveModelConfig } from '../src/index.js';
import { ENGINES, randomTokens, tokens2d, useEngine } from './helpers.js';

class Adam {
  private readonly moments = new Map<string, { m: Tensor; v: Tensor }>();
  private t = 0;

  constructor(
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {}

  step(model: Model, grads: Map<string, Tensor>): void {
    this.t++;
    const correction1 = 1 - this.beta1 ** this.t;
    const correction2 = 1 - this.beta2 ** this.t;
    for (const { name, variable } of model.variables) {
      const g = grads.get(name) as Tensor;
      const previous = this.moments.get(name) ?? { m: tf.zerosLike(g), v: tf.zerosLike(g) };
      const next = tf.tidy(() => {
        const m = tf.add(tf.mul(previous.m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(previous.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), this.eps));
        variable.assign(tf.sub(variable, tf.mul(update, this.lr)));
        return { m, v };
      });
      tf.dispose([previous.m, previous.v]);
      this.moments.set(name, next);
    }
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
  }
}

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
    const adam = new Adam(1e-2);
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
