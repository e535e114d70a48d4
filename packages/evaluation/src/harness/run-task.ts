// Runs a task against a LanguageModel: items -> model calls -> per-item scores -> one record per
// metric with its standard error and n. An item the model cannot take (a character its tokenizer
// cannot write, a choice longer than its context: see SkippedRequest) is skipped and counted, never
// fatal; a context cut from the left to fit is counted too. Both counts travel with the result and
// as a note on every metric of the task, so a score over fewer items never passes for a full one.
import type { DataConfig } from '@ftlab/data';
import type { PromptZMode } from '@ftlab/model';
import type { MetricRecord } from '../metric-record.js';
import { seedFor } from '../stats.js';
import { applyFilters, exactMatch, type FilterPipeline, NO_FILTER } from './filters.js';
import {
  aggregateScores,
  corpusPerplexity,
  type ItemOutcome,
  itemScore,
  PERPLEXITY_METRICS,
  parseMetric,
  type RollingOutcome,
  textSize,
} from './metrics.js';
import {
  isSkipped,
  type LanguageModel,
  type LoglikelihoodResult,
  SKIP_REASONS,
  type SkippedRequest,
  type SkipReason,
} from './model-calls.js';
import type { RegisteredTask, TaskRegistry } from './registry.js';
import { benchmarkOf, resolveTask, type TaskConfig, type TaskItem } from './task.js';

export const DEFAULT_MAX_TOKENS = 64;

export interface RunTaskOptions {
  /** Z and token sampling derive from it (items do not: they are fixed by the task). */
  seed: number;
  /** Evaluate only the first `limit` items. */
  limit?: number;
  /** The evaluated model's data config: benchmarks of the same kind use its options. */
  dataConfig?: DataConfig;
  /** Overrides where the prompt's Z comes from for generation (default: the task's, else the model's). */
  promptZ?: PromptZMode;
  /** Keep a record per item in the result (default false). */
  keepSamples?: boolean;
  /** Few-shot examples per item (default: the task's numFewshot, else 0). */
  numFewshot?: number;
  /** Called as items are done: at the start, then every PROGRESS_ITEMS items (multiple choice) or at the end. */
  onProgress?: (done: number, total: number) => void;
}

export interface EffectiveGeneration {
  stop: string[];
  maxTokens: number;
  samples: number;
  temperature: number;
  topK: number;
}

/** Multiple-choice items scored per model call, so that progress shows within a long task. */
export const PROGRESS_ITEMS = 64;

export interface SampleRecord extends ItemOutcome {
  id: string;
  /** Position of the item in the task's data. */
  index: number;
  /** The item's fields as written. */
  doc: Record<string, unknown>;
  /** The rendered context, few-shot examples included. */
  context: string;
  /** The correct choice (multiple choice) or the reference; null when the item has none. */
  target: string | null;
  /** Generative: the answer each filter pipeline extracted. */
  filtered?: Record<string, string>;
  scores: Record<string, number>;
}

export interface TaskResult {
  task: string;
  output: TaskConfig['output'];
  /** Items the task's data holds (before the limit). */
  available: number;
  /** Items asked for (after the limit). */
  requested: number;
  /** Items scored: requested minus skipped. */
  n: number;
  /** Items the model could not take, by reason. */
  skipped: Record<SkipReason, number>;
  /** Scored items whose context was cut from the left to fit the model's context. */
  truncated: number;
  /** The first few skipped items and why (`item <id>: <reason>`). */
  problems: string[];
  /** Few-shot examples per item. */
  nShot: number;
  /** The item limit asked for (null: all the task's items, or its default count). */
  limit: number | null;
  /** sha256 of the task's data: its JSONL file's bytes, else its items as JSON. */
  dataHash: string;
  /** The task config's version (0 unless it says). */
  version: number;
  /** Generative: the settings the generations ran with. */
  generation?: EffectiveGeneration;
  metrics: MetricRecord[];
  samples?: SampleRecord[];
}

/** Skipped items named in a TaskResult's problems. */
export const SHOWN_PROBLEMS = 5;

/** Per item: its outcome, or why it was skipped; and whether its context was cut. */
interface ItemCall {
  outcome: ItemOutcome | SkippedRequest;
  truncated: boolean;
}

function checkerOf(
  config: TaskConfig,
  dataConfig?: DataConfig,
): ((item: TaskItem, output: string) => boolean) | undefined {
  if (config.check) return config.check;
  const benchmark = benchmarkOf(config, dataConfig);
  if (!benchmark) return undefined;
  return (item, output) => {
    const { id, prompt, reference, ...latent } = item.fields;
    return benchmark.check(
      { id: String(id ?? item.id), prompt: String(prompt ?? item.context), reference: String(reference ?? ''), latent },
      output,
    );
  };
}

/** A model call's results, checked to be one per request (a LanguageModel written elsewhere may not be). */
function onePerRequest<T>(config: TaskConfig, call: string, results: T[], requests: number): T[] {
  if (results.length !== requests) {
    throw new Error(`task "${config.name}": ${call} returned ${results.length} results for ${requests} requests`);
  }
  return results;
}

/** One call per item: a skipped request stays skipped, any other result becomes the item's outcome. */
function perItem<R extends object>(
  results: readonly (R | SkippedRequest)[],
  outcome: (result: R, index: number) => ItemCall,
): ItemCall[] {
  return results.map((result, i) => (isSkipped(result) ? { outcome: result, truncated: false } : outcome(result, i)));
}

function callsFor(config: TaskConfig, items: TaskItem[], lm: LanguageModel, options: RunTaskOptions): ItemCall[] {
  options.onProgress?.(0, items.length);
  if (config.output === 'loglikelihood_rolling') {
    if (!lm.loglikelihoodRolling) {
      throw new Error(`task "${config.name}": this model cannot score whole texts (it has no loglikelihoodRolling)`);
    }
    const results = onePerRequest(
      config,
      'loglikelihoodRolling',
      lm.loglikelihoodRolling(items.map((item) => item.text ?? '')),
      items.length,
    );
    options.onProgress?.(items.length, items.length);
    return perItem(results, (result, i) => ({
      outcome: { rolling: { logLikelihood: result.logLikelihood, ...textSize(items[i]?.text ?? '') } },
      truncated: false,
    }));
  }
  if (config.output === 'loglikelihood') {
    const requests = items.map((item) => ({ context: item.context, continuation: item.continuation ?? '' }));
    const results = onePerRequest(config, 'loglikelihood', lm.loglikelihood(requests), requests.length);
    options.onProgress?.(items.length, items.length);
    return perItem(results, (result) => ({
      outcome: { continuation: { logLikelihood: result.logLikelihood, isGreedy: result.isGreedy } },
      truncated: result.truncatedTokens > 0,
    }));
  }
  if (config.output === 'multiple_choice') {
    // Items go to the model about PROGRESS_ITEMS at a time, every item of one context in the same
    // call: a context's choices are scored together (shared Z draws, one truncation), so the
    // scores are those of one call with every item.
    const byContext = new Map<string, number[]>();
    for (const [i, item] of items.entries()) {
      const indices = byContext.get(item.context);
      if (indices) indices.push(i);
      else byContext.set(item.context, [i]);
    }
    const calls: ItemCall[] = new Array(items.length);
    let batch: number[] = [];
    let done = 0;
    const flush = () => {
      const scored = choiceCalls(
        config,
        batch.map((i) => items[i] as TaskItem),
        lm,
      );
      batch.forEach((i, j) => {
        calls[i] = scored[j] as ItemCall;
      });
      done += batch.length;
      batch = [];
      options.onProgress?.(done, items.length);
    };
    for (const indices of byContext.values()) {
      batch.push(...indices);
      if (batch.length >= PROGRESS_ITEMS) flush();
    }
    if (batch.length > 0) flush();
    return calls;
  }
  const calls = generationCalls(config, items, lm, options);
  options.onProgress?.(items.length, items.length);
  return calls;
}

function choiceCalls(config: TaskConfig, items: TaskItem[], lm: LanguageModel): ItemCall[] {
  const requests = items.flatMap((item) =>
    (item.continuations ?? []).map((continuation) => ({ context: item.context, continuation })),
  );
  const results = onePerRequest(config, 'loglikelihood', lm.loglikelihood(requests), requests.length);
  let next = 0;
  return items.map((item) => {
    const choices = item.choices ?? [];
    const scored = choices.map(() => results[next++] as (typeof results)[number]);
    // Every choice must be scored to compare them: one the model cannot take skips the item.
    const skipped = scored.find(isSkipped);
    if (skipped) return { outcome: skipped, truncated: false };
    const lls = scored as LoglikelihoodResult[];
    return {
      outcome: {
        loglikelihoods: lls.map((r) => r.logLikelihood),
        greedy: lls.map((r) => r.isGreedy),
        choices,
        answer: item.answer as number,
      },
      truncated: lls.some((r) => r.truncatedTokens > 0),
    };
  });
}

/** The generation settings a task runs with: its own, else a benchmark's answer length and stop symbol, else the defaults. */
export function effectiveGeneration(config: TaskConfig, dataConfig?: DataConfig): EffectiveGeneration {
  const generation = config.generation ?? {};
  const largestK = Math.max(
    1,
    ...config.metrics.map((m) => parseMetric(m)).flatMap((m) => (m.base === 'pass' ? [m.k as number] : [])),
  );
  // A benchmark's own answer length and stop symbol (for the evaluated model's options) are the defaults.
  const benchmark = benchmarkOf(config, dataConfig);
  return {
    stop: generation.stop ?? (benchmark?.stop ? [benchmark.stop] : []),
    maxTokens:
      generation.maxTokens ?? (benchmark ? benchmark.maxOutputLength + (benchmark.stop ? 1 : 0) : DEFAULT_MAX_TOKENS),
    samples: generation.samples ?? largestK,
    temperature: generation.temperature ?? 1,
    topK: generation.topK ?? 0,
  };
}

/** All generations of a task in one call: how requests are grouped decides the random draws. */
function generationCalls(
  config: TaskConfig,
  items: TaskItem[],
  lm: LanguageModel,
  options: RunTaskOptions,
): ItemCall[] {
  const { stop, maxTokens, samples, temperature, topK } = effectiveGeneration(config, options.dataConfig);
  const promptZ = options.promptZ ?? config.generation?.promptZ;
  const generations = onePerRequest(
    config,
    'generateUntil',
    lm.generateUntil(
      items.map((item) => ({ context: item.context, stop, maxTokens, samples })),
      {
        seed: seedFor(options.seed, 'task', config.name),
        temperature,
        topK,
        ...(promptZ ? { promptZ } : {}),
      },
    ),
    items.length,
  );
  const check = checkerOf(config, options.dataConfig);
  return perItem(generations, (result, i) => {
    const item = items[i] as TaskItem;
    const outcome: ItemOutcome = { generations: result.outputs };
    if (item.reference !== undefined) outcome.reference = item.reference;
    if (check) outcome.correct = result.outputs.map((output) => check(item, output));
    return { outcome, truncated: result.truncatedTokens > 0 };
  });
}

/** The caveat every metric of a task carries when items were skipped or contexts cut, else undefined. */
export function coverageNote(
  result: Pick<TaskResult, 'requested' | 'n' | 'skipped' | 'truncated'>,
): string | undefined {
  const parts: string[] = [];
  const skipped = result.requested - result.n;
  if (skipped > 0) {
    const reasons = SKIP_REASONS.filter((r) => result.skipped[r] > 0).map((r) => `${r} ${result.skipped[r]}`);
    parts.push(`${skipped} of ${result.requested} items skipped (${reasons.join(', ')})`);
  }
  if (result.truncated > 0) {
    parts.push(`${result.truncated} of ${result.n} scored items had their context cut from the left to fit the model`);
  }
  return parts.length === 0 ? undefined : parts.join('; ');
}

/** Runs one task (by name from `registry`, or a config) and scores it. */
export function runTask(
  task: string | TaskConfig | RegisteredTask,
  lm: LanguageModel,
  options: RunTaskOptions,
  registry?: TaskRegistry,
): TaskResult {
  if (!Number.isInteger(options?.seed)) throw new Error(`runTask: seed must be an integer, got ${options?.seed}`);
  let registered: RegisteredTask;
  if (typeof task === 'string') {
    if (!registry) throw new Error(`runTask: task "${task}" given by name, but no registry to find it in`);
    registered = registry.get(task);
  } else registered = 'config' in task ? task : { config: task };
  const config = registered.config;
  const { items, available, dataHash } = resolveTask(config, {
    seed: options.seed,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.dataConfig ? { dataConfig: options.dataConfig } : {}),
    ...(registered.items ? { preloaded: registered.items } : {}),
    ...(options.numFewshot === undefined ? {} : { numFewshot: options.numFewshot }),
  });
  if (items.length === 0) throw new Error(`task "${config.name}": no items to evaluate`);
  const calls = callsFor(config, items, lm, options);
  const skipped = Object.fromEntries(SKIP_REASONS.map((reason) => [reason, 0])) as Record<SkipReason, number>;
  const problems: string[] = [];
  const scored: Array<{ item: TaskItem; index: number; outcome: ItemOutcome }> = [];
  let truncated = 0;
  calls.forEach(({ outcome, truncated: cut }, i) => {
    const item = items[i] as TaskItem;
    if (isSkipped(outcome)) {
      skipped[outcome.skipped]++;
      if (problems.length < SHOWN_PROBLEMS) problems.push(`item ${item.id}: ${outcome.message}`);
      return;
    }
    scored.push({ item, index: i, outcome });
    if (cut) truncated++;
  });
  if (scored.length === 0) {
    throw new Error(
      `task "${config.name}": none of its ${items.length} items could be scored (${problems.join('; ')}${items.length > problems.length ? '; ...' : ''})`,
    );
  }
  const coverage = { available, requested: items.length, n: scored.length, skipped, truncated };
  const provenance = {
    nShot: options.numFewshot ?? config.numFewshot ?? 0,
    limit: options.limit ?? null,
    dataHash: registered.dataHash ?? dataHash,
    version: config.version ?? 0,
  };
  const note = coverageNote(coverage);
  // exact_match is scored once per answer-extraction pipeline; every other metric once, unfiltered.
  const pipelines = config.filters ?? [NO_FILTER];
  const instances = config.metrics.flatMap(
    (name): Array<{ name: string; filter: FilterPipeline }> =>
      name === 'exact_match' ? pipelines.map((filter) => ({ name, filter })) : [{ name, filter: NO_FILTER }],
  );
  const isCorpus = (name: string): name is (typeof PERPLEXITY_METRICS)[number] | 'perplexity' =>
    name === 'perplexity' || (PERPLEXITY_METRICS as readonly string[]).includes(name);
  /** lm-eval's `perplexity` aggregation over loglikelihood items: exp of minus the mean log-likelihood. */
  const corpusValue = (name: (typeof PERPLEXITY_METRICS)[number] | 'perplexity', outcomes: ItemOutcome[]) =>
    name === 'perplexity'
      ? Math.exp(-outcomes.reduce((sum, o) => sum + (o.continuation?.logLikelihood ?? 0), 0) / outcomes.length)
      : corpusPerplexity(
          name,
          outcomes.map((o) => o.rolling as RollingOutcome),
        );
  const scoreOf = (name: string, filter: FilterPipeline, outcome: ItemOutcome): number =>
    name === 'exact_match'
      ? exactMatch(applyFilters(filter, outcome.generations ?? []), outcome.reference ?? '', config.exactMatch)
      : isCorpus(name)
        ? corpusValue(name, [outcome])
        : itemScore(parseMetric(name), outcome);
  const keyOf = (name: string, filter: FilterPipeline) =>
    filter.name === NO_FILTER.name ? name : `${name},${filter.name}`;
  if (config.metrics.includes('exact_match') && items.some((item) => item.reference === undefined)) {
    throw new Error(`task "${config.name}": exact_match needs a "reference" in every item`);
  }
  const metrics = instances.map(({ name, filter }) => {
    // Perplexities are corpus-level (summed log-likelihood over summed words or bytes), without a
    // standard error, as lm-eval reports them.
    if (isCorpus(name)) {
      const value = corpusValue(
        name,
        scored.map(({ outcome }) => outcome),
      );
      const record: MetricRecord = { task: config.name, metric: name, value, stderr: null, n: scored.length };
      if (note !== undefined) record.note = note;
      return record;
    }
    const scores = scored.map(({ outcome }) => scoreOf(name, filter, outcome));
    const estimate = aggregateScores(
      scores,
      config.stderr ?? 'analytic',
      seedFor(options.seed, 'stderr', config.name, keyOf(name, filter)),
    );
    const record: MetricRecord = {
      task: config.name,
      metric: name,
      value: estimate.value,
      stderr: estimate.stderr,
      n: estimate.n,
    };
    if (filter.name !== NO_FILTER.name) record.filter = filter.name;
    if (note !== undefined) record.note = note;
    return record;
  });
  const result: TaskResult = {
    task: config.name,
    output: config.output,
    ...coverage,
    problems,
    ...provenance,
    ...(config.output === 'generate_until' ? { generation: effectiveGeneration(config, options.dataConfig) } : {}),
    metrics,
  };
  if (options.keepSamples) {
    result.samples = scored.map(({ item, index, outcome }) => ({
      id: item.id,
      index,
      doc: item.fields,
      context: item.context,
      target:
        config.output === 'multiple_choice'
          ? (item.choices as string[])[item.answer as number]
          : config.output === 'loglikelihood_rolling'
            ? (item.text ?? null)
            : config.output === 'loglikelihood'
              ? (item.continuation ?? null)
              : (item.reference ?? null),
      ...outcome,
      ...(outcome.generations
        ? { filtered: Object.fromEntries(pipelines.map((f) => [f.name, applyFilters(f, outcome.generations ?? [])])) }
        : {}),
      scores: Object.fromEntries(
        instances.map(({ name, filter }) => [keyOf(name, filter), scoreOf(name, filter, outcome)]),
      ),
    }));
  }
  return result;
}
