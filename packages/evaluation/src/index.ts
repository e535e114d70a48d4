// @ftlab/evaluation: honest latent-variable metrics, Z diagnostics, a benchmark harness in the
// lm-evaluation-harness mould, and paper-style comparison tables. This index is what other
// packages use; what only reads recorded values is also importable without TensorFlow.js from
// @ftlab/evaluation/report.
export {
  charactersPerToken,
  type EvaluateModelInput,
  type EvaluationSettings,
  evaluateModel,
  failedTasks,
  type RecordEvaluationOptions,
  recordEvaluation,
  recordMetrics,
} from './evaluate-run.js';
export { createTaskRegistry, registerTaskFile, TaskRegistry } from './harness/registry.js';
export type { EffectiveGeneration, SampleRecord, TaskResult } from './harness/run-task.js';
export type { TaskConfig } from './harness/task.js';
export { TaskConfigFileSchema, TaskConfigSchema, TaskFileSchema } from './harness/task-schema.js';
export { evaluateLikelihood, type LikelihoodMetrics } from './likelihood.js';
export { lmEvalSample } from './lm-eval-results.js';
export type { MetricRecord } from './metric-record.js';
export * from './report.js';
export { type EvaluationResults, formatMetricsTable, RESULTS_FORMAT } from './results.js';
export { RunEvaluationSchema } from './run-evaluation.js';
export { seedFor } from './stats.js';
export { testToyEffects } from './toy-group-effect.js';
export { analyseToyGroups, type ToyGroup, toyChanceLevels, toyStudyRecords } from './toy-z-study.js';
