// Is Z used? The KL of the encoder against the uniform prior, in bits per token, is the
// information Z carries about the sequence (at most H bits per token). Per bit it shows which
// channels are alive; over training it shows collapse (KL falls to ~0 and stays there: the model
// is then a baseline plus one block) or pinning at the free-bits budget kappa (spec section 4).
import { tf } from '@ftlab/backend';
import {
  DEFAULT_COLLAPSE_THRESHOLD_BITS,
  DEFAULT_COLLAPSE_WINDOW,
  DEFAULT_LIVE_THRESHOLD_BITS,
  NATS_PER_BIT,
} from '@ftlab/contract';
import type { Batch } from '@ftlab/data';
import { hasLatent, type Model } from '@ftlab/model';
import type { LikelihoodMetrics } from './likelihood.js';
import type { MetricRecord } from './metric-record.js';
import { seedFor } from './stats.js';

export interface LatentUsage {
  /** Mean KL per token in bits (the sum over bits). */
  klBitsPerToken: number;
  /** Mean KL per token of each bit, in bits (bit 0, the least significant bit of the code, first). */
  perBitKlBits: number[];
  /** Indices of the bits whose KL exceeds thresholdBits. */
  liveBits: number[];
  liveChannels: number;
  thresholdBits: number;
}

function checkThreshold(name: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`${name} must be a finite number >= 0, got ${value}`);
}

/** Latent usage from the mean per-bit KL in nats per token (e.g. LikelihoodMetrics.perBitKl). */
export function latentUsage(
  perBitKlNats: readonly number[],
  options: { liveThresholdBits?: number } = {},
): LatentUsage {
  const thresholdBits = options.liveThresholdBits ?? DEFAULT_LIVE_THRESHOLD_BITS;
  checkThreshold('liveThresholdBits', thresholdBits);
  const perBitKlBits = perBitKlNats.map((nats, h) => {
    if (!Number.isFinite(nats) || nats < 0) throw new Error(`latentUsage: bit ${h} has KL ${nats} nats; expected >= 0`);
    return nats / NATS_PER_BIT;
  });
  const liveBits = perBitKlBits.flatMap((bits, h) => (bits > thresholdBits ? [h] : []));
  return {
    klBitsPerToken: perBitKlBits.reduce((a, b) => a + b, 0),
    perBitKlBits,
    liveBits,
    liveChannels: liveBits.length,
    thresholdBits,
  };
}

export function latentUsageFromLikelihood(
  metrics: LikelihoodMetrics,
  options: { liveThresholdBits?: number } = {},
): LatentUsage {
  return latentUsage(metrics.perBitKl, options);
}

/**
 * Latent usage of `model` on `batches` from one encoder pass per batch (the KL does not depend
 * on the Z draw). A model without a latent has no bits: zero KL, no live channel.
 */
export function measureLatentUsage(
  model: Model,
  batches: readonly Batch[],
  options: { seed: number; liveThresholdBits?: number },
): LatentUsage {
  if (!hasLatent(model.config)) return latentUsage([], options);
  const bits = model.config.latentBits;
  const totals = new Array<number>(bits).fill(0);
  let tokens = 0;
  batches.forEach((batch, index) => {
    const time = batch.length - 1;
    const inputs = new Int32Array(batch.batchSize * time);
    for (let b = 0; b < batch.batchSize; b++) {
      inputs.set(batch.tokens.subarray(b * batch.length, b * batch.length + time), b * time);
    }
    const perBit = tf.tidy(() => {
      const x = tf.tensor2d(inputs, [batch.batchSize, time], 'int32');
      const out = model.forward(x, null, { seed: seedFor(options.seed, 'latent-usage', index) });
      return out.bitKl as tf.Tensor;
    });
    const values = perBit.dataSync();
    perBit.dispose();
    values.forEach((v, h) => {
      totals[h] = totals[h] + v * batch.batchSize * time;
    });
    tokens += batch.batchSize * time;
  });
  if (tokens === 0) throw new Error('measureLatentUsage: no tokens to evaluate (the split is empty)');
  return latentUsage(
    totals.map((v) => v / tokens),
    options,
  );
}

/**
 * Records of task 'latent'. The mean KL takes its standard error across rows when given (the
 * likelihood pass has it); per-bit values and the live-channel count come without one.
 */
export function latentUsageRecords(
  usage: LatentUsage,
  rows: number,
  options: { klBitsStderr?: number | null; task?: string } = {},
): MetricRecord[] {
  const task = options.task ?? 'latent';
  const record = (metric: string, value: number, stderr: number | null = null, note?: string): MetricRecord => ({
    task,
    metric,
    value,
    stderr,
    n: rows,
    ...(note === undefined ? {} : { note }),
  });
  return [
    record('kl_bits_per_token', usage.klBitsPerToken, options.klBitsStderr ?? null),
    record('live_channels', usage.liveChannels, null, `bits whose KL exceeds ${usage.thresholdBits} bits per token`),
    ...usage.perBitKlBits.map((bits, h) => record(`kl_bits_bit${h}`, bits)),
  ];
}

// --- collapse over training ------------------------------------------------------------------

export interface KlPoint {
  step: number;
  /** Mean KL per token in bits at that evaluation. */
  klBitsPerToken: number;
}

export interface CollapseOptions {
  thresholdBits?: number;
  /** Consecutive evaluations (the latest N) that must all be below the threshold. */
  window?: number;
  /** The run's kappa in bits per token: also say whether KL sits at the free-bits budget. */
  kappaBits?: number;
  /** Relative distance to kappa that counts as "at kappa" (default 0.1). */
  kappaTolerance?: number;
}

export interface CollapseStatus {
  collapsed: boolean;
  /** First step of the final stretch of evaluations below the threshold (null when the last is above). */
  lowSince: number | null;
  /** Length of that final stretch. */
  lowEvaluations: number;
  lastKlBits: number | null;
  thresholdBits: number;
  window: number;
  /** With kappaBits: the last `window` evaluations all lie within kappaTolerance of kappa. */
  pinnedAtKappa?: boolean;
  reason: string;
}

/**
 * Collapse flag from a KL history: collapsed when the KL of the last `window` evaluations (by
 * step) is below `thresholdBits` bits per token. A non-finite KL breaks a stretch: it is a
 * diverged evaluation, not evidence of collapse.
 */
export function detectCollapse(history: readonly KlPoint[], options: CollapseOptions = {}): CollapseStatus {
  const thresholdBits = options.thresholdBits ?? DEFAULT_COLLAPSE_THRESHOLD_BITS;
  const window = options.window ?? DEFAULT_COLLAPSE_WINDOW;
  checkThreshold('thresholdBits', thresholdBits);
  if (!Number.isInteger(window) || window < 1) throw new Error(`window must be an integer >= 1, got ${window}`);
  history.forEach((point, i) => {
    if (!Number.isInteger(point?.step)) throw new Error(`KL history point ${i}: step must be an integer`);
  });
  const points = [...history].sort((a, b) => a.step - b.step);
  let lowEvaluations = 0;
  for (let i = points.length - 1; i >= 0; i--) {
    const kl = (points[i] as KlPoint).klBitsPerToken;
    if (!(Number.isFinite(kl) && kl < thresholdBits)) break;
    lowEvaluations++;
  }
  const last = points[points.length - 1];
  const collapsed = lowEvaluations >= window;
  const status: CollapseStatus = {
    collapsed,
    lowSince: lowEvaluations > 0 ? (points[points.length - lowEvaluations] as KlPoint).step : null,
    lowEvaluations,
    lastKlBits: last?.klBitsPerToken ?? null,
    thresholdBits,
    window,
    reason: collapsed
      ? `KL < ${thresholdBits} bits/token for the last ${lowEvaluations} evaluations (since step ${(points[points.length - lowEvaluations] as KlPoint).step})`
      : points.length < window
        ? `only ${points.length} evaluation(s); collapse needs ${window} in a row below ${thresholdBits} bits/token`
        : `the last ${window} evaluations are not all below ${thresholdBits} bits/token`,
  };
  if (options.kappaBits !== undefined) {
    checkThreshold('kappaBits', options.kappaBits);
    const tolerance = options.kappaTolerance ?? 0.1;
    const recent = points.slice(-window);
    status.pinnedAtKappa =
      options.kappaBits > 0 &&
      recent.length === window &&
      recent.every(
        (p) => Math.abs(p.klBitsPerToken - (options.kappaBits as number)) <= tolerance * (options.kappaBits as number),
      );
  }
  return status;
}
