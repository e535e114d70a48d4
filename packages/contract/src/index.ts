// @ftlab/contract: what the packages, the CLI and the dashboard agree on, defined once. It has no
// dependencies and no tensors, so a page or a script can import it without loading TensorFlow.js
// or a database driver.
export { Z_SHEET_ARTIFACT_KIND } from './artifact-kinds.js';
export {
  flattenConfig,
  isSeedKey,
  type JsonObject,
  type JsonValue,
  PARAM_PATHS,
  type ParamValue,
  paramValue,
} from './config-params.js';
export { isPostgresUrl, redactUrl } from './database-url.js';
export { TRAIN_METRICS, VAL_METRICS } from './metric-keys.js';
export {
  LATENT_FREE_VARIANTS,
  MODEL_VARIANTS,
  type ModelVariant,
  REFERENCE_VARIANT,
  variantHasLatent,
} from './model-variants.js';
export { deriveSeed, type Purpose, Rng, type RngState } from './random.js';
export {
  DEFAULT_STALE_AFTER_MS,
  FAILED_RUN_STATUSES,
  RUN_STATUSES,
  type RunStatus,
  SWEEP_METHODS,
  SWEEP_STATUSES,
  type SweepMethod,
  type SweepStatus,
} from './run-status.js';
export {
  DEFAULT_COLLAPSE_THRESHOLD_BITS,
  DEFAULT_COLLAPSE_WINDOW,
  DEFAULT_LIVE_THRESHOLD_BITS,
  NATS_PER_BIT,
} from './thresholds.js';
