// Datasets of the synthetic languages (toy, arithmetic, reviews). Toy rows hold exactly one
// sequence with its hidden choices; the others pack whole sequences, each ending in '\n', from
// the start of the row until it is full (the last one cut), so every row starts like a prompt.

import { Rng } from '@ftlab/contract';
import {
  type Batch,
  type BatchIterator,
  type BatchOptions,
  batchesOfRows,
  checkBatchShape,
  checkMaxRows,
  checkSplit,
  type Row,
  rowBatchIterator,
  type Split,
} from './batch.js';
import { createSyntheticTask } from './benchmark.js';
import type { SyntheticDataConfig } from './data-config.js';
import { type Dataset, datasetFingerprint, type EvaluationBatchOptions } from './dataset-interface.js';
import type { SyntheticTask } from './synthetic-task.js';
import { type Tokenizer, type TokenizerJson, tokenizerFromJSON } from './tokenizer.js';

export class SyntheticDataset implements Dataset {
  readonly tokenizer: Tokenizer;
  readonly fingerprint: string;
  readonly fixedSequenceLength: number | undefined;
  private readonly task: SyntheticTask;

  constructor(
    readonly config: SyntheticDataConfig,
    readonly seed: number,
    tokenizerJson?: TokenizerJson,
  ) {
    this.task = createSyntheticTask(config);
    this.tokenizer = this.task.tokenizer;
    if (tokenizerJson !== undefined) {
      const given = JSON.stringify(tokenizerFromJSON(tokenizerJson).toJSON());
      if (given !== JSON.stringify(this.tokenizer.toJSON())) {
        throw new Error(
          `The saved tokenizer does not match the ${config.kind} task's fixed vocabulary (${this.tokenizer.vocabSize} symbols); ` +
            'the run was trained on different task options.',
        );
      }
    }
    this.fixedSequenceLength = this.task.fixedLength === undefined ? undefined : this.task.fixedLength - 1;
    this.fingerprint = datasetFingerprint({ config, seed });
  }

  get vocabSize(): number {
    return this.tokenizer.vocabSize;
  }

  private evaluationSize(split: Split): number {
    if (split === 'train') {
      throw new Error(
        `The ${this.config.kind} dataset's train split is an endless stream: evaluate on validation or test.`,
      );
    }
    return split === 'validation' ? this.config.validationSequences! : this.config.testSequences!;
  }

  private checkLength(sequenceLength: number): void {
    if (this.fixedSequenceLength !== undefined && sequenceLength !== this.fixedSequenceLength) {
      throw new Error(
        `Every ${this.config.kind} sequence is ${this.task.fixedLength} tokens, so sequenceLength (T) must be ` +
          `${this.fixedSequenceLength} (rows are T + 1 tokens); got ${sequenceLength}.`,
      );
    }
  }

  /** Row r of a split: train rows are all distinct draws; validation/test cycle over their fixed set. */
  private rowSource(split: Split, sequenceLength: number): (row: number) => Row {
    const seed = split === 'train' ? this.seed : this.config.evaluationSeed!;
    const stream = Rng.derive(seed, 'data', this.config.kind, split);
    const cycle = split === 'train' ? undefined : this.evaluationSize(split);
    const length = sequenceLength + 1;
    return (row) => {
      const rng = stream.split(cycle === undefined ? row : row % cycle);
      if (this.fixedSequenceLength !== undefined) {
        const { text, hidden } = this.task.sequence(rng);
        return hidden === undefined
          ? { tokens: this.tokenizer.encode(text) }
          : { tokens: this.tokenizer.encode(text), hidden };
      }
      const tokens: number[] = [];
      while (tokens.length < length) tokens.push(...this.tokenizer.encode(this.task.sequence(rng).text));
      return { tokens: tokens.slice(0, length) };
    };
  }

  batches(split: Split, options: BatchOptions): BatchIterator {
    checkSplit(split);
    checkBatchShape(options?.batchSize, options?.sequenceLength);
    this.checkLength(options.sequenceLength);
    return rowBatchIterator(this.fingerprint, split, options, this.rowSource(split, options.sequenceLength));
  }

  evaluationBatches(split: Split, options: EvaluationBatchOptions): Batch[] {
    checkSplit(split);
    const { batchSize, sequenceLength, maxRows } = options;
    checkBatchShape(batchSize, sequenceLength);
    checkMaxRows(maxRows);
    this.checkLength(sequenceLength);
    const rows = Math.min(this.evaluationSize(split), maxRows ?? Number.POSITIVE_INFINITY);
    const rowAt = this.rowSource(split, sequenceLength);
    return batchesOfRows(rows, batchSize, sequenceLength + 1, rowAt);
  }

  describe(): Record<string, unknown> {
    return {
      ...this.task.describe(),
      seed: this.seed,
      fingerprint: this.fingerprint,
      tokenizer: this.tokenizer.kind,
      vocabSize: this.vocabSize,
      fixedSequenceLength: this.fixedSequenceLength ?? null,
      validationSequences: this.config.validationSequences,
      testSequences: this.config.testSequences,
      evaluationSeed: this.config.evaluationSeed,
    };
  }
}
