// Generation for evaluation: @ftlab/model's generate(), allowed to produce the one token that
// lies beyond the context.
//
// A sequence of n tokens only ever runs n - 1 of them through the model (the last one is never
// fed back), but model.generate refuses prompt + maxNewTokens > contextLength. A toy-task model
// trained on T = 65 (contextLength 65) must produce "X>" + 64 body characters = 66 tokens, so
// here the last token is sampled from one forward pass over the first 65 tokens with the Z codes
// generate() used: the same distribution generate() would sample from. (Reported to the model
// package: its bound is one token too strict.)
import { tf } from '@ftlab/backend';
import { Rng } from '@ftlab/data';
import { type GenerateOptions, type GenerateResult, hasLatent, type Model } from '@ftlab/model';
import { seedFor } from './stats.js';

/** One token from a row of logits: greedy for temperature 0, else softmax(logits / T) over the top k. */
export function sampleFromLogits(logits: ArrayLike<number>, temperature: number, topK: number, rng: Rng): number {
  const vocab = logits.length;
  let order = Array.from({ length: vocab }, (_, i) => i);
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < vocab; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
    return best;
  }
  if (topK > 0 && topK < vocab) {
    order.sort((a, b) => (logits[b] as number) - (logits[a] as number) || a - b);
    order = order.slice(0, topK);
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const i of order) max = Math.max(max, (logits[i] as number) / temperature);
  const weights = order.map((i) => Math.exp((logits[i] as number) / temperature - max));
  let u = rng.nextFloat() * weights.reduce((a, b) => a + b, 0);
  for (let j = 0; j < order.length; j++) {
    u -= weights[j] as number;
    if (u < 0) return order[j] as number;
  }
  return order[order.length - 1] as number;
}

/**
 * model.generate(prompts, options), also when prompt length + maxNewTokens is contextLength + 1.
 * Every prompt row must have the same length (as for model.generate).
 */
export function generateWithinContext(
  model: Model,
  prompts: ReadonlyArray<Int32Array>,
  options: GenerateOptions,
): GenerateResult {
  const promptLength = prompts[0]?.length ?? 0;
  const total = promptLength + options.maxNewTokens;
  const context = model.config.contextLength;
  if (total <= context || options.maxNewTokens < 1) return model.generate(prompts, options);
  if (total > context + 1) {
    throw new Error(
      `generate: prompt length ${promptLength} + maxNewTokens ${options.maxNewTokens} = ${total} tokens, but a model ` +
        `with contextLength ${context} can produce at most ${context + 1}; shorten the prompt or maxNewTokens`,
    );
  }
  const head = model.generate(prompts, { ...options, maxNewTokens: options.maxNewTokens - 1 });
  const stop = new Set(options.stopTokens ?? []);
  const unfinished = head.tokens.flatMap((row, b) =>
    row.length === total - 1 && !(row.length > promptLength && stop.has(row[row.length - 1] as number)) ? [b] : [],
  );
  if (unfinished.length === 0) return head;
  const latent = hasLatent(model.config);
  const codeCount = 2 ** model.config.latentBits;
  const time = total - 1;
  const tokens = new Int32Array(unfinished.length * time);
  const codes = new Int32Array(unfinished.length * time);
  unfinished.forEach((b, i) => {
    tokens.set(head.tokens[b] as Int32Array, i * time);
    codes.set((head.codes[b] as Int32Array).subarray(0, time), i * time);
  });
  const last = tf.tidy(() => {
    const x = tf.tensor2d(tokens, [unfinished.length, time], 'int32');
    const z = latent ? { mode: 'given' as const, codes: codes } : { mode: 'posterior' as const };
    const { logits } = model.forward(x, null, { z, seed: seedFor(options.seed, 'last-token-forward') });
    const vocab = model.config.vocabSize;
    return tf.reshape(tf.slice(logits, [0, time - 1, 0], [unfinished.length, 1, vocab]), [unfinished.length, vocab]);
  });
  const logits = last.dataSync() as Float32Array;
  last.dispose();
  const vocab = model.config.vocabSize;
  const tokenRng = Rng.derive(options.seed, 'last-token');
  const zRng = Rng.derive(options.seed, 'last-token-z');
  const pinned = typeof options.z === 'object' ? options.z.pinned : null;
  const out: GenerateResult = { tokens: [...head.tokens], codes: [...head.codes], promptLength: head.promptLength };
  unfinished.forEach((b, i) => {
    const token = sampleFromLogits(
      logits.subarray(i * vocab, (i + 1) * vocab),
      options.temperature ?? 1,
      options.topK ?? 0,
      tokenRng,
    );
    const row = new Int32Array(total);
    row.set(head.tokens[b] as Int32Array);
    row[time] = token;
    out.tokens[b] = row;
    // The code at the last position never reaches the model; it is reported like generate() does.
    const pinnedRow = pinned === null ? null : pinned instanceof Int32Array ? pinned : pinned[b];
    const code = !latent ? 0 : pinnedRow ? (pinnedRow[time] as number) : zRng.int(codeCount);
    const codeRow = new Int32Array(total);
    codeRow.set((head.codes[b] as Int32Array).subarray(0, time));
    codeRow[time] = code;
    out.codes[b] = codeRow;
  });
  return out;
}
