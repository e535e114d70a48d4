// Runs a task against a LanguageModel: items -> model calls -> per-item scores -> one record per
// metric with its standard error and n.
import type { DataConfig } from '@ftlab/data';
import type { PromptZMode } from '@ftlab/model';
import type { MetricRecord } from '../metric-record.js';
import { seedFor } from '../stats.js';
import { aggregateScores, type ItemOutcome, itemScore, parseMetric } from './metrics.js';
import type { LanguageModel } from './model-calls.js';
import type { RegisteredTask, TaskRegistry } from './registry.js';
import { benchmarkOf, resolveTaskItems, type TaskConfig, type TaskItem } from './task.js';

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
}

export interface SampleRecord extends ItemOutcome {
  id: string;
  context: string;
  scores: Record<string, number>;
}

export interface TaskResult {
  task: string;
  output: TaskConfig['output'];
  /** Items evaluated. */
  n: number;
  metrics: MetricRecord[];
  samples?: SampleRecord[];
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

function outcomesFor(config: TaskConfig, items: TaskItem[], lm: LanguageModel, options: RunTaskOptions): ItemOutcome[] {
  if (config.output === 'multiple_choice') {
    const requests = items.flatMap((item) =>
      (item.continuations ?? []).map((continuation) => ({ context: item.context, continuation })),
    );
    const results = lm.loglikelihood(requests);
    if (results.length !== requests.length) {
      throw new Error(
        `task "${config.name}": loglikelihood returned ${results.length} results for ${requests.length} requests`,
      );
    }
    let next = 0;
    return items.map((item) => {
      const choices = item.choices ?? [];
      const loglikelihoods = choices.map(() => (results[next++] as { logLikelihood: number }).logLikelihood);
      return { loglikelihoods, choices, answer: item.answer as number };
    });
  }
  const generation = config.generation ?? {};
  const largestK = Math.max(
    1,
    ...config.metrics.map((m) => parseMetric(m)).flatMap((m) => (m.base === 'pass' ? [m.k as number] : [])),
  );
  const samples = generation.samples ?? largestK;
  const promptZ = options.promptZ ?? generation.promptZ;
  // A benchmark's own answer length and stop symbol (for the evaluated model's options) are the defaults.
  const benchmark = benchmarkOf(config, options.dataConfig);
  const stop = generation.stop ?? (benchmark?.stop ? [benchmark.stop] : []);
  const maxTokens =
    generation.maxTokens ?? (benchmark ? benchmark.maxOutputLength + (benchmark.stop ? 1 : 0) : DEFAULT_MAX_TOKENS);
  const generations = lm.generateUntil(
    items.map((item) => ({ context: item.context, stop, maxTokens, samples })),
    {
      seed: seedFor(options.seed, 'task', config.name),
      temperature: generation.temperature ?? 1,
      topK: generation.topK ?? 0,
      ...(promptZ ? { promptZ } : {}),
    },
  );
  const check = checkerOf(config, options.dataConfig);
  return items.map((item, i) => {
    const outputs = generations[i] ?? [];
    const outcome: ItemOutcome = { generations: outputs };
    if (item.reference !== undefined) outcome.reference = item.reference;
    if (check) outcome.correct = outputs.map((output) => check(item, output));
    return outcome;
  });
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
  const items = resolveTaskItems(config, {
    seed: options.seed,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.dataConfig ? { dataConfig: options.dataConfig } : {}),
    ...(registered.items ? { preloaded: registered.items } : {}),
  });
  if (items.length === 0) throw new Error(`task "${config.name}": no items to evaluate`);
  const outcomes = outcomesFor(config, items, lm, options);
  const metrics = config.metrics.map((name) => {
    const parsed = parseMetric(name);
    if (name === 'exact_match' && items.some((item) => item.reference === undefined)) {
      throw new Error(`task "${config.name}": exact_match needs a "reference" in every item`);
    }
    const scores = outcomes.map((outcome) => itemScore(parsed, outcome));
    const estimate = aggregateScores(
      scores,
      config.stderr ?? 'analytic',
      seedFor(options.seed, 'stderr', config.name, name),
    );
    return { task: config.name, metric: name, value: estimate.value, stderr: estimate.stderr, n: estimate.n };
  });
  const result: TaskResult = { task: config.name, output: config.output, n: items.length, metrics };
  if (options.keepSamples) {
    result.samples = items.map((item, i) => ({
      id: item.id,
      context: item.context,
      ...(outcomes[i] as ItemOutcome),
      scores: Object.fromEntries(
        config.metrics.map((name) => [name, itemScore(parseMetric(name), outcomes[i] as ItemOutcome)]),
      ),
    }));
  }
  return result;
}
