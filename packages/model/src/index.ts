export { writeFileAtomic } from './atomic-file.js';
export { batchToTensors } from './batch-tensors.js';
export { posteriorUniforms } from './binary-mapper.js';
export { CheckpointError, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export {
  decoderLayerCount,
  hasLatent,
  type ModelConfig,
  ModelConfigError,
  type ModelConfigInput,
  ModelConfigInputSchema,
  PROMPT_Z_MODES,
  type PromptZMode,
  resolveModelConfig,
} from './config.js';
export { flopsPerToken, parameterCount } from './cost.js';
export { createModel } from './free-transformer.js';
export { lossAndGradients } from './gradients.js';
export { findPython, runPythonJson, TWIN_PYTHON_DIR } from './python.js';
export { readSafetensors, SafetensorsError, writeSafetensors } from './safetensors.js';
export { testPythonPath } from './test-python.js';
export type { Model } from './types.js';
