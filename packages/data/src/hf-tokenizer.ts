// Our tokenizers in the Hugging Face `tokenizers` library's JSON format (tokenizer.json, as
// `Tokenizer.save` writes it, format version "1.0"), with the two files transformers reads beside
// it (tokenizer_config.json, special_tokens_map.json), so `AutoTokenizer.from_pretrained(dir)`
// gives the ids ftlab's own `encode` gives:
//
//   char: a WordLevel model (symbol -> id) after a Split pre-tokenizer that isolates every code
//         point ([\s\S] matches one code point, newlines included, in Oniguruma as in JS); a Fuse
//         decoder joins the tokens without the spaces a WordLevel decode would put between them.
//   bpe:  byte-level BPE in the form Llama 3's tokenizer.json uses: a Split pre-tokenizer with
//         ftlab's own GPT-2 pattern, then ByteLevel without its built-in regex (each byte as its
//         printable stand-in character); a BPE model whose vocab spells every token in those
//         characters, merges in rank order; the ByteLevel decoder, then Strip of one leading BOM.
//
// Exactness: the pattern's \s is written out as JavaScript's whitespace set, because the
// tokenizers library's regex engine (Oniguruma) has its own \s (it adds U+0085 and lacks U+FEFF);
// ByteLevel's built-in regex would split such text differently from ftlab. ftlab's decode
// (TextDecoder) drops one leading byte-order mark, which the ByteLevel decoder keeps: the Strip
// decoder removes it. \p{L} and \p{N} remain each engine's: they agree on the characters both
// engines' Unicode versions assign.
//
// Neither tokenizer has special tokens (no BOS/EOS/UNK/PAD), so none is declared: declaring one
// that is not in the vocabulary would make transformers add it, growing the vocabulary past the
// model's embedding.
import { BpeTokenizer, GPT2_PATTERN } from './bpe.js';
import { CharTokenizer } from './char-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';

/** The pattern of the char tokenizer's Split pre-tokenizer: one code point, any code point. */
export const CHAR_SPLIT_PATTERN = '[\\s\\S]';

/**
 * JavaScript's \s, written out (ECMAScript WhiteSpace and LineTerminator: tab, LF, VT, FF, CR,
 * space, NBSP, U+1680, U+2000-U+200A, LS, PS, U+202F, U+205F, U+3000, BOM) with escapes that
 * JavaScript's and Oniguruma's regex syntaxes read alike (\uHHHH: Oniguruma's ESC_U_HEX4).
 */
export const JS_WHITESPACE_CLASS =
  '\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/**
 * `source` (a JavaScript regex) with \s and \S replaced by explicit classes of JS_WHITESPACE_CLASS,
 * so another engine matches the same whitespace.
 */
export function spellOutWhitespace(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      i++;
      if (next === 's') out += inClass ? JS_WHITESPACE_CLASS : `[${JS_WHITESPACE_CLASS}]`;
      else if (next === 'S' && !inClass) out += `[^${JS_WHITESPACE_CLASS}]`;
      else if (next === 'S')
        throw new Error(`spellOutWhitespace: \\S inside a class has no spelled-out form (${source})`);
      else out += c + next;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  return out;
}

/** The BPE tokenizer's Split pattern: ftlab's GPT-2 pattern, its whitespace written out. */
export const BPE_SPLIT_PATTERN = spellOutWhitespace(GPT2_PATTERN.source);

/** What TextDecoder drops from the start of decoded text (and the Strip decoder then does). */
const BYTE_ORDER_MARK = '\ufeff';

/** WordLevel's required unknown token; it is not in the vocabulary, so unknown text is an error, as in ftlab. */
const WORD_LEVEL_UNK = '<unk>';

export interface HuggingFaceTokenizerFiles {
  /** tokenizer.json */
  tokenizer: Record<string, unknown>;
  /** tokenizer_config.json */
  tokenizerConfig: Record<string, unknown>;
  /** special_tokens_map.json */
  specialTokensMap: Record<string, unknown>;
}

/**
 * GPT-2's byte -> character table (`bytes_to_unicode`): printable Latin-1 bytes stand for
 * themselves, the other 68 bytes for U+0100 onwards in byte order, so every byte string is a
 * string of visible characters without spaces.
 */
export function byteLevelAlphabet(): string[] {
  const visible = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let next = 0x100;
  for (let b = 0; b < 256; b++) table.push(String.fromCodePoint(visible(b) ? b : next++));
  return table;
}

/**
 * A tokenizer.json of the `tokenizers` format from the parts that differ between ours: no
 * normalizer, post-processor, added tokens, truncation or padding (the keys in the format's order).
 */
function tokenizerJson(parts: { pre_tokenizer: unknown; decoder: unknown; model: unknown }): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: parts.pre_tokenizer,
    post_processor: null,
    decoder: parts.decoder,
    model: parts.model,
  };
}

function charTokenizerJson(tokenizer: CharTokenizer): Record<string, unknown> {
  // Without a prototype, a symbol such as "__proto__" is an ordinary key.
  const vocab: Record<string, number> = Object.create(null);
  tokenizer.symbols.forEach((symbol, id) => {
    vocab[symbol] = id;
  });
  return tokenizerJson({
    pre_tokenizer: { type: 'Split', pattern: { Regex: CHAR_SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
    decoder: { type: 'Fuse' },
    model: { type: 'WordLevel', vocab, unk_token: WORD_LEVEL_UNK },
  });
}

function bpeTokenizerJson(tokenizer: BpeTokenizer): Record<string, unknown> {
  const alphabet = byteLevelAlphabet();
  const spell = (id: number) => Array.from(tokenizer.tokenBytes(id), (b) => alphabet[b]).join('');
  // Without a prototype, a token spelled "__proto__" is an ordinary key.
  const vocab: Record<string, number> = Object.create(null);
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    const token = spell(id);
    // The format maps strings to ids: two merges that spell the same bytes cannot both be held.
    if (Object.hasOwn(vocab, token)) {
      throw new Error(
        `BPE tokens ${vocab[token]} and ${id} are the same bytes (${JSON.stringify(token)} in byte-level spelling): ` +
          "the tokenizers format keys its vocabulary by that spelling, so it cannot hold this tokenizer's ids.",
      );
    }
    vocab[token] = id;
  }
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };
  return tokenizerJson({
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: BPE_SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
        byteLevel,
      ],
    },
    decoder: {
      type: 'Sequence',
      decoders: [byteLevel, { type: 'Strip', content: BYTE_ORDER_MARK, start: 1, stop: 0 }],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      // "left right": the form every tokenizers version reads (byte-level spellings hold no space).
      merges: tokenizer.merges.map(([left, right]) => `${spell(left)} ${spell(right)}`),
    },
  });
}

/** The files a transformers `PreTrainedTokenizerFast` loads; `modelMaxLength` is the model's context. */
export function huggingFaceTokenizerFiles(
  tokenizer: Tokenizer,
  options: { modelMaxLength: number },
): HuggingFaceTokenizerFiles {
  let json: Record<string, unknown>;
  if (tokenizer instanceof CharTokenizer) json = charTokenizerJson(tokenizer);
  else if (tokenizer instanceof BpeTokenizer) json = bpeTokenizerJson(tokenizer);
  else throw new Error(`huggingFaceTokenizerFiles: no Hugging Face form for a "${tokenizer.kind}" tokenizer`);
  return {
    tokenizer: json,
    tokenizerConfig: {
      added_tokens_decoder: {},
      // transformers' clean-up removes spaces before punctuation: it would change decoded text.
      clean_up_tokenization_spaces: false,
      model_max_length: options.modelMaxLength,
      // Not the default (which adds token_type_ids): a causal LM's forward takes these two.
      model_input_names: ['input_ids', 'attention_mask'],
      tokenizer_class: 'PreTrainedTokenizerFast',
    },
    specialTokensMap: {},
  };
}
