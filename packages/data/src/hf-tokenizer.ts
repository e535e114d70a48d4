// Our tokenizers in the Hugging Face `tokenizers` library's JSON format (tokenizer.json, as
// `Tokenizer.save` writes it, format version "1.0"), with the two files transformers reads beside
// it (tokenizer_config.json, special_tokens_map.json), so `AutoTokenizer.from_pretrained(dir)`
// gives the ids ftlab's own `encode` gives:
//
//   char: a WordLevel model (symbol -> id) after a Split pre-tokenizer that isolates every code
//         point ([\s\S] matches one code point, newlines included, in Oniguruma as in JS); a Fuse
//         decoder joins the tokens without the spaces a WordLevel decode would put between them.
//   bpe:  byte-level BPE exactly as GPT-2's tokenizer.json: the ByteLevel pre-tokenizer (GPT-2's
//         regex, which ours copies, then each byte as its printable stand-in character), a BPE
//         model whose vocab spells every token in those characters, merges in rank order, and
//         the ByteLevel decoder.
//
// Neither tokenizer has special tokens (no BOS/EOS/UNK/PAD), so none is declared: declaring one
// that is not in the vocabulary would make transformers add it, growing the vocabulary past the
// model's embedding.
import { BpeTokenizer } from './bpe.js';
import { CharTokenizer } from './char-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';

/** The pattern of the char tokenizer's Split pre-tokenizer: one code point, any code point. */
export const CHAR_SPLIT_PATTERN = '[\\s\\S]';

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

function charTokenizerJson(tokenizer: CharTokenizer): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  tokenizer.symbols.forEach((symbol, id) => {
    vocab[symbol] = id;
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'Split', pattern: { Regex: CHAR_SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: { type: 'WordLevel', vocab, unk_token: WORD_LEVEL_UNK },
  };
}

function bpeTokenizerJson(tokenizer: BpeTokenizer): Record<string, unknown> {
  const alphabet = byteLevelAlphabet();
  const spell = (id: number) => Array.from(tokenizer.tokenBytes(id), (b) => alphabet[b]).join('');
  const vocab: Record<string, number> = {};
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
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
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
  };
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
