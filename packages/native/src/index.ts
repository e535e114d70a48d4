// @ftlab/native: optional C++ kernels (N-API) for the training step. The tfjs engine that uses
// them lives in @ftlab/backend ("native"); this package only builds, loads and checks the addon.
export {
  type AttentionShapeArgs,
  BINARY_OPS,
  type NativeAddon,
  type NativeInfo,
  REDUCE_OPS,
  UNARY_OPS,
} from './addon.js';
export { loadNative, loadNativeFrom, type NativeStatus, nativeTestSkipReason } from './load.js';
