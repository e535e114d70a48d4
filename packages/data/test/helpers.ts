import type { Rng } from '@ftlab/contract';

// Pools of code points that stress a tokenizer: ASCII (with the pre-tokenizer's contractions
// and digits), odd whitespace, combining marks, CJK, Hangul, emoji (with ZWJ and skin tones),
// regional indicators, and any Unicode scalar value at all.
const POOLS: ((rng: Rng) => string)[] = [
  (rng) => String.fromCodePoint(0x20 + rng.int(0x5f)),
  (rng) => rng.pick([' ', '  ', '\n', '\t', '\r\n', '\u00a0', '\u3000', "'s", "'ll", ' 42', '\u200d']),
  (rng) => String.fromCodePoint(0x300 + rng.int(0x70)),
  (rng) => String.fromCodePoint(0x4e00 + rng.int(0x5200)),
  (rng) => String.fromCodePoint(0xac00 + rng.int(0x2ba4)),
  (rng) => String.fromCodePoint(0x1f600 + rng.int(0x50)) + rng.pick(['', '\u{1f3fd}', '\u200d\u{1f525}']),
  (rng) => String.fromCodePoint(0x1f1e6 + rng.int(26), 0x1f1e6 + rng.int(26)),
  (rng) => {
    // Any scalar value: BMP outside the surrogate range, or an astral plane.
    const code = rng.int(0x10ffff - 0x800 + 1);
    return String.fromCodePoint(code < 0xd800 ? code : code + 0x800);
  },
];

/** A well-formed random string of up to `maxPieces` pieces drawn from the pools above. */
export function randomUnicode(rng: Rng, maxPieces: number): string {
  let text = '';
  const pieces = rng.int(maxPieces + 1);
  for (let i = 0; i < pieces; i++) text += rng.pick(POOLS)(rng);
  return text;
}
