import { Rng } from '@ftlab/contract';
import { describe, expect, it } from 'vitest';
import { analyseToyBody, generateToySample, toyTokenizer } from '../src/index.js';
import { type ToySample, toySequenceLength, toySymbols } from '../src/toy-task.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function samples(seed: number, count: number, config = {}): ToySample[] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: count }, () => generateToySample(rng, config));
}

describe('the toy task (spec section 3)', () => {
  const many = samples(1, 4000);

  it('has 29 symbols: A-Z, then ">", "_", "!"', () => {
    expect(toySymbols()).toEqual([...ALPHABET, '>', '_', '!']);
    expect(toyTokenizer().vocabSize).toBe(29);
    expect(toySequenceLength()).toBe(66);
  });

  it('every sample is "X>" + a 64-character body over {X, _, !}, and its tokens encode its text', () => {
    const tokenizer = toyTokenizer();
    const problems: string[] = [];
    for (const s of many) {
      const bodyChars = new Set(s.text.slice(2).replaceAll(s.letter, ''));
      const ok =
        s.text.length === 66 &&
        s.tokens.length === 66 &&
        ALPHABET.includes(s.letter) &&
        s.text.slice(0, 2) === `${s.letter}>` &&
        [...bodyChars].every((c) => c === '_' || c === '!') &&
        tokenizer.encode(s.text).every((id, i) => s.tokens[i] === id);
      if (!ok) problems.push(s.text);
    }
    expect(problems).toEqual([]);
  });

  it('the hidden choices match the tokens: one block of 8 at blockStart in [0, 56], "!" exactly at the noise mask', () => {
    for (const s of many) {
      expect(Number.isInteger(s.blockStart) && s.blockStart >= 0 && s.blockStart <= 56).toBe(true);
      expect(s.noiseMask).toHaveLength(64);
      const body = s.text.slice(2);
      for (let i = 0; i < 64; i++) {
        const inBlock = i >= s.blockStart && i < s.blockStart + 8;
        // Noise overwrites whatever was there, the block included.
        const expected = s.noiseMask[i] ? '!' : inBlock ? s.letter : '_';
        if (body[i] !== expected)
          throw new Error(`sample ${s.text}: position ${i} is ${body[i]}, expected ${expected}`);
      }
    }
  });

  it('the noise rate is 1/16 within a binomial bound, and letters and block starts cover their ranges', () => {
    const n = many.length * 64;
    const noisy = many.reduce((sum, s) => sum + s.noiseMask.filter(Boolean).length, 0);
    const sd = Math.sqrt(n * (1 / 16) * (15 / 16));
    expect(Math.abs(noisy - n / 16)).toBeLessThan(5 * sd);
    expect(new Set(many.map((s) => s.letter)).size).toBe(26);
    const starts = new Set(many.map((s) => s.blockStart));
    expect(starts.size).toBe(57);
    expect(starts.has(0) && starts.has(56)).toBe(true);
  });

  it('the same seed gives the same bytes; another seed does not', () => {
    const a = samples(5, 50).map((s) => s.text);
    expect(samples(5, 50).map((s) => s.text)).toEqual(a);
    expect(samples(6, 50).map((s) => s.text)).not.toEqual(a);
  });

  it('takes its parameters from the config: length, block, noise rate, alphabet', () => {
    for (const s of samples(2, 200, { bodyLength: 16, blockLength: 4, noiseRate: 0, alphabet: 'xy' })) {
      expect(s.text).toHaveLength(18);
      expect(s.text).not.toContain('!');
      expect(s.text.slice(2).split(s.letter).join('')).toBe('_'.repeat(12));
      expect(s.text.slice(2 + s.blockStart, 2 + s.blockStart + 4)).toBe(s.letter.repeat(4));
    }
    for (const s of samples(3, 20, { noiseRate: 1 })) expect(s.text.slice(2)).toBe('!'.repeat(64));
    // A block as long as the body starts at 0.
    for (const s of samples(4, 20, { bodyLength: 8, blockLength: 8, noiseRate: 0 })) expect(s.blockStart).toBe(0);
    // Letters are code points: an emoji alphabet works.
    const emoji = samples(5, 20, { alphabet: '🙂🙃', bodyLength: 10, blockLength: 3 });
    for (const s of emoji) expect(Array.from(s.tokens)).toEqual(toyTokenizer({ alphabet: '🙂🙃' }).encode(s.text));
  });

  it('rejects bad configs with messages naming the field', () => {
    const rng = Rng.fromSeed(0);
    expect(() => generateToySample(rng, { blockLength: 65 })).toThrow(
      /toy\.blockLength: 65 is longer than bodyLength=64/,
    );
    expect(() => generateToySample(rng, { bodyLength: 0 })).toThrow(
      /toy\.bodyLength: Too small: expected number to be >=1, got 0/,
    );
    expect(() => generateToySample(rng, { noiseRate: 1.5 })).toThrow(
      /toy\.noiseRate: Too big: expected number to be <=1, got 1.5/,
    );
    expect(() => generateToySample(rng, { alphabet: '' })).toThrow(
      /toy\.alphabet: Too small: expected string to have >=1 characters/,
    );
    expect(() => generateToySample(rng, { alphabet: 'AA' })).toThrow(/repeats a letter/);
    expect(() => generateToySample(rng, { alphabet: 'A_' })).toThrow(/contains "_", which the task reserves/);
    expect(() => generateToySample(rng, { bodyLenght: 3 } as never)).toThrow(
      /toy.bodyLenght: unknown field \(did you mean bodyLength\?\)/,
    );
  });
});

describe('analyseToyBody (the toy benchmark rule)', () => {
  it('accepts every generated body and recovers the block start when noise leaves it visible', () => {
    for (const s of samples(7, 500)) {
      const analysis = analyseToyBody(s.letter, s.text.slice(2));
      expect(analysis.valid).toBe(true);
      expect(analysis.blockStarts).toContain(s.blockStart);
      expect(analysis.noisePositions).toEqual(s.noiseMask.flatMap((n, i) => (n ? [i] : [])));
      const edgesVisible = !s.noiseMask[s.blockStart] && !s.noiseMask[s.blockStart + 7];
      if (edgesVisible) expect(analysis.blockStarts).toEqual([s.blockStart]);
    }
  });

  it('rejects bodies the task cannot produce, saying why', () => {
    const block = (start: number) => '_'.repeat(start) + 'Q'.repeat(8) + '_'.repeat(56 - start);
    expect(analyseToyBody('Q', block(10)).valid).toBe(true);
    expect(analyseToyBody('Q', block(10).slice(1)).reason).toMatch(/63 characters, expected 64/);
    expect(analyseToyBody('Q', block(10).replace('QQ', 'QR')).reason).toMatch(/character "R" at 11/);
    expect(analyseToyBody('R', block(10)).reason).toMatch(/character "Q"/);
    expect(analyseToyBody('Q', '_'.repeat(64)).reason).toMatch(/no placement of one block/);
    expect(analyseToyBody('Q', `${block(0).slice(0, 40)}QQQQQQQQ${'_'.repeat(16)}`).valid).toBe(false);
    expect(analyseToyBody('Q', block(10).replace('QQQ', 'Q_Q')).valid).toBe(false);
    expect(analyseToyBody('Q', `${'Q'.repeat(7)}${'_'.repeat(57)}`).valid).toBe(false);
    expect(analyseToyBody('Q', `${'!'.repeat(7)}${'_'.repeat(57)}`, { noiseRate: 0 }).valid).toBe(false);
    expect(analyseToyBody('q', block(10)).reason).toMatch(/not a letter of the alphabet/);
  });
});
