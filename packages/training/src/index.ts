// @ftlab/training: run configs, the training loop, checkpoints, resumption and sweep workers.
export {
  CHECKPOINT_LEFTOVER_AGE_MS,
  checkpointDigest,
  checkpointsDir,
  LATEST_FILE,
  type LoadedTrainingCheckpoint,
  type LogWindow,
  latestCheckpointDir,
  loadTrainingCheckpoint,
  type ResumePoint,
  resumePoint,
  saveTrainingCheckpoint,
  TRAINER_STATE_FILE,
  type TrainerState,
  TrainingCheckpointError,
} from './checkpoint.js';
export {
  type EvaluationSettings,
  estimateTrainingBytes,
  loadRunConfig,
  parseRunConfig,
  type RunConfig,
  RunConfigFileSchema,
  resolveRunConfig,
  type TrainingSettings,
  TrainingSettingsSchema,
} from './config.js';
export { setPath } from './config-path.js';
export {
  DEFAULT_DIVERGENCE,
  DIVERGENCE_FACTOR,
  DivergenceDetector,
  type DivergenceOptions,
  type DivergenceSettings,
  type DivergenceState,
  LONG_WINDOW,
  SHORT_WINDOW,
  type StepValues,
  TREND_RISE,
} from './divergence.js';
export { type RunEnvironment, runEnvironment } from './environment.js';
export {
  type EvaluateTrainedModelInput,
  type EvaluationHookOptions,
  evaluateTrainedModel,
  evaluationHooks,
} from './evaluation-hooks.js';
export {
  type ExecuteRunOptions,
  executeRun,
  type RunEvaluationHooks,
  runConfigOf,
  TOKENIZER_FILE,
} from './execute-run.js';
export { Heartbeat } from './heartbeat.js';
export { HF_CONFIG_FIELDS } from './hf-config.js';
export {
  checkExportTarget,
  exportHuggingFace,
  type HuggingFaceExport,
  HuggingFaceExportError,
  type HuggingFaceExportInput,
} from './hf-export.js';
export { AdamW, type AdamWSettings, type AdamWState, clipByGlobalNorm, type OptimizedParameter } from './optimizer.js';
export {
  REFERENCE_DEFAULT_CASES,
  type ReferenceBenchmarkOptions,
  type ReferenceRecord,
  runReferenceBenchmarks,
  type TorchSide,
} from './reference-benchmark.js';
export { configHash, defaultArtifactRoot, runDirectory, runInput } from './run-record.js';
export { type LrSchedule, learningRate } from './schedule.js';
export {
  type ExpandedSweep,
  loadSweep,
  MAX_SWEEP_RUNS,
  offsetSweepName,
  parseSweep,
  type SweepLoadOptions,
  type SweepRunSpec,
} from './sweep-config.js';
export { SweepFileSchema } from './sweep-schema.js';
export { BENCH_CASES, type BenchmarkOptions, type BenchmarkRecord, runBenchmarks } from './throughput-benchmark.js';
export { type Progress, type TrainOptions, type TrainOutcome, train, type Validator } from './trainer.js';
export { runWorker, type WorkerOptions, type WorkerSummary } from './worker.js';
export { ConfigError } from './yaml-errors.js';
