import { tf } from '@ftlab/backend';
import { createBenchmark } from '@ftlab/data';
import { createModel, type Model, type ModelConfigInput } from '@ftlab/model';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cutAtStop,
  type GenerateResult,
  isSkipped,
  type LoglikelihoodResult,
  modelCalls,
  type SkippedRequest,
} from '../src/harness/model-calls.js';
import { runTask } from '../src/harness/run-task.js';
import { createTaskRegistry } from '../src/index.js';
import { randomizeWeights, useWasm } from './helpers.js';

beforeAll(useWasm);

const tokenizer = createBenchmark('arithmetic').tokenizer; // 0-9 + - = \n
const base: ModelConfigInput = {
  vocabSize: tokenizer.vocabSize,
  width: 16,
  layers: 2,
  heads: 2,
  contextLength: 12,
  latentBits: 3,
};

function model(overrides: ModelConfigInput, seed = 1, scale = 0.5): Model {
  const m = createModel({ ...base, ...overrides }, seed);
  if (scale > 0) randomizeWeights(m, seed + 10, scale);
  return m;
}

/** The result, which must have been scored (the test fails with the reason if it was skipped). */
function scored(result: LoglikelihoodResult | SkippedRequest | undefined): LoglikelihoodResult {
  if (result === undefined || isSkipped(result)) throw new Error(`not scored: ${JSON.stringify(result)}`);
  return result;
}

function generated(result: GenerateResult | undefined): string[] {
  if (result === undefined || isSkipped(result)) throw new Error(`not generated: ${JSON.stringify(result)}`);
  return result.outputs;
}

/** log p(continuation | context) and greedy-ness straight from one forward pass of the whole text. */
function direct(m: Model, context: string, continuation: string): { logLikelihood: number; isGreedy: boolean } {
  const ctx = tokenizer.encode(context);
  const full = [...ctx, ...tokenizer.encode(continuation)];
  const time = full.length - 1;
  const [logProbs, best] = tf.tidy(() => {
    const x = tf.tensor2d(full.slice(0, time), [1, time], 'int32');
    const logits = m.forward(x, null, { seed: 0 }).logits;
    return [tf.logSoftmax(logits), tf.argMax(logits, -1)];
  });
  const lp = logProbs.dataSync();
  const am = best.dataSync();
  tf.dispose([logProbs, best]);
  let logLikelihood = 0;
  let isGreedy = true;
  for (let t = ctx.length - 1; t < time; t++) {
    logLikelihood += lp[t * tokenizer.vocabSize + full[t + 1]];
    if (am[t] !== full[t + 1]) isGreedy = false;
  }
  return { logLikelihood, isGreedy };
}

describe('loglikelihood', () => {
  it('equals the log-probability of the continuation from a forward pass, for a baseline', () => {
    const m = model({ variant: 'baseline' });
    const lm = modelCalls(m, tokenizer, { seed: 1 });
    const requests = [
      { context: '12+3=', continuation: '15\n' },
      { context: '12+3=', continuation: '9' },
      { context: '7-', continuation: '2=5\n' },
    ];
    const results = lm.loglikelihood(requests).map(scored);
    requests.forEach((r, i) => {
      const expected = direct(m, r.context, r.continuation);
      expect(results[i]?.logLikelihood).toBeCloseTo(expected.logLikelihood, 4);
      expect(results[i]?.isGreedy).toBe(expected.isGreedy);
      expect(results[i]?.tokens).toBe(r.continuation.length);
      expect(results[i]?.truncatedTokens).toBe(0);
    });
    // The greedy continuation is recognised as greedy.
    const greedy = m.generate(tokenizer.encode('12+3='), { maxNewTokens: 3, seed: 0, temperature: 0 });
    const text = tokenizer.decode(greedy.tokens[0]?.subarray(5) ?? []);
    expect(scored(lm.loglikelihood([{ context: '12+3=', continuation: text }])[0]).isGreedy).toBe(true);
    m.dispose();
  });

  it('cuts a long context from the left and says by how much', () => {
    const m = model({ variant: 'baseline' });
    const lm = modelCalls(m, tokenizer, { seed: 1 });
    const long = scored(lm.loglikelihood([{ context: '99999999+1234=', continuation: '1\n' }])[0]);
    // contextLength 12: inputs are context + continuation minus its last token, so 11 context tokens remain.
    const cut = scored(lm.loglikelihood([{ context: '99999+1234=', continuation: '1\n' }])[0]);
    expect(cut.logLikelihood).toBeCloseTo(direct(m, '99999+1234=', '1\n').logLikelihood, 4);
    expect(long.logLikelihood).toBeCloseTo(cut.logLikelihood, 5);
    expect([long.truncatedTokens, cut.truncatedTokens]).toEqual([3, 0]);
    m.dispose();
  });

  it('moves whitespace at the end of the context into the continuation, as lm-evaluation-harness does', () => {
    const m = model({ variant: 'baseline' });
    const lm = modelCalls(m, tokenizer, { seed: 1 });
    const moved = scored(lm.loglikelihood([{ context: '12+3=\n', continuation: '15' }])[0]);
    expect(moved.tokens).toBe(3); // "\n15"
    expect(moved.logLikelihood).toBeCloseTo(direct(m, '12+3=', '\n15').logLikelihood, 4);
    m.dispose();
  });

  it('answers what it cannot score with the reason instead of throwing, and still scores the rest', () => {
    const m = model({ variant: 'baseline' });
    const lm = modelCalls(m, tokenizer, { seed: 1 });
    const [empty, nothing, unknownContext, unknownChoice, tooLong, fine] = lm.loglikelihood([
      { context: '', continuation: '1' },
      { context: '1', continuation: '' },
      { context: 'a', continuation: '1' },
      { context: '2+2=', continuation: '4x' },
      { context: '2+2=', continuation: '1234567890123' },
      { context: '2+2=', continuation: '4\n' },
    ]);
    expect(empty).toEqual({ skipped: 'empty', message: 'the context is empty: nothing to condition on' });
    expect(nothing).toMatchObject({ skipped: 'empty', message: expect.stringMatching(/an empty continuation of "1"/) });
    expect(unknownContext).toMatchObject({
      skipped: 'unencodable',
      message: expect.stringMatching(/cannot encode the context "a"/),
    });
    expect(unknownChoice).toMatchObject({
      skipped: 'unencodable',
      message: expect.stringMatching(/cannot encode the continuation "4x"/),
    });
    expect(tooLong).toEqual({
      skipped: 'too-long',
      message: "a continuation of 13 tokens does not fit the model's context of 12",
    });
    expect(scored(fine).logLikelihood).toBeCloseTo(direct(m, '2+2=', '4\n').logLikelihood, 4);
    m.dispose();
  });

  it('scores a Free Transformer with Z from the prior for the continuation, the same draws for every choice', () => {
    const m = model({ zeroInitPostSampler: false }, 2, 0.8);
    const lm = modelCalls(m, tokenizer, { seed: 1 });
    const together = lm.loglikelihood([
      { context: '45+4=', continuation: '49\n' },
      { context: '45+4=', continuation: '50\n' },
      { context: '3+3=', continuation: '6\n' },
    ]);
    const alone = lm.loglikelihood([{ context: '45+4=', continuation: '50\n' }]);
    // draws depend on the context, not the batch
    expect(scored(alone[0]).logLikelihood).toBe(scored(together[1]).logLikelihood);
    const otherSeed = modelCalls(m, tokenizer, { seed: 2 }).loglikelihood([{ context: '45+4=', continuation: '50\n' }]);
    expect(scored(otherSeed[0]).logLikelihood).not.toBe(scored(alone[0]).logLikelihood); // Z matters for these weights
    const prior = modelCalls(m, tokenizer, { seed: 1, promptZ: 'prior' }).loglikelihood([
      { context: '45+4=', continuation: '50\n' },
    ]);
    expect(scored(prior[0]).logLikelihood).not.toBe(scored(alone[0]).logLikelihood);
    const averaged = modelCalls(m, tokenizer, { seed: 1, zSamples: 8 }).loglikelihood([
      { context: '45+4=', continuation: '50\n' },
    ]);
    expect(Number.isFinite(scored(averaged[0]).logLikelihood)).toBe(true);
    m.dispose();
  });

  it("gives a Free Transformer whose Z has no effect the baseline's value, however Z is drawn", () => {
    const free = createModel({ ...base, variant: 'free-transformer' }, 5); // zero post-sampler: R = 0
    const baseline = createModel({ ...base, variant: 'baseline' }, 5);
    randomizeWeights(baseline, 6, 0.5);
    const shared = new Map(baseline.variables.map((v) => [v.name, v.variable]));
    for (const { name, variable } of free.variables) {
      const value = shared.get(name);
      if (value) variable.assign(value);
    }
    const request = [{ context: '8-5=', continuation: '3\n' }];
    const expected = scored(modelCalls(baseline, tokenizer, { seed: 1 }).loglikelihood(request)[0]).logLikelihood;
    for (const options of [{ promptZ: 'posterior' as const }, { promptZ: 'prior' as const, zSamples: 4 }]) {
      const value = scored(modelCalls(free, tokenizer, { seed: 3, ...options }).loglikelihood(request)[0]);
      expect(value.logLikelihood).toBeCloseTo(expected, 4);
    }
    free.dispose();
    baseline.dispose();
  });
});

describe('loglikelihoodRolling', () => {
  it("scores a whole text in windows of the model's context, each as one forward pass would", () => {
    const m = model({ variant: 'baseline' });
    const lm = modelCalls(m, tokenizer, { seed: 1 });
    const short = '12+3=15\n'; // 8 tokens: one window predicting the last 7
    const long = '123+456=579\n98-7=91\n'; // 20 tokens: windows predicting tokens 1-12 and 13-19
    const rolling = lm.loglikelihoodRolling as NonNullable<typeof lm.loglikelihoodRolling>;
    const [a, b, unknown, single] = rolling([short, long, '1+a', '7']);
    expect(a).toMatchObject({ tokens: 7 });
    expect((a as { logLikelihood: number }).logLikelihood).toBeCloseTo(direct(m, '1', short.slice(1)).logLikelihood, 4);
    // The second window predicts tokens 13-19 from the 12 tokens before 19 (lm-eval keeps a full context).
    const windows =
      direct(m, long[0], long.slice(1, 13)).logLikelihood + direct(m, long.slice(7, 13), long.slice(13)).logLikelihood;
    expect(b).toMatchObject({ tokens: 19 });
    expect((b as { logLikelihood: number }).logLikelihood).toBeCloseTo(windows, 4);
    expect(unknown).toMatchObject({
      skipped: 'unencodable',
      message: expect.stringMatching(/cannot encode the text "1\+a"/),
    });
    expect(single).toEqual({ skipped: 'empty', message: 'the text has fewer than two tokens: nothing to predict' });
    m.dispose();
  });
});

describe('generateUntil', () => {
  it('returns `samples` generations per request, cut at the stop string, within maxTokens, reproducibly', () => {
    const m = model({ zeroInitPostSampler: false }, 3);
    const lm = modelCalls(m, tokenizer, { seed: 1 });
    const requests = [
      { context: '12+3=', stop: ['\n'], maxTokens: 4, samples: 3 },
      { context: '7+1=', stop: ['\n'], maxTokens: 4, samples: 2 },
      { context: '1', stop: [], maxTokens: 11 },
    ];
    const results = lm.generateUntil(requests, { seed: 4 });
    const out = results.map(generated);
    expect(out.map((o) => o.length)).toEqual([3, 2, 1]);
    for (const text of out.flat().slice(0, 5)) {
      expect(text).not.toContain('\n');
      expect(text.length).toBeLessThanOrEqual(4);
    }
    expect([...(out[2]?.[0] ?? '')]).toHaveLength(11); // no stop: exactly maxTokens (one past the context)
    expect(lm.generateUntil(requests, { seed: 4 })).toEqual(results);
    // A budget past the context (lm-eval's default is 256) is cut to it, one prompt token kept.
    const [cut] = lm.generateUntil([{ context: '123', stop: [], maxTokens: 256 }], { seed: 1 });
    expect(cut).toMatchObject({ truncatedTokens: 2 });
    expect([...(generated(cut)[0] ?? '')]).toHaveLength(12);
    // Data it cannot take is answered with the reason; a long prompt is cut from the left and counted.
    const [empty, unknown, long] = lm.generateUntil(
      [
        { context: '', stop: [], maxTokens: 2 },
        { context: '1+a=', stop: [], maxTokens: 2 },
        { context: '123456789012+3=', stop: [], maxTokens: 2 },
      ],
      { seed: 1 },
    );
    expect(empty).toEqual({ skipped: 'empty', message: 'the context is empty: the model needs at least one token' });
    expect(unknown).toMatchObject({
      skipped: 'unencodable',
      message: expect.stringMatching(/cannot encode the context "1\+a="/),
    });
    expect(long).toMatchObject({ truncatedTokens: 15 - 11 });
    expect(generated(long)).toHaveLength(1);
    m.dispose();
  });

  it('cuts text before the first of several stop strings', () => {
    expect(cutAtStop('12=3\n45', ['\n', '='])).toBe('12');
    expect(cutAtStop('abc', ['', 'x'])).toBe('abc');
  });
});

describe('built-in tasks on a real model', () => {
  it('runs arithmetic_choice and arithmetic end to end', () => {
    const m = model({ contextLength: 16, zeroInitPostSampler: false }, 4);
    const lm = modelCalls(m, tokenizer, { seed: 1 });
    const registry = createTaskRegistry();
    const choice = runTask('arithmetic_choice', lm, { seed: 1, limit: 6 }, registry);
    expect(choice.metrics.map((r) => [r.metric, r.n])).toEqual([
      ['acc', 6],
      ['acc_norm', 6],
    ]);
    const generative = runTask('arithmetic', lm, { seed: 1, limit: 4, keepSamples: true }, registry);
    expect(generative.metrics.map((r) => r.metric)).toEqual(['exact_match', 'pass@1']);
    for (const r of [...choice.metrics, ...generative.metrics]) {
      expect(r.value).toBeGreaterThanOrEqual(0);
      expect(r.value).toBeLessThanOrEqual(1);
    }
    expect(generative.samples?.[0]?.generations).toHaveLength(1);
    expect(() => modelCalls(m, createBenchmark('toy').tokenizer, { seed: 1 })).toThrow(
      /the model has 14 tokens but the tokenizer 29/,
    );
    m.dispose();
  });
});
