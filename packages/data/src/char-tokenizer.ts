// Character-level tokenizer: one id per Unicode code point (not per UTF-16 unit, so an emoji is
// one token), over a fixed, ordered symbol list.
import type { Tokenizer } from './tokenizer.js';

export interface CharTokenizerJson {
  kind: 'char';
  version: 1;
  /** Token id i is symbols[i]; each symbol is exactly one code point. */
  symbols: string[];
}

function describeChar(char: string): string {
  const code = char.codePointAt(0)!;
  const printable = code >= 0x20 && code !== 0x7f ? `"${char}" ` : '';
  return `${printable}(U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
}

export class CharTokenizer implements Tokenizer {
  readonly kind = 'char';
  readonly symbols: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(symbols: readonly string[]) {
    if (symbols.length === 0) throw new Error('A char tokenizer needs at least one symbol.');
    const ids = new Map<string, number>();
    symbols.forEach((symbol, id) => {
      if (typeof symbol !== 'string' || [...symbol].length !== 1) {
        throw new Error(`Char tokenizer symbol ${id} must be exactly one code point, got ${JSON.stringify(symbol)}.`);
      }
      if (ids.has(symbol)) throw new Error(`Char tokenizer symbol ${describeChar(symbol)} appears twice.`);
      ids.set(symbol, id);
    });
    this.symbols = [...symbols];
    this.ids = ids;
  }

  static fromJSON(json: CharTokenizerJson): CharTokenizer {
    if (json.version !== 1 || !Array.isArray(json.symbols)) {
      throw new Error(
        `Not a saved char tokenizer (version 1 with a symbols array): ${JSON.stringify(json).slice(0, 80)}`,
      );
    }
    return new CharTokenizer(json.symbols);
  }

  get vocabSize(): number {
    return this.symbols.length;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    let position = 0;
    for (const char of text) {
      const id = this.ids.get(char);
      if (id === undefined) {
        throw new Error(
          `Character ${describeChar(char)} at position ${position} is not in this char tokenizer's vocabulary ` +
            `of ${this.symbols.length} symbols. Build the tokenizer from text that contains it.`,
        );
      }
      out.push(id);
      position++;
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const symbol = this.symbols[ids[i]!];
      if (symbol === undefined) {
        throw new Error(`Token id ${ids[i]} at index ${i} is outside this char vocabulary [0, ${this.vocabSize}).`);
      }
      text += symbol;
    }
    return text;
  }

  toJSON(): CharTokenizerJson {
    return { kind: 'char', version: 1, symbols: [...this.symbols] };
  }
}

/** A char tokenizer over the distinct code points of `text`, in code point order (as nanoGPT's sorted(set(text))). */
export function charTokenizer(text: string): CharTokenizer {
  const symbols = [...new Set(text)];
  if (symbols.length === 0) throw new Error('charTokenizer(text) needs non-empty text to take its symbols from.');
  symbols.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  return new CharTokenizer(symbols);
}

/** A char tokenizer whose ids follow `symbols` in order (fixed vocabularies of the synthetic tasks). */
export function charTokenizerFromSymbols(symbols: readonly string[]): CharTokenizer {
  return new CharTokenizer(symbols);
}
