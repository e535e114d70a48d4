// The model calls every benchmark is built from (lm-evaluation-harness's interface):
//   loglikelihood(context, continuation)  log p(continuation | context), and whether greedy
//                                         decoding would have produced it;
//   generateUntil(context, stop, maxTokens)  sampled continuations, cut at the first stop string.
//
// For a latent model the continuation is scored the way it would be generated: the prompt's Z
// comes from the encoder run over the context alone (posterior prefill) or from the prior, as the
// model config's promptZ says or as overridden, and every continuation position gets a fresh
// code from the uniform prior. Never the encoder over context + continuation: that Z would have
// seen the answer. With zSamples = K > 1 the log-likelihood is log (1/K) sum_k p(cont | ctx, Z_k),
// the importance-sampling estimate of the marginal with the prior as proposal. All choices of
// one context share the same K Z draws (common random numbers), so comparing choices is not
// comparing noise.
//
// Text is encoded as lm-evaluation-harness does: whitespace at the end of the context moves to the
// start of the continuation, context + continuation is encoded as one text, and the continuation's
// tokens are what follows the context's own encoding (for BPE the boundary then tokenizes as in
// the joined text). A context too long for the model is cut from the left, as lm-eval does, and
// the result says by how many tokens. What cannot be scored at all is not an error but a skipped
// request that says why (`SkippedRequest`): text the tokenizer cannot write (a char vocabulary
// has no byte fallback: the model never saw such a token), a continuation longer than the model's
// context, nothing to condition on. The harness counts skipped items per task.
import { tf } from '@ftlab/backend';
import { Rng } from '@ftlab/contract';
import type { Tokenizer } from '@ftlab/data';
import { hasLatent, type Model, type PromptZMode } from '@ftlab/model';
import { logMeanExp, seedFor } from '../stats.js';

export interface LoglikelihoodRequest {
  context: string;
  continuation: string;
}

export interface LoglikelihoodResult {
  /** log p(continuation | context) in nats. */
  logLikelihood: number;
  /** Every continuation token is the argmax of its distribution (under the first Z draw). */
  isGreedy: boolean;
  /** Tokens of the continuation. */
  tokens: number;
  /** Tokens cut from the start of the context to fit the model (0 when it fit). */
  truncatedTokens: number;
}

/** Why a request could not be scored or run at all. */
export type SkipReason = 'unencodable' | 'too-long' | 'empty';
export const SKIP_REASONS: readonly SkipReason[] = ['unencodable', 'too-long', 'empty'];

/** A request the model could not take, and why (the message names the text or the sizes). */
export interface SkippedRequest {
  skipped: SkipReason;
  message: string;
}

/** The generations of one request, or why there are none. */
export type GenerateResult = { outputs: string[]; truncatedTokens: number } | SkippedRequest;

export function isSkipped(result: object): result is SkippedRequest {
  return 'skipped' in result;
}

export interface GenerateRequest {
  context: string;
  /** Strings that end the generation; the output stops before the first one. */
  stop: readonly string[];
  maxTokens: number;
  /** Generations of this request (default 1). */
  samples?: number;
}

export interface GenerateCallOptions {
  seed: number;
  temperature?: number;
  topK?: number;
  promptZ?: PromptZMode;
}

/** The log-likelihood of a whole text, and how many of its tokens were predicted. */
export interface RollingResult {
  logLikelihood: number;
  /** Tokens predicted: all but the first, which is given (our vocabularies have no start token). */
  tokens: number;
}

/**
 * What the harness calls. Implement it to evaluate anything that scores or produces text. A
 * request the model cannot take (see SkippedRequest) is answered with its reason, not thrown.
 */
export interface LanguageModel {
  loglikelihood(requests: readonly LoglikelihoodRequest[]): Array<LoglikelihoodResult | SkippedRequest>;
  /** One result per request: its `samples` generations, or why there are none. */
  generateUntil(requests: readonly GenerateRequest[], options: GenerateCallOptions): GenerateResult[];
  /** loglikelihood_rolling tasks: each text's log-likelihood in windows of the model's context. */
  loglikelihoodRolling?(texts: readonly string[]): Array<RollingResult | SkippedRequest>;
}

export interface ModelCallOptions {
  seed: number;
  /** Prompt Z source for loglikelihood and the default for generateUntil (default: the model config's). */
  promptZ?: PromptZMode;
  /** Z draws averaged (in probability) per log-likelihood (default 1; baselines always 1). */
  zSamples?: number;
}

/** The tokens of `text`, or the skipped request saying which character the tokenizer cannot write. */
function encode(tokenizer: Tokenizer, text: string, what: string): number[] | SkippedRequest {
  try {
    return tokenizer.encode(text);
  } catch (error) {
    return {
      skipped: 'unencodable',
      message: `cannot encode the ${what} ${JSON.stringify(text.slice(0, 60))}: ${(error as Error).message}`,
    };
  }
}

/** lm-evaluation-harness's split: trailing whitespace of the context goes to the continuation. */
export function splitWhitespace(context: string, continuation: string): [string, string] {
  const kept = context.trimEnd().length;
  return [context.slice(0, kept), context.slice(kept) + continuation];
}

/** Cuts `text` before the first occurrence of any stop string. */
export function cutAtStop(text: string, stop: readonly string[]): string {
  let end = text.length;
  for (const s of stop) {
    if (s === '') continue;
    const at = text.indexOf(s);
    if (at >= 0 && at < end) end = at;
  }
  return text.slice(0, end);
}

/** What every call of one modelCalls() shares: the model, its tokenizer and the settings, resolved once. */
interface CallSettings {
  model: Model;
  tokenizer: Tokenizer;
  seed: number;
  latent: boolean;
  /** Z draws averaged per log-likelihood: zSamples for a latent model, else 1. */
  draws: number;
  /** 2^H, the codes a latent position can take. */
  codeCount: number;
  /** The model's context length. */
  context: number;
  promptZ: PromptZMode;
}

/** The harness's model calls for a @ftlab/model model and the tokenizer it was trained with. */
export function modelCalls(model: Model, tokenizer: Tokenizer, options: ModelCallOptions): LanguageModel {
  const settings = callSettings(model, tokenizer, options);
  return {
    loglikelihoodRolling: (texts) => texts.map((text) => rollingLoglikelihood(settings, text)),
    loglikelihood: (requests) => loglikelihood(settings, requests),
    generateUntil: (requests, call) => generateUntil(settings, requests, call),
  };
}

function callSettings(model: Model, tokenizer: Tokenizer, options: ModelCallOptions): CallSettings {
  if (model.config.vocabSize !== tokenizer.vocabSize) {
    throw new Error(
      `modelCalls: the model has ${model.config.vocabSize} tokens but the tokenizer ${tokenizer.vocabSize}; use the tokenizer the model was trained with`,
    );
  }
  if (!Number.isInteger(options?.seed)) throw new Error(`modelCalls: seed must be an integer, got ${options?.seed}`);
  const zSamples = options.zSamples ?? 1;
  if (!Number.isInteger(zSamples) || zSamples < 1)
    throw new Error(`modelCalls: zSamples must be an integer >= 1, got ${zSamples}`);
  const latent = hasLatent(model.config);
  return {
    model,
    tokenizer,
    seed: options.seed,
    latent,
    draws: latent ? zSamples : 1,
    codeCount: 2 ** model.config.latentBits,
    context: model.config.contextLength,
    promptZ: options.promptZ ?? model.config.promptZ,
  };
}

/** The loglikelihood call: one forward pass per distinct context, all of its continuations together. */
function loglikelihood(
  settings: CallSettings,
  requests: readonly LoglikelihoodRequest[],
): Array<LoglikelihoodResult | SkippedRequest> {
  const byContext = new Map<string, number[]>();
  requests.forEach((r, i) => {
    const list = byContext.get(r.context) ?? [];
    list.push(i);
    byContext.set(r.context, list);
  });
  const results = new Array<LoglikelihoodResult | SkippedRequest>(requests.length);
  for (const [contextText, indices] of byContext) {
    const scored = scoreContext(
      settings,
      contextText,
      indices.map((i) => (requests[i] as LoglikelihoodRequest).continuation),
    );
    indices.forEach((i, j) => {
      results[i] = scored[j] as LoglikelihoodResult | SkippedRequest;
    });
  }
  return results;
}

/** Every continuation of one context: scored together, or skipped with its reason. */
function scoreContext(
  settings: CallSettings,
  contextText: string,
  continuations: string[],
): Array<LoglikelihoodResult | SkippedRequest> {
  const [ctxText] = splitWhitespace(contextText, '');
  const whole = encode(settings.tokenizer, ctxText, 'context');
  if (!Array.isArray(whole)) return continuations.map(() => whole);
  if (whole.length === 0) {
    const empty: SkippedRequest = { skipped: 'empty', message: 'the context is empty: nothing to condition on' };
    return continuations.map(() => empty);
  }
  const conts = continuations.map((continuation) =>
    continuationTokens(settings, contextText, ctxText, whole, continuation),
  );
  const scored = conts.filter((cont) => Array.isArray(cont));
  if (scored.length === 0) return conts as SkippedRequest[];
  const results = scoreContinuations(settings, contextText, whole, scored).values();
  return conts.map((cont) => (Array.isArray(cont) ? (results.next().value as LoglikelihoodResult) : cont));
}

/** A continuation's tokens: what follows the context's own encoding (`whole`) in the joined text. */
function continuationTokens(
  { tokenizer, context }: CallSettings,
  contextText: string,
  ctxText: string,
  whole: number[],
  continuation: string,
): number[] | SkippedRequest {
  const [, contText] = splitWhitespace(contextText, continuation);
  const joined = encode(tokenizer, ctxText + contText, 'continuation');
  if (!Array.isArray(joined)) {
    // Name the continuation (with any whitespace moved from the context), not the joined text.
    const alone = encode(tokenizer, contText, 'continuation');
    return Array.isArray(alone) ? joined : alone;
  }
  const cont = joined.slice(whole.length);
  if (cont.length === 0) {
    return { skipped: 'empty', message: `an empty continuation of ${JSON.stringify(contextText.slice(0, 60))}` };
  }
  if (cont.length > context) {
    return {
      skipped: 'too-long',
      message: `a continuation of ${cont.length} tokens does not fit the model's context of ${context}`,
    };
  }
  return cont;
}

/** log p(cont | ctx) of each continuation after the context's tokens `whole`, in one forward pass. */
function scoreContinuations(
  settings: CallSettings,
  contextText: string,
  whole: number[],
  conts: number[][],
): LoglikelihoodResult[] {
  const { latent, draws, codeCount, context } = settings;
  const longest = Math.max(...conts.map((cont) => cont.length));
  // Inputs are context + continuation minus its last token: at most contextLength of them.
  const ctx = whole.slice(Math.max(0, whole.length - (context + 1 - longest)));
  const truncatedTokens = whole.length - ctx.length;
  const seed = seedFor(settings.seed, 'loglikelihood', contextText);
  const ctxCodes = contextCodes(settings, ctx, seed);
  const zRng = Rng.derive(seed, 'continuation-z');
  // Continuation codes: one prior draw per (draw, position), shared by every choice.
  const contCodes = Array.from({ length: draws }, () =>
    Int32Array.from({ length: longest }, () => (latent ? zRng.int(codeCount) : 0)),
  );
  const batch = tokenRows(conts.length * draws, ctx.length + longest - 1);
  conts.forEach((cont, r) => {
    const full = [...ctx, ...cont];
    for (let k = 0; k < draws; k++) {
      const row = (r * draws + k) * batch.time;
      for (let t = 0; t < full.length - 1; t++) {
        batch.inputs[row + t] = full[t];
        batch.targets[row + t] = full[t + 1];
        batch.codes[row + t] =
          t < ctx.length ? (ctxCodes[k] as Int32Array)[t] : (contCodes[k] as Int32Array)[t - ctx.length];
      }
    }
  });
  const { ce, best } = forwardRows(settings, batch, seedFor(seed, 'score'), true);
  return conts.map((cont, r) => {
    const perDraw: number[] = [];
    let isGreedy = true;
    for (let k = 0; k < draws; k++) {
      const row = (r * draws + k) * batch.time;
      let logp = 0;
      for (let j = 0; j < cont.length; j++) {
        const t = ctx.length - 1 + j; // the position whose target is continuation token j
        logp -= ce[row + t];
        if (k === 0 && best?.[row + t] !== cont[j]) isGreedy = false;
      }
      perDraw.push(logp);
    }
    return { logLikelihood: overDraws(perDraw), isGreedy, tokens: cont.length, truncatedTokens };
  });
}

/** K draws of the context's codes [K][P]: from the encoder over the context, or the prior. */
function contextCodes(settings: CallSettings, ctx: number[], seed: number): Int32Array[] {
  const { model, latent, draws, codeCount, promptZ } = settings;
  if (!latent) return Array.from({ length: draws }, () => new Int32Array(ctx.length));
  if (promptZ === 'prior') {
    const rng = Rng.derive(seed, 'prompt-z');
    return Array.from({ length: draws }, () => Int32Array.from(ctx, () => rng.int(codeCount)));
  }
  const codes = tf.tidy(() => {
    const x = tf.tensor2d(
      Int32Array.from({ length: draws * ctx.length }, (_, i) => ctx[i % ctx.length]),
      [draws, ctx.length],
      'int32',
    );
    return model.forward(x, null, { seed: seedFor(seed, 'prompt-posterior') }).codes;
  });
  const flat = codes.dataSync() as Int32Array;
  codes.dispose();
  return Array.from({ length: draws }, (_, k) => flat.slice(k * ctx.length, (k + 1) * ctx.length));
}

/**
 * The loglikelihood_rolling call for one text: its log-likelihood in disjoint ranges of at most
 * contextLength predictions, each window reading the contextLength tokens before its range's end
 * (lm-eval's rolling windows: the last, shorter range keeps a full context). Every position's Z
 * is a prior draw (a text is scored as it would be generated, with nothing to infer Z from);
 * zSamples draws are averaged in probability per window.
 */
function rollingLoglikelihood(settings: CallSettings, text: string): RollingResult | SkippedRequest {
  const { tokenizer, latent, draws, codeCount, context } = settings;
  const tokens = encode(tokenizer, text, 'text');
  if (!Array.isArray(tokens)) return tokens;
  if (tokens.length < 2) return { skipped: 'empty', message: 'the text has fewer than two tokens: nothing to predict' };
  const seed = seedFor(settings.seed, 'loglikelihood-rolling', text);
  const zRng = Rng.derive(seed, 'z');
  let total = 0;
  for (let start = 1; start < tokens.length; start += context) {
    // Predict tokens [start, end); the window reads the `context` tokens before `end`, so the
    // last, shorter window still sees a full context (lm-eval's rolling windows).
    const end = Math.min(tokens.length, start + context);
    const first = Math.max(0, end - 1 - context);
    const time = end - 1 - first;
    const batch = tokenRows(draws, time);
    for (let k = 0; k < draws; k++) {
      for (let t = 0; t < time; t++) {
        batch.inputs[k * time + t] = tokens[first + t];
        batch.targets[k * time + t] = tokens[first + t + 1];
        batch.codes[k * time + t] = latent ? zRng.int(codeCount) : 0;
      }
    }
    const { ce } = forwardRows(settings, batch, seedFor(seed, 'window', start), false);
    const counted = end - start; // the window's last positions; earlier ones are context
    const perDraw = Array.from({ length: draws }, (_, k) => {
      let logp = 0;
      for (let t = time - counted; t < time; t++) logp -= ce[k * time + t];
      return logp;
    });
    total += overDraws(perDraw);
  }
  return { logLikelihood: total, tokens: tokens.length - 1 };
}

/** A request's prompt as generate() gets it. */
interface Prompt {
  index: number;
  prompt: number[];
}

/** The generateUntil call: one generate() per prompt length, token budget and stop list. */
function generateUntil(
  settings: CallSettings,
  requests: readonly GenerateRequest[],
  call: GenerateCallOptions,
): GenerateResult[] {
  const results: GenerateResult[] = requests.map(() => ({ outputs: [], truncatedTokens: 0 }));
  const groups = new Map<string, Prompt[]>();
  requests.forEach((request, index) => {
    const prompt = promptOf(settings, request);
    if (isSkipped(prompt)) {
      results[index] = prompt;
      return;
    }
    results[index] = { outputs: [], truncatedTokens: prompt.truncatedTokens };
    const key = JSON.stringify([prompt.tokens.length, prompt.budget, request.stop]);
    const group = groups.get(key) ?? [];
    group.push({ index, prompt: prompt.tokens });
    groups.set(key, group);
  });
  for (const group of groups.values()) generateGroup(settings, requests, group, call, results);
  return results;
}

/** A request's checked settings and its prompt, cut from the left to leave room for its budget. */
function promptOf(
  { tokenizer, context }: CallSettings,
  request: GenerateRequest,
): { tokens: number[]; budget: number; truncatedTokens: number } | SkippedRequest {
  const samples = request.samples ?? 1;
  if (!Number.isInteger(request.maxTokens) || request.maxTokens < 1) {
    throw new Error(`generateUntil: maxTokens must be an integer >= 1, got ${request.maxTokens}`);
  }
  if (!Number.isInteger(samples) || samples < 1)
    throw new Error(`generateUntil: samples must be an integer >= 1, got ${samples}`);
  // A budget past the model's context (lm-eval's default is 256 new tokens) is cut to it: at
  // least one prompt token stays.
  const budget = Math.min(request.maxTokens, context);
  const encoded = encode(tokenizer, request.context, 'context');
  if (!Array.isArray(encoded)) return encoded;
  if (encoded.length === 0) {
    return { skipped: 'empty', message: 'the context is empty: the model needs at least one token' };
  }
  const tokens = encoded.slice(Math.max(0, encoded.length - (context + 1 - budget)));
  return { tokens, budget, truncatedTokens: encoded.length - tokens.length };
}

/** Generates every sample of a group's requests (same prompt length, budget and stops) at once. */
function generateGroup(
  settings: CallSettings,
  requests: readonly GenerateRequest[],
  group: Prompt[],
  call: GenerateCallOptions,
  results: GenerateResult[],
): void {
  const { model, tokenizer, context } = settings;
  const first = requests[(group[0] as Prompt).index] as GenerateRequest;
  const length = (group[0] as Prompt).prompt.length;
  const rows: Int32Array[] = [];
  const owners: number[] = [];
  for (const { index, prompt } of group) {
    for (let s = 0; s < ((requests[index] as GenerateRequest).samples ?? 1); s++) {
      rows.push(Int32Array.from(prompt));
      owners.push(index);
    }
  }
  // Stop strings that are single tokens stop generation early; the text is cut either way.
  const stopTokens: number[] = [];
  for (const s of first.stop) {
    const ids = s === '' ? [] : safeEncode(tokenizer, s);
    if (ids.length === 1) stopTokens.push(ids[0]);
  }
  const budget = Math.min(first.maxTokens, context); // the group's, as promptOf cut it
  const result = model.generate(rows, {
    maxNewTokens: budget,
    seed: seedFor(call.seed, 'generate-until', length, budget, JSON.stringify(first.stop)),
    temperature: call.temperature ?? 1,
    topK: call.topK ?? 0,
    promptZ: call.promptZ ?? settings.promptZ,
    z: 'prior',
    ...(stopTokens.length > 0 ? { stopTokens } : {}),
  });
  result.tokens.forEach((row, r) => {
    const request = requests[owners[r]] as GenerateRequest;
    const generated = row.subarray(length);
    const outputs = (results[owners[r]] as { outputs: string[] }).outputs;
    outputs.push(cutAtStop(tokenizer.decode(generated), request.stop));
  });
}

/** Rows of tokens for one forward pass: row r, position t at r * time + t. */
interface TokenRows {
  inputs: Int32Array;
  targets: Int32Array;
  /** Each position's Z code (ignored by a model without a latent). */
  codes: Int32Array;
  rows: number;
  time: number;
}

function tokenRows(rows: number, time: number): TokenRows {
  const size = rows * time;
  return { inputs: new Int32Array(size), targets: new Int32Array(size), codes: new Int32Array(size), rows, time };
}

/** Each position's cross-entropy (nats) with Z as given, and with `greedy` the argmax of its distribution. */
function forwardRows(
  { model, latent }: CallSettings,
  batch: TokenRows,
  seed: number,
  greedy: boolean,
): { ce: Float32Array; best?: Int32Array } {
  const tensors = tf.tidy(() => {
    const x = tf.tensor2d(batch.inputs, [batch.rows, batch.time], 'int32');
    const y = tf.tensor2d(batch.targets, [batch.rows, batch.time], 'int32');
    const z = latent ? { mode: 'given' as const, codes: batch.codes } : { mode: 'posterior' as const };
    const out = model.forward(x, y, { z, seed });
    return greedy ? [out.cePerToken, tf.argMax(out.logits, -1)] : [out.cePerToken];
  });
  const [ce, best] = tensors.map((t) => t.dataSync());
  tf.dispose(tensors);
  return { ce: ce as Float32Array, ...(best ? { best: best as Int32Array } : {}) };
}

/** The log-likelihood over Z: the one draw's, or the mean in probability of K draws'. */
function overDraws(perDraw: number[]): number {
  return perDraw.length === 1 ? perDraw[0] : logMeanExp(perDraw);
}

function safeEncode(tokenizer: Tokenizer, text: string): number[] {
  try {
    return tokenizer.encode(text);
  } catch {
    return []; // a stop string the vocabulary cannot write can never be generated
  }
}
