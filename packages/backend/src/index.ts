export type { NativeInfo } from '@ftlab/native';
export { loadNative, nativeTestSkipReason } from '@ftlab/native';
export { embeddingLookup } from './embedding.js';
export {
  type AttentionRopeTables,
  fusedAttention,
  fusedDenseBitGradient,
  fusedLinearResidual,
  fusedProjectedAttention,
  fusedRmsNorm,
  fusedRope,
  fusedSwiGlu,
  fusedSwiGluProjections,
  hasFusedKernels,
  type ProjectionWeights,
} from './fused.js';
export { linear, matMul, sumToShape } from './matmul.js';
export { nativeKernelInfo, nativeUnavailableReason } from './native-engine.js';
export { adamWUpdate, sumOfSquares } from './optimizer-ops.js';
export {
  BACKEND_NAMES,
  type BackendChoice,
  type BackendInfo,
  type BackendName,
  BackendUnavailableError,
  type InitBackendOptions,
  initBackend,
  parseBackendChoice,
  selectBackend,
} from './select.js';
export type { Rank, Tensor, Tensor2D, Tensor3D, Variable } from './tf.js';
export { tf } from './tf.js';
export { checkEngineThreads, setEngineThreads } from './threads.js';
