import { tf } from '@ftlab/backend';
import { Rng } from '@ftlab/contract';
import { type Batch, createDataset } from '@ftlab/data';
import { batchToTensors, createModel, type Model } from '@ftlab/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateLikelihood, type LikelihoodMetrics } from '../src/index.js';
import { inUnit, likelihoodRecords } from '../src/likelihood.js';
import { logSumExp } from '../src/stats.js';
import { batchOf, randomizeWeights, train, useWasm } from './helpers.js';

beforeAll(useWasm);

/** Per-row mean CE of a batch from the model's own forward pass (z is irrelevant for a baseline). */
function directRowCe(model: Model, batches: readonly Batch[]): number[] {
  return batches.flatMap((batch) => {
    const { inputs, targets } = batchToTensors(batch);
    const rows = tf.tidy(() => tf.mean(model.forward(inputs, targets, { seed: 0 }).cePerToken, 1));
    const values = Array.from(rows.dataSync());
    tf.dispose([inputs, targets, rows]);
    return values;
  });
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('a model without a latent', () => {
  it('has posterior CE = ELBO = prior CE = IWAE = its CE, and zero KL', () => {
    const data = createDataset({ kind: 'arithmetic', validationSequences: 24 }, { seed: 1 });
    const model = createModel(
      { variant: 'baseline', vocabSize: data.vocabSize, width: 16, layers: 2, heads: 2, contextLength: 12 },
      3,
    );
    randomizeWeights(model, 4, 0.3);
    const batches = data.evaluationBatches('validation', { batchSize: 10, sequenceLength: 12 });
    const ce = mean(directRowCe(model, batches));
    const m = evaluateLikelihood(model, batches, { seed: 1, iwaeSamples: 4, priorSamples: 3 });
    expect(m.hasLatent).toBe(false);
    expect(m.rows).toBe(24);
    expect(m.tokens).toBe(24 * 12);
    expect(ce).toBeGreaterThan(1); // random weights: far from 0, so equality means something
    for (const e of [m.posteriorCrossEntropy, m.elboNll, m.priorCrossEntropy, ...m.iwae.map((b) => b.nll)]) {
      expect(e.value).toBeCloseTo(ce, 5);
      expect(e.n).toBe(24);
    }
    expect(m.iwae.map((b) => b.samples)).toEqual([1, 2, 4]);
    expect(m.klPerToken.value).toBe(0);
    expect(m.sampledKlPerToken.value).toBe(0);
    expect(m.perBitKl).toEqual([]);
    model.dispose();
  });
});

describe('an untrained Free Transformer (zero post-sampler: Z changes nothing)', () => {
  it('has posterior CE = prior CE = the CE of the same weights without Z, and ELBO = CE + KL', () => {
    const data = createDataset({ kind: 'arithmetic', validationSequences: 16 }, { seed: 1 });
    const common = { vocabSize: data.vocabSize, width: 16, layers: 2, heads: 2, contextLength: 12, latentBits: 3 };
    const free = createModel({ ...common, variant: 'free-transformer' }, 3);
    const baseline = createModel({ ...common, variant: 'baseline' }, 3);
    const batches = data.evaluationBatches('validation', { batchSize: 16, sequenceLength: 12 });
    const ce = mean(directRowCe(baseline, batches));
    const m = evaluateLikelihood(free, batches, { seed: 2, iwaeSamples: 4, priorSamples: 2 });
    expect(m.hasLatent).toBe(true);
    expect(m.posteriorCrossEntropy.value).toBeCloseTo(ce, 5);
    expect(m.priorCrossEntropy.value).toBeCloseTo(ce, 5);
    expect(m.klPerToken.value).toBeGreaterThan(0);
    expect(m.elboNll.value).toBeCloseTo(ce + m.klPerToken.value, 5);
    expect(m.perBitKl).toHaveLength(3);
    expect(m.perBitKl.reduce((a, b) => a + b, 0)).toBeCloseTo(m.klPerToken.value, 5);
    free.dispose();
    baseline.dispose();
  });
});

/**
 * Exact quantities of one row of T targets by enumerating all C^T latent sequences (given codes):
 * log p(x), E_q[CE], E_p[CE], and the Monte Carlo standard deviations of the per-row estimates.
 */
function enumerate(model: Model, row: number[]) {
  const time = row.length - 1;
  const codes = 2 ** model.config.latentBits;
  const sequences = codes ** time;
  const inputs = new Int32Array(sequences * time);
  const targets = new Int32Array(sequences * time);
  const given = new Int32Array(sequences * time);
  for (let s = 0; s < sequences; s++) {
    for (let t = 0; t < time; t++) {
      inputs[s * time + t] = row[t];
      targets[s * time + t] = row[t + 1];
      given[s * time + t] = Math.floor(s / codes ** t) % codes;
    }
  }
  const [ceSums, logQSums, klSums] = tf.tidy(() => {
    const out = model.forward(
      tf.tensor2d(inputs, [sequences, time], 'int32'),
      tf.tensor2d(targets, [sequences, time], 'int32'),
      {
        z: { mode: 'given', codes: given },
        seed: 0,
      },
    );
    return [tf.sum(out.cePerToken, 1), tf.sum(out.logQ, 1), tf.sum(out.klPerToken, 1)];
  });
  const ce = Array.from(ceSums.dataSync() as Float32Array);
  const q = Array.from(logQSums.dataSync() as Float32Array, Math.exp);
  const kl = klSums.dataSync()[0] as number;
  tf.dispose([ceSums, logQSums, klSums]);
  const logPrior = -time * model.config.latentBits * Math.LN2;
  const posteriorCe = ce.reduce((sum, c, s) => sum + q[s] * c, 0);
  const priorCe = mean(ce);
  return {
    qTotal: q.reduce((a, b) => a + b, 0),
    nll: -(logSumExp(ce.map((c) => -c)) + logPrior) / time,
    posteriorCe: posteriorCe / time,
    elbo: (posteriorCe + kl) / time,
    priorCe: priorCe / time,
    posteriorCeSd: Math.sqrt(ce.reduce((sum, c, s) => sum + q[s] * (c - posteriorCe) ** 2, 0)) / time,
    priorCeSd: Math.sqrt(mean(ce.map((c) => (c - priorCe) ** 2))) / time,
  };
}

describe('bounds against exact enumeration (T = 3, H = 2: 64 latent sequences per row)', () => {
  it('estimates E_q CE, E_p CE and the ELBO within Monte Carlo error, and IWAE approaches the exact NLL', () => {
    const model = createModel(
      {
        vocabSize: 5,
        width: 8,
        layers: 2,
        heads: 2,
        mlpWidth: 12,
        contextLength: 3,
        latentBits: 2,
        zeroInitPostSampler: false,
      },
      1,
    );
    randomizeWeights(model, 7, 0.3); // a broad encoder: a peaked one makes IWAE converge very slowly
    const rng = Rng.fromSeed(3);
    const rows = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => rng.int(5)));
    const exact = rows.map((row) => enumerate(model, row));
    for (const e of exact) expect(e.qTotal).toBeCloseTo(1, 5); // log Q of every code sequence is a distribution
    const draws = 512;
    const m = evaluateLikelihood(model, [batchOf(rows)], {
      seed: 9,
      iwaeSamples: draws,
      priorSamples: draws,
      iwaeSampleCounts: [1, 4, 64, 512],
    });
    const mcError = (sds: number[]) => Math.sqrt(sds.reduce((a, s) => a + s * s, 0)) / sds.length / Math.sqrt(draws);
    const exactNll = mean(exact.map((e) => e.nll));
    const exactElbo = mean(exact.map((e) => e.elbo));
    expect(exactElbo).toBeGreaterThan(exactNll + 0.05); // the gap the IWAE is meant to close
    expect(mean(exact.map((e) => e.priorCe))).toBeGreaterThan(exactNll);
    const posteriorTolerance = 5 * mcError(exact.map((e) => e.posteriorCeSd));
    expect(Math.abs(m.posteriorCrossEntropy.value - mean(exact.map((e) => e.posteriorCe)))).toBeLessThan(
      posteriorTolerance,
    );
    expect(Math.abs(m.elboNll.value - exactElbo)).toBeLessThan(posteriorTolerance);
    expect(Math.abs(m.priorCrossEntropy.value - mean(exact.map((e) => e.priorCe)))).toBeLessThan(
      5 * mcError(exact.map((e) => e.priorCeSd)),
    );
    const [k1, k4, k64, k512] = m.iwae.map((b) => b.nll.value) as [number, number, number, number];
    expect(k1).toBeGreaterThan(k4);
    expect(k4).toBeGreaterThan(k64);
    expect(k64).toBeGreaterThanOrEqual(k512);
    // IWAE with K = 1 is an unbiased estimate of the ELBO; large K closes the gap to the true NLL.
    expect(Math.abs(k1 - exactElbo)).toBeLessThan(0.05);
    expect(k512 - exactNll).toBeLessThan(0.2 * (exactElbo - exactNll));
    expect(k512 - exactNll).toBeGreaterThan(-0.02);
    model.dispose();
  });
});

describe('a Free Transformer trained for a few dozen steps on a small toy task', () => {
  const toy = { bodyLength: 16, blockLength: 4 };
  let model: Model;
  let batches: Batch[];
  let metrics: LikelihoodMetrics;

  beforeAll(() => {
    const data = createDataset({ kind: 'toy', toy, validationSequences: 48 }, { seed: 1 });
    model = createModel(
      { vocabSize: data.vocabSize, width: 32, layers: 2, heads: 2, contextLength: 17, latentBits: 3, kappaNats: 0.3 },
      1,
    );
    const losses = train(model, data, 40, { batchSize: 16, lr: 1e-2 });
    expect(losses.at(-1) as number).toBeLessThan(0.5 * losses[0]);
    batches = data.evaluationBatches('validation', { batchSize: 24, sequenceLength: 17 });
    metrics = evaluateLikelihood(model, batches, { seed: 5, iwaeSamples: 16, priorSamples: 2 });
  }, 120_000);

  it('gives IWAE bounds that never increase with K and tighten below the K = 1 bound', () => {
    const nll = metrics.iwae.map((b) => b.nll.value);
    expect(metrics.iwae.map((b) => b.samples)).toEqual([1, 2, 4, 8, 16]);
    for (let i = 1; i < nll.length; i++) expect(nll[i]).toBeLessThanOrEqual(nll[i - 1]);
    expect(nll[0]).toBeGreaterThan(nll[4]);
    expect(nll[4]).toBeLessThan(metrics.elboNll.value);
  });

  it('gives IWAE(K = 1) = posterior CE + sampled KL from the same draws, exactly', () => {
    const k1 = metrics.iwae[0]?.nll.value;
    expect(k1).toBeCloseTo(metrics.posteriorCrossEntropy.value + metrics.sampledKlPerToken.value, 10);
    // ...which estimates the ELBO (the sampled KL estimates the analytic one).
    expect(Math.abs(metrics.sampledKlPerToken.value - metrics.klPerToken.value)).toBeLessThan(0.02);
  });

  it('is deterministic in the seed and changes with it', () => {
    const again = evaluateLikelihood(model, batches, { seed: 5, iwaeSamples: 16, priorSamples: 2 });
    expect(again).toEqual(metrics);
    const other = evaluateLikelihood(model, batches, { seed: 6, iwaeSamples: 16, priorSamples: 2 });
    expect(other.iwae[4]?.nll.value).not.toBe(metrics.iwae[4]?.nll.value);
    expect(other.klPerToken).toEqual(metrics.klPerToken); // the encoder is deterministic
  });

  it('stacks draws into passes without changing what is estimated', () => {
    const onePerPass = evaluateLikelihood(model, batches, {
      seed: 5,
      iwaeSamples: 4,
      priorSamples: 2,
      maxTokensPerPass: 1,
    });
    const stacked = evaluateLikelihood(model, batches, { seed: 5, iwaeSamples: 4, priorSamples: 2 });
    expect(onePerPass.klPerToken.value).toBeCloseTo(stacked.klPerToken.value, 6);
    expect(onePerPass.perBitKl).toEqual(stacked.perBitKl.map((v) => expect.closeTo(v, 6)));
    expect(Math.abs(onePerPass.posteriorCrossEntropy.value - stacked.posteriorCrossEntropy.value)).toBeLessThan(0.05);
  });

  it('reports every metric in nats and bits per token and bits per character, labelling the leaky one', () => {
    const records = likelihoodRecords({ ...metrics, charactersPerToken: 2 });
    const find = (name: string) => records.find((r) => r.metric === name);
    const nats = find('elbo_nll_nats_per_token');
    expect(nats?.value).toBe(metrics.elboNll.value);
    expect(find('elbo_nll_bits_per_token')?.value).toBeCloseTo(metrics.elboNll.value / Math.LN2, 12);
    expect(find('elbo_nll_bits_per_char')?.value).toBeCloseTo(metrics.elboNll.value / Math.LN2 / 2, 12);
    expect(find('elbo_nll_bits_per_char')?.stderr).toBeCloseTo((metrics.elboNll.stderr as number) / Math.LN2 / 2, 12);
    expect(find('posterior_ce_leaky_nats_per_token')?.note).toMatch(/leaky/);
    expect(find('iwae_nll_k16_bits_per_token')).toBeDefined();
    expect(records.every((r) => r.task === 'likelihood' && r.n === 48)).toBe(true);
    expect(inUnit({ value: 1, stderr: null, n: 3 }, 'bits_per_token', 1)).toEqual({
      value: 1 / Math.LN2,
      stderr: null,
      n: 3,
    });
  });
});

describe('bad input', () => {
  it('names each bad option and refuses an empty evaluation', () => {
    const model = createModel({ vocabSize: 5, width: 8, layers: 2, heads: 2, contextLength: 4, latentBits: 2 }, 1);
    const batch = batchOf([[1, 2, 3, 4]]);
    expect(() => evaluateLikelihood(model, [batch], { seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => evaluateLikelihood(model, [batch], { seed: 1, iwaeSamples: 8, iwaeSampleCounts: [3] })).toThrow(
      /iwaeSampleCounts: 3 must be a positive divisor of iwaeSamples=8/,
    );
    expect(() => evaluateLikelihood(model, [batch], { seed: 1, priorSamples: 0 })).toThrow(
      /priorSamples must be an integer >= 1/,
    );
    expect(() => evaluateLikelihood(model, [batch], { seed: 1, charactersPerToken: 0 })).toThrow(/charactersPerToken/);
    expect(() => evaluateLikelihood(model, [], { seed: 1 })).toThrow(/no batches to evaluate/);
    expect(() => evaluateLikelihood(model, [batchOf([[1]])], { seed: 1 })).toThrow(/batch 0 has rows of 1 token/);
    model.dispose();
  });
});
