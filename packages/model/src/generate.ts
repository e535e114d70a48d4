// Sampling from the model (spec section 2, generation): temperature / top-k token sampling,
// Z for each new token drawn from the uniform prior (a uniform index in [0, C)), the prompt's Z
// from the encoder (posterior prefill) or the prior, or every Z pinned to given codes.
// Decoding is incremental with a KV cache; `useCache: false` recomputes the whole prefix for each
// token with the same codes, the reference the cache is tested against.
import { hasLatent, type PromptZMode } from './config.js';
import type { TransformerModel } from './free-transformer.js';
import { deriveSeed, Rng } from './random.js';
import type { PromptInput } from './types.js';
import { checkIntArray } from './validate.js';

export interface GenerateOptions {
  maxNewTokens: number;
  /** Softmax temperature; 0 means greedy (argmax). Default 1. */
  temperature?: number;
  /** Sample among the k most likely tokens only; 0 (default) means all. */
  topK?: number;
  /** Token draws and prior Z draws derive from it. */
  seed: number;
  /**
   * Z of the generated tokens: 'prior' (default: a fresh uniform code per token), or pinned codes
   * for every position, prompt included (one Int32Array for all rows, or one per row), at least
   * as long as the positions fed through the model: promptLength + maxNewTokens - 1 (the last
   * new token is never fed back; its reported code is pinned[total-1] if given, else a prior draw).
   */
  z?: 'prior' | { pinned: Int32Array | ReadonlyArray<Int32Array> };
  /** Where the prompt's Z comes from when not pinned; default: the model config's promptZ. */
  promptZ?: PromptZMode;
  /** A row stops after emitting one of these tokens (it is kept in the output). */
  stopTokens?: readonly number[];
  /** Default true. false: recompute the full forward for every token (slow; a test reference). */
  useCache?: boolean;
}

export interface GenerateResult {
  /** Per prompt row: the prompt followed by the generated tokens (up to and including a stop token). */
  tokens: Int32Array[];
  /** Per row: the code z_t used at each position of `tokens` (zeros for models without a latent). */
  codes: Int32Array[];
  promptLength: number;
}

function promptRows(prompt: PromptInput): Int32Array[] {
  const isRow = (value: unknown) =>
    value instanceof Int32Array || (Array.isArray(value) && typeof value[0] !== 'object');
  const rows = isRow(prompt)
    ? [prompt as Int32Array | readonly number[]]
    : (prompt as ReadonlyArray<Int32Array | readonly number[]>);
  if (rows.length === 0) throw new Error('generate: no prompt given');
  const out = rows.map((row) => Int32Array.from(row));
  const length = out[0]?.length ?? 0;
  if (length === 0) throw new Error('generate: prompts must have at least one token');
  if (out.some((row) => row.length !== length)) {
    throw new Error(
      `generate: all prompts of a batch must have the same length; got ${out.map((r) => r.length).join(', ')}`,
    );
  }
  return out;
}

/** One token from logits[offset .. offset+vocab): greedy, or softmax(logits / T) over the top k. */
export function sampleToken(
  logits: Float32Array,
  offset: number,
  vocab: number,
  temperature: number,
  topK: number,
  rng: Rng,
): number {
  const row = logits.subarray(offset, offset + vocab);
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < vocab; i++) if (row[i] > row[best]) best = i;
    return best;
  }
  let candidates = Array.from({ length: vocab }, (_, i) => i);
  if (topK > 0 && topK < vocab) {
    candidates.sort((a, b) => row[b] - row[a] || a - b);
    candidates = candidates.slice(0, topK);
  }
  let max = -Infinity;
  for (const i of candidates) max = Math.max(max, row[i] / temperature);
  const weights = candidates.map((i) => Math.exp(row[i] / temperature - max));
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.uniform() * total;
  for (let j = 0; j < candidates.length; j++) {
    u -= weights[j];
    if (u < 0) return candidates[j];
  }
  return candidates[candidates.length - 1];
}

function columns(rows: Int32Array[], from: number, to: number): Int32Array {
  const out = new Int32Array(rows.length * (to - from));
  rows.forEach((row, b) => {
    out.set(row.subarray(from, to), b * (to - from));
  });
  return out;
}

export function generate(model: TransformerModel, prompt: PromptInput, options: GenerateOptions): GenerateResult {
  const config = model.config;
  const prompts = promptRows(prompt);
  const batch = prompts.length;
  const promptLength = prompts[0]?.length;
  const { maxNewTokens, seed } = options;
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0)
    throw new Error(`generate: maxNewTokens ${maxNewTokens} must be an integer >= 0`);
  if (!Number.isInteger(seed)) throw new Error(`generate: seed must be an integer, got ${seed}`);
  if (!(temperature >= 0) || !Number.isFinite(temperature))
    throw new Error(`generate: temperature ${temperature} must be >= 0`);
  if (!Number.isInteger(topK) || topK < 0) throw new Error(`generate: topK ${topK} must be an integer >= 0`);
  const total = promptLength + maxNewTokens;
  // The last new token is never fed back through the model: `fed` positions are.
  const fed = maxNewTokens > 0 ? total - 1 : total;
  if (fed > config.contextLength) {
    throw new Error(
      `generate: prompt length ${promptLength} + maxNewTokens ${maxNewTokens} = ${total} tokens feed ${fed} ` +
        `through the model, more than its contextLength ${config.contextLength}`,
    );
  }
  prompts.forEach((row, b) => {
    checkIntArray(`generate prompt row ${b}`, row, promptLength, config.vocabSize);
  });

  const latent = hasLatent(config);
  const codeCount = 2 ** config.latentBits;
  const tokens = prompts.map((row) => {
    const out = new Int32Array(total);
    out.set(row);
    return out;
  });
  const codes = prompts.map(() => new Int32Array(total));
  const pinned = typeof options.z === 'object' ? options.z.pinned : null;
  // Positions covered by pinned codes; the one after them (only ever the never-fed last token)
  // draws from the prior like any unpinned new token.
  const pinnedLengths = new Array<number>(batch).fill(0);
  if (pinned !== null && latent) {
    const perRow = pinned instanceof Int32Array ? prompts.map(() => pinned) : pinned;
    if (perRow.length !== batch) throw new Error(`generate: z.pinned has ${perRow.length} rows for ${batch} prompts`);
    perRow.forEach((row, b) => {
      if (row.length < fed) {
        throw new Error(
          `generate: z.pinned row ${b} has ${row.length} codes; needs ${fed} (every position fed through the model)`,
        );
      }
      const used = row.subarray(0, total);
      checkIntArray(`generate z.pinned row ${b}`, used, used.length, codeCount);
      codes[b]?.set(used);
      pinnedLengths[b] = used.length;
    });
  }
  const promptZ = options.promptZ ?? config.promptZ;
  const zRng = new Rng(deriveSeed(seed, 'generate-z'));
  const tokenRng = new Rng(deriveSeed(seed, 'generate-tokens'));
  const posteriorPrompt = latent && pinned === null && promptZ === 'posterior';
  if (latent && pinned === null && promptZ === 'prior') {
    for (const row of codes) for (let t = 0; t < promptLength; t++) row[t] = zRng.int(codeCount);
  }
  const prefillSeed = deriveSeed(seed, 'generate-prefill');

  // logits of the last position, [B, V], for the prefix tokens[:, 0..length)
  const useCache = options.useCache ?? true;
  const cache = useCache ? model.newKvCache() : null;
  const lastLogits = (from: number, to: number, posterior: boolean): Float32Array => {
    const result = cache
      ? model.decode(columns(tokens, from, to), batch, cache, posterior ? null : columns(codes, from, to), prefillSeed)
      : model.decode(columns(tokens, 0, to), batch, null, posterior ? null : columns(codes, 0, to), prefillSeed);
    if (posterior) {
      codes.forEach((row, b) => {
        row.set(result.codes.subarray(b * (to - from), (b + 1) * (to - from)), from);
      });
    }
    return result.lastLogits;
  };

  const stop = new Set(options.stopTokens ?? []);
  const lengths = new Array<number>(batch).fill(total);
  try {
    // The prefill runs even for maxNewTokens = 0: it yields the prompt's posterior codes.
    let logits: Float32Array | null = lastLogits(0, promptLength, posteriorPrompt);
    for (let i = 0; i < maxNewTokens && logits !== null; i++) {
      const position = promptLength + i;
      for (let b = 0; b < batch; b++) {
        const token = sampleToken(logits, b * config.vocabSize, config.vocabSize, temperature, topK, tokenRng);
        (tokens[b] as Int32Array)[position] = token;
        if (lengths[b] === total && stop.has(token)) lengths[b] = position + 1;
        // Z_t for the new token: a uniform code from the prior (unless pinned).
        if (latent && position >= pinnedLengths[b]) (codes[b] as Int32Array)[position] = zRng.int(codeCount);
      }
      const done = lengths.every((length) => length < total);
      logits = i + 1 < maxNewTokens && !done ? lastLogits(position, position + 1, false) : null;
    }
  } finally {
    cache?.dispose();
  }
  return {
    tokens: tokens.map((row, b) => row.slice(0, lengths[b])),
    codes: codes.map((row, b) => row.slice(0, lengths[b])),
    promptLength,
  };
}
