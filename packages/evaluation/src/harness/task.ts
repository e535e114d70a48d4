// A benchmark task is data, as in lm-evaluation-harness: where the items come from, how an item
// becomes a prompt, the answer choices or the reference, the metrics and the generation settings,
// plus a checker function where data is not enough. `resolveTaskItems` turns a task into items.
import { createHash } from 'node:crypto';
import { Rng } from '@ftlab/contract';
import { type BenchmarkName, createBenchmark, type DataConfig, type SyntheticDataConfig } from '@ftlab/data';
import type { PromptZMode } from '@ftlab/model';
import type { ExactMatchOptions, FilterPipeline } from './filters.js';
import { readJsonlItems } from './jsonl.js';

/**
 * multiple_choice: score each choice by log-likelihood; generate_until: sample and compare;
 * loglikelihood: the log-likelihood of one continuation (and whether greedy decoding gives it);
 * loglikelihood_rolling: the log-likelihood of a whole text (perplexity).
 */
export type TaskOutput = 'multiple_choice' | 'generate_until' | 'loglikelihood' | 'loglikelihood_rolling';
export const TASK_OUTPUTS: readonly TaskOutput[] = [
  'multiple_choice',
  'generate_until',
  'loglikelihood',
  'loglikelihood_rolling',
];

/** acc, acc_norm (multiple choice); exact_match (needs a reference); pass@k (needs a checker). */
export type MetricName =
  | 'acc'
  | 'acc_norm'
  | 'exact_match'
  | `pass@${number}`
  | 'perplexity'
  | 'word_perplexity'
  | 'byte_perplexity'
  | 'bits_per_byte';

/** An item as written: the JSONL shapes ({question, choices, answer} or {prompt, reference}), or any fields. */
export type RawItem = Record<string, unknown>;

export type TaskData =
  /** Items of one of @ftlab/data's synthetic benchmarks (fixed by `seed`, default 0, not by the run's seed). */
  | { benchmark: BenchmarkName; count?: number; seed?: number }
  /** A JSONL file of one of the two shapes. */
  | { path: string }
  /** Items given inline, or made by a function (the "small function where data is not enough"). */
  | {
      items: readonly RawItem[] | ((options: ItemSourceOptions) => RawItem[]);
      /** sha256 of the file the items were read from, when they were (reported as the data's hash). */
      sha256?: string;
    };

export interface ItemSourceOptions {
  seed: number;
  count: number;
  /** The data config of the model under evaluation, when it is a synthetic kind. */
  dataConfig?: SyntheticDataConfig;
}

export interface GenerationSettings {
  /** Most new tokens per generation (default: a benchmark's longest answer plus its stop symbol, else 64). */
  maxTokens?: number;
  /** Strings that end a generation, not part of the output (default: a benchmark's stop symbol, else none). */
  stop?: string[];
  /** Generations per item (default: the largest k of the pass@k metrics, else 1). */
  samples?: number;
  /** Default 1; 0 is greedy (tokens only: Z is still drawn from the prior). */
  temperature?: number;
  topK?: number;
  /** Where the prompt's Z comes from; default: the model config's promptZ. */
  promptZ?: PromptZMode;
}

export interface TaskItem {
  id: string;
  /** Every field of the raw item (what the prompt template can use). */
  fields: Record<string, unknown>;
  /** The rendered context. */
  context: string;
  /** Multiple choice: the choices as written (acc_norm divides by their length in characters). */
  choices?: string[];
  /** Multiple choice: what is scored after the context, targetDelimiter + choice. */
  continuations?: string[];
  /** Index of the correct choice. */
  answer?: number;
  reference?: string;
  /** loglikelihood_rolling: the text whose log-likelihood is scored. */
  text?: string;
  /** loglikelihood: what is scored after the context. */
  continuation?: string;
}

export interface TaskConfig {
  name: string;
  description?: string;
  output: TaskOutput;
  data: TaskData;
  /** `{{field}}` placeholders filled from the item; default '{{question}}' or '{{prompt}}'. */
  promptTemplate?: string;
  /**
   * Written between the context and each choice (lm-evaluation-harness's target_delimiter);
   * default '' (a compiled lm-eval config has lm-eval's default, " ").
   */
  targetDelimiter?: string;
  /** Solved examples put before each item's context (lm-eval's num_fewshot); default 0. */
  numFewshot?: number;
  /** Between the few-shot examples, and between them and the item (lm-eval's fewshot_delimiter); default "\n\n". */
  fewshotDelimiter?: string;
  /** The task's version, reported with its results (lm-eval's metadata.version); default 0. */
  version?: number;
  /** Text put before every item's context, few-shot examples included (lm-eval's description). */
  preamble?: string;
  /** Items the few-shot examples are drawn from (lm-eval's fewshot split); default: the task's other items. */
  fewshotItems?: readonly RawItem[];
  /** Generative: answer-extraction pipelines; exact_match is scored after each (default: the first generation). */
  filters?: FilterPipeline[];
  /** Generative: how exact_match normalises both sides. */
  exactMatch?: ExactMatchOptions;
  metrics: MetricName[];
  generation?: GenerationSettings;
  /** Is `output` (the generated text, cut at a stop string) a correct answer to `item`? Enables pass@k. */
  check?: (item: TaskItem, output: string) => boolean;
  /** Items to evaluate when the caller gives no limit (default: all for files and inline items, 64 for benchmarks). */
  defaultCount?: number;
  /** 'analytic' (default): s / sqrt(n) over items; 'bootstrap': resampling items with a seeded generator. */
  stderr?: 'analytic' | 'bootstrap';
}

export const DEFAULT_BENCHMARK_ITEMS = 64;

/** Fills `{{name}}` placeholders; a placeholder without a field is an error naming both. */
export function renderTemplate(template: string, fields: Record<string, unknown>, where: string): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in fields)) {
      throw new Error(
        `${where}: the prompt template uses {{${name}}} but the item has no field "${name}" (fields: ${Object.keys(fields).join(', ')})`,
      );
    }
    const value = fields[name];
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** Turns a raw item into a task item, or says what is wrong with it. */
export function toTaskItem(config: TaskConfig, raw: RawItem, index: number): TaskItem {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`task "${config.name}", item ${index}: expected an object, got ${JSON.stringify(raw)}`);
  }
  const id = typeof raw.id === 'string' || typeof raw.id === 'number' ? String(raw.id) : `${config.name}-${index}`;
  const where = `task "${config.name}", item ${id}`;
  if (config.output === 'loglikelihood_rolling') {
    if (typeof raw.text !== 'string') throw new Error(`task "${config.name}", item ${id}: "text" must be a string`);
    return { id, fields: raw, context: '', text: raw.text };
  }
  if (config.output === 'loglikelihood') {
    if (typeof raw.continuation !== 'string' || raw.continuation === '') {
      throw new Error(`task "${config.name}", item ${id}: "continuation" must be a non-empty string`);
    }
    const context = renderTemplate(config.promptTemplate ?? '{{context}}', raw, `task "${config.name}", item ${id}`);
    return { id, fields: raw, context, continuation: `${config.targetDelimiter ?? ''}${raw.continuation}` };
  }
  const template = config.promptTemplate ?? (config.output === 'multiple_choice' ? '{{question}}' : '{{prompt}}');
  const item: TaskItem = { id, fields: raw, context: renderTemplate(template, raw, where) };
  if (config.output === 'multiple_choice') {
    const { choices, answer } = raw;
    if (!isStringArray(choices) || choices.length < 2) {
      throw new Error(`${where}: "choices" must be a list of at least two strings`);
    }
    if (!Number.isInteger(answer) || (answer as number) < 0 || (answer as number) >= choices.length) {
      throw new Error(`${where}: "answer" must be the index of the correct choice, 0..${choices.length - 1}`);
    }
    item.choices = [...choices];
    item.continuations = choices.map((c) => `${config.targetDelimiter ?? ''}${c}`);
    item.answer = answer as number;
  } else if (raw.reference !== undefined) {
    if (typeof raw.reference !== 'string') throw new Error(`${where}: "reference" must be a string`);
    item.reference = raw.reference;
  }
  return item;
}

export interface ResolveItemsOptions {
  /** Seed for item sources that are functions (benchmarks use their own data.seed). */
  seed: number;
  /** How many items; default config.defaultCount, else all (files, inline) or 64 (benchmarks). */
  limit?: number;
  /** The evaluated model's data config: a benchmark of the same kind uses its options (e.g. toy sizes). */
  dataConfig?: DataConfig;
  /** Items already read from the task's JSONL file (the registry reads it once, at registration). */
  preloaded?: readonly RawItem[];
  /** Few-shot examples per item (default: the task's numFewshot, else 0). */
  numFewshot?: number;
}

export const DEFAULT_FEWSHOT_DELIMITER = '\n\n';

/** sha256 of the task's items as JSON: identifies the data of a task that is not a file. */
export function itemsHash(raw: readonly RawItem[]): string {
  return createHash('sha256').update(JSON.stringify(raw)).digest('hex');
}

/** A solved example: the context, the target delimiter and the answer (the correct choice, or the reference). */
function solved(config: TaskConfig, item: TaskItem): string {
  const answer =
    config.output === 'multiple_choice'
      ? (item.choices as string[])[item.answer as number]
      : config.output === 'loglikelihood'
        ? item.fields.continuation
        : item.reference;
  if (answer === undefined) {
    throw new Error(`task "${config.name}", item ${item.id}: a few-shot example needs a "reference"`);
  }
  return `${item.context}${config.targetDelimiter ?? ''}${answer}`;
}

/**
 * Puts `k` solved examples before each item's context, drawn without replacement by a generator
 * seeded per item: from the task's few-shot items, or (samePool) from its other items, never the
 * item itself, as lm-eval samples from the evaluated split when a task has no few-shot split.
 * (The pool of a benchmark generated on the fly is the generated items: the limit, when given.)
 */
function withFewshot(
  config: TaskConfig,
  items: TaskItem[],
  pool: TaskItem[],
  k: number,
  seed: number,
  samePool: boolean,
): TaskItem[] {
  const available = samePool ? pool.length - 1 : pool.length;
  if (available < k) {
    throw new Error(
      `task "${config.name}": ${k}-shot needs ${k} ${samePool ? 'other items' : 'few-shot items'} to draw examples from; it has ${available}`,
    );
  }
  const delimiter = config.fewshotDelimiter ?? DEFAULT_FEWSHOT_DELIMITER;
  return items.map((item, i) => {
    const rng = Rng.derive(seed, 'fewshot', config.name, i);
    // k distinct examples by rejection: never the item itself, nor another item with its very
    // context (a repeated prompt would show its answer). O(k) per item, not a shuffle of the pool.
    const chosen = new Set<number>();
    for (let tries = 0; chosen.size < k; tries++) {
      if (tries > 100 * k + 1000) {
        throw new Error(
          `task "${config.name}", item ${item.id}: not ${k} few-shot examples with another context than the item's`,
        );
      }
      const j = rng.int(pool.length);
      if ((samePool && j === i) || (pool[j] as TaskItem).context === item.context) continue;
      chosen.add(j);
    }
    const examples = [...chosen].map((j) => solved(config, pool[j] as TaskItem));
    return { ...item, context: `${examples.join(delimiter)}${delimiter}${item.context}` };
  });
}

/** The items of a task, rendered and validated. */
export function resolveTaskItems(config: TaskConfig, options: ResolveItemsOptions): TaskItem[] {
  return resolveTask(config, options).items;
}

/** The items of a task, and how many its data holds before the limit. */
export function resolveTask(
  config: TaskConfig,
  options: ResolveItemsOptions,
): { items: TaskItem[]; available: number; dataHash: string } {
  const data = config.data;
  const limit = options.limit ?? config.defaultCount;
  const synthetic =
    options.dataConfig && options.dataConfig.kind !== 'text' ? (options.dataConfig as SyntheticDataConfig) : undefined;
  let raw: readonly RawItem[];
  let fileHash: string | undefined;
  if ('benchmark' in data) {
    const benchmark = createBenchmark(synthetic?.kind === data.benchmark ? synthetic : data.benchmark);
    const items = benchmark.items({ seed: data.seed ?? 0, count: limit ?? data.count ?? DEFAULT_BENCHMARK_ITEMS });
    raw = items.map((item) => ({
      ...(item.latent ?? {}),
      id: item.id,
      prompt: item.prompt,
      reference: item.reference,
    }));
  } else if ('path' in data) {
    if (options.preloaded) raw = options.preloaded;
    else ({ items: raw, sha256: fileHash } = readJsonlItems(data.path, config.output));
  } else if (typeof data.items === 'function') {
    raw = data.items({
      seed: options.seed,
      count: limit ?? DEFAULT_BENCHMARK_ITEMS,
      ...(synthetic ? { dataConfig: synthetic } : {}),
    });
  } else {
    raw = data.items;
  }
  const chosen = limit === undefined ? raw : raw.slice(0, limit);
  const items = chosen.map((item, i) => toTaskItem(config, item, i));
  const k = options.numFewshot ?? config.numFewshot ?? 0;
  const withShots =
    k === 0
      ? items
      : config.fewshotItems
        ? withFewshot(
            config,
            items,
            config.fewshotItems.map((item, i) => toTaskItem(config, item, i)),
            k,
            options.seed,
            false,
          )
        : withFewshot(
            config,
            items,
            raw.map((item, i) => (i < items.length ? (items[i] as TaskItem) : toTaskItem(config, item, i))),
            k,
            options.seed,
            true,
          );
  const preamble = config.preamble ?? '';
  return {
    items: preamble === '' ? withShots : withShots.map((item) => ({ ...item, context: `${preamble}${item.context}` })),
    available: raw.length,
    // The file's bytes when the items were read from one; else all the items (before the limit).
    dataHash: fileHash ?? ('items' in data && data.sha256 ? data.sha256 : itemsHash(raw)),
  };
}

/** The benchmark a generator task reads from, with the model's options where the kinds agree. */
export function benchmarkOf(config: TaskConfig, dataConfig?: DataConfig) {
  if (!('benchmark' in config.data)) return undefined;
  const synthetic =
    dataConfig && dataConfig.kind === config.data.benchmark ? (dataConfig as SyntheticDataConfig) : undefined;
  return createBenchmark(synthetic ?? config.data.benchmark);
}
