// One evaluation of a model, as `ftlab eval <run>` runs it: likelihood metrics on held-out data,
// latent usage (and collapse, given the KL history), the toy study on toy runs, and benchmark
// tasks; then recorded in the tracker's evaluations table and a results JSON file.
import { createHash } from 'node:crypto';
import { NATS_PER_BIT } from '@ftlab/contract';
import type { Dataset, Split, ToyDataConfig } from '@ftlab/data';
import { hasLatent, type Model, type PromptZMode } from '@ftlab/model';
import type { Tracker } from '@ftlab/tracker';
import { modelCalls } from './harness/model-calls.js';
import { createTaskRegistry, type TaskRegistry } from './harness/registry.js';
import { type EffectiveGeneration, runTask, type SampleRecord, type TaskResult } from './harness/run-task.js';
import type { TaskConfig } from './harness/task.js';
import { type CollapseOptions, detectCollapse, type KlPoint, latentUsage, latentUsageRecords } from './latent-usage.js';
import { evaluateLikelihood, likelihoodRecords } from './likelihood.js';
import { lmEvalResults } from './lm-eval-results.js';
import type { MetricRecord } from './metric-record.js';
import { type EvaluationResults, RESULTS_FORMAT, type TaskSummary, writeResultsJson } from './results.js';
import { seedFor } from './stats.js';
import { formatToySheet, runToyZStudy, toyStudyRecords } from './toy-z-study.js';

export interface EvaluationSettings {
  /** Held-out split for the likelihood metrics (default 'validation'). */
  split?: Split;
  /** T of the held-out rows (default: the dataset's fixed length, else the model's contextLength). */
  sequenceLength?: number;
  batchSize?: number;
  /** Rows of the split (default: all). */
  maxRows?: number;
  priorSamples?: number;
  iwaeSamples?: number;
  liveThresholdBits?: number;
  /** Toy runs: groups of the Z study (default 4; 0 skips the study) and generations per group (default 8). */
  zGroups?: number;
  zGroupSize?: number;
  /** Items per benchmark task (default: the task's own). */
  taskLimit?: number;
  /** Few-shot examples per task item (default: each task's own, else 0). */
  numFewshot?: number;
  /** false: skip the likelihood and latent metrics (and the collapse flag); benchmark tasks only. */
  likelihood?: boolean;
  /** Keep every scored item of every task (handed to onSamples). */
  logSamples?: boolean;
  /** Z draws averaged per log-likelihood in multiple-choice tasks (default 1). */
  zSamples?: number;
  /** Where the prompt's Z comes from in tasks (default: each task's setting, else the model config's). */
  promptZ?: PromptZMode;
}

export interface EvaluateModelInput {
  model: Model;
  dataset: Dataset;
  seed: number;
  settings?: EvaluationSettings;
  /** Task names (from `registry`) or configs; default: the built-in tasks of the dataset's kind. */
  tasks?: ReadonlyArray<string | TaskConfig>;
  registry?: TaskRegistry;
  run?: string;
  step?: number;
  /** KL in bits per token at earlier evaluations (e.g. from the tracker), for the collapse flag. */
  klHistory?: readonly KlPoint[];
  collapse?: CollapseOptions;
  /** Progress messages (default: none). */
  log?: (message: string) => void;
  /**
   * Called with each group of records as soon as it is computed (the likelihood and latent
   * metrics, the toy study, then each task as it finishes), e.g. to record them in the tracker at
   * once: an evaluation stopped half-way keeps what it finished. A callback that throws stops
   * the evaluation (a tracker that cannot record is not worth evaluating into).
   */
  onRecords?: (records: readonly MetricRecord[]) => unknown;
  /** Progress within a task: items done of its total. */
  onTaskProgress?: (task: string, done: number, total: number) => void;
  /** With settings.logSamples: each task's scored items, with its config and generation settings, when it finishes. */
  onSamples?: (task: TaskConfig, samples: readonly SampleRecord[], generation?: EffectiveGeneration) => unknown;
}

const DEFAULT_TASKS: Record<string, string[]> = {
  toy: ['toy', 'toy_validity'],
  arithmetic: ['arithmetic', 'arithmetic_choice'],
  reviews: ['reviews', 'reviews_choice'],
  text: [],
};

/** The built-in tasks that fit a dataset kind (none for text: bring your own). */
export function defaultTasksFor(kind: string): string[] {
  return DEFAULT_TASKS[kind] ?? [];
}

/** Characters per token of a split: 1 for char tokenizers, else from the dataset's split sizes. */
export function charactersPerToken(dataset: Dataset, split: Split): number {
  if (dataset.tokenizer.kind === 'char') return 1;
  const sizes = (dataset.describe().splits as Record<string, { characters?: number; tokens?: number }> | undefined)?.[
    split
  ];
  if (!sizes?.characters || !sizes.tokens) {
    throw new Error(`charactersPerToken: the dataset does not report character and token counts for split ${split}`);
  }
  return sizes.characters / sizes.tokens;
}

export async function evaluateModel(input: EvaluateModelInput): Promise<EvaluationResults> {
  const { model, dataset, seed } = input;
  const s = input.settings ?? {};
  const log = input.log ?? (() => {});
  const onRecords = input.onRecords ?? (() => undefined);
  if (!Number.isInteger(seed)) throw new Error(`evaluateModel: seed must be an integer, got ${seed}`);
  if (model.config.vocabSize !== dataset.vocabSize) {
    throw new Error(
      `evaluateModel: the model has ${model.config.vocabSize} tokens but the dataset's tokenizer ${dataset.vocabSize}: evaluate the model on the data it was trained on`,
    );
  }
  const tasks = input.tasks ?? defaultTasksFor(dataset.config.kind);
  const registry = input.registry ?? createTaskRegistry();
  // An unknown task name is a mistake in the request, refused before anything is computed.
  for (const task of tasks) if (typeof task === 'string') registry.get(task);
  const split = s.split ?? 'validation';
  const sequenceLength = s.sequenceLength ?? dataset.fixedSequenceLength ?? model.config.contextLength;
  const metrics: MetricRecord[] = [];
  const completed: Array<{ result: TaskResult; config: TaskConfig }> = [];
  const results: EvaluationResults = {
    format: RESULTS_FORMAT,
    run: input.run ?? null,
    step: input.step ?? null,
    seed,
    context: {
      split,
      rows: 0,
      sequenceLength,
      dataset: dataset.fingerprint,
      dataKind: dataset.config.kind,
      variant: model.config.variant,
      latentBits: hasLatent(model.config) ? model.config.latentBits : 0,
      kappaNats: model.config.kappaNats,
    },
    metrics,
  };

  if (s.likelihood ?? true) {
    const batches = dataset.evaluationBatches(split, {
      batchSize: s.batchSize ?? 32,
      sequenceLength,
      ...(s.maxRows ? { maxRows: s.maxRows } : {}),
    });
    log(
      `likelihood metrics on ${split} (${batches.reduce((n, b) => n + b.batchSize, 0)} rows of ${sequenceLength} tokens)`,
    );
    const likelihood = evaluateLikelihood(model, batches, {
      seed: seedFor(seed, 'likelihood'),
      ...(s.priorSamples ? { priorSamples: s.priorSamples } : {}),
      ...(s.iwaeSamples ? { iwaeSamples: s.iwaeSamples } : {}),
      charactersPerToken: charactersPerToken(dataset, split),
    });
    metrics.push(...likelihoodRecords(likelihood));
    const usage = latentUsage(likelihood.perBitKl, {
      ...(s.liveThresholdBits === undefined ? {} : { liveThresholdBits: s.liveThresholdBits }),
    });
    const klStderr = likelihood.klPerToken.stderr;
    metrics.push(
      ...latentUsageRecords(usage, likelihood.rows, {
        klBitsStderr: klStderr === null ? null : klStderr / NATS_PER_BIT,
      }),
    );
    results.context.rows = likelihood.rows;
    results.latentUsage = usage;
    if (input.klHistory !== undefined) {
      const history = [...input.klHistory];
      if (input.step !== undefined && !history.some((p) => p.step === input.step)) {
        history.push({ step: input.step, klBitsPerToken: usage.klBitsPerToken });
      }
      results.collapse = detectCollapse(history, {
        ...(hasLatent(model.config) ? { kappaBits: model.config.kappaNats / NATS_PER_BIT } : {}),
        ...input.collapse,
      });
      // The verdict as a record too (1 collapsed, 0 not), so the tracker, the comparison tables
      // (the fraction of seeds that collapsed) and the dashboard hold it next to the KL.
      if (hasLatent(model.config)) {
        metrics.push({
          task: 'latent',
          metric: 'collapsed',
          value: results.collapse.collapsed ? 1 : 0,
          stderr: null,
          n: history.length,
          note: results.collapse.reason,
        });
      }
    }
    await onRecords([...metrics]);
  }

  const groups = s.zGroups ?? 4;
  if (dataset.config.kind === 'toy' && groups > 0) {
    log(`toy Z study: ${groups} groups of ${s.zGroupSize ?? 8}, pinned and independent`);
    const study = runToyZStudy(model, {
      groups,
      groupSize: s.zGroupSize ?? 8,
      seed: seedFor(seed, 'toy-z-study'),
      ...((dataset.config as ToyDataConfig).toy ? { toy: (dataset.config as ToyDataConfig).toy } : {}),
    });
    const toyRecords = toyStudyRecords(study);
    metrics.push(...toyRecords);
    await onRecords(toyRecords);
    const { toy: _toy, ...summary } = study;
    results.toyStudy = summary;
    results.sheet = formatToySheet(study);
  }

  if (tasks.length > 0) {
    const lm = modelCalls(model, dataset.tokenizer, {
      seed: seedFor(seed, 'model-calls'),
      ...(s.zSamples ? { zSamples: s.zSamples } : {}),
      ...(s.promptZ ? { promptZ: s.promptZ } : {}),
    });
    results.tasks = {};
    for (const task of tasks) {
      const name = typeof task === 'string' ? task : task.name;
      log(`task ${name}`);
      // One task failing (its data, its model calls) loses neither the metrics before it nor the
      // tasks after it: the failure is reported in results.tasks and by the caller.
      let result: TaskResult;
      try {
        result = runTask(
          task,
          lm,
          {
            seed: seedFor(seed, 'task', name),
            dataConfig: dataset.config,
            ...(s.taskLimit ? { limit: s.taskLimit } : {}),
            ...(s.promptZ ? { promptZ: s.promptZ } : {}),
            ...(s.numFewshot === undefined ? {} : { numFewshot: s.numFewshot }),
            ...(s.logSamples ? { keepSamples: true } : {}),
            ...(input.onTaskProgress
              ? { onProgress: (done: number, total: number) => input.onTaskProgress?.(name, done, total) }
              : {}),
          },
          registry,
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        results.tasks[name] = { error: message };
        log(`task ${name} failed: ${message}`);
        continue;
      }
      const { metrics: recorded, samples, task: _name, ...summary } = result;
      results.tasks[name] = summary;
      const config = typeof task === 'string' ? registry.get(task).config : task;
      completed.push({ result, config });
      if (summary.n < summary.requested || summary.truncated > 0) log(`task ${name}: ${recorded[0]?.note}`);
      // Each task metric carries where its number came from, into the tracker too.
      const provenance = {
        nShot: summary.nShot,
        limit: summary.limit,
        dataHash: summary.dataHash,
        version: summary.version,
        requested: summary.requested,
        truncated: summary.truncated,
      };
      const taskMetrics = recorded.map((record) => ({ ...record, provenance }));
      metrics.push(...taskMetrics);
      await onRecords(taskMetrics);
      if (samples) await input.onSamples?.(config, samples, result.generation);
    }
  }
  Object.assign(
    results,
    lmEvalResults(metrics, completed, {
      run: results.run,
      step: results.step,
      seed,
      limit: s.taskLimit ?? null,
    }),
  );
  return results;
}

/** Tasks of an evaluation that failed, with their messages. */
export function failedTasks(results: EvaluationResults): Array<{ task: string; error: string }> {
  return Object.entries(results.tasks ?? {}).flatMap(([task, summary]: [string, TaskSummary]) =>
    'error' in summary ? [{ task, error: summary.error }] : [],
  );
}

export interface RecordEvaluationOptions {
  /** Where the results JSON goes (written atomically; its directory is created). */
  resultsPath: string;
  /** false: the metrics are already recorded (e.g. by onRecords as they came); write the file only. */
  metrics?: boolean;
}

/** Records metric records as the run's evaluations at `step` (re-recording a step replaces its values). */
export async function recordMetrics(
  tracker: Tracker,
  runId: string,
  step: number,
  records: readonly MetricRecord[],
): Promise<number> {
  const stored = await tracker.logEvaluations(
    runId,
    records.map((m) => ({
      step,
      task: m.task,
      // A filtered score is its own metric, named as lm-eval keys it: "exact_match,strict-match".
      metric: m.filter ? `${m.metric},${m.filter}` : m.metric,
      value: m.value,
      stderr: m.stderr === null || !Number.isFinite(m.stderr) ? null : m.stderr,
      n: m.n,
      ...(m.note || m.provenance ? { extra: { ...(m.note ? { note: m.note } : {}), ...m.provenance } } : {}),
    })),
  );
  return stored.length;
}

/**
 * Records `results` for run `runId` at `step`: every metric in the tracker's evaluations table
 * (re-recording a step replaces its values), the results JSON file, and the file as an artifact.
 */
export async function recordEvaluation(
  tracker: Tracker,
  runId: string,
  step: number,
  results: EvaluationResults,
  options: RecordEvaluationOptions,
): Promise<{ evaluations: number; resultsPath: string; sha256: string; bytes: number }> {
  if (results.run !== null && results.run !== runId) {
    throw new Error(`recordEvaluation: the results belong to run ${results.run}, not to ${runId}`);
  }
  const stamped: EvaluationResults = { ...results, run: runId, step };
  const { bytes, text } = await writeResultsJson(options.resultsPath, stamped);
  const evaluations =
    options.metrics === false ? results.metrics.length : await recordMetrics(tracker, runId, step, results.metrics);
  const sha256 = createHash('sha256').update(text).digest('hex');
  await tracker.logArtifact(runId, { kind: 'evaluation', path: options.resultsPath, sha256, bytes });
  return { evaluations, resultsPath: options.resultsPath, sha256, bytes };
}
