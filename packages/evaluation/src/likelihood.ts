// Likelihood metrics of a latent-variable LM on held-out batches (spec section 4).
//
// For a row x of T target tokens, latent codes z = (z_1..z_T), C = 2^H codes per position:
//   posterior CE  = E_{z~q(z|x)} [-log p(x|z)] / T       LEAKY: q saw the future tokens of x
//   ELBO NLL      = posterior CE + (1/T) sum_t KL(q(z_t|x) || U(C))       >= -log p(x) / T
//   prior CE      = E_{z~p(z)} [-log p(x|z)] / T          (K draws)      >= -log p(x) / T
//   IWAE NLL (K)  = -E[log (1/K) sum_k w_k] / T,  w_k = p(x|z_k) p(z_k) / q(z_k|x),  z_k ~ q
// with log p(z) = -T H ln 2 (uniform prior) and log q(z|x) = sum_t log Q(z_t|x) (the encoder
// factorises over positions given x). Every bound is per row, then averaged over rows.
//
// The IWAE bounds for every K are computed from one pool of `iwaeSamples` posterior draws cut
// into disjoint consecutive groups of K: bound_K = mean over groups of log-mean-exp(group).
// K = 1 is then exactly the Monte Carlo ELBO of the same draws (posterior CE + sampled KL), and
// when K1 divides K2 bound_K2 >= bound_K1 for every row and every draw (Jensen: log of a mean
// >= mean of logs), so the reported NLL never increases with K.
//
// A model without a latent (the baselines) has no Z: every metric is its CE, computed once.
import { tf } from '@ftlab/backend';
import { NATS_PER_BIT } from '@ftlab/contract';
import type { Batch } from '@ftlab/data';
import { hasLatent, type Model } from '@ftlab/model';
import { type MetricRecord, metricRecord } from './metric-record.js';
import { type Estimate, logMeanExp, mean, meanEstimate, seedFor } from './stats.js';

export interface LikelihoodOptions {
  seed: number;
  /** Prior draws per row for prior CE (default 4). */
  priorSamples?: number;
  /** Posterior draws per row: posterior CE, sampled KL and the IWAE pool (default 8). */
  iwaeSamples?: number;
  /** IWAE K values to report; each must divide iwaeSamples (default 1, 2, 4, ... up to iwaeSamples). */
  iwaeSampleCounts?: readonly number[];
  /** Characters per token of the evaluated text, for bits per character (default 1: char tokenizers). */
  charactersPerToken?: number;
  /** Draws are stacked as extra rows of one forward pass, up to this many tokens (default 16384). */
  maxTokensPerPass?: number;
}

export interface IwaeBound {
  samples: number;
  /** -bound / T in nats per token (an upper bound on the NLL that tightens with K). */
  nll: Estimate;
}

/** Every estimate is in nats per token, averaged over rows; stderr is across rows. */
export interface LikelihoodMetrics {
  hasLatent: boolean;
  rows: number;
  tokens: number;
  charactersPerToken: number;
  posteriorSamples: number;
  priorSamples: number;
  /** Leaky: Z comes from the encoder, which saw the future tokens. Not a language-model loss. */
  posteriorCrossEntropy: Estimate;
  /** Analytic KL(q(z_t|x) || U(C)) per token. */
  klPerToken: Estimate;
  /** The single-draw estimate log q(z|x) - log p(z) per token, averaged over the posterior draws. */
  sampledKlPerToken: Estimate;
  elboNll: Estimate;
  priorCrossEntropy: Estimate;
  iwae: IwaeBound[];
  /** Mean KL of each bit per token (nats), bit 0 first; empty without a latent. */
  perBitKl: number[];
}

interface RowDraws {
  /** Per draw: sum over t of CE_t. */
  ce: number[];
  /** Per draw: sum over t of log Q(z_t|x). */
  logQ: number[];
}

interface BatchTotals {
  posterior: RowDraws[];
  prior: number[][];
  /** Per row: sum over t of the analytic KL_t. */
  kl: number[];
  /** Sum over rows and tokens of each bit's KL. */
  bitKl: number[];
}

function powersOfTwoUpTo(n: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= n; k *= 2) out.push(k);
  return out;
}

function checkOptions(options: LikelihoodOptions): Required<Omit<LikelihoodOptions, 'seed'>> & { seed: number } {
  const problems: string[] = [];
  const positiveInt = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) problems.push(`${name} must be an integer >= 1, got ${value}`);
  };
  if (!Number.isInteger(options?.seed)) problems.push(`seed must be an integer, got ${options?.seed}`);
  const priorSamples = options.priorSamples ?? 4;
  const iwaeSamples = options.iwaeSamples ?? 8;
  const maxTokensPerPass = options.maxTokensPerPass ?? 16384;
  positiveInt('priorSamples', priorSamples);
  positiveInt('iwaeSamples', iwaeSamples);
  positiveInt('maxTokensPerPass', maxTokensPerPass);
  const iwaeSampleCounts = options.iwaeSampleCounts ?? powersOfTwoUpTo(iwaeSamples);
  for (const k of iwaeSampleCounts) {
    if (!Number.isInteger(k) || k < 1 || iwaeSamples % k !== 0) {
      problems.push(`iwaeSampleCounts: ${k} must be a positive divisor of iwaeSamples=${iwaeSamples}`);
    }
  }
  const charactersPerToken = options.charactersPerToken ?? 1;
  if (!(charactersPerToken > 0) || !Number.isFinite(charactersPerToken)) {
    problems.push(`charactersPerToken must be a finite number > 0, got ${charactersPerToken}`);
  }
  if (problems.length > 0) throw new Error(`evaluateLikelihood: ${problems.join('; ')}`);
  return { seed: options.seed, priorSamples, iwaeSamples, iwaeSampleCounts, charactersPerToken, maxTokensPerPass };
}

/** Inputs (first T tokens) and targets (last T) of each row, stacked `copies` times: int32 [copies*B, T]. */
function stackedRows(batch: Batch, copies: number): { inputs: Int32Array; targets: Int32Array; time: number } {
  const { tokens, batchSize, length } = batch;
  const time = length - 1;
  const inputs = new Int32Array(copies * batchSize * time);
  const targets = new Int32Array(copies * batchSize * time);
  for (let c = 0; c < copies; c++) {
    for (let b = 0; b < batchSize; b++) {
      const row = (c * batchSize + b) * time;
      inputs.set(tokens.subarray(b * length, b * length + time), row);
      targets.set(tokens.subarray(b * length + 1, (b + 1) * length), row);
    }
  }
  return { inputs, targets, time };
}

interface PassSums {
  ce: Float32Array;
  logQ: Float32Array;
  kl: Float32Array;
  /** Sum over all rows and tokens of each bit's KL. */
  bitKl: Float32Array;
}

/** One forward pass over `copies` stacked copies of the batch; per-row sums over t. */
function forwardSums(model: Model, batch: Batch, copies: number, z: 'posterior' | 'prior', seed: number): PassSums {
  const { inputs, targets, time } = stackedRows(batch, copies);
  const rows = copies * batch.batchSize;
  const [ce, logQ, kl, bitKl] = tf.tidy(() => {
    const x = tf.tensor2d(inputs, [rows, time], 'int32');
    const y = tf.tensor2d(targets, [rows, time], 'int32');
    const out = model.forward(x, y, { z: { mode: z }, seed });
    const bits = out.bitKl ? tf.mul(out.bitKl, rows * time) : tf.zeros([0]);
    return [tf.sum(out.cePerToken, 1), tf.sum(out.logQ, 1), tf.sum(out.klPerToken, 1), bits];
  });
  const sums = {
    ce: ce.dataSync() as Float32Array,
    logQ: logQ.dataSync() as Float32Array,
    kl: kl.dataSync() as Float32Array,
    bitKl: bitKl.dataSync() as Float32Array,
  };
  tf.dispose([ce, logQ, kl, bitKl]);
  return sums;
}

/** Runs `draws` draws of one kind over a batch, as few stacked passes as the token budget allows. */
function drawSums(
  model: Model,
  batch: Batch,
  draws: number,
  z: 'posterior' | 'prior',
  seed: number,
  maxTokensPerPass: number,
  each: (draw: number, row: number, sums: PassSums, stackedRow: number) => void,
): Float32Array | null {
  const rowTokens = batch.length - 1;
  const perPass = Math.max(1, Math.min(draws, Math.floor(maxTokensPerPass / (batch.batchSize * rowTokens))));
  let bitKl: Float32Array | null = null;
  for (let first = 0, pass = 0; first < draws; first += perPass, pass++) {
    const copies = Math.min(perPass, draws - first);
    const sums = forwardSums(model, batch, copies, z, seedFor(seed, z, pass));
    if (bitKl === null) bitKl = sums.bitKl.map((v) => v / copies);
    for (let c = 0; c < copies; c++) {
      for (let b = 0; b < batch.batchSize; b++) each(first + c, b, sums, c * batch.batchSize + b);
    }
  }
  return bitKl;
}

function batchTotals(
  model: Model,
  batch: Batch,
  seed: number,
  latent: boolean,
  o: ReturnType<typeof checkOptions>,
): BatchTotals {
  // Without a latent every draw gives the same numbers: one pass stands for all of them.
  const posteriorDraws = latent ? o.iwaeSamples : 1;
  const priorDraws = latent ? o.priorSamples : 1;
  const rows = batch.batchSize;
  const posterior: RowDraws[] = Array.from({ length: rows }, () => ({ ce: [], logQ: [] }));
  const kl = new Array<number>(rows).fill(0);
  const bitKl = drawSums(model, batch, posteriorDraws, 'posterior', seed, o.maxTokensPerPass, (draw, b, s, i) => {
    posterior[b]?.ce.push(s.ce[i]);
    posterior[b]?.logQ.push(s.logQ[i]);
    if (draw === 0) kl[b] = s.kl[i]; // the encoder is deterministic: KL is the same for every draw
  });
  const prior: number[][] = Array.from({ length: rows }, () => []);
  drawSums(model, batch, priorDraws, 'prior', seed, o.maxTokensPerPass, (_, b, s, i) => {
    prior[b]?.push(s.ce[i]);
  });
  return { posterior, prior, kl, bitKl: Array.from(bitKl ?? []) };
}

/** The IWAE bound of one row for K: mean over disjoint groups of K log-weights of their log-mean-exp. */
function rowIwaeBound(logWeights: readonly number[], k: number): number {
  const groups: number[] = [];
  for (let g = 0; g + k <= logWeights.length; g += k) groups.push(logMeanExp(logWeights.slice(g, g + k)));
  return mean(groups);
}

/**
 * Posterior CE (leaky), ELBO NLL, prior CE and IWAE bounds of `model` on `batches`, in nats per
 * token with standard errors across rows. Deterministic in options.seed.
 */
export function evaluateLikelihood(
  model: Model,
  batches: readonly Batch[],
  options: LikelihoodOptions,
): LikelihoodMetrics {
  const o = checkOptions(options);
  if (batches.length === 0) throw new Error('evaluateLikelihood: no batches to evaluate (the split is empty)');
  const latent = hasLatent(model.config);
  const latentBits = latent ? model.config.latentBits : 0;
  const logPriorPerToken = -latentBits * NATS_PER_BIT; // log p(z_t) under the uniform prior
  const perRow = {
    posterior: [] as number[],
    kl: [] as number[],
    sampledKl: [] as number[],
    elbo: [] as number[],
    prior: [] as number[],
    iwae: o.iwaeSampleCounts.map(() => [] as number[]),
  };
  const bitKlTotal = new Array<number>(latentBits).fill(0);
  let tokens = 0;
  batches.forEach((batch, index) => {
    const time = batch.length - 1;
    if (time < 1) throw new Error(`evaluateLikelihood: batch ${index} has rows of ${batch.length} token(s); need >= 2`);
    const totals = batchTotals(model, batch, seedFor(o.seed, 'likelihood', index), latent, o);
    tokens += batch.batchSize * time;
    totals.bitKl.forEach((v, h) => {
      bitKlTotal[h] = bitKlTotal[h] + v;
    });
    for (let b = 0; b < batch.batchSize; b++) {
      const draws = totals.posterior[b] as RowDraws;
      const drawCount = latent ? o.iwaeSamples : 1;
      // log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x)
      const logWeights = Array.from(
        { length: o.iwaeSamples },
        (_, k) => -draws.ce[k % drawCount] + time * logPriorPerToken - (latent ? draws.logQ[k] : 0),
      );
      const posteriorCe = mean(draws.ce) / time;
      const kl = totals.kl[b] / time;
      perRow.posterior.push(posteriorCe);
      perRow.kl.push(kl);
      perRow.sampledKl.push(latent ? mean(draws.logQ) / time - logPriorPerToken : 0);
      perRow.elbo.push(posteriorCe + kl);
      perRow.prior.push(mean(totals.prior[b] as number[]) / time);
      o.iwaeSampleCounts.forEach((k, i) => {
        perRow.iwae[i]?.push(-rowIwaeBound(logWeights, k) / time);
      });
    }
  });
  return {
    hasLatent: latent,
    rows: perRow.posterior.length,
    tokens,
    charactersPerToken: o.charactersPerToken,
    posteriorSamples: latent ? o.iwaeSamples : 1,
    priorSamples: latent ? o.priorSamples : 1,
    posteriorCrossEntropy: meanEstimate(perRow.posterior),
    klPerToken: meanEstimate(perRow.kl),
    sampledKlPerToken: meanEstimate(perRow.sampledKl),
    elboNll: meanEstimate(perRow.elbo),
    priorCrossEntropy: meanEstimate(perRow.prior),
    iwae: o.iwaeSampleCounts.map((samples, i) => ({ samples, nll: meanEstimate(perRow.iwae[i] as number[]) })),
    perBitKl: bitKlTotal.map((v) => v / tokens),
  };
}

// --- units and records -----------------------------------------------------------------------

export type LikelihoodUnit = 'nats_per_token' | 'bits_per_token' | 'bits_per_char';
export const LIKELIHOOD_UNITS: readonly LikelihoodUnit[] = ['nats_per_token', 'bits_per_token', 'bits_per_char'];

/** An estimate in nats per token converted to `unit` (bits per character = bits per token / characters per token). */
export function inUnit(estimate: Estimate, unit: LikelihoodUnit, charactersPerToken: number): Estimate {
  const scale =
    unit === 'nats_per_token'
      ? 1
      : unit === 'bits_per_token'
        ? 1 / NATS_PER_BIT
        : 1 / (NATS_PER_BIT * charactersPerToken);
  return {
    value: estimate.value * scale,
    stderr: estimate.stderr === null ? null : estimate.stderr * scale,
    n: estimate.n,
  };
}

export const LEAKY_NOTE = 'leaky: Z from the encoder saw the future tokens; not a language-model loss';

/**
 * The metrics as records of task 'likelihood', each in nats/token, bits/token and bits/char:
 * posterior_ce_leaky_*, elbo_nll_*, prior_ce_*, iwae_nll_k<K>_*, plus kl_* and sampled_kl_*.
 */
export function likelihoodRecords(metrics: LikelihoodMetrics, task = 'likelihood'): MetricRecord[] {
  const named: Array<[string, Estimate, string | undefined]> = [
    ['posterior_ce_leaky', metrics.posteriorCrossEntropy, LEAKY_NOTE],
    ['elbo_nll', metrics.elboNll, 'posterior CE + KL: an upper bound on the NLL'],
    ['prior_ce', metrics.priorCrossEntropy, `Z from the uniform prior, ${metrics.priorSamples} draw(s) per row`],
    ...metrics.iwae.map((b): [string, Estimate, string] => [
      `iwae_nll_k${b.samples}`,
      b.nll,
      `importance-weighted bound, ${b.samples} encoder sample(s)`,
    ]),
    ['kl', metrics.klPerToken, 'KL(q(z_t|x) || uniform) per token'],
    ['sampled_kl', metrics.sampledKlPerToken, 'log q(z|x) - log p(z) of the posterior draws, per token'],
  ];
  return named.flatMap(([name, estimate, note]) =>
    LIKELIHOOD_UNITS.map((unit) =>
      metricRecord(task, `${name}_${unit}`, inUnit(estimate, unit, metrics.charactersPerToken), note),
    ),
  );
}
