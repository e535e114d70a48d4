import { nativeTestSkipReason, tf } from '../src/index.js';
import { NATIVE_TF_BACKEND } from '../src/native-engine.js';
import { DEFAULT_LOADERS } from '../src/select.js';

/** Why the native engine's tests are skipped on this machine, or null when they run. */
export const NATIVE_SKIP_REASON = nativeTestSkipReason();
export type Engine = 'native' | 'wasm' | 'cpu';
/** The engines every kernel-level test runs on: native too where its addon is built. */
export const ENGINES: readonly Engine[] = NATIVE_SKIP_REASON === null ? ['native', 'wasm', 'cpu'] : ['wasm', 'cpu'];

/** Loads an engine (registering it if needed) and makes it active, for per-engine tests. */
export async function useEngine(name: Engine): Promise<void> {
  await DEFAULT_LOADERS[name]();
  const expected = name === 'native' ? NATIVE_TF_BACKEND : name;
  if (tf.getBackend() !== expected) throw new Error(`could not switch to ${name}`);
}

/** A seeded uniform [-1, 1) tensor. */
export function uniform(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shape [${a.shape}] vs [${b.shape}]`);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}
