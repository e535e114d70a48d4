// Batches of B rows of T+1 tokens and their resumable position (the model turns them into tensors).
// A dataset defines row r of each split as a pure function of (seed, split, r), so a position is
// just the next row's index: resuming needs no replay and batches do not depend on batch size.
import type { ToyHidden } from './toy-task.js';

export type Split = 'train' | 'validation' | 'test';
export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

export interface Batch {
  /** B rows of `length` token ids, row-major. */
  tokens: Int32Array;
  batchSize: number;
  /** Tokens per row: T + 1 (inputs are the first T, targets the last T). */
  length: number;
  /** Toy datasets: each row's hidden choices (letter, block start, noise mask). */
  hidden?: ToyHidden[];
}

/** Where a batch iterator stands; plain JSON, saved with a checkpoint. */
export interface BatchPosition {
  /** Fingerprint of the dataset (config, seed, corpus, tokenizer) the position belongs to. */
  dataset: string;
  split: Split;
  /** Index of the next row the iterator yields. */
  nextRow: number;
}

export interface BatchIterator {
  next(): Batch;
  /** The position before the next batch: a new iterator given it yields exactly the same batches. */
  position(): BatchPosition;
}

export interface BatchOptions {
  batchSize: number;
  /** T: rows hold T + 1 tokens. */
  sequenceLength: number;
  /** Resume from a saved position (default: the split's first row). */
  position?: BatchPosition;
}

export interface Row {
  tokens: ArrayLike<number>;
  hidden?: ToyHidden;
}

export function checkSplit(split: string): asserts split is Split {
  if (!(SPLITS as readonly string[]).includes(split)) {
    throw new Error(`Unknown split "${split}": use one of ${SPLITS.join(', ')}.`);
  }
}

export function checkBatchShape(batchSize: number, sequenceLength: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${batchSize}.`);
  }
  if (!Number.isInteger(sequenceLength) || sequenceLength < 1) {
    throw new Error(`sequenceLength (T) must be a positive integer, got ${sequenceLength}.`);
  }
}

export function checkMaxRows(maxRows: number | undefined): void {
  if (maxRows !== undefined && (!Number.isInteger(maxRows) || maxRows < 1)) {
    throw new Error(`maxRows must be a positive integer when given, got ${maxRows}.`);
  }
}

/** Packs rows (each of exactly `length` tokens) into one batch. */
export function assembleBatch(rows: readonly Row[], length: number): Batch {
  const tokens = new Int32Array(rows.length * length);
  rows.forEach((row, i) => {
    if (row.tokens.length !== length)
      throw new Error(`internal: row of ${row.tokens.length} tokens, expected ${length}`);
    tokens.set(row.tokens, i * length);
  });
  const batch: Batch = { tokens, batchSize: rows.length, length };
  if (rows.length > 0 && rows.every((row) => row.hidden !== undefined)) batch.hidden = rows.map((row) => row.hidden!);
  return batch;
}

/** Rows 0 .. rowCount-1 in batches of `batchSize` (the last one smaller): one evaluation pass. */
export function batchesOfRows(
  rowCount: number,
  batchSize: number,
  length: number,
  rowAt: (row: number) => Row,
): Batch[] {
  const batches: Batch[] = [];
  for (let first = 0; first < rowCount; first += batchSize) {
    const count = Math.min(batchSize, rowCount - first);
    batches.push(
      assembleBatch(
        Array.from({ length: count }, (_, i) => rowAt(first + i)),
        length,
      ),
    );
  }
  return batches;
}

/** An iterator over rows start, start+1, ... of one split, `batchSize` at a time. */
export function rowBatchIterator(
  fingerprint: string,
  split: Split,
  options: BatchOptions,
  rowAt: (row: number) => Row,
): BatchIterator {
  const { batchSize, sequenceLength, position } = options;
  let nextRow = 0;
  if (position !== undefined) {
    if (position?.dataset !== fingerprint || position.split !== split) {
      const owner =
        position?.dataset === fingerprint
          ? `split "${position.split}"`
          : 'another dataset (different config, seed, corpus or tokenizer)';
      throw new Error(
        `Saved batch position ${JSON.stringify(position)} belongs to ${owner}, not to split "${split}" of dataset ` +
          `${fingerprint}. Resume with the data config, seed and tokenizer the run was started with.`,
      );
    }
    if (!Number.isSafeInteger(position.nextRow) || position.nextRow < 0) {
      throw new Error(`Saved batch position has an invalid nextRow ${String(position.nextRow)}.`);
    }
    nextRow = position.nextRow;
  }
  return {
    next() {
      const rows: Row[] = [];
      for (let i = 0; i < batchSize; i++) rows.push(rowAt(nextRow + i));
      nextRow += batchSize;
      return assembleBatch(rows, sequenceLength + 1);
    },
    position: () => ({ dataset: fingerprint, split, nextRow }),
  };
}
