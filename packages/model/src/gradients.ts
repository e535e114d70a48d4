// One training step's loss and gradients, keyed by parameter name. tf.variableGrads disposes
// every tensor of the forward pass except the loss, so the diagnostics are read inside it.
import { type Tensor, type Tensor2D, tf } from '@ftlab/backend';
import type { ForwardOptions, Model } from './types.js';

export interface LossAndGradients {
  /** Gradient of the loss for each parameter name; the caller disposes them. */
  grads: Map<string, Tensor>;
  loss: number;
  ce: number;
  kl: number;
}

export function lossAndGradients(
  model: Model,
  inputs: Tensor2D,
  targets: Tensor2D,
  options: ForwardOptions,
): LossAndGradients {
  let metrics: Tensor | null = null;
  const variables = model.variables.map((v) => v.variable);
  const { value, grads } = tf.variableGrads(() => {
    const result = model.forward(inputs, targets, options);
    metrics = tf.keep(tf.stack([result.loss, result.ce, result.kl]));
    return result.loss as tf.Scalar;
  }, variables);
  value.dispose();
  const [loss, ce, kl] = (metrics as unknown as Tensor).dataSync();
  (metrics as unknown as Tensor).dispose();
  const byName = new Map<string, Tensor>();
  for (const { name, variable } of model.variables) {
    const grad = grads[variable.name];
    if (grad === undefined) throw new Error(`lossAndGradients: no gradient for ${name}`);
    byName.set(name, grad);
  }
  return { grads: byName, loss: loss, ce: ce, kl: kl };
}
