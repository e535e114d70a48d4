// The tokenizers in the Hugging Face `tokenizers` format: GPT-2's byte alphabet, and what cannot be
// held there. Applying the exported files to text (ids equal to ftlab's) is tested on runs trained
// by the CLI, with an independent reader (apps/cli/test/hf-export.test.ts).
import { describe, expect, it } from 'vitest';
import { byteLevelAlphabet } from '../src/hf-tokenizer.js';
import { BpeTokenizer, charTokenizerFromSymbols, huggingFaceTokenizerFiles } from '../src/index.js';

describe('huggingFaceTokenizerFiles', () => {
  it("spells bytes with GPT-2's alphabet: 256 visible characters, space as Ġ, newline as Ċ", () => {
    const alphabet = byteLevelAlphabet();
    expect(new Set(alphabet).size).toBe(256);
    expect(alphabet.every((c) => [...c].length === 1 && !/\s/u.test(c))).toBe(true);
    expect([alphabet[0x20], alphabet[0x0a], alphabet[0x41], alphabet[0xad], alphabet[0xff]]).toEqual([
      'Ġ',
      'Ċ',
      'A',
      'Ń',
      'ÿ',
    ]);
  });

  it('spells merges with the bytes of both halves, and refuses two tokens of the same bytes', () => {
    const bpe = new BpeTokenizer([
      [32, 116],
      [256, 104],
    ]);
    const model = huggingFaceTokenizerFiles(bpe, { modelMaxLength: 8 }).tokenizer.model as Record<string, unknown>;
    expect(model.merges).toEqual(['Ġ t', 'Ġt h']);
    expect(Object.entries(model.vocab as Record<string, number>)).toContainEqual(['Ġth', 257]);

    const twice = new BpeTokenizer([
      [97, 98],
      [256, 99],
      [98, 99],
      [97, 258],
    ]);
    expect(() => huggingFaceTokenizerFiles(twice, { modelMaxLength: 8 })).toThrow(
      /BPE tokens 257 and 259 are the same bytes \("abc" in byte-level spelling\)/,
    );
    const char = huggingFaceTokenizerFiles(charTokenizerFromSymbols(['\n', ' ', 'a']), { modelMaxLength: 8 });
    expect((char.tokenizer.model as Record<string, unknown>).vocab).toEqual({ '\n': 0, ' ': 1, a: 2 });
  });
});
