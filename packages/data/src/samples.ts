// `pnpm --filter @ftlab/data samples [--seed N] [--count N] [--sequence-length T] [--bpe-vocab-size V]`:
// prints a few decoded training rows of every dataset kind with its vocabulary size, so a person
// can see what a model is trained on.
import { parseArgs } from 'node:util';
import { createBenchmark } from './benchmark.js';
import type { DataConfig } from './data-config.js';
import { createDataset } from './dataset.js';
import type { Dataset } from './dataset-interface.js';

function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new Error(`--${name} must be an integer, got "${value}".`);
  return parsed;
}

/** Shows control characters so a row stays on one line. */
function visible(text: string): string {
  return text.replaceAll('\n', '⏎');
}

function section(title: string, dataset: Dataset, startMs: number): void {
  const seconds = ((performance.now() - startMs) / 1000).toFixed(2);
  console.log(`\n== ${title}: vocabulary ${dataset.vocabSize} (${dataset.tokenizer.kind}), built in ${seconds} s ==`);
}

function printRows(dataset: Dataset, count: number, sequenceLength: number, showTokens = false): void {
  const T = dataset.fixedSequenceLength ?? sequenceLength;
  const batch = dataset.batches('train', { batchSize: count, sequenceLength: T }).next();
  for (let row = 0; row < batch.batchSize; row++) {
    const ids = batch.tokens.subarray(row * batch.length, (row + 1) * batch.length);
    const hidden = batch.hidden?.[row];
    const noise = hidden?.noiseMask.flatMap((isNoise, i) => (isNoise ? [i] : []));
    const suffix = hidden
      ? `   letter ${hidden.letter}, block at ${hidden.blockStart}, noise at [${noise?.join(', ')}]`
      : '';
    console.log(`  ${visible(dataset.tokenizer.decode(ids))}${suffix}`);
    if (showTokens) {
      const pieces = Array.from(ids.subarray(0, 24), (id) => visible(dataset.tokenizer.decode([id])));
      console.log(`    first tokens: ${pieces.map((p) => `[${p}]`).join('')}`);
    }
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      count: { type: 'string' },
      'sequence-length': { type: 'string' },
      'bpe-vocab-size': { type: 'string' },
    },
  });
  const seed = integerOption(values.seed, 'seed', 0);
  const count = integerOption(values.count, 'count', 3);
  const sequenceLength = integerOption(values['sequence-length'], 'sequence-length', 96);
  const bpeVocabSize = integerOption(values['bpe-vocab-size'], 'bpe-vocab-size', 512);

  const kinds: [string, DataConfig, boolean][] = [
    ['toy task (paper defaults)', { kind: 'toy' }, false],
    ['text, char (tiny-shakespeare)', { kind: 'text', tokenizer: 'char' }, false],
    [
      `text, byte-level BPE (tiny-shakespeare, ${bpeVocabSize})`,
      { kind: 'text', tokenizer: 'bpe', bpeVocabSize },
      true,
    ],
    ['arithmetic', { kind: 'arithmetic' }, false],
    ['reviews', { kind: 'reviews' }, false],
  ];
  console.log(
    `Decoded training rows (seed ${seed}, T = ${sequenceLength} where the dataset allows it; ⏎ is a newline)`,
  );
  for (const [title, config, showTokens] of kinds) {
    const start = performance.now();
    const dataset = createDataset(config, { seed });
    section(title, dataset, start);
    printRows(dataset, count, sequenceLength, showTokens);
  }
  console.log('\n== benchmark items (prompt => reference, latent) ==');
  for (const name of ['toy', 'arithmetic', 'reviews'] as const) {
    const benchmark = createBenchmark(name);
    for (const item of benchmark.items({ seed, count })) {
      const latent = JSON.stringify(item.latent, (key, value) =>
        key === 'noiseMask' ? (value as boolean[]).flatMap((n, i) => (n ? [i] : [])) : value,
      );
      console.log(`  ${item.id}: ${visible(item.prompt)} => ${visible(item.reference)}   ${latent}`);
    }
  }
}

try {
  main();
} catch (error) {
  console.error(`samples: ${(error as Error).message}`);
  process.exitCode = 1;
}
