// @ftlab/training: run configs, the training loop, checkpoints, resumption and sweep workers.
export { checkpointDigest, latestCheckpointDir, resumePoint, TrainingCheckpointError } from './checkpoint.js';
export { loadRunConfig, type RunConfig, resolveRunConfig } from './config.js';
export { evaluateTrainedModel, evaluationHooks } from './evaluation-hooks.js';
export { executeRun, runConfigOf } from './execute-run.js';
export { HF_CONFIG_FIELDS } from './hf-config.js';
export { checkExportTarget, exportHuggingFace, HuggingFaceExportError } from './hf-export.js';
export type { KernelProfile, KernelTime } from './kernel-profile.js';
export { type ReferenceRecord, runReferenceBenchmarks } from './reference-benchmark.js';
export { defaultArtifactRoot, runDirectory, runInput } from './run-record.js';
export { loadSweep } from './sweep-config.js';
export { BENCH_CASES, type BenchmarkRecord, runBenchmarks } from './throughput-benchmark.js';
export type { TrainOutcome } from './trainer.js';
export { runWorker } from './worker.js';
export { ConfigError } from './yaml-errors.js';
