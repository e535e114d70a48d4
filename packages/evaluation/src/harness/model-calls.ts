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
// Text is encoded context and continuation separately (exact for the char tokenizers; for BPE
// the boundary may tokenize differently than the joined text would). A context too long for
// the model is cut from the left.
import { tf } from '@ftlab/backend';
import { Rng, type Tokenizer } from '@ftlab/data';
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

/** What the harness calls. Implement it to evaluate anything that scores or produces text. */
export interface LanguageModel {
  loglikelihood(requests: readonly LoglikelihoodRequest[]): LoglikelihoodResult[];
  /** One list of `samples` generations per request. */
  generateUntil(requests: readonly GenerateRequest[], options: GenerateCallOptions): string[][];
}

export interface ModelCallOptions {
  seed: number;
  /** Prompt Z source for loglikelihood and the default for generateUntil (default: the model config's). */
  promptZ?: PromptZMode;
  /** Z draws averaged (in probability) per log-likelihood (default 1; baselines always 1). */
  zSamples?: number;
}

function encode(tokenizer: Tokenizer, text: string, what: string): number[] {
  try {
    return tokenizer.encode(text);
  } catch (error) {
    throw new Error(`${what} ${JSON.stringify(text.slice(0, 60))}: ${(error as Error).message}`);
  }
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

/** The harness's model calls for a @ftlab/model model and the tokenizer it was trained with. */
export function modelCalls(model: Model, tokenizer: Tokenizer, options: ModelCallOptions): LanguageModel {
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
  const draws = latent ? zSamples : 1;
  const codeCount = 2 ** model.config.latentBits;
  const context = model.config.contextLength;
  const promptZ = options.promptZ ?? model.config.promptZ;

  /** K draws of the context's codes [K][P]: from the encoder over the context, or the prior. */
  const contextCodes = (ctx: number[], seed: number): Int32Array[] => {
    if (!latent) return Array.from({ length: draws }, () => new Int32Array(ctx.length));
    if (promptZ === 'prior') {
      const rng = Rng.derive(seed, 'prompt-z');
      return Array.from({ length: draws }, () => Int32Array.from(ctx, () => rng.int(codeCount)));
    }
    const codes = tf.tidy(() => {
      const x = tf.tensor2d(
        Int32Array.from({ length: draws * ctx.length }, (_, i) => ctx[i % ctx.length] as number),
        [draws, ctx.length],
        'int32',
      );
      return model.forward(x, null, { seed: seedFor(seed, 'prompt-posterior') }).codes;
    });
    const flat = codes.dataSync() as Int32Array;
    codes.dispose();
    return Array.from({ length: draws }, (_, k) => flat.slice(k * ctx.length, (k + 1) * ctx.length));
  };

  const scoreContext = (contextText: string, continuations: string[]): LoglikelihoodResult[] => {
    let ctx = encode(tokenizer, contextText, 'loglikelihood: cannot encode the context');
    const conts = continuations.map((c) => encode(tokenizer, c, 'loglikelihood: cannot encode the continuation'));
    const longest = Math.max(...conts.map((c) => c.length));
    if (conts.some((c) => c.length === 0))
      throw new Error(`loglikelihood: an empty continuation of ${JSON.stringify(contextText)}`);
    if (longest > context) {
      throw new Error(
        `loglikelihood: a continuation of ${longest} tokens does not fit the model's context of ${context}`,
      );
    }
    // Inputs are context + continuation minus its last token: at most contextLength of them.
    ctx = ctx.slice(Math.max(0, ctx.length - (context + 1 - longest)));
    if (ctx.length === 0)
      throw new Error('loglikelihood: the context is empty; the model needs at least one token to condition on');
    const seed = seedFor(options.seed, 'loglikelihood', contextText);
    const ctxCodes = contextCodes(ctx, seed);
    const zRng = Rng.derive(seed, 'continuation-z');
    const time = ctx.length + longest - 1;
    // Continuation codes: one prior draw per (draw, position), shared by every choice.
    const contCodes = Array.from({ length: draws }, () =>
      Int32Array.from({ length: longest }, () => (latent ? zRng.int(codeCount) : 0)),
    );
    const rows = conts.length * draws;
    const inputs = new Int32Array(rows * time);
    const targets = new Int32Array(rows * time);
    const codes = new Int32Array(rows * time);
    conts.forEach((cont, c) => {
      const full = [...ctx, ...cont];
      for (let k = 0; k < draws; k++) {
        const row = (c * draws + k) * time;
        for (let t = 0; t < full.length - 1; t++) {
          inputs[row + t] = full[t] as number;
          targets[row + t] = full[t + 1] as number;
          codes[row + t] =
            t < ctx.length
              ? ((ctxCodes[k] as Int32Array)[t] as number)
              : ((contCodes[k] as Int32Array)[t - ctx.length] as number);
        }
      }
    });
    const [ce, argmax] = tf.tidy(() => {
      const x = tf.tensor2d(inputs, [rows, time], 'int32');
      const y = tf.tensor2d(targets, [rows, time], 'int32');
      const z = latent ? { mode: 'given' as const, codes } : { mode: 'posterior' as const };
      const out = model.forward(x, y, { z, seed: seedFor(seed, 'score') });
      return [out.cePerToken, tf.argMax(out.logits, -1)];
    });
    const ceValues = ce.dataSync() as Float32Array;
    const best = argmax.dataSync() as Int32Array;
    tf.dispose([ce, argmax]);
    return conts.map((cont, c) => {
      const perDraw: number[] = [];
      let isGreedy = true;
      for (let k = 0; k < draws; k++) {
        const row = (c * draws + k) * time;
        let logp = 0;
        for (let j = 0; j < cont.length; j++) {
          const t = ctx.length - 1 + j; // the position whose target is continuation token j
          logp -= ceValues[row + t] as number;
          if (k === 0 && best[row + t] !== cont[j]) isGreedy = false;
        }
        perDraw.push(logp);
      }
      return {
        logLikelihood: draws === 1 ? (perDraw[0] as number) : logMeanExp(perDraw),
        isGreedy,
        tokens: cont.length,
      };
    });
  };

  return {
    loglikelihood(requests) {
      // One forward pass per distinct context, all of its continuations together.
      const byContext = new Map<string, number[]>();
      requests.forEach((r, i) => {
        const list = byContext.get(r.context) ?? [];
        list.push(i);
        byContext.set(r.context, list);
      });
      const results = new Array<LoglikelihoodResult>(requests.length);
      for (const [contextText, indices] of byContext) {
        const scored = scoreContext(
          contextText,
          indices.map((i) => (requests[i] as LoglikelihoodRequest).continuation),
        );
        indices.forEach((i, j) => {
          results[i] = scored[j] as LoglikelihoodResult;
        });
      }
      return results;
    },

    generateUntil(requests, call) {
      const groups = new Map<string, Array<{ index: number; prompt: number[] }>>();
      const outputs: string[][] = requests.map(() => []);
      requests.forEach((request, index) => {
        const samples = request.samples ?? 1;
        if (!Number.isInteger(request.maxTokens) || request.maxTokens < 1) {
          throw new Error(`generateUntil: maxTokens must be an integer >= 1, got ${request.maxTokens}`);
        }
        if (!Number.isInteger(samples) || samples < 1)
          throw new Error(`generateUntil: samples must be an integer >= 1, got ${samples}`);
        if (request.maxTokens > context) {
          throw new Error(
            `generateUntil: maxTokens ${request.maxTokens} leaves no room for a prompt in a context of ${context}`,
          );
        }
        let prompt = encode(tokenizer, request.context, 'generateUntil: cannot encode the context');
        prompt = prompt.slice(Math.max(0, prompt.length - (context + 1 - request.maxTokens)));
        if (prompt.length === 0)
          throw new Error('generateUntil: the context is empty; the model needs at least one token');
        // One generate() call per prompt length, token budget and stop list.
        const key = JSON.stringify([prompt.length, request.maxTokens, request.stop]);
        const group = groups.get(key) ?? [];
        group.push({ index, prompt });
        groups.set(key, group);
      });
      // Stop strings that are single tokens stop generation early; the text is cut either way.
      for (const group of groups.values()) {
        const first = requests[(group[0] as { index: number }).index] as GenerateRequest;
        const length = (group[0] as { prompt: number[] }).prompt.length;
        const rows: Int32Array[] = [];
        const owners: number[] = [];
        for (const { index, prompt } of group) {
          for (let s = 0; s < ((requests[index] as GenerateRequest).samples ?? 1); s++) {
            rows.push(Int32Array.from(prompt));
            owners.push(index);
          }
        }
        const stopTokens: number[] = [];
        for (const s of first.stop) {
          const ids = s === '' ? [] : safeEncode(tokenizer, s);
          if (ids.length === 1) stopTokens.push(ids[0] as number);
        }
        const result = model.generate(rows, {
          maxNewTokens: first.maxTokens,
          seed: seedFor(call.seed, 'generate-until', length, first.maxTokens, JSON.stringify(first.stop)),
          temperature: call.temperature ?? 1,
          topK: call.topK ?? 0,
          promptZ: call.promptZ ?? promptZ,
          z: 'prior',
          ...(stopTokens.length > 0 ? { stopTokens } : {}),
        });
        result.tokens.forEach((row, r) => {
          const request = requests[owners[r] as number] as GenerateRequest;
          const generated = row.subarray(length);
          (outputs[owners[r] as number] as string[]).push(cutAtStop(tokenizer.decode(generated), request.stop));
        });
      }
      return outputs;
    },
  };
}

function safeEncode(tokenizer: Tokenizer, text: string): number[] {
  try {
    return tokenizer.encode(text);
  } catch {
    return []; // a stop string the vocabulary cannot write can never be generated
  }
}
