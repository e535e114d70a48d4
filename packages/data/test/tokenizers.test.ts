import { Rng } from '@ftlab/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainBpe } from '../src/bpe.js';
import { CharTokenizer, charTokenizer } from '../src/char-tokenizer.js';
import { loadCorpus } from '../src/corpus.js';
import {
  type BpeTokenizer,
  charTokenizerFromSymbols,
  pretokenize,
  type TokenizerJson,
  tokenizerFromJSON,
} from '../src/index.js';
import { splitText } from '../src/splits.js';
import { randomUnicode } from './helpers.js';

const utf8 = new TextEncoder();

function mergeEverywhere(ids: number[], left: number, right: number, merged: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === left && ids[i + 1] === right) {
      out.push(merged);
      i++;
    } else {
      out.push(ids[i]!);
    }
  }
  return out;
}

/**
 * BPE training the slow, obvious way: recount every pair of every chunk before each merge.
 * The incremental trainer must learn exactly the same merges.
 */
function naiveTrainBpe(text: string, vocabSize: number): [number, number][] {
  const words = pretokenize(text).map((chunk) => Array.from(utf8.encode(chunk)));
  const merges: [number, number][] = [];
  while (256 + merges.length < vocabSize) {
    const counts = new Map<string, number>();
    for (const w of words)
      for (let i = 0; i + 1 < w.length; i++)
        counts.set(`${w[i]},${w[i + 1]}`, (counts.get(`${w[i]},${w[i + 1]}`) ?? 0) + 1);
    let best: [number, number] | undefined;
    let bestCount = 0;
    for (const [key, count] of counts) {
      const pair = key.split(',').map(Number) as [number, number];
      const smaller = best === undefined || pair[0] < best[0] || (pair[0] === best[0] && pair[1] < best[1]);
      if (count > bestCount || (count === bestCount && smaller)) [best, bestCount] = [pair, count];
    }
    if (best === undefined || bestCount < 2) break;
    merges.push(best);
    for (let i = 0; i < words.length; i++)
      words[i] = mergeEverywhere(words[i]!, best[0], best[1], 256 + merges.length - 1);
  }
  return merges;
}

describe('char tokenizer', () => {
  it('takes the distinct code points of a text in code point order and round-trips it', () => {
    const text = 'ba\n🙂a b';
    const tokenizer = charTokenizer(text);
    expect(tokenizer.symbols).toEqual(['\n', ' ', 'a', 'b', '🙂']);
    expect(tokenizer.encode(text)).toEqual([3, 2, 0, 4, 2, 1, 3]);
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it('round-trips random Unicode and survives a JSON round trip', () => {
    const rng = Rng.fromSeed(1);
    for (let trial = 0; trial < 100; trial++) {
      const text = randomUnicode(rng, 30) || 'x';
      const tokenizer = charTokenizer(text);
      const copy = tokenizerFromJSON(JSON.parse(JSON.stringify(tokenizer.toJSON())) as TokenizerJson);
      expect(copy.decode(copy.encode(text))).toBe(text);
      expect(copy.encode(text)).toEqual(tokenizer.encode(text));
    }
  });

  it('names the unknown character and its position, and rejects bad ids and symbol lists', () => {
    const tokenizer = charTokenizerFromSymbols(['a', 'b']);
    expect(() => tokenizer.encode('ab🙂')).toThrow(/Character "🙂" \(U\+1F642\) at position 2 is not in .* 2 symbols/);
    expect(() => tokenizer.encode('a\u0007')).toThrow(/\(U\+0007\) at position 1/);
    expect(() => tokenizer.decode([0, 2])).toThrow(/Token id 2 at index 1 is outside this char vocabulary \[0, 2\)/);
    expect(() => new CharTokenizer(['a', 'a'])).toThrow(/"a" \(U\+0061\) appears twice/);
    expect(() => new CharTokenizer(['ab'])).toThrow(/exactly one code point, got "ab"/);
    expect(() => charTokenizer('')).toThrow(/non-empty text/);
    expect(() => tokenizerFromJSON({ kind: 'word' } as unknown as TokenizerJson)).toThrow(/kind "char" or "bpe"/);
  });
});

describe('byte-level BPE', () => {
  it('the pre-tokenizer cuts text into chunks that concatenate back to it', () => {
    const rng = Rng.fromSeed(2);
    for (let trial = 0; trial < 200; trial++) {
      const text = randomUnicode(rng, 40);
      expect(pretokenize(text).join('')).toBe(text);
    }
    expect(pretokenize("I'll see  you 42x")).toEqual(['I', "'ll", ' see', ' ', ' you', ' 42', 'x']);
  });

  it('learns the same merges as naive recounting (ties to the smallest pair)', () => {
    const rng = Rng.fromSeed(3);
    const words = ['the', 'then', 'there', 'aaaa', 'ab', 'ba', 'éé', '🙂🙂'];
    for (let trial = 0; trial < 8; trial++) {
      const text = Array.from({ length: 300 }, () => rng.pick(words) + rng.pick([' ', '', '\n', ', '])).join('');
      expect(trainBpe(text, { vocabSize: 300 }).toJSON().merges).toEqual(naiveTrainBpe(text, 300));
    }
  });

  describe('trained on tiny-shakespeare', () => {
    let bpe: BpeTokenizer;
    let text: string;
    beforeAll(() => {
      text = loadCorpus().text;
      bpe = trainBpe(splitText(text, { train: 0.9, validation: 0.05, test: 0.05 }).train, { vocabSize: 512 });
    });

    it('reaches the requested vocabulary, compresses, and round-trips the whole corpus', () => {
      expect(bpe.vocabSize).toBe(512);
      const ids = bpe.encode(text);
      expect(ids.length).toBeLessThan(text.length * 0.6);
      expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < 512)).toBe(true);
      expect(bpe.decode(ids)).toBe(text);
    });

    it('round-trips arbitrary Unicode (emoji, CJK, combining marks, astral planes) it never saw', () => {
      const rng = Rng.fromSeed(4);
      for (let trial = 0; trial < 300; trial++) {
        const sample = randomUnicode(rng, 60);
        const ids = bpe.encode(sample);
        if (bpe.decode(ids) !== sample) throw new Error(`round trip failed for ${JSON.stringify(sample)}`);
      }
    });

    it('is deterministic and identical after a JSON round trip', () => {
      const again = trainBpe(splitText(text, { train: 0.9, validation: 0.05, test: 0.05 }).train, { vocabSize: 512 });
      expect(again.toJSON()).toEqual(bpe.toJSON());
      const copy = tokenizerFromJSON(JSON.parse(JSON.stringify(bpe.toJSON())) as TokenizerJson);
      const sample = text.slice(5000, 9000);
      expect(copy.encode(sample)).toEqual(bpe.encode(sample));
      expect(copy.vocabSize).toBe(512);
    });

    it('every token is the concatenation of its merge pair', () => {
      bpe.merges.forEach(([left, right], rank) => {
        const joined = [...bpe.tokenBytes(left), ...bpe.tokenBytes(right)];
        expect([...bpe.tokenBytes(256 + rank)]).toEqual(joined);
      });
    });
  });

  it('stops early when no pair repeats, and decodes invalid byte sequences with U+FFFD instead of failing', () => {
    const small = trainBpe('abab', { vocabSize: 1000 });
    expect(small.vocabSize).toBe(257);
    expect(small.decode([0xe2, 0x82])).toBe('\ufffd');
    expect(trainBpe('', { vocabSize: 300 }).vocabSize).toBe(256);
  });

  it('rejects bad input with clear messages', () => {
    expect(() => trainBpe('abc', { vocabSize: 100 })).toThrow(
      /vocabSize must be an integer in \[256, 65536\].*got 100/,
    );
    expect(() => trainBpe('abc', { vocabSize: 300, minPairCount: 0 })).toThrow(
      /minPairCount must be a positive integer/,
    );
    const bpe = trainBpe('hello hello', { vocabSize: 260 });
    expect(() => bpe.encode('a\ud800b')).toThrow(/unpaired UTF-16 surrogate \(0xd800\) at index 1/);
    expect(() => bpe.decode([1, 9999])).toThrow(/Token id 9999 at index 1 is outside this BPE vocabulary \[0, 260\)/);
    expect(() => tokenizerFromJSON({ kind: 'bpe', version: 1, pretokenizer: 'gpt2', merges: [[1, 300]] })).toThrow(
      /merge 0 must be a pair of existing token ids below 256, got \[1,300\]/,
    );
    expect(() =>
      tokenizerFromJSON({
        kind: 'bpe',
        version: 1,
        pretokenizer: 'gpt2',
        merges: [
          [1, 2],
          [1, 2],
        ],
      }),
    ).toThrow(/merge 1 \[1, 2\] repeats an earlier merge/);
    expect(() => tokenizerFromJSON({ kind: 'bpe', version: 2 } as unknown as TokenizerJson)).toThrow(
      /Not a saved BPE tokenizer/,
    );
  });
});
