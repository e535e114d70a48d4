// Deterministic initialisation: every parameter gets its own stream derived from (seed, name),
// computed in JavaScript, so the same seed gives bit-identical weights on every engine, and
// variants that share a parameter name (baseline and Free Transformer) start from the same values.
import { tf, type Variable } from '@ftlab/backend';
import type { ParameterSpec } from './parameters.js';
import { deriveSeed, normalArray } from './random.js';

export function initialValues(spec: ParameterSpec, seed: number): Float32Array {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  switch (spec.init.kind) {
    case 'ones':
      return new Float32Array(count).fill(1);
    case 'zeros':
      return new Float32Array(count);
    case 'normal':
      return normalArray(count, spec.init.std, deriveSeed(seed, spec.name));
  }
}

/** Creates the trainable variables for `specs`, initialised from `seed`. */
export function createVariables(specs: readonly ParameterSpec[], seed: number): Map<string, Variable> {
  const variables = new Map<string, Variable>();
  for (const spec of specs) {
    const value = tf.tensor(initialValues(spec, seed), spec.shape, 'float32');
    // No tfjs variable name: tfjs names are process-global, and tests hold several models.
    variables.set(spec.name, tf.variable(value, true));
    value.dispose();
  }
  return variables;
}

/** Variables holding given values (a loaded checkpoint), in the order of `specs`. */
export function variablesFromValues(
  specs: readonly ParameterSpec[],
  values: ReadonlyMap<string, Float32Array>,
): Map<string, Variable> {
  const variables = new Map<string, Variable>();
  for (const spec of specs) {
    const data = values.get(spec.name);
    if (data === undefined) throw new Error(`internal: no value for parameter ${spec.name}`);
    const value = tf.tensor(data, spec.shape, 'float32');
    variables.set(spec.name, tf.variable(value, true));
    value.dispose();
  }
  return variables;
}
