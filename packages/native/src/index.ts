// @ftlab/native: optional C++ kernels (N-API) for the training step. The tfjs engine that uses
// them lives in @ftlab/backend ("native"); this package only builds, loads and checks the addon.
export {
  type AttentionShapeArgs,
  BINARY_OPS,
  type NativeAddon,
  type NativeBuffer,
  type NativeInfo,
  REDUCE_OPS,
  UNARY_OPS,
} from './addon.js';
export {
  ADDON_FILE,
  BUILD_STATUS_FILE,
  loadNative,
  loadNativeFrom,
  NATIVE_DIST_DIR,
  type NativeStatus,
  nativeRequired,
  nativeTestSkipReason,
} from './load.js';
export { kernelSettings, referenceGemm, selfCheck, testValues } from './self-check.js';
