// The two pieces of an optimizer step that touch every parameter: an AdamW update and the
// squared global norm of the gradients. On the native engine each is one pass in C++ per
// parameter (instead of ~13 tfjs kernels and as many scalar tensors); on every other engine
// they are the same formulas as tf ops. Same results either way (tested to 1e-6).
import { loadNative } from '@ftlab/native';
import { hasFusedKernels } from './fused.js';
import { FUSED_KERNELS } from './native-fused-kernels.js';
import { type Tensor, tf } from './tf.js';

/** AdamW's per-step scalars, with both bias corrections folded in (t = steps so far, 1-based):
 *  stepSize = lr sqrt(1 - beta2^t) / (1 - beta1^t), epsHat = eps sqrt(1 - beta2^t),
 *  decay = 1 - lr weightDecay for decayed parameters, else 1. */
export interface AdamWStep {
  beta1: number;
  beta2: number;
  stepSize: number;
  epsHat: number;
  decay: number;
}

export interface AdamWResult {
  param: Tensor;
  m: Tensor;
  v: Tensor;
}

/**
 * One AdamW step for one parameter: returns new (param, m, v), the caller assigns them.
 *   m' = beta1 m + (1 - beta1) g,  v' = beta2 v + (1 - beta2) g^2,
 *   param' = decay param - stepSize m' / (sqrt(v') + epsHat)
 */
export function adamWUpdate(param: Tensor, m: Tensor, v: Tensor, grad: Tensor, step: AdamWStep): AdamWResult {
  for (const [name, t] of [
    ['m', m],
    ['v', v],
    ['grad', grad],
  ] as const) {
    if (t.shape.join() !== param.shape.join()) {
      throw new Error(`adamWUpdate: ${name} [${t.shape}] must have the parameter's shape [${param.shape}]`);
    }
  }
  if (hasFusedKernels() && param.dtype === 'float32') {
    const out = tf
      .engine()
      .runKernel(
        FUSED_KERNELS.adamW,
        { param, m, v, grad } as unknown as tf.NamedTensorMap,
        step as unknown as tf.NamedAttrMap,
      ) as Tensor[];
    return { param: out[0] as Tensor, m: out[1] as Tensor, v: out[2] as Tensor };
  }
  return tf.tidy(() => {
    const mNew = tf.add(tf.mul(m, step.beta1), tf.mul(grad, 1 - step.beta1));
    const vNew = tf.add(tf.mul(v, step.beta2), tf.mul(tf.mul(grad, grad), 1 - step.beta2));
    const decayed = step.decay === 1 ? param : tf.mul(param, step.decay);
    const update = tf.mul(tf.div(mNew, tf.add(tf.sqrt(vNew), step.epsHat)), step.stepSize);
    return { param: tf.sub(decayed, update), m: mNew, v: vNew };
  });
}

interface HeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

/** sum over the tensors of sum(t^2), as a number (for the global gradient norm). */
export function sumOfSquares(tensors: readonly Tensor[]): number {
  const status = loadNative();
  if (hasFusedKernels() && status.available && tensors.every((t) => t.dtype === 'float32')) {
    const backend = tf.backend() as unknown as HeapBackend;
    const offsets = tensors.map((t) => backend.dataIdMap.get(t.dataId)?.memoryOffset);
    if (offsets.every((o) => o !== undefined)) {
      return status.addon.sumOfSquares(
        backend.wasm.HEAPU8.buffer,
        offsets as number[],
        tensors.map((t) => t.size),
      );
    }
  }
  if (tensors.length === 0) return 0;
  return tf.tidy(() => tf.addN(tensors.map((t) => tf.sum(tf.square(t)))).dataSync()[0]);
}
