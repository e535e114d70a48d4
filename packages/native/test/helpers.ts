import { loadNative, type NativeAddon, nativeTestSkipReason } from '../src/index.js';
import { kernelSettings, testValues } from '../src/self-check.js';

const status = loadNative();
// Throws where the addon is required (FTLAB_NATIVE_BUILD=require, as in CI) but missing.
const skipReason = nativeTestSkipReason(status);
/** The addon, or null where it is not built (its tests are then skipped, with the reason in their title). */
export const addon: NativeAddon | null = status.available ? status.addon : null;
export const SKIP_NOTE = skipReason === null ? '' : ` (SKIPPED: ${skipReason})`;

/** Deterministic values in [-scale, scale) (the self-check's generator). */
export function values(count: number, seed: number, scale = 1): Float32Array {
  return testValues(count, seed).map((v) => v * scale);
}

/**
 * A heap for addon calls: the given arrays laid out one after another in one Float32Array, as
 * tensors lie in the wasm heap. offsets[i] is array i's byte offset.
 */
export function heapOf<const Arrays extends readonly (Float32Array | Int32Array | number)[]>(
  ...arrays: Arrays
): { heap: Float32Array; offsets: { [K in keyof Arrays]: number } } {
  const sizes = arrays.map((a) => (typeof a === 'number' ? a : a.length));
  const heap = new Float32Array(sizes.reduce((x, y) => x + y, 0));
  const offsets: number[] = [];
  let at = 0;
  arrays.forEach((a, i) => {
    offsets.push(at * 4);
    if (a instanceof Float32Array) heap.set(a, at);
    else if (a instanceof Int32Array) new Int32Array(heap.buffer).set(a, at);
    else heap.fill(Number.NaN, at, at + a); // outputs start as garbage
    at += sizes[i];
  });
  // One offset per array, so that a call can destructure or spread them without a cast.
  return { heap, offsets: offsets as { [K in keyof Arrays]: number } };
}

export function view(heap: Float32Array, offset: number, length: number): Float32Array {
  return heap.subarray(offset / 4, offset / 4 + length);
}

export function maxError(got: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (got.length !== expected.length) throw new Error(`length ${got.length} vs ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i] - expected[i]) / (1 + Math.abs(expected[i]));
    worst = Number.isNaN(e) ? Number.POSITIVE_INFINITY : Math.max(worst, e);
  }
  return worst;
}

/**
 * Runs `body` with every code path this CPU has: the AVX-512 GEMM kernel (where the CPU has
 * AVX-512), the AVX2 code, and the portable/baseline code.
 */
export function everyKernel(a: NativeAddon, body: (build: string) => void): void {
  for (const { portable, avx512 } of kernelSettings(a).reverse()) {
    a.setPortable(portable);
    a.setAvx512(avx512);
    try {
      body(portable ? 'portable' : a.info().gemmKernel);
    } finally {
      a.setPortable(false);
      a.setAvx512(true);
    }
  }
}
