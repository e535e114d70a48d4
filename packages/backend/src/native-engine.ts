// The "native" engine: the tfjs wasm backend with its heaviest kernels replaced by C++ ones
// from @ftlab/native (a packed AVX2/FMA SGEMM, ...). It is registered as its own tfjs backend,
// "native", that shares the wasm backend's instance: tensors live in the same wasm heap, every
// kernel the addon does not replace is wasm's own, and switching between "wasm" (the reference)
// and "native" inside one process moves no data. The replacement kernels read and write the
// wasm heap in place through byte offsets; a call they do not cover goes to wasm's kernel.
import { loadNative, type NativeAddon, type NativeInfo } from '@ftlab/native';
import { fusedKernelConfigs } from './native-fused-kernels.js';
import { nativeKernels } from './native-kernels.js';
import { tf } from './tf.js';

export const NATIVE_TF_BACKEND = 'native';

let registered = false;

/** Why the native engine cannot run here, or null when the addon is built and passes its self-check. */
export function nativeUnavailableReason(): string | null {
  const status = loadNative();
  return status.available ? null : status.reason;
}

/** The kernels the native engine runs here (GEMM micro-kernel, SIMD build), or null without the addon. */
export function nativeKernelInfo(): NativeInfo | null {
  const status = loadNative();
  return status.available ? status.addon.info() : null;
}

/**
 * Registers the "native" tfjs backend over the already initialised wasm backend: every wasm
 * kernel, the addon's replacements on top, and the fused kernels of fused.ts. Idempotent.
 */
export function registerNativeBackend(addon: NativeAddon): void {
  if (registered) return;
  const wasm = tf.findBackend('wasm');
  if (wasm === null) throw new Error('internal: the wasm backend must be initialised before the native one');
  // Priority 0: tfjs never picks it on its own; only an explicit choice activates it.
  tf.registerBackend(NATIVE_TF_BACKEND, () => wasm, 0);
  const replaced = nativeKernels(addon);
  for (const kernel of tf.getKernelsForBackend('wasm')) {
    const replacement = replaced.get(kernel.kernelName);
    tf.registerKernel({
      ...kernel,
      backendName: NATIVE_TF_BACKEND,
      kernelFunc: replacement ? replacement(kernel.kernelFunc) : kernel.kernelFunc,
    });
  }
  for (const config of fusedKernelConfigs(addon, NATIVE_TF_BACKEND)) tf.registerKernel(config);
  registered = true;
}
