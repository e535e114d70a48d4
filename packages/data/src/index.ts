// @ftlab/data: reproducible data for the Free Transformer Lab.

export type { Batch, BatchPosition, Split } from './batch.js';
export { BENCHMARK_NAMES, type Benchmark, type BenchmarkName, createBenchmark } from './benchmark.js';
export { BpeTokenizer, pretokenize } from './bpe.js';
export { charTokenizerFromSymbols } from './char-tokenizer.js';
export {
  type DataConfig,
  DataConfigSchema,
  resolveDataConfig,
  type SyntheticDataConfig,
  type ToyDataConfig,
} from './data-config.js';
export { createDataset } from './dataset.js';
export type { Dataset } from './dataset-interface.js';
export { huggingFaceTokenizerFiles } from './hf-tokenizer.js';
export { analyseReview, REVIEW_WORDS } from './reviews.js';
export { type Tokenizer, type TokenizerJson, tokenizerFromJSON } from './tokenizer.js';
export {
  analyseToyBody,
  generateToySample,
  resolveToyTaskConfig,
  type ToyTaskConfig,
  toyTokenizer,
} from './toy-task.js';
