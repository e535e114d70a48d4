import { DEFAULT_LOADERS, tf } from '../src/index.js';

/** Loads an engine (registering it if needed) and makes it active, for per-engine tests. */
export async function useEngine(name: 'wasm' | 'cpu'): Promise<void> {
  await DEFAULT_LOADERS[name]();
  if (tf.getBackend() !== name) throw new Error(`could not switch to ${name}`);
}

/** A seeded uniform [-1, 1) tensor. */
export function uniform(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shape [${a.shape}] vs [${b.shape}]`);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}
