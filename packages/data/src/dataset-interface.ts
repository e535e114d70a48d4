// What every dataset offers, whatever it is made of.
import type { Batch, BatchIterator, BatchOptions, Split } from './batch.js';
import { sha256Hex } from './corpus.js';
import type { DataConfig } from './data-config.js';
import type { Tokenizer, TokenizerJson } from './tokenizer.js';

export interface CreateDatasetOptions {
  /** The train stream derives from this seed (under its own purpose, 'data'); evaluation data does not. */
  seed: number;
  /**
   * A tokenizer saved with a run (`dataset.tokenizer.toJSON()`), used instead of building one:
   * resuming or evaluating a run must not retrain its BPE.
   */
  tokenizerJson?: TokenizerJson;
}

export interface EvaluationBatchOptions {
  batchSize: number;
  sequenceLength: number;
  /** Stop after this many rows (default: the whole split). */
  maxRows?: number;
}

export interface Dataset {
  /** The config with every default filled in. */
  readonly config: DataConfig;
  readonly seed: number;
  readonly tokenizer: Tokenizer;
  readonly vocabSize: number;
  /** Identifies config + seed + corpus + tokenizer; saved positions carry it. */
  readonly fingerprint: string;
  /** Where every sequence has one length (toy: 65), the only sequenceLength T batches accept. */
  readonly fixedSequenceLength: number | undefined;
  /**
   * Endless batches of a split. Row r is fixed by (seed, split, r), where validation and test
   * use config.evaluationSeed instead of the run's seed: text rows are random windows inside
   * the split, synthetic train rows fresh sequences, synthetic validation/test rows cycle over a
   * fixed set. A new iterator starts at row 0, or at `position`.
   */
  batches(split: Split, options: BatchOptions): BatchIterator;
  /**
   * One pass over a validation or test split, the same every time: for text, consecutive
   * windows of T+1 tokens with stride T (every token but the first is a target once); for
   * synthetic kinds, the fixed set of sequences. The last batch may be smaller.
   */
  evaluationBatches(split: Split, options: EvaluationBatchOptions): Batch[];
  /** Facts for the run record: corpus path, SHA-256 and size, split sizes, vocabulary size... */
  describe(): Record<string, unknown>;
}

export function datasetFingerprint(parts: Record<string, unknown>): string {
  return sha256Hex(JSON.stringify(parts)).slice(0, 16);
}
