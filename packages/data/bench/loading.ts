// `pnpm --filter @ftlab/data bench`: how long the data side takes, to compare with a training
// step (~2,600 tokens/s on wasm here): BPE training and encoding on tiny-shakespeare, dataset
// construction, and batch throughput of each dataset kind. Prints numbers; asserts nothing.
import { benchArgs } from '../../../bench.shared.js';
import { trainBpe } from '../src/bpe.js';
import { loadCorpus } from '../src/corpus.js';
import type { DataConfig } from '../src/data-config.js';
import { createDataset } from '../src/dataset.js';
import { splitText } from '../src/splits.js';

benchArgs({
  usage: 'pnpm --filter @ftlab/data bench',
  description:
    'BPE training, encoding and decoding on tiny-shakespeare, then dataset construction and batch ' +
    'throughput of each dataset kind: one line of text per measurement.',
  options: {},
});

function time<T>(run: () => T): [T, number] {
  const start = performance.now();
  const result = run();
  return [result, performance.now() - start];
}

const corpus = loadCorpus();
const { train } = splitText(corpus.text, { train: 0.9, validation: 0.05, test: 0.05 });
console.log(`tiny-shakespeare: ${corpus.bytes} bytes, train split ${train.length} characters`);
for (const vocabSize of [512, 1024]) {
  const [bpe, trainMs] = time(() => trainBpe(train, { vocabSize }));
  const [ids, encodeMs] = time(() => bpe.encode(corpus.text));
  const [, decodeMs] = time(() => bpe.decode(ids));
  console.log(
    `BPE ${vocabSize}: train ${(trainMs / 1000).toFixed(2)} s, encode ${(encodeMs / 1000).toFixed(2)} s, ` +
      `decode ${(decodeMs / 1000).toFixed(2)} s, ${ids.length} tokens (${(corpus.bytes / ids.length).toFixed(2)} bytes/token)`,
  );
}

const kinds: [string, DataConfig, number][] = [
  ['toy', { kind: 'toy' }, 65],
  ['text char', { kind: 'text', tokenizer: 'char' }, 64],
  ['text bpe 512', { kind: 'text', tokenizer: 'bpe', bpeVocabSize: 512 }, 64],
  ['arithmetic', { kind: 'arithmetic' }, 64],
  ['reviews', { kind: 'reviews' }, 64],
];
for (const [name, config, T] of kinds) {
  const [dataset, buildMs] = time(() => createDataset(config, { seed: 0 }));
  const iterator = dataset.batches('train', { batchSize: 32, sequenceLength: T });
  const batches = 200;
  const [, batchMs] = time(() => {
    for (let i = 0; i < batches; i++) iterator.next();
  });
  const tokensPerSecond = (batches * 32 * T) / (batchMs / 1000);
  console.log(
    `${name.padEnd(13)} build ${(buildMs / 1000).toFixed(2)} s, B=32 T=${T}: ${(batchMs / batches).toFixed(2)} ms/batch, ` +
      `${Math.round(tokensPerSecond).toLocaleString('en-US')} tokens/s`,
  );
}
