// Benchmarks over the synthetic languages: deterministic items from a seed plus the rule that
// scores a model's output. @ftlab/evaluation runs the model; this package only defines the tasks.

import { Rng } from '@ftlab/contract';
import { createArithmeticTask } from './arithmetic.js';
import type { CharTokenizer } from './char-tokenizer.js';
import { resolveDataConfig, type SyntheticDataConfig } from './data-config.js';
import { createReviewsTask } from './reviews.js';
import type { BenchmarkItem, SyntheticTask } from './synthetic-task.js';
import { createToyTask } from './toy-task.js';

export type BenchmarkName = SyntheticDataConfig['kind'];
export const BENCHMARK_NAMES: readonly BenchmarkName[] = ['toy', 'arithmetic', 'reviews'];

export interface BenchmarkItemsOptions {
  seed: number;
  count: number;
  /** Index of the first item (default 0): items(seed, count: 10, start: 10) continues items(seed, count: 10). */
  start?: number;
}

export interface Benchmark {
  readonly name: BenchmarkName;
  /** The vocabulary of a model trained on `dataConfig`. */
  readonly tokenizer: CharTokenizer;
  /** Generation stops at this symbol; undefined (toy): generate exactly maxOutputLength tokens. */
  readonly stop: string | undefined;
  readonly maxOutputLength: number;
  /** The dataset a model for this benchmark trains on (defaults filled in). */
  readonly dataConfig: SyntheticDataConfig;
  /** Items `start` .. `start + count - 1` of the seed's item sequence; the same seed gives the same items. */
  items(options: BenchmarkItemsOptions): BenchmarkItem[];
  /** True when `output`, the model's continuation of `item.prompt`, is correct by the task's rule. */
  check(item: BenchmarkItem, output: string): boolean;
  describe(): Record<string, unknown>;
}

export function createSyntheticTask(config: SyntheticDataConfig): SyntheticTask {
  switch (config.kind) {
    case 'toy':
      return createToyTask(config.toy);
    case 'arithmetic':
      return createArithmeticTask(config.arithmetic);
    case 'reviews':
      return createReviewsTask(config.reviews);
  }
}

/** A benchmark by name (default options) or from the synthetic data config a model was trained on. */
export function createBenchmark(config: BenchmarkName | SyntheticDataConfig): Benchmark {
  const requested = typeof config === 'string' ? ({ kind: config } as SyntheticDataConfig) : config;
  if (!BENCHMARK_NAMES.includes(requested?.kind as BenchmarkName)) {
    throw new Error(`No benchmark "${requested?.kind}": use one of ${BENCHMARK_NAMES.join(', ')}.`);
  }
  const dataConfig = resolveDataConfig(requested) as SyntheticDataConfig;
  const task = createSyntheticTask(dataConfig);
  const name = dataConfig.kind;
  return {
    name,
    tokenizer: task.tokenizer,
    stop: task.stop,
    maxOutputLength: task.maxOutputLength,
    dataConfig,
    items({ seed, count, start = 0 }) {
      if (!Number.isInteger(count) || count < 0)
        throw new Error(`Benchmark item count must be an integer >= 0, got ${count}.`);
      if (!Number.isSafeInteger(start) || start < 0)
        throw new Error(`Benchmark start must be an integer >= 0, got ${start}.`);
      // Items use their own stream, apart from every training and validation stream of the seed.
      const stream = Rng.derive(seed, 'benchmark', name);
      return Array.from({ length: count }, (_, k) =>
        task.item(stream.split(start + k), `${name}-${seed}-${start + k}`),
      );
    },
    check: (item, output) => task.check(item, output),
    describe: () => ({ benchmark: name, ...task.describe(), stop: task.stop, maxOutputLength: task.maxOutputLength }),
  };
}
