// @ftlab/evaluation: honest latent-variable metrics, Z diagnostics, a benchmark harness in the
// lm-evaluation-harness mould, and paper-style comparison tables.
export {
  axisLabel,
  buildComparison,
  type CompareSweepOptions,
  type ComparisonCell,
  type ComparisonColumn,
  ComparisonError,
  type ComparisonOptions,
  type ComparisonPair,
  type ComparisonRow,
  type ComparisonTable,
  compareSweep,
  defaultComparisonRows,
  LATENT_CONFIG_PATHS,
  type RunEvaluations,
} from './compare.js';
export {
  charactersPerToken,
  defaultTasksFor,
  type EvaluateModelInput,
  type EvaluationSettings,
  evaluateModel,
  type RecordEvaluationOptions,
  recordEvaluation,
} from './evaluate-run.js';
export { builtinTasks } from './harness/builtin-tasks.js';
export { JsonlError, type JsonlProblem, parseJsonlItems, readJsonlItems } from './harness/jsonl.js';
export {
  aggregateScores,
  type ItemOutcome,
  isMetricName,
  itemScore,
  metricOutput,
  type ParsedMetric,
  parseMetric,
  passAtK,
} from './harness/metrics.js';
export {
  cutAtStop,
  type GenerateCallOptions,
  type GenerateRequest,
  type LanguageModel,
  type LoglikelihoodRequest,
  type LoglikelihoodResult,
  type ModelCallOptions,
  modelCalls,
} from './harness/model-calls.js';
export {
  createTaskRegistry,
  type RegisteredTask,
  registerTaskFile,
  TaskConfigError,
  TaskRegistry,
  taskConfigProblems,
} from './harness/registry.js';
export {
  DEFAULT_MAX_TOKENS,
  type RunTaskOptions,
  runTask,
  type SampleRecord,
  type TaskResult,
} from './harness/run-task.js';
export {
  DEFAULT_BENCHMARK_ITEMS,
  type GenerationSettings,
  type ItemSourceOptions,
  type MetricName,
  type RawItem,
  type ResolveItemsOptions,
  renderTemplate,
  resolveTaskItems,
  TASK_OUTPUTS,
  type TaskConfig,
  type TaskData,
  type TaskItem,
  type TaskOutput,
} from './harness/task.js';
export {
  type CollapseOptions,
  type CollapseStatus,
  DEFAULT_COLLAPSE_THRESHOLD_BITS,
  DEFAULT_COLLAPSE_WINDOW,
  DEFAULT_LIVE_THRESHOLD_BITS,
  detectCollapse,
  type KlPoint,
  type LatentUsage,
  latentUsage,
  latentUsageFromLikelihood,
  latentUsageRecords,
  measureLatentUsage,
} from './latent-usage.js';
export {
  evaluateLikelihood,
  type IwaeBound,
  inUnit,
  LEAKY_NOTE,
  LIKELIHOOD_UNITS,
  type LikelihoodMetrics,
  type LikelihoodOptions,
  type LikelihoodUnit,
  likelihoodRecords,
} from './likelihood.js';
export { type MetricRecord, metricRecord } from './metric-record.js';
export {
  type EvaluationResults,
  formatMetricsTable,
  RESULTS_FORMAT,
  type ToyStudySummary,
  writeResultsJson,
} from './results.js';
export {
  bootstrapDifference,
  type DifferenceInterval,
  type Fraction,
  normalQuantile,
  type PermutationTestOptions,
  type PermutationTestResult,
  permutationTest,
  VERDICT_ALPHA,
  wilsonInterval,
} from './significance.js';
export {
  type BootstrapOptions,
  bootstrapStderr,
  type Estimate,
  logMeanExp,
  logSumExp,
  mean,
  meanEstimate,
  type PairedInterval,
  pairedInterval,
  proportionEstimate,
  sampleStd,
  seedFor,
  studentTCdf,
  studentTQuantile,
} from './stats.js';
export {
  COMPARISON_CSV_COLUMNS,
  comparisonToCsv,
  comparisonToLatex,
  comparisonToMarkdown,
  exportComparison,
  latexEscape,
  type TableFormat,
  type TableFormatOptions,
  verdictLines,
} from './table-export.js';
export {
  blockStartAgreement,
  type GroupCounts,
  groupCounts,
  noiseOverlap,
  TOY_STUDY_TASK,
  type ToyEffect,
  type ToyEffectOptions,
  type ToyEffects,
  testToyEffects,
  toyEffectRecords,
  Z_CARRIES_BLOCK_POSITION,
  Z_CARRIES_NOISE,
} from './toy-group-effect.js';
export {
  analyseToyGroups,
  formatPValue,
  formatToySheet,
  runToyZStudy,
  type ToyChanceLevels,
  type ToyConditionStats,
  type ToyGeneration,
  type ToyGroup,
  type ToyZStudy,
  type ToyZStudyOptions,
  toyChanceLevels,
  toyStudyRecords,
} from './toy-z-study.js';
export {
  type Claim,
  type ClaimName,
  type ColumnVerdict,
  columnVerdict,
  formatFraction,
  formatInterval,
  VERDICT_KEYS,
  VERDICT_MIN_SEED_FRACTION,
  type VerdictRun,
} from './verdicts.js';
