// A plain Adam (Kingma & Ba 2015) for tests that train tiny models: the project's AdamW lives in
// @ftlab/training, which this package and @ftlab/evaluation must not depend on. Test-only: other
// packages' tests import it as @ftlab/model/test/adam (a source-only export, never in dist/).
import { type Tensor, tf } from '@ftlab/backend';
import type { Model } from '../src/index.js';

export class Adam {
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
