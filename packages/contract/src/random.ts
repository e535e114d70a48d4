// The lab's seeded PRNG: xoshiro128** (Blackman & Vigna, 2018),
// a 32-bit generator whose operations are exact in JavaScript (Math.imul, shifts), so the same
// seed gives the same bytes on every engine. Streams are named, not consumed: a stream's state
// is a hash of (seed, purpose path), so adding a consumer of one stream never shifts another.

/** One step of a stream's name: a purpose ('train'), or an index (a step, a row, an item). */
export type Purpose = string | number;

export interface RngState {
  algorithm: 'xoshiro128**';
  /** The four 32-bit state words as unsigned integers; never all zero. */
  words: [number, number, number, number];
}

const ALGORITHM = 'xoshiro128**';
const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

// Tags keep the encodings of different things apart: 1 is not '1', ('ab','c') is not ('a','bc').
const TAG_SEED = 0x5eed0001;
const TAG_SPLIT = 0x5eed0002;
const TAG_STRING = 0x5eed0003;
const TAG_NUMBER = 0x5eed0004;

// Four murmur3_32 lanes with different seeds (digits of pi) give a 128-bit key.
const LANE_SEEDS = [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344] as const;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function murmur3(words: readonly number[], seed: number): number {
  let h = seed;
  for (const word of words) {
    let k = Math.imul(word, 0xcc9e2d51);
    k = Math.imul(rotl(k, 15), 0x1b873593);
    h = Math.imul(rotl(h ^ k, 13), 5) + 0xe6546b64;
  }
  h ^= words.length * 4;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hashToState(words: readonly number[]): [number, number, number, number] {
  const state = LANE_SEEDS.map((seed) => murmur3(words, seed)) as [number, number, number, number];
  // xoshiro's one forbidden state; a hash lands on it with probability 2^-128.
  if (state.every((w) => w === 0)) state[0] = 1;
  return state;
}

function checkSafeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new Error(`${what} must be a safe integer (|x| <= 2^53 - 1), got ${String(value)}.`);
  }
}

function integerWords(value: number): number[] {
  return [value >>> 0, Math.floor(value / TWO_32) >>> 0];
}

const utf8 = new TextEncoder();

function purposeWords(purpose: Purpose): number[] {
  if (typeof purpose === 'number') {
    checkSafeInteger(purpose, 'A numeric stream purpose');
    return [TAG_NUMBER, ...integerWords(purpose)];
  }
  if (typeof purpose !== 'string') {
    throw new Error(`A stream purpose must be a string or an integer, got ${typeof purpose}.`);
  }
  const bytes = utf8.encode(purpose);
  const words = [TAG_STRING, bytes.length];
  for (let i = 0; i < bytes.length; i += 4) {
    words.push(
      (bytes[i]! | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24)) >>> 0,
    );
  }
  return words;
}

function keyWords(seed: number, purposes: readonly Purpose[]): number[] {
  checkSafeInteger(seed, 'A seed');
  return [TAG_SEED, ...integerWords(seed), ...purposes.flatMap(purposeWords)];
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(words: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = words;
  }

  /** The root stream of a seed (any safe integer). */
  static fromSeed(seed: number): Rng {
    return new Rng(hashToState(keyWords(seed, [])));
  }

  /** The stream named by `purposes` under `seed`: `derive(s, 'a', 'b')` equals `fromSeed(s).split('a').split('b')`. */
  static derive(seed: number, ...purposes: Purpose[]): Rng {
    let rng = Rng.fromSeed(seed);
    for (const purpose of purposes) rng = rng.split(purpose);
    return rng;
  }

  /** Restores a stream saved with `state()`; it continues exactly where the saved one was. */
  static fromState(state: RngState): Rng {
    const words = (state as Partial<RngState> | undefined)?.words;
    if (state?.algorithm !== ALGORITHM || !Array.isArray(words) || words.length !== 4) {
      throw new Error(
        `Not an Rng state: expected { algorithm: '${ALGORITHM}', words: [4 uint32] }, got ${JSON.stringify(state)}.`,
      );
    }
    if (!words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_32) || words.every((w) => w === 0)) {
      throw new Error(`Rng state words must be four uint32 values, not all zero; got [${words.join(', ')}].`);
    }
    return new Rng(words);
  }

  /**
   * An independent child stream named `purpose`, derived from this stream's current state
   * without advancing it: the same parent state and purpose always give the same child.
   */
  split(purpose: Purpose): Rng {
    return new Rng(hashToState([TAG_SPLIT, this.s0, this.s1, this.s2, this.s3, ...purposeWords(purpose)]));
  }

  state(): RngState {
    return { algorithm: ALGORITHM, words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0] };
  }

  /** Uniform in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / TWO_53;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling); n an integer in [1, 2^32]. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) {
      throw new Error(`Rng.int(n) needs an integer n in [1, 2^32], got ${String(n)}.`);
    }
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** True with probability p, p in [0, 1]; p = 1 is always true, p = 0 never. */
  bernoulli(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new Error(`Rng.bernoulli(p) needs a probability p in [0, 1], got ${String(p)}.`);
    return this.nextFloat() < p;
  }

  /** Standard normal (Box-Muller; the second value is discarded so the state stays four words). */
  normal(): number {
    const u1 = 1 - this.nextFloat();
    const u2 = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick needs a non-empty array.');
    return items[this.int(items.length)]!;
  }
}

/**
 * A number seed in [0, 2^53) for the stream named by `purposes` under `seed`, for consumers that
 * take a numeric seed (tf.randomUniform, a per-step Z draw): `deriveSeed(runSeed, 'z', step)`.
 */
export function deriveSeed(seed: number, ...purposes: Purpose[]): number {
  const rng = Rng.derive(seed, ...purposes);
  const high = rng.nextUint32() >>> 11;
  return high * TWO_32 + rng.nextUint32();
}
