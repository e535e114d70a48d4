// Byte-level BPE (GPT-2 style): every byte is a base token (ids 0..255), so any Unicode text
// round-trips; merges learned on a corpus add ids 256, 257, ... Text is first cut into chunks
// by GPT-2's pre-tokenizer pattern so merges never cross a word/space/punctuation boundary,
// which also lets training count each distinct chunk once.
//
// No maintained pure-JS library trains BPE offline (@huggingface/tokenizers only loads
// tokenizers trained elsewhere), so training lives here: incremental pair counts over distinct
// chunks, the most frequent pair merged first, ties to the smallest (left, right) id pair.
import type { Tokenizer } from './tokenizer.js';

export interface BpeTokenizerJson {
  kind: 'bpe';
  version: 1;
  /** The pre-tokenizer pattern's name; only GPT-2's exists. */
  pretokenizer: 'gpt2';
  /** merges[i] = [left, right] makes token 256 + i. */
  merges: [number, number][];
}

export interface TrainBpeOptions {
  /** Wanted vocabulary size, 256 bytes + merges; training stops earlier if no pair repeats. */
  vocabSize: number;
  /** A pair must occur at least this often to be merged (default 2). */
  minPairCount?: number;
}

/** The byte tokens every BPE vocabulary starts with: its smallest size. */
export const BYTE_TOKENS = 256;
/** The largest BPE vocabulary (token ids fit 16 bits). */
export const MAX_VOCAB = 65536;
// GPT-2's pattern: contractions, optionally space-led letter runs, digit runs, other symbols,
// then whitespace. Every character matches some branch, so the chunks concatenate to the text.
export const GPT2_PATTERN = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const CACHE_LIMIT = 200_000;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** The pre-tokenizer's chunks of `text`; their concatenation is `text`. */
export function pretokenize(text: string): string[] {
  return text.match(GPT2_PATTERN) ?? [];
}

function pairKey(left: number, right: number): number {
  return left * MAX_VOCAB + right;
}

function checkWellFormed(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (unit >= 0xd800 && unit <= 0xdfff) {
      throw new Error(
        `Text has an unpaired UTF-16 surrogate (0x${unit.toString(16)}) at index ${i}: it has no UTF-8 form, ` +
          'so byte-level BPE cannot round-trip it. Fix the text (String.prototype.toWellFormed replaces it).',
      );
    }
  }
}

export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe';
  readonly merges: readonly (readonly [number, number])[];
  private readonly ranks = new Map<number, number>();
  private readonly bytesOf: Uint8Array[] = [];
  private readonly cache = new Map<string, number[]>();

  constructor(merges: readonly (readonly [number, number])[]) {
    if (BYTE_TOKENS + merges.length > MAX_VOCAB) {
      throw new Error(`A BPE vocabulary is limited to ${MAX_VOCAB} tokens, got ${BYTE_TOKENS + merges.length}.`);
    }
    for (let b = 0; b < BYTE_TOKENS; b++) this.bytesOf.push(Uint8Array.of(b));
    merges.forEach((merge, rank) => {
      const id = BYTE_TOKENS + rank;
      const [left, right] = Array.isArray(merge) ? merge : [];
      const valid = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) < id;
      if (merge.length !== 2 || !valid(left) || !valid(right)) {
        throw new Error(
          `BPE merge ${rank} must be a pair of existing token ids below ${id}, got ${JSON.stringify(merge)}.`,
        );
      }
      const key = pairKey(left, right);
      if (this.ranks.has(key)) throw new Error(`BPE merge ${rank} [${left}, ${right}] repeats an earlier merge.`);
      this.ranks.set(key, rank);
      const bytes = new Uint8Array(this.bytesOf[left]!.length + this.bytesOf[right]!.length);
      bytes.set(this.bytesOf[left]!);
      bytes.set(this.bytesOf[right]!, this.bytesOf[left]!.length);
      this.bytesOf.push(bytes);
    });
    this.merges = merges.map(([l, r]) => [l, r] as const);
  }

  static fromJSON(json: BpeTokenizerJson): BpeTokenizer {
    if (json.version !== 1 || json.pretokenizer !== 'gpt2' || !Array.isArray(json.merges)) {
      throw new Error(
        `Not a saved BPE tokenizer (version 1, pretokenizer "gpt2", a merges array): ${JSON.stringify(json).slice(0, 80)}`,
      );
    }
    return new BpeTokenizer(json.merges);
  }

  get vocabSize(): number {
    return BYTE_TOKENS + this.merges.length;
  }

  /** The bytes token `id` stands for (a token may be part of a multi-byte character). */
  tokenBytes(id: number): Uint8Array {
    const bytes = this.bytesOf[id];
    if (bytes === undefined) throw new Error(`Token id ${id} is outside this BPE vocabulary [0, ${this.vocabSize}).`);
    return bytes;
  }

  encode(text: string): number[] {
    checkWellFormed(text);
    const out: number[] = [];
    for (const chunk of pretokenize(text)) {
      let ids = this.cache.get(chunk);
      if (ids === undefined) {
        ids = this.encodeChunk(chunk);
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(chunk, ids);
      }
      for (const id of ids) out.push(id);
    }
    return out;
  }

  /** Applies merges in rank order, as training learned them: the lowest-ranked adjacent pair first. */
  private encodeChunk(chunk: string): number[] {
    let ids = Array.from(utf8Encoder.encode(chunk));
    while (ids.length > 1) {
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i + 1 < ids.length; i++) {
        const rank = this.ranks.get(pairKey(ids[i]!, ids[i + 1]!));
        if (rank !== undefined && rank < bestRank) bestRank = rank;
      }
      if (bestRank === Number.POSITIVE_INFINITY) break;
      const [left, right] = this.merges[bestRank]!;
      ids = mergePair(ids, left, right, BYTE_TOKENS + bestRank);
    }
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.bytesOf[ids[i]!];
      if (bytes === undefined) {
        throw new Error(`Token id ${ids[i]} at index ${i} is outside this BPE vocabulary [0, ${this.vocabSize}).`);
      }
      parts.push(bytes);
      length += bytes.length;
    }
    const all = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      all.set(part, offset);
      offset += part.length;
    }
    // Not fatal: a model may sample a byte sequence that is not UTF-8; it decodes with U+FFFD.
    return utf8Decoder.decode(all);
  }

  toJSON(): BpeTokenizerJson {
    return { kind: 'bpe', version: 1, pretokenizer: 'gpt2', merges: this.merges.map(([l, r]) => [l, r]) };
  }
}

/** `ids` with every non-overlapping (left, right), scanned left to right, replaced by `merged`. */
export function mergePair(ids: readonly number[], left: number, right: number, merged: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === left && ids[i + 1] === right) {
      out.push(merged);
      i++;
    } else {
      out.push(ids[i]!);
    }
  }
  return out;
}

/** Adds `sign * weight` to the count of every adjacent pair of `ids`. */
function countPairs(ids: readonly number[], weight: number, counts: Map<number, number>): void {
  for (let i = 0; i + 1 < ids.length; i++) {
    const key = pairKey(ids[i]!, ids[i + 1]!);
    const count = (counts.get(key) ?? 0) + weight;
    if (count === 0) counts.delete(key);
    else counts.set(key, count);
  }
}

/** Learns a byte-level BPE on `text`. Deterministic: the same text and options give the same merges. */
export function trainBpe(text: string, options: TrainBpeOptions): BpeTokenizer {
  const { vocabSize, minPairCount = 2 } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < BYTE_TOKENS || vocabSize > MAX_VOCAB) {
    throw new Error(
      `BPE vocabSize must be an integer in [${BYTE_TOKENS}, ${MAX_VOCAB}] (256 bytes + merges), got ${vocabSize}.`,
    );
  }
  if (!Number.isInteger(minPairCount) || minPairCount < 1) {
    throw new Error(`BPE minPairCount must be a positive integer, got ${minPairCount}.`);
  }
  checkWellFormed(text);
  const chunkCounts = new Map<string, number>();
  for (const chunk of pretokenize(text)) chunkCounts.set(chunk, (chunkCounts.get(chunk) ?? 0) + 1);

  const words: number[][] = [];
  const weights: number[] = [];
  const pairCounts = new Map<number, number>();
  // Which words contain a pair; may hold stale entries, checked when used.
  const wordsWithPair = new Map<number, Set<number>>();
  const indexWord = (w: number): void => {
    const ids = words[w]!;
    for (let i = 0; i + 1 < ids.length; i++) {
      const key = pairKey(ids[i]!, ids[i + 1]!);
      const set = wordsWithPair.get(key);
      if (set === undefined) wordsWithPair.set(key, new Set([w]));
      else set.add(w);
    }
  };
  for (const [chunk, count] of chunkCounts) {
    const ids = Array.from(utf8Encoder.encode(chunk));
    if (ids.length < 2) continue;
    words.push(ids);
    weights.push(count);
    countPairs(ids, count, pairCounts);
    indexWord(words.length - 1);
  }

  const merges: [number, number][] = [];
  while (BYTE_TOKENS + merges.length < vocabSize) {
    let bestKey = -1;
    let bestCount = 0;
    for (const [key, count] of pairCounts) {
      if (count > bestCount || (count === bestCount && key < bestKey)) {
        bestKey = key;
        bestCount = count;
      }
    }
    if (bestKey < 0 || bestCount < minPairCount) break;
    const left = Math.floor(bestKey / MAX_VOCAB);
    const right = bestKey % MAX_VOCAB;
    const merged = BYTE_TOKENS + merges.length;
    merges.push([left, right]);
    for (const w of wordsWithPair.get(bestKey) ?? []) {
      const before = words[w]!;
      const after = mergePair(before, left, right, merged);
      if (after.length === before.length) continue;
      countPairs(before, -weights[w]!, pairCounts);
      countPairs(after, weights[w]!, pairCounts);
      words[w] = after;
      indexWord(w);
    }
    wordsWithPair.delete(bestKey);
  }
  return new BpeTokenizer(merges);
}
