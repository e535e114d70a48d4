import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainBpe } from '../src/bpe.js';
import { loadCorpus } from '../src/corpus.js';
import { type Batch, createDataset, type Dataset, type Split } from '../src/index.js';
import { splitText } from '../src/splits.js';
import type { TextDataset } from '../src/text-dataset.js';

const dir = mkdtempSync(join(tmpdir(), 'ftlab-data-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rows(batch: Batch): Int32Array[] {
  return Array.from({ length: batch.batchSize }, (_, r) =>
    batch.tokens.subarray(r * batch.length, (r + 1) * batch.length),
  );
}

function take(dataset: Dataset, split: Split, count: number, batchSize = 4, sequenceLength = 32): Batch[] {
  const iterator = dataset.batches(split, { batchSize, sequenceLength });
  return Array.from({ length: count }, () => iterator.next());
}

describe('text dataset on tiny-shakespeare (char)', () => {
  let dataset: TextDataset;
  beforeAll(() => {
    dataset = createDataset({ kind: 'text', tokenizer: 'char' }, { seed: 1 }) as TextDataset;
  });

  it('has the 65-symbol vocabulary and describes corpus, checksum and split sizes', () => {
    expect(dataset.vocabSize).toBe(65);
    const info = dataset.describe();
    expect(info).toMatchObject({
      kind: 'text',
      corpus: 'tinyshakespeare',
      sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
      bytes: 1_115_394,
      vocabSize: 65,
      splitFractions: { train: 0.9, validation: 0.05, test: 0.05 },
      evaluationSeed: 0,
    });
    const splits = info.splits as Record<Split, { characters: number; tokens: number }>;
    expect(splits.train.tokens + splits.validation.tokens + splits.test.tokens).toBe(1_115_394);
  });

  it('splits are disjoint, contiguous and cover the corpus token for token', () => {
    const text = loadCorpus().text;
    const [train, validation, test] = (['train', 'validation', 'test'] as const).map((s) => dataset.splitTokens(s));
    expect(train!.length + validation!.length + test!.length).toBe(text.length);
    expect(
      dataset.tokenizer.decode(train!) + dataset.tokenizer.decode(validation!) + dataset.tokenizer.decode(test!),
    ).toBe(text);
  });

  it('rows are windows of T+1 tokens lying inside their split', () => {
    for (const split of ['train', 'validation', 'test'] as const) {
      const splitText = dataset.tokenizer.decode(dataset.splitTokens(split));
      for (const batch of take(dataset, split, 3)) {
        expect(batch.length).toBe(33);
        expect(batch.batchSize).toBe(4);
        for (const row of rows(batch)) expect(splitText.includes(dataset.tokenizer.decode(row))).toBe(true);
      }
    }
  });

  it('the same seed gives the same train batches, another seed does not; validation follows the evaluation seed', () => {
    const again = createDataset({ kind: 'text' }, { seed: 1 });
    expect(take(again, 'train', 3)).toEqual(take(dataset, 'train', 3));
    expect(again.fingerprint).toBe(dataset.fingerprint);
    const other = createDataset({ kind: 'text' }, { seed: 2 });
    expect(take(other, 'train', 1)[0]!.tokens).not.toEqual(take(dataset, 'train', 1)[0]!.tokens);
    expect(other.fingerprint).not.toBe(dataset.fingerprint);
    // A new validation iterator always starts over: every evaluation sees the same windows.
    expect(take(dataset, 'validation', 2)).toEqual(take(dataset, 'validation', 2));
    // ... and so does a run with another seed: validation windows follow data.evaluationSeed.
    expect(take(other, 'validation', 2)).toEqual(take(dataset, 'validation', 2));
    const otherEvaluation = createDataset({ kind: 'text', evaluationSeed: 5 }, { seed: 1 });
    expect(take(otherEvaluation, 'validation', 1)).not.toEqual(take(dataset, 'validation', 1));
    expect(take(otherEvaluation, 'train', 1)).toEqual(take(dataset, 'train', 1));
  });

  it('resumes from a saved position with exactly the same next batches, across a JSON round trip', () => {
    const iterator = dataset.batches('train', { batchSize: 4, sequenceLength: 32 });
    iterator.next();
    iterator.next();
    const saved = JSON.parse(JSON.stringify(iterator.position()));
    const expected = [iterator.next(), iterator.next(), iterator.next()];
    const resumed = dataset.batches('train', { batchSize: 4, sequenceLength: 32, position: saved });
    expect([resumed.next(), resumed.next(), resumed.next()]).toEqual(expected);
    expect(resumed.position()).toEqual(iterator.position());
    // Rows do not depend on the batch size: 2 batches of 6 are 3 batches of 4.
    const sixes = dataset.batches('train', { batchSize: 6, sequenceLength: 32, position: saved });
    const twelve = [...sixes.next().tokens, ...sixes.next().tokens];
    expect(twelve).toEqual(expected.flatMap((b) => [...b.tokens]));
  });

  it('refuses a position saved for another split or another dataset', () => {
    const position = dataset.batches('train', { batchSize: 2, sequenceLength: 8 }).position();
    expect(() => dataset.batches('validation', { batchSize: 2, sequenceLength: 8, position })).toThrow(
      /belongs to split "train", not to split "validation"/,
    );
    const other = createDataset({ kind: 'text' }, { seed: 3 });
    expect(() => other.batches('train', { batchSize: 2, sequenceLength: 8, position })).toThrow(
      /belongs to another dataset/,
    );
    expect(() =>
      dataset.batches('train', { batchSize: 2, sequenceLength: 8, position: { ...position, nextRow: -1 } }),
    ).toThrow(/invalid nextRow -1/);
  });

  it('evaluation batches cover a split once with windows of stride T, the last batch smaller', () => {
    const tokens = dataset.splitTokens('validation');
    const T = 256;
    const batches = dataset.evaluationBatches('validation', { batchSize: 64, sequenceLength: T });
    const all = batches.flatMap(rows);
    expect(all.length).toBe(Math.floor((tokens.length - 1) / T));
    all.forEach((row, i) => {
      expect(row).toEqual(tokens.subarray(i * T, i * T + T + 1));
    });
    expect(batches.at(-1)!.batchSize).toBe(all.length % 64 || 64);
    expect(
      dataset.evaluationBatches('validation', { batchSize: 3, sequenceLength: T, maxRows: 5 }).flatMap(rows),
    ).toHaveLength(5);
  });

  it('rejects a context longer than a split, bad shapes and unknown splits with clear messages', () => {
    expect(() => dataset.batches('validation', { batchSize: 1, sequenceLength: 60_000 })).toThrow(
      /sequenceLength 60000 needs windows of 60001 tokens, but the validation split of .*tinyshakespeare.txt has only 55769 tokens/,
    );
    expect(() => dataset.evaluationBatches('test', { batchSize: 1, sequenceLength: 60_000 })).toThrow(
      /test split .* has only/,
    );
    expect(() => dataset.batches('train', { batchSize: 0, sequenceLength: 8 })).toThrow(
      /batchSize must be a positive integer/,
    );
    expect(() => dataset.batches('train', { batchSize: 2, sequenceLength: 1.5 })).toThrow(/sequenceLength \(T\)/);
    expect(() => dataset.batches('dev' as Split, { batchSize: 2, sequenceLength: 8 })).toThrow(/Unknown split "dev"/);
    expect(() => dataset.evaluationBatches('test', { batchSize: 2, sequenceLength: 8, maxRows: 0 })).toThrow(/maxRows/);
  });
});

describe('text dataset on a custom file', () => {
  it('keeps every window inside its own split (each split has its own letter)', () => {
    const path = join(dir, 'abc.txt');
    writeFileSync(path, `${'a'.repeat(900)}${'b'.repeat(50)}${'c'.repeat(50)}`);
    const dataset = createDataset({ kind: 'text', path }, { seed: 0 });
    for (const [split, letter] of [
      ['train', 'a'],
      ['validation', 'b'],
      ['test', 'c'],
    ] as const) {
      for (const batch of take(dataset, split, 20, 8, 10)) {
        expect(dataset.tokenizer.decode(batch.tokens)).toBe(letter.repeat(88));
      }
    }
    // 50 tokens fit windows of at most 50: T = 49.
    expect(() => take(dataset, 'test', 1, 1, 49)).not.toThrow();
    expect(() => take(dataset, 'test', 1, 1, 50)).toThrow(
      /needs windows of 51 tokens, but the test split .* has only 50/,
    );
  });

  it('honours expectedSha256, the split fractions, and a BPE trained on the train split only', () => {
    const path = join(dir, 'poem.txt');
    const text = 'the quick brown fox jumps over the lazy dog. '.repeat(40) + 'ZEBRA ZEBRA ZEBRA ZEBRA. '.repeat(20);
    writeFileSync(path, text);
    expect(() => createDataset({ kind: 'text', path, expectedSha256: 'ab'.repeat(32) }, { seed: 0 })).toThrow(
      /has SHA-256 .* but abab.* was expected/,
    );
    const fractions = { train: 0.6, validation: 0.3, test: 0.1 };
    const dataset = createDataset(
      { kind: 'text', path, tokenizer: 'bpe', bpeVocabSize: 300, splits: fractions },
      { seed: 0 },
    );
    const expected = trainBpe(splitText(text, fractions).train, { vocabSize: 300 });
    expect(dataset.tokenizer.toJSON()).toEqual(expected.toJSON());
    expect(dataset.describe()).toMatchObject({ corpus: 'custom', tokenizer: 'bpe', vocabSize: expected.vocabSize });
    // Reusing the saved tokenizer gives the same dataset without retraining.
    const reused = createDataset(dataset.config, { seed: 0, tokenizerJson: dataset.tokenizer.toJSON() });
    expect(reused.fingerprint).toBe(dataset.fingerprint);
    expect(take(reused, 'train', 2, 2, 16)).toEqual(take(dataset, 'train', 2, 2, 16));
    expect(() =>
      createDataset({ kind: 'text', path, tokenizer: 'char' }, { seed: 0, tokenizerJson: expected.toJSON() }),
    ).toThrow(/saved tokenizer is "bpe" but data.tokenizer is "char"/);
  });

  it('names the split and character a saved char tokenizer cannot encode', () => {
    const path = join(dir, 'new-char.txt');
    writeFileSync(path, 'aaaaaaaaaaaaaaaaaa€');
    expect(() =>
      createDataset({ kind: 'text', path }, { seed: 0, tokenizerJson: { kind: 'char', version: 1, symbols: ['a'] } }),
    ).toThrow(/Cannot tokenize the test split of .*new-char.txt: Character "€"/);
  });

  it('rejects bad text configs, naming the field', () => {
    expect(() =>
      createDataset({ kind: 'text', splits: { train: 0.9, validation: 0.2, test: 0.1 } }, { seed: 0 }),
    ).toThrow(/data.splits: the splits must add up to 1 .* = 1.2/);
    expect(() =>
      createDataset({ kind: 'text', splits: { train: 1.1, validation: 0, test: -0.1 } }, { seed: 0 }),
    ).toThrow(/data.splits.train: Too big: expected number to be <=1, got 1.1; data.splits.test: Too small/);
    expect(() => createDataset({ kind: 'text', tokenizer: 'word' as 'char' }, { seed: 0 })).toThrow(
      /data.tokenizer: Invalid option: expected one of "char"\|"bpe", got "word"/,
    );
    expect(() => createDataset({ kind: 'text', bpeVocabSize: 300 }, { seed: 0 })).toThrow(
      /data.bpeVocabSize: is only for tokenizer "bpe"/,
    );
    // Checked with the config (every problem at once, and in the JSON Schema), not when the BPE trains.
    expect(() => createDataset({ kind: 'text', tokenizer: 'bpe', bpeVocabSize: 10 }, { seed: 0 })).toThrow(
      /data.bpeVocabSize: Too small: expected number to be >=256, got 10/,
    );
    expect(() => createDataset({ kind: 'text', tokenizer: 'bpe', bpeVocabSize: 70_000 }, { seed: 0 })).toThrow(
      /data.bpeVocabSize: Too big: expected number to be <=65536, got 70000/,
    );
    expect(() => createDataset({ kind: 'text', pathh: 'x' } as never, { seed: 0 })).toThrow(
      /data.pathh: unknown field \(did you mean path\?\)/,
    );
    expect(() => createDataset({ kind: 'text', expectedSha256: 'xyz' }, { seed: 0 })).toThrow(/64 hex digits/);
    expect(() => createDataset({ kind: 'text', path: join(dir, 'missing.txt') }, { seed: 0 })).toThrow(/not found/);
    expect(() => createDataset({ kind: 'text' }, { seed: 0.5 })).toThrow(/integer seed, got 0.5/);
    expect(() => createDataset({ kind: 'images' } as never, { seed: 0 })).toThrow(
      /data.kind: must be one of toy, text, arithmetic, reviews, got "images"/,
    );
  });
});
