export type { NativeInfo } from '@ftlab/native';
export { loadNative, nativeTestSkipReason } from '@ftlab/native';
export { embeddingLookup } from './embedding.js';
export {
  fusedAttention,
  fusedDenseBitGradient,
  fusedRmsNorm,
  fusedRope,
  fusedSwiGlu,
  hasFusedKernels,
} from './fused.js';
export { linear, matMul, sumToShape, transposeLast2 } from './matmul.js';
export { NATIVE_TF_BACKEND, nativeKernelInfo, nativeUnavailableReason } from './native-engine.js';
export { type AdamWResult, type AdamWStep, adamWUpdate, sumOfSquares } from './optimizer-ops.js';
export {
  BACKEND_NAMES,
  type BackendChoice,
  type BackendInfo,
  type BackendLoader,
  type BackendName,
  BackendUnavailableError,
  currentBackend,
  DEFAULT_LOADERS,
  describeBackend,
  type InitBackendOptions,
  initBackend,
  parseBackendChoice,
  type SkippedBackend,
  selectBackend,
} from './select.js';
export type { Rank, Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Variable } from './tf.js';
export { tf } from './tf.js';
export { checkEngineThreads, engineThreads, MAX_ENGINE_THREADS, setEngineThreads } from './threads.js';
