// A text corpus as a dataset: contiguous splits of its characters, each tokenized on its own,
// and rows that are windows of T+1 tokens lying entirely inside one split.

import { Rng } from '@ftlab/contract';
import {
  type Batch,
  type BatchIterator,
  type BatchOptions,
  batchesOfRows,
  checkBatchShape,
  checkMaxRows,
  checkSplit,
  rowBatchIterator,
  SPLITS,
  type Split,
} from './batch.js';
import { trainBpe } from './bpe.js';
import { charTokenizer } from './char-tokenizer.js';
import { type Corpus, loadCorpus, TINY_SHAKESPEARE } from './corpus.js';
import type { SplitFractions, TextDataConfig } from './data-config.js';
import { type Dataset, datasetFingerprint, type EvaluationBatchOptions } from './dataset-interface.js';
import { splitText, type TextSplits } from './splits.js';
import { type Tokenizer, type TokenizerJson, tokenizerFromJSON } from './tokenizer.js';

/**
 * The char vocabulary comes from the whole corpus (so no split meets an unknown character);
 * the BPE merges are learned on the train split only, so validation and test text never shapes
 * the tokenizer.
 */
function buildTokenizer(config: TextDataConfig, corpus: Corpus, splits: TextSplits): Tokenizer {
  if (config.tokenizer === 'bpe') return trainBpe(splits.train, { vocabSize: config.bpeVocabSize! });
  return charTokenizer(corpus.text);
}

export class TextDataset implements Dataset {
  readonly corpus: Corpus;
  readonly splits: TextSplits;
  readonly tokenizer: Tokenizer;
  readonly fingerprint: string;
  readonly fixedSequenceLength = undefined;
  private readonly tokens: Record<Split, Int32Array>;

  constructor(
    readonly config: TextDataConfig,
    readonly seed: number,
    tokenizerJson?: TokenizerJson,
  ) {
    this.corpus = loadCorpus(config.path, config.expectedSha256 ? { expectedSha256: config.expectedSha256 } : {});
    this.splits = splitText(this.corpus.text, config.splits!);
    if (tokenizerJson !== undefined) {
      this.tokenizer = tokenizerFromJSON(tokenizerJson);
      if (this.tokenizer.kind !== config.tokenizer) {
        throw new Error(
          `The saved tokenizer is "${this.tokenizer.kind}" but data.tokenizer is "${config.tokenizer}": ` +
            'pass the tokenizer saved with this run, or the data config it was trained with.',
        );
      }
    } else {
      this.tokenizer = buildTokenizer(config, this.corpus, this.splits);
    }
    const encode = (split: Split): Int32Array => {
      try {
        return Int32Array.from(this.tokenizer.encode(this.splits[split]));
      } catch (error) {
        throw new Error(`Cannot tokenize the ${split} split of ${this.corpus.path}: ${(error as Error).message}`);
      }
    };
    this.tokens = { train: encode('train'), validation: encode('validation'), test: encode('test') };
    this.fingerprint = datasetFingerprint({
      config,
      seed,
      corpusSha256: this.corpus.sha256,
      tokenizer: datasetFingerprint({ tokenizer: this.tokenizer.toJSON() }),
    });
  }

  get vocabSize(): number {
    return this.tokenizer.vocabSize;
  }

  /** The token ids of a split (a view: do not modify). */
  splitTokens(split: Split): Int32Array {
    checkSplit(split);
    return this.tokens[split];
  }

  private checkFits(split: Split, sequenceLength: number): Int32Array {
    const tokens = this.tokens[split];
    if (sequenceLength + 1 > tokens.length) {
      const { train, validation, test } = this.config.splits as SplitFractions;
      throw new Error(
        `sequenceLength ${sequenceLength} needs windows of ${sequenceLength + 1} tokens, but the ${split} split of ` +
          `${this.corpus.path} has only ${tokens.length} tokens (splits ${train}/${validation}/${test} of ` +
          `${this.corpus.bytes} bytes). Use a shorter sequenceLength, a larger ${split} fraction or a larger corpus.`,
      );
    }
    return tokens;
  }

  batches(split: Split, options: BatchOptions): BatchIterator {
    checkSplit(split);
    checkBatchShape(options?.batchSize, options?.sequenceLength);
    const tokens = this.checkFits(split, options.sequenceLength);
    const length = options.sequenceLength + 1;
    const starts = tokens.length - length + 1;
    const seed = split === 'train' ? this.seed : this.config.evaluationSeed!;
    const stream = Rng.derive(seed, 'data', 'text', split);
    return rowBatchIterator(this.fingerprint, split, options, (row) => {
      const start = stream.split(row).int(starts);
      return { tokens: tokens.subarray(start, start + length) };
    });
  }

  evaluationBatches(split: Split, options: EvaluationBatchOptions): Batch[] {
    checkSplit(split);
    const { batchSize, sequenceLength, maxRows } = options;
    checkBatchShape(batchSize, sequenceLength);
    checkMaxRows(maxRows);
    const tokens = this.checkFits(split, sequenceLength);
    const windows = Math.floor((tokens.length - 1) / sequenceLength);
    const rows = Math.min(windows, maxRows ?? windows);
    return batchesOfRows(rows, batchSize, sequenceLength + 1, (row) => ({
      tokens: tokens.subarray(row * sequenceLength, row * sequenceLength + sequenceLength + 1),
    }));
  }

  describe(): Record<string, unknown> {
    const { validationStart, testStart, characters } = this.splits;
    const splitCharacters = {
      train: validationStart,
      validation: testStart - validationStart,
      test: characters - testStart,
    };
    const splitSizes = Object.fromEntries(
      SPLITS.map((split) => [split, { characters: splitCharacters[split], tokens: this.tokens[split].length }]),
    );
    return {
      kind: 'text',
      corpus: this.corpus.sha256 === TINY_SHAKESPEARE.sha256 ? TINY_SHAKESPEARE.name : 'custom',
      path: this.corpus.path,
      sha256: this.corpus.sha256,
      bytes: this.corpus.bytes,
      seed: this.seed,
      evaluationSeed: this.config.evaluationSeed,
      fingerprint: this.fingerprint,
      tokenizer: this.tokenizer.kind,
      vocabSize: this.vocabSize,
      splitFractions: this.config.splits,
      splits: splitSizes,
    };
  }
}
