// The tokenizers in the Hugging Face `tokenizers` format: GPT-2's byte alphabet, and what cannot be
// held there. Applying the exported files to text (ids equal to ftlab's) is tested on runs trained
// by the CLI, with an independent reader (apps/cli/test/hf-export.test.ts).
import { describe, expect, it } from 'vitest';
import { BPE_SPLIT_PATTERN, byteLevelAlphabet, JS_WHITESPACE_CLASS, spellOutWhitespace } from '../src/hf-tokenizer.js';
import { BpeTokenizer, charTokenizerFromSymbols, huggingFaceTokenizerFiles, pretokenize } from '../src/index.js';

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

  it('writes the same envelope for both tokenizers, its keys in the order of the format', () => {
    for (const tokenizer of [charTokenizerFromSymbols(['a', 'b']), new BpeTokenizer([[97, 98]])]) {
      const json = huggingFaceTokenizerFiles(tokenizer, { modelMaxLength: 8 }).tokenizer;
      expect(Object.keys(json).join(' '), tokenizer.kind).toBe(
        'version truncation padding added_tokens normalizer pre_tokenizer post_processor decoder model',
      );
      expect(json, tokenizer.kind).toMatchObject({
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: [],
        normalizer: null,
        post_processor: null,
      });
    }
  });

  it('keeps a token spelled __proto__ (the vocabulary has no prototype to swallow it)', () => {
    // "__proto__" from its bytes: __ (256), pr (257), ot (258), prot (259), proto (260), __proto (261), __proto__ (262).
    const bpe = new BpeTokenizer([
      [95, 95],
      [112, 114],
      [111, 116],
      [257, 258],
      [259, 111],
      [256, 260],
      [261, 256],
    ]);
    expect(bpe.decode([262])).toBe('__proto__');
    const tokenizer = huggingFaceTokenizerFiles(bpe, { modelMaxLength: 8 }).tokenizer;
    const vocab = (tokenizer.model as Record<string, unknown>).vocab as Record<string, number>;
    expect(Object.hasOwn(vocab, '__proto__')).toBe(true);
    const written = JSON.parse(JSON.stringify(tokenizer)) as { model: { vocab: Record<string, number> } };
    expect(Object.entries(written.model.vocab)).toContainEqual(['__proto__', 262]);
    expect(Object.keys(written.model.vocab).length).toBe(bpe.vocabSize);
  });

  it("writes the BPE pre-tokenizer as Split(ftlab's pattern, whitespace spelled out) then ByteLevel without its regex", () => {
    const json = huggingFaceTokenizerFiles(new BpeTokenizer([]), { modelMaxLength: 8 }).tokenizer;
    const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };
    expect(json.pre_tokenizer).toEqual({
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: BPE_SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
        byteLevel,
      ],
    });
    expect(json.decoder).toEqual({
      type: 'Sequence',
      decoders: [byteLevel, { type: 'Strip', content: '\ufeff', start: 1, stop: 0 }],
    });
    // No engine-dependent class is left: \s, \S, \d, \w would each be the regex engine's own.
    expect(BPE_SPLIT_PATTERN).not.toMatch(/\\[sSdDwW]/);
    expect(BPE_SPLIT_PATTERN).not.toContain('0085'); // NEL: whitespace to Oniguruma, not to JavaScript
  });

  it("spells out exactly JavaScript's \\s, for every code point", () => {
    const spelled = new RegExp(`^[${JS_WHITESPACE_CLASS}]$`, 'u');
    const js = /^\s$/u;
    const differ: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if (spelled.test(c) !== js.test(c)) differ.push(cp.toString(16));
    }
    expect(differ).toEqual([]);
    expect(() => spellOutWhitespace('[^\\S]')).toThrow(/\\S inside a class/);
  });

  it("splits text as ftlab's pre-tokenizer does, where engines' \\s disagree included", () => {
    const split = new RegExp(BPE_SPLIT_PATTERN, 'gu');
    const samples = [
      "Hello  world!!  it's 3.14, we've they'LL — naïve 東京 🙂\n\n  tabs\tand 'quotes'  \n",
      '   leading and trailing   ',
      'x\u001cy \u0085z \ufeffw\u2028 v\u000b\u000c\u00a0\u1680\u2000\u200a\u202f\u205f\u3000 \ufeff\ufeff a',
      "\ufeffBOM first, then 'd 'll 're 've 'm 's 't",
    ];
    for (const sample of samples) expect(sample.match(split), JSON.stringify(sample)).toEqual(pretokenize(sample));
  });
});
