// @ftlab/data: reproducible data for the Free Transformer Lab.

export { deriveSeed, type Purpose, Rng, type RngState } from '@ftlab/contract';
export {
  type ArithmeticConfig,
  ArithmeticConfigSchema,
  createArithmeticTask,
  DEFAULT_ARITHMETIC,
  resolveArithmeticConfig,
} from './arithmetic.js';
export {
  type Batch,
  type BatchIterator,
  type BatchOptions,
  type BatchPosition,
  SPLITS,
  type Split,
} from './batch.js';
export {
  BENCHMARK_NAMES,
  type Benchmark,
  type BenchmarkItemsOptions,
  type BenchmarkName,
  createBenchmark,
  createSyntheticTask,
} from './benchmark.js';
export { BpeTokenizer, type BpeTokenizerJson, pretokenize, type TrainBpeOptions, trainBpe } from './bpe.js';
export { CharTokenizer, type CharTokenizerJson, charTokenizer, charTokenizerFromSymbols } from './char-tokenizer.js';
export {
  type Corpus,
  firstInvalidUtf8Offset,
  type LoadCorpusOptions,
  loadCorpus,
  sha256Hex,
  TINY_SHAKESPEARE,
} from './corpus.js';
export {
  type ArithmeticDataConfig,
  DATA_KINDS,
  type DataConfig,
  DataConfigSchema,
  type DataKind,
  DEFAULT_BPE_VOCAB_SIZE,
  DEFAULT_EVALUATION_SEED,
  DEFAULT_EVALUATION_SEQUENCES,
  DEFAULT_SPLITS,
  type ReviewsDataConfig,
  resolveDataConfig,
  type SplitFractions,
  SplitFractionsSchema,
  type SyntheticDataConfig,
  type TextDataConfig,
  type ToyDataConfig,
} from './data-config.js';
export { createDataset } from './dataset.js';
export type { CreateDatasetOptions, Dataset, EvaluationBatchOptions } from './dataset-interface.js';
export { type HuggingFaceTokenizerFiles, huggingFaceTokenizerFiles } from './hf-tokenizer.js';
export {
  analyseReview,
  createReviewsTask,
  DEFAULT_REVIEWS,
  REVIEW_WORDS,
  type ReviewAnalysis,
  type ReviewsConfig,
  ReviewsConfigSchema,
  resolveReviewsConfig,
  type Sentiment,
} from './reviews.js';
export { splitText, type TextSplits } from './splits.js';
export type { BenchmarkItem, SyntheticSequence, SyntheticTask } from './synthetic-task.js';
export { TextDataset } from './text-dataset.js';
export { type Tokenizer, type TokenizerJson, tokenizerFromJSON } from './tokenizer.js';
export {
  analyseToyBody,
  createToyTask,
  DEFAULT_TOY_TASK,
  generateToySample,
  resolveToyTaskConfig,
  TOY_BLANK,
  TOY_NOISE,
  TOY_SEPARATOR,
  type ToyBodyAnalysis,
  type ToyHidden,
  type ToySample,
  type ToyTaskConfig,
  ToyTaskConfigSchema,
  toySequenceLength,
  toySymbols,
  toyTokenizer,
} from './toy-task.js';
