// A plain Adam (Kingma & Ba 2015) for tests that train tiny models: this package's, and those of
// packages that must not depend on @ftlab/training, where the project's AdamW lives.
import { type Tensor, tf } from '@ftlab/backend';
import type { Model } from './types.js';

export class TestAdam {
  private readonly moments = new Map<string, { m: Tensor; v: Tensor }>();
  private t = 0;

  constructor(
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {}

  /** One step of every variable of `model` along its gradient in `grads` (by variable name). */
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
