import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng, type RngState } from '../src/index.js';

/** |observed - expected| in standard deviations of a binomial(n, p) count. */
function binomialZ(successes: number, n: number, p: number): number {
  return Math.abs(successes - n * p) / Math.sqrt(n * p * (1 - p));
}

function draws(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.nextUint32());
}

describe('Rng (xoshiro128**)', () => {
  it('matches the reference output of Blackman & Vigna for state [1, 2, 3, 4]', () => {
    const rng = Rng.fromState({ algorithm: 'xoshiro128**', words: [1, 2, 3, 4] });
    expect(draws(rng, 10)).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });

  it('gives the same numbers for the same seed and different ones for nearby seeds', () => {
    expect(draws(Rng.fromSeed(42), 100)).toEqual(draws(Rng.fromSeed(42), 100));
    const a = draws(Rng.fromSeed(0), 100);
    const b = draws(Rng.fromSeed(1), 100);
    expect(a.filter((x, i) => x === b[i]).length).toBe(0);
    // Negative and large seeds are distinct seeds, not aliases of small ones.
    expect(draws(Rng.fromSeed(-1), 5)).not.toEqual(draws(Rng.fromSeed(2 ** 32 - 1), 5));
    expect(draws(Rng.fromSeed(2 ** 32), 5)).not.toEqual(draws(Rng.fromSeed(0), 5));
  });

  it('resumes exactly from a saved state, also after a JSON round trip', () => {
    const rng = Rng.fromSeed(7);
    draws(rng, 13);
    const saved = JSON.parse(JSON.stringify(rng.state())) as RngState;
    const expected = draws(rng, 50);
    expect(draws(Rng.fromState(saved), 50)).toEqual(expected);
  });

  it('split() names a stream: it does not advance the parent, and the same name gives the same stream', () => {
    const parent = Rng.fromSeed(3);
    const before = parent.state();
    const a = draws(parent.split('train'), 20);
    expect(parent.state()).toEqual(before);
    expect(draws(parent.split('train'), 20)).toEqual(a);
    expect(draws(Rng.derive(3, 'train'), 20)).toEqual(a);
    expect(draws(parent.split('validation'), 20)).not.toEqual(a);
    expect(draws(parent.split(1), 20)).not.toEqual(draws(parent.split('1'), 20));
  });

  it('adding a consumer of one stream never shifts another', () => {
    const trainAlone = draws(Rng.derive(5, 'train'), 30);
    const generation = Rng.derive(5, 'generation');
    draws(generation, 1000);
    const validation = Rng.derive(5, 'validation');
    draws(validation, 10);
    expect(draws(Rng.derive(5, 'train'), 30)).toEqual(trainAlone);
  });

  it('streams of different purposes are uncorrelated (bit agreement within a binomial bound)', () => {
    const a = draws(Rng.derive(11, 'train'), 4000);
    const b = draws(Rng.derive(11, 'test'), 4000);
    let agree = 0;
    for (let i = 0; i < a.length; i++) {
      let same = ~(a[i]! ^ b[i]!) >>> 0;
      while (same) {
        agree += same & 1;
        same >>>= 1;
      }
    }
    expect(binomialZ(agree, 32 * a.length, 0.5)).toBeLessThan(5);
  });

  it('nextFloat is in [0, 1) with mean 1/2 and variance 1/12', () => {
    const rng = Rng.fromSeed(1);
    const n = 20000;
    const xs = Array.from({ length: n }, () => rng.nextFloat());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    expect(Math.abs(mean - 0.5) / Math.sqrt(1 / 12 / n)).toBeLessThan(5);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.003);
  });

  it('int(n) stays in [0, n) and is uniform (chi-square), including n that does not divide 2^32', () => {
    const rng = Rng.fromSeed(2);
    for (const n of [1, 2, 3, 7, 57, 1000]) {
      const draws = 200 * n;
      const counts = new Array<number>(n).fill(0);
      let outside = 0;
      for (let i = 0; i < draws; i++) {
        const k = rng.int(n);
        if (Number.isInteger(k) && k >= 0 && k < n) counts[k]!++;
        else outside++;
      }
      expect(outside).toBe(0);
      if (n === 1) continue;
      const expected = draws / n;
      const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
      // chi-square with n-1 degrees of freedom: mean n-1, sd sqrt(2(n-1)); 6 sd is far in the tail.
      expect(chi2).toBeLessThan(n - 1 + 6 * Math.sqrt(2 * (n - 1)));
    }
    expect(rng.int(2 ** 32)).toBeLessThan(2 ** 32);
  });

  it('bernoulli(p) has rate p within a binomial bound; p = 0 and p = 1 are exact', () => {
    const rng = Rng.fromSeed(9);
    const n = 50000;
    for (const p of [1 / 16, 0.5, 0.9]) {
      let hits = 0;
      for (let i = 0; i < n; i++) hits += rng.bernoulli(p) ? 1 : 0;
      expect(binomialZ(hits, n, p)).toBeLessThan(5);
    }
    for (let i = 0; i < 1000; i++) {
      expect(rng.bernoulli(0)).toBe(false);
      expect(rng.bernoulli(1)).toBe(true);
    }
  });

  it('normal() has mean 0 and variance 1', () => {
    const rng = Rng.fromSeed(4);
    const n = 20000;
    const xs = Array.from({ length: n }, () => rng.normal());
    expect(xs.every(Number.isFinite)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    expect(Math.abs(mean) * Math.sqrt(n)).toBeLessThan(5);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('shuffle returns a permutation in place, every element reaching every slot', () => {
    const rng = Rng.fromSeed(6);
    const seen = Array.from({ length: 5 }, () => new Set<number>());
    for (let trial = 0; trial < 200; trial++) {
      const items = [0, 1, 2, 3, 4];
      const shuffled = rng.shuffle(items);
      expect(shuffled).toBe(items);
      expect([...items].sort()).toEqual([0, 1, 2, 3, 4]);
      items.forEach((value, slot) => {
        seen[slot]!.add(value);
      });
    }
    expect(seen.every((values) => values.size === 5)).toBe(true);
    expect(rng.pick(['only'])).toBe('only');
  });

  it('deriveSeed gives distinct, stable integers per purpose path', () => {
    const seeds = new Set<number>();
    for (let step = 0; step < 1000; step++) seeds.add(deriveSeed(1, 'z', step));
    expect(seeds.size).toBe(1000);
    for (const s of seeds) expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
    expect(deriveSeed(1, 'z', 3)).toBe(deriveSeed(1, 'z', 3));
    expect(deriveSeed(1, 'ab', 'c')).not.toBe(deriveSeed(1, 'a', 'bc'));
    expect(deriveSeed(1, 1)).not.toBe(deriveSeed(1, '1'));
    expect(deriveSeed(1, 'z')).not.toBe(deriveSeed(2, 'z'));
    expect(deriveSeed(1, 'é')).not.toBe(deriveSeed(1, 'e'));
  });

  it('rejects bad seeds, states and arguments with messages that name them', () => {
    expect(() => Rng.fromSeed(1.5)).toThrow(/seed must be a safe integer.*1\.5/);
    expect(() => Rng.fromSeed(Number.NaN)).toThrow(/seed must be a safe integer/);
    expect(() => Rng.fromSeed(2 ** 53)).toThrow(/safe integer/);
    expect(() => Rng.derive(1, 0.5)).toThrow(/numeric stream purpose must be a safe integer/);
    expect(() => Rng.fromState({ algorithm: 'sfc32', words: [1, 2, 3, 4] } as unknown as RngState)).toThrow(
      /Not an Rng state/,
    );
    expect(() => Rng.fromState({ algorithm: 'xoshiro128**', words: [0, 0, 0, 0] })).toThrow(/not all zero/);
    expect(() => Rng.fromState({ algorithm: 'xoshiro128**', words: [1, 2, 3, -4] })).toThrow(/uint32/);
    const rng = Rng.fromSeed(0);
    expect(() => rng.int(0)).toThrow(/integer n in \[1, 2\^32\], got 0/);
    expect(() => rng.int(2.5)).toThrow(/got 2\.5/);
    expect(() => rng.int(2 ** 32 + 1)).toThrow(/\[1, 2\^32\]/);
    expect(() => rng.bernoulli(1.5)).toThrow(/probability p in \[0, 1\], got 1\.5/);
    expect(() => rng.bernoulli(Number.NaN)).toThrow(/probability/);
    expect(() => rng.pick([])).toThrow(/non-empty/);
  });
});
