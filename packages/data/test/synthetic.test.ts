import { describe, expect, it } from 'vitest';
import {
  analyseReview,
  analyseToyBody,
  type Batch,
  createBenchmark,
  createDataset,
  type Dataset,
  REVIEW_WORDS,
  resolveDataConfig,
  type Split,
  toyTokenizer,
} from '../src/index.js';
import type { BenchmarkItem } from '../src/synthetic-task.js';

function rowTexts(dataset: Dataset, batch: Batch): string[] {
  return Array.from({ length: batch.batchSize }, (_, r) =>
    dataset.tokenizer.decode(batch.tokens.subarray(r * batch.length, (r + 1) * batch.length)),
  );
}

describe('toy dataset', () => {
  const dataset = createDataset({ kind: 'toy' }, { seed: 1 });

  it('rows are whole 66-token toy sequences with their hidden choices, so T is 65', () => {
    expect(dataset.fixedSequenceLength).toBe(65);
    expect(dataset.tokenizer.toJSON()).toEqual(toyTokenizer().toJSON());
    const batch = dataset.batches('train', { batchSize: 16, sequenceLength: 65 }).next();
    expect(batch.length).toBe(66);
    expect(batch.hidden).toHaveLength(16);
    rowTexts(dataset, batch).forEach((text, r) => {
      const hidden = batch.hidden![r]!;
      expect(text.slice(0, 2)).toBe(`${hidden.letter}>`);
      const analysis = analyseToyBody(hidden.letter, text.slice(2));
      expect(analysis.valid).toBe(true);
      expect(analysis.blockStarts).toContain(hidden.blockStart);
      expect(analysis.noisePositions).toEqual(hidden.noiseMask.flatMap((n, i) => (n ? [i] : [])));
    });
    expect(() => dataset.batches('train', { batchSize: 2, sequenceLength: 64 })).toThrow(
      /Every toy sequence is 66 tokens, so sequenceLength \(T\) must be 65 .*got 64/,
    );
  });

  it('train is a fresh stream; validation and test are fixed sets that every evaluation sees again', () => {
    const train = dataset.batches('train', { batchSize: 8, sequenceLength: 65 });
    const first = rowTexts(dataset, train.next());
    const second = rowTexts(dataset, train.next());
    expect(first).not.toEqual(second);
    const validation = (split: Split) => dataset.evaluationBatches(split, { batchSize: 100, sequenceLength: 65 });
    expect(validation('validation')).toEqual(validation('validation'));
    expect(validation('validation').reduce((n, b) => n + b.batchSize, 0)).toBe(512);
    expect(validation('test')[0]!.tokens).not.toEqual(validation('validation')[0]!.tokens);
    // The validation iterator cycles over the same 512 sequences.
    const cycling = dataset.batches('validation', { batchSize: 512, sequenceLength: 65 });
    expect(cycling.next()).toEqual(cycling.next());
    expect(() => dataset.evaluationBatches('train', { batchSize: 8, sequenceLength: 65 })).toThrow(
      /train split is an endless stream/,
    );
  });

  it('validation and test data depend on the evaluation seed, not on the run seed', () => {
    const options = { batchSize: 16, sequenceLength: 65 };
    const otherRun = createDataset({ kind: 'toy' }, { seed: 99 });
    expect(otherRun.evaluationBatches('validation', options)).toEqual(dataset.evaluationBatches('validation', options));
    expect(otherRun.batches('test', options).next()).toEqual(dataset.batches('test', options).next());
    expect(otherRun.batches('train', options).next()).not.toEqual(dataset.batches('train', options).next());
    const otherEvaluation = createDataset({ kind: 'toy', evaluationSeed: 1 }, { seed: 1 });
    expect(otherEvaluation.evaluationBatches('validation', options)[0]).not.toEqual(
      dataset.evaluationBatches('validation', options)[0],
    );
    expect(otherEvaluation.batches('train', options).next()).toEqual(dataset.batches('train', options).next());
    expect(() => createDataset({ kind: 'toy', evaluationSeed: 0.5 }, { seed: 1 })).toThrow(
      /data.evaluationSeed: expected integer, got 0.5/,
    );
  });

  it('validation and test sizes and task options come from the config', () => {
    const small = createDataset(
      {
        kind: 'toy',
        validationSequences: 10,
        testSequences: 3,
        toy: { bodyLength: 12, blockLength: 3, alphabet: 'AB' },
      },
      { seed: 1 },
    );
    expect(small.fixedSequenceLength).toBe(13);
    expect(small.vocabSize).toBe(5);
    expect(small.evaluationBatches('validation', { batchSize: 4, sequenceLength: 13 }).map((b) => b.batchSize)).toEqual(
      [4, 4, 2],
    );
    expect(small.evaluationBatches('test', { batchSize: 4, sequenceLength: 13 }).map((b) => b.batchSize)).toEqual([3]);
    expect(() => createDataset({ kind: 'toy', validationSequences: 0 }, { seed: 1 })).toThrow(
      /data.validationSequences: Too small: expected number to be >=1, got 0/,
    );
    expect(() => createDataset({ kind: 'toy', toy: { noiseRate: -1 } }, { seed: 1 })).toThrow(/toy.noiseRate/);
  });

  it("resumes mid-stream from a saved position, and rejects another seed's position", () => {
    const iterator = dataset.batches('train', { batchSize: 4, sequenceLength: 65 });
    iterator.next();
    const saved = JSON.parse(JSON.stringify(iterator.position()));
    const expected = [iterator.next(), iterator.next()];
    const resumed = dataset.batches('train', { batchSize: 4, sequenceLength: 65, position: saved });
    expect([resumed.next(), resumed.next()]).toEqual(expected);
    const other = createDataset({ kind: 'toy' }, { seed: 2 });
    expect(() => other.batches('train', { batchSize: 4, sequenceLength: 65, position: saved })).toThrow(
      /another dataset/,
    );
  });

  it('refuses a saved tokenizer that is not the task vocabulary', () => {
    expect(() =>
      createDataset({ kind: 'toy' }, { seed: 1, tokenizerJson: { kind: 'char', version: 1, symbols: ['A', '>'] } }),
    ).toThrow(/does not match the toy task's fixed vocabulary \(29 symbols\)/);
    expect(createDataset({ kind: 'toy' }, { seed: 1, tokenizerJson: toyTokenizer().toJSON() }).vocabSize).toBe(29);
  });
});

describe.each(['arithmetic', 'reviews'] as const)('%s dataset', (kind) => {
  const dataset = createDataset({ kind }, { seed: 4 });

  it('rows are whole sequences ending in a newline, packed from the row start, any T', () => {
    expect(dataset.fixedSequenceLength).toBeUndefined();
    const benchmark = createBenchmark(kind);
    for (const T of [5, 64, 300]) {
      const batch = dataset.batches('train', { batchSize: 6, sequenceLength: T }).next();
      expect(batch.length).toBe(T + 1);
      for (const text of rowTexts(dataset, batch)) {
        const lines = text.split('\n');
        // Every complete line is a correct sequence; the last line may be cut by the row's end.
        for (const line of lines.slice(0, -1)) {
          const item = { id: 'row', prompt: '', reference: '' } as BenchmarkItem;
          if (kind === 'reviews') expect(benchmark.check(item, line)).toBe(true);
          else {
            const [, a, operation, b, answer] = /^(\d+)([+-])(\d+)=(-?\d+)$/.exec(line) ?? [];
            const result = operation === '+' ? Number(a) + Number(b) : Number(a) - Number(b);
            expect(benchmark.check({ ...item, reference: String(result) }, answer ?? 'no answer')).toBe(true);
          }
        }
      }
    }
  });

  it('the same seed gives the same rows and validation is a fixed set', () => {
    const again = createDataset({ kind }, { seed: 4 });
    const options = { batchSize: 4, sequenceLength: 40 };
    expect(again.batches('train', options).next()).toEqual(dataset.batches('train', options).next());
    expect(dataset.evaluationBatches('validation', options)).toEqual(dataset.evaluationBatches('validation', options));
    expect(createDataset({ kind }, { seed: 5 }).batches('train', options).next()).not.toEqual(
      dataset.batches('train', options).next(),
    );
  });
});

describe('resolveDataConfig', () => {
  it('fills every default once: resolving a resolved config changes nothing', () => {
    for (const config of [
      { kind: 'toy' },
      { kind: 'arithmetic', arithmetic: { maxDigits: 4 } },
      { kind: 'reviews', testSequences: 7 },
      { kind: 'text', tokenizer: 'bpe' },
    ] as const) {
      const resolved = resolveDataConfig(config);
      expect(resolveDataConfig(resolved)).toEqual(resolved);
      expect(JSON.parse(JSON.stringify(resolved))).toEqual(resolved);
    }
    expect(resolveDataConfig({ kind: 'toy' })).toEqual({
      kind: 'toy',
      toy: { bodyLength: 64, blockLength: 8, noiseRate: 1 / 16, alphabet: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' },
      validationSequences: 512,
      testSequences: 512,
      evaluationSeed: 0,
    });
  });
});

describe('benchmarks', () => {
  it.each(['toy', 'arithmetic', 'reviews'] as const)(
    '%s: items are deterministic from a seed, continue with start, and their references pass the rule',
    (name) => {
      const benchmark = createBenchmark(name);
      const items = benchmark.items({ seed: 7, count: 200 });
      expect(benchmark.items({ seed: 7, count: 200 })).toEqual(items);
      expect(benchmark.items({ seed: 7, count: 50, start: 150 })).toEqual(items.slice(150));
      expect(benchmark.items({ seed: 8, count: 5 })).not.toEqual(items.slice(0, 5));
      expect(new Set(items.map((i) => i.id)).size).toBe(200);
      for (const item of items) {
        expect(benchmark.check(item, item.reference)).toBe(true);
        const text = item.prompt + item.reference + (benchmark.stop ?? '');
        expect(benchmark.tokenizer.decode(benchmark.tokenizer.encode(text))).toBe(text);
        expect([...item.reference].length + (benchmark.stop ? 1 : 0)).toBeLessThanOrEqual(benchmark.maxOutputLength);
      }
      expect(benchmark.dataConfig.kind).toBe(name);
    },
  );

  it('arithmetic: exact match up to the newline; wrong digits, extra text before it, or a missing answer fail', () => {
    const benchmark = createBenchmark({ kind: 'arithmetic', arithmetic: { minDigits: 2, maxDigits: 5 } });
    for (const item of benchmark.items({ seed: 1, count: 300 })) {
      const { a, b, operation } = item.latent as { a: number; b: number; operation: string };
      expect(item.prompt).toBe(`${a}${operation}${b}=`);
      expect(Number(item.reference)).toBe(operation === '+' ? a + b : a - b);
      expect(Number(item.reference)).toBeGreaterThanOrEqual(0);
      expect(a >= 10 && a < 100_000 && b >= 10 && b < 100_000).toBe(true);
      expect(benchmark.check(item, `${item.reference}\n12+3=15\n`)).toBe(true);
      expect(benchmark.check(item, String(Number(item.reference) + 1))).toBe(false);
      expect(benchmark.check(item, `${item.reference}0`)).toBe(false);
      expect(benchmark.check(item, '')).toBe(false);
    }
    const negative = createBenchmark({ kind: 'arithmetic', arithmetic: { operations: ['-'], allowNegative: true } });
    expect(negative.items({ seed: 1, count: 200 }).some((item) => item.reference.startsWith('-'))).toBe(true);
    const wide = createBenchmark({
      kind: 'arithmetic',
      arithmetic: { minDigits: 15, maxDigits: 15, operations: ['+'] },
    });
    for (const item of wide.items({ seed: 1, count: 50 })) {
      const { a, b } = item.latent as { a: number; b: number };
      expect(String(a)).toHaveLength(15);
      expect(BigInt(item.reference)).toBe(BigInt(a) + BigInt(b));
    }
    expect(() => createBenchmark({ kind: 'arithmetic', arithmetic: { maxDigits: 16 } })).toThrow(
      /arithmetic.maxDigits: Too big: expected number to be <=15, got 16/,
    );
    expect(() => createBenchmark({ kind: 'arithmetic', arithmetic: { operations: ['*' as '+'] } })).toThrow(
      /arithmetic.operations\[0\]: Invalid option: expected one of "\+"\|"-", got "\*"/,
    );
  });

  it('reviews: prompts stop before a sentiment word; a consistent grammatical continuation passes, a flipped one fails', () => {
    const benchmark = createBenchmark('reviews');
    const items = benchmark.items({ seed: 2, count: 300 });
    expect(items.some((i) => i.latent?.decidedByPrompt === false)).toBe(true);
    expect(items.some((i) => i.latent?.decidedByPrompt === true)).toBe(true);
    const flip = (text: string, from: 'positive' | 'negative', to: 'positive' | 'negative') => {
      for (const word of REVIEW_WORDS.adjectives[from]) {
        const flipped = text.replace(new RegExp(`\\b${word}\\b`), REVIEW_WORDS.adjectives[to][0]!);
        if (flipped !== text) return flipped;
      }
      for (const verdict of REVIEW_WORDS.verdicts[from]) {
        if (text.includes(verdict)) return text.replace(verdict, REVIEW_WORDS.verdicts[to][0]!);
      }
      return text;
    };
    for (const item of items) {
      const sentiment = item.latent!.sentiment as 'positive' | 'negative';
      const opposite = sentiment === 'positive' ? 'negative' : 'positive';
      const full = analyseReview(item.prompt + item.reference);
      expect(full).toMatchObject({ valid: true, consistent: true, sentiment });
      const flipped = flip(item.reference, sentiment, opposite);
      expect(flipped).not.toBe(item.reference);
      // Flipping one word mixes sentiments unless the reference was the only sentiment-bearing piece
      // of an undecided prompt, in which case the other sentiment is an equally valid choice.
      const mixed = analyseReview(item.prompt + flipped).sentiments.length > 1;
      expect(benchmark.check(item, flipped)).toBe(!mixed);
    }
  });

  it('reviews: the rule parses the grammar and says what is wrong', () => {
    expect(analyseReview('the food was great and the staff seemed very friendly, would come again.')).toMatchObject({
      valid: true,
      consistent: true,
      sentiment: 'positive',
      sentiments: ['positive', 'positive', 'positive'],
    });
    expect(analyseReview('the food was great and the staff seemed rude, never again.')).toMatchObject({
      valid: true,
      consistent: false,
    });
    expect(analyseReview('the food was great and the staff seemed friendly, never again')).toMatchObject({
      valid: false,
      reason: 'a review ends with "."',
    });
    expect(analyseReview('the food was great, would come again.').reason).toMatch(/1 clauses, expected 2 to 3/);
    expect(analyseReview('the food was great and the cat was lovely, would come again.').reason).toMatch(
      /"the cat was lovely" is not "the <noun> <verb>/,
    );
    expect(analyseReview('the food was great and the staff was lovely, so so.').reason).toMatch(
      /"so so" is not a verdict/,
    );
    expect(analyseReview('the food was great and the staff was lovely.', { verdict: false }).valid).toBe(true);
    expect(() => createBenchmark({ kind: 'reviews', reviews: { maxClauses: 99 } })).toThrow(
      /reviews.maxClauses: Too big: .*<=12, got 99/,
    );
  });

  it('toy: any body the task could produce passes, whatever the block position; broken ones fail', () => {
    const benchmark = createBenchmark('toy');
    const [item] = benchmark.items({ seed: 3, count: 1 });
    const letter = item!.prompt[0]!;
    expect(benchmark.check(item!, `${letter.repeat(8)}${'_'.repeat(56)}`)).toBe(true);
    expect(benchmark.check(item!, `${'_'.repeat(56)}${letter.repeat(8)}`)).toBe(true);
    expect(benchmark.check(item!, `${'_'.repeat(56)}${letter.repeat(7)}_`)).toBe(false);
    expect(benchmark.check(item!, `${letter.repeat(8)}${'_'.repeat(55)}`)).toBe(false);
    expect(() => createBenchmark('chess' as never)).toThrow(
      /No benchmark "chess": use one of toy, arithmetic, reviews/,
    );
    expect(() => benchmark.items({ seed: 1, count: -1 })).toThrow(/count must be an integer >= 0/);
  });
});
