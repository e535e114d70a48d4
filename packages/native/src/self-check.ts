// A quick check of the addon against plain JavaScript on small odd shapes (partial register
// tiles, every transpose combination, a broadcast batch operand), with both micro-kernels.
// Run once per process before the engine trusts the addon.
import type { NativeAddon } from './addon.js';

/** op(A) op(B) for one batch item, in float64 (the reference). */
export function referenceGemm(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        sum += av * bv;
      }
      out[i * n + j] = sum;
    }
  }
  return out;
}

/** Deterministic values in [-1, 1). */
export function testValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = (state >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

function checkGemm(addon: NativeAddon): string | null {
  const [m, n, k, batch] = [7, 19, 397, 2]; // k > 384 crosses a k-slice boundary
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const a = testValues(batch * m * k, 1);
      const b = testValues(k * n, 2); // one B for both batch items (stride 0)
      const heap = new Float32Array(batch * m * k + k * n + batch * m * n);
      heap.set(a, 0);
      heap.set(b, a.length);
      const cOffset = (a.length + b.length) * 4;
      heap.fill(Number.NaN, a.length + b.length); // beta = 0 must not read C
      addon.gemm(heap, batch, m, n, k, transA, transB, 0, m * k, a.length * 4, 0, cOffset, 1, 0);
      for (let item = 0; item < batch; item++) {
        const expected = referenceGemm(a.subarray(item * m * k, (item + 1) * m * k), b, m, n, k, transA, transB);
        const got = heap.subarray(a.length + b.length + item * m * n);
        for (let i = 0; i < m * n; i++) {
          const error = Math.abs(got[i] - expected[i]);
          if (!(error <= 1e-4 * (1 + Math.abs(expected[i])))) {
            return `gemm transA=${transA} transB=${transB} item ${item} element ${i}: ${got[i]} instead of ${expected[i]}`;
          }
        }
      }
    }
  }
  return null;
}

/** The GEMM micro-kernels this CPU can run, as [portable, avx512] switch settings, best last. */
export function kernelSettings(addon: NativeAddon): Array<{ portable: boolean; avx512: boolean }> {
  const settings = [{ portable: true, avx512: false }];
  if (addon.info().avx2Fma) settings.push({ portable: false, avx512: false });
  if (addon.info().avx512f) settings.push({ portable: false, avx512: true });
  return settings;
}

/** null when the addon computes correctly with every micro-kernel the CPU runs, else what went wrong. */
export function selfCheck(addon: NativeAddon): string | null {
  try {
    for (const { portable, avx512 } of kernelSettings(addon)) {
      addon.setPortable(portable);
      addon.setAvx512(avx512);
      const problem = checkGemm(addon);
      if (problem !== null) return `${addon.info().gemmKernel} kernel: ${problem}`;
    }
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    addon.setPortable(false);
    addon.setAvx512(true);
  }
}
