// Contiguous train/validation/test splits of a corpus, cut at character (code point)
// boundaries: disjoint, in order, and together exactly the corpus.
import type { SplitFractions } from './data-config.js';

export interface TextSplits {
  train: string;
  validation: string;
  test: string;
  /** Code point offsets in the corpus where validation and test begin, and its total. */
  validationStart: number;
  testStart: number;
  characters: number;
}

/** UTF-16 index of code point number `codePoints` in `text` (text.length past the end). */
function utf16Index(text: string, codePoints: number): number {
  let index = 0;
  for (let seen = 0; seen < codePoints && index < text.length; seen++) {
    const unit = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    index += unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
  }
  return index;
}

function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

export function splitText(text: string, fractions: SplitFractions): TextSplits {
  const total = countCodePoints(text);
  const validationStart = Math.round(total * fractions.train);
  const testStart = Math.min(total, Math.round(total * (fractions.train + fractions.validation)));
  const a = utf16Index(text, validationStart);
  const b = utf16Index(text, testStart);
  return {
    train: text.slice(0, a),
    validation: text.slice(a, b),
    test: text.slice(b),
    validationStart,
    testStart,
    characters: total,
  };
}
