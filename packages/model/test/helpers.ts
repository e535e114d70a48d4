import { nativeTestSkipReason, selectBackend, type Tensor, tf } from '@ftlab/backend';
import { type Model, type ModelConfig, type ModelConfigInput, resolveModelConfig } from '../src/index.js';
import { Rng } from '../src/random.js';

/** Why the native engine's tests are skipped here, or null when it runs (see native.test.ts). */
export const NATIVE_SKIP_REASON = nativeTestSkipReason();

export type Engine = 'native' | 'wasm' | 'cpu';
/** Every engine we ship that works on this machine: native (wasm + C++ kernels) when its addon is built. */
export const ENGINES: readonly Engine[] = NATIVE_SKIP_REASON === null ? ['native', 'wasm', 'cpu'] : ['wasm', 'cpu'];

export async function useEngine(engine: Engine): Promise<void> {
  await selectBackend(engine);
  if (tf.getBackend() !== engine) throw new Error(`could not switch to ${engine}`);
}

/** A model small enough for exhaustive checks. */
export function tinyConfig(overrides: ModelConfigInput = {}): ModelConfig {
  return resolveModelConfig({
    vocabSize: 7,
    width: 8,
    layers: 2,
    heads: 2,
    mlpWidth: 12,
    contextLength: 8,
    latentBits: 2,
    ...overrides,
  });
}

/**
 * Replaces every weight by a draw with a sizeable spread (std `scale`; norms around 1), so
 * gradients and latent effects are far from the tiny values of the default initialisation.
 */
export function randomizeWeights(model: Model, seed: number, scale = 0.4): void {
  const rng = new Rng(seed);
  for (const { name, variable } of model.variables) {
    const values = new Float32Array(variable.size);
    const isNorm = name.endsWith('norm.weight');
    for (let i = 0; i < values.length; i++) values[i] = (isNorm ? 1 : 0) + rng.normal() * scale;
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
}

/** Copies every weight whose name both models have. */
export function copySharedWeights(from: Model, to: Model): number {
  const source = new Map(from.variables.map((v) => [v.name, v.variable]));
  let copied = 0;
  for (const { name, variable } of to.variables) {
    const value = source.get(name);
    if (value !== undefined) {
      variable.assign(value);
      copied++;
    }
  }
  return copied;
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shape [${a.shape}] vs [${b.shape}]`);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(tf.cast(a, 'float32'), tf.cast(b, 'float32')))).dataSync()[0]);
}

/** Uniform random token ids [batch, time] in [0, vocab). */
export function randomTokens(batch: number, time: number, vocab: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: batch * time }, () => rng.int(vocab));
}

export function tokens2d(values: Int32Array | number[], batch: number, time: number): tf.Tensor2D {
  return tf.tensor2d(Int32Array.from(values), [batch, time], 'int32');
}
