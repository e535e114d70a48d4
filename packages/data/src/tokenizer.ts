// What every tokenizer offers, and how one is saved next to a run and loaded back.
import { BpeTokenizer, type BpeTokenizerJson } from './bpe.js';
import { CharTokenizer, type CharTokenizerJson } from './char-tokenizer.js';

export type TokenizerJson = CharTokenizerJson | BpeTokenizerJson;

export interface Tokenizer {
  /** 'char': one token per Unicode code point of a fixed symbol list; 'bpe': byte-level BPE. */
  readonly kind: 'char' | 'bpe';
  readonly vocabSize: number;
  /** Token ids of `text`; throws (naming the character and its position) on text it cannot encode. */
  encode(text: string): number[];
  /** The text of `ids`; throws on an id outside [0, vocabSize). */
  decode(ids: ArrayLike<number>): string;
  /** A plain JSON value that `tokenizerFromJSON` turns back into an identical tokenizer. */
  toJSON(): TokenizerJson;
}

export function tokenizerFromJSON(json: TokenizerJson): Tokenizer {
  const kind = (json as { kind?: unknown } | null)?.kind;
  if (kind === 'char') return CharTokenizer.fromJSON(json as CharTokenizerJson);
  if (kind === 'bpe') return BpeTokenizer.fromJSON(json as BpeTokenizerJson);
  throw new Error(`Not a saved tokenizer: expected kind "char" or "bpe", got ${JSON.stringify(kind)}.`);
}
