export { writeFileAtomic } from './atomic-file.js';
export { batchToTensors, type TokenRows } from './batch-tensors.js';
export { posteriorUniforms } from './binary-mapper.js';
export {
  CHECKPOINT_FORMAT,
  CheckpointError,
  type CheckpointManifest,
  LEGACY_MANIFEST_FILE,
  type LoadCheckpointOptions,
  loadCheckpoint,
  MANIFEST_FILE,
  type SavedCheckpoint,
  saveCheckpoint,
  WEIGHTS_FILE,
} from './checkpoint.js';
export {
  decoderLayerCount,
  defaultMlpWidth,
  ESTIMATORS,
  type Estimator,
  hasLatent,
  LATENT_KV_PATHS,
  type LatentKvPath,
  MAX_LATENT_BITS,
  MODEL_VARIANTS,
  type ModelConfig,
  ModelConfigError,
  type ModelConfigInput,
  type ModelVariant,
  PROMPT_Z_MODES,
  type PromptZMode,
  resolveModelConfig,
} from './config.js';
export { type FlopsOptions, flopsPerToken, type ParameterCount, parameterCount } from './cost.js';
export { createModel } from './free-transformer.js';
export type { GenerateOptions, GenerateResult } from './generate.js';
export { type LossAndGradients, lossAndGradients } from './gradients.js';
export { bitKl, freeBitsPenalty, logPosterior, tokenKl } from './kl.js';
export { PARAMETER_GROUPS, type ParameterGroup, type ParameterSpec, parameterSpecs } from './parameters.js';
export { findPython, pythonImports, runPythonJson, TWIN_PYTHON_DIR } from './python.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  type SafetensorsData,
  type SafetensorsDtype,
  SafetensorsError,
  type SafetensorsFile,
  type SafetensorsTensor,
  sha256Hex,
  writeSafetensors,
} from './safetensors.js';
export { TestAdam } from './test-adam.js';
export { TEST_PYTHON_ENV, TEST_PYTHON_HOW_TO, type TestPython, testPython, testPythonPath } from './test-python.js';
export type {
  ForwardOptions,
  ForwardResult,
  ForwardResultWithLoss,
  Model,
  NamedVariable,
  PromptInput,
  ZOption,
} from './types.js';
