// Divergence: telling a run whose loss runs away from a noisy but healthy one, step by step and
// relative to the run's own history. The trainer feeds every step's values in; a non-null answer
// is the reason the run failed.
//
// Rules, checked in this order:
//   1. a NaN or infinite loss, cross-entropy, KL or gradient norm fails at once (the next update
//      would write it into the weights);
//   2. ceiling: the median loss of the last SHORT_WINDOW steps above training.divergenceLoss;
//   3. blow-up: the median cross-entropy of the last SHORT_WINDOW steps above `factor` times the
//      reference, max(first step's cross-entropy, ln V) — what an untrained model scores;
//   4. rising trend: the median cross-entropy of the last LONG_WINDOW steps above the reference
//      and TREND_RISE times the median of the LONG_WINDOW steps before them.
// Rules 3 and 4 watch the cross-entropy, not the loss: the Free Transformer's loss adds a KL
// penalty that is bounded (at most H ln 2 per token) and may legitimately grow while the
// cross-entropy falls (toy-quick at lr 1: loss 3.4 -> 6.0 with the KL at its bound and the
// cross-entropy at 0.7). `divergence.enabled: false` turns rules 3 and 4 off.
// Rules 2 to 4 judge medians, never one step: runs at lr 1 that went on to learn had single steps
// at up to 42x the initial loss (143 nats).

import { median } from './median.js';

/**
 * Default of training.divergence.factor, from toy runs recorded step by step (the curves in
 * test/fixtures/loss-curves.json): healthy runs at lr 3e-3 to 0.3 (demo-ablation.yaml's settings
 * for 1,200 steps included) stay below 1x; lr-1 runs (the largest allowed) that went on to learn
 * peaked at 6.2x in their first 40 steps, and none without a runaway passed 6.8x; lr-1 runs held
 * constant reached 12-26x within 20 steps on every engine, and one with beta2 0.5 190x.
 */
export const DIVERGENCE_FACTOR = 8;
/** Steps in the ceiling and blow-up medians: more than half of them must be bad. */
export const SHORT_WINDOW = 11;
/** Steps per half of the trend comparison: longer than the early chaos of lr-1 runs that recovered (10-40 steps). */
export const LONG_WINDOW = 50;
/** Rise between the two long medians that counts as a trend (with the newer one worse than an untrained model). */
export const TREND_RISE = 1.5;

export interface DivergenceSettings {
  /** Rules 3 and 4 (the relative ones); NaN/Inf and divergenceLoss always apply. */
  enabled: boolean;
  /** Rule 3's multiple of the reference. */
  factor: number;
}

export const DEFAULT_DIVERGENCE: DivergenceSettings = { enabled: true, factor: DIVERGENCE_FACTOR };

export interface DivergenceOptions {
  settings: DivergenceSettings;
  /** training.divergenceLoss: the median loss above it fails the run, whatever the initial loss. */
  ceiling: number;
  vocabSize: number;
  /** training.lr and training.warmupSteps, named in the advice of every reason. */
  lr: number;
  warmupSteps: number;
}

/** What a checkpoint keeps, so a resumed run judges by the same history as an uninterrupted one. */
export interface DivergenceState {
  /** max(first step's cross-entropy, ln V); null before the first step. */
  reference: number | null;
  /** Cross-entropy of the most recent steps, oldest first (at most 2 x LONG_WINDOW). */
  recent: number[];
  /** Loss of the most recent steps, oldest first (at most SHORT_WINDOW). */
  recentLoss: number[];
}

export interface StepValues {
  loss: number;
  ce: number;
  kl: number;
  gradNorm: number;
}

const HISTORY = 2 * LONG_WINDOW;

export function isDivergenceState(value: unknown): value is DivergenceState {
  if (typeof value !== 'object' || value === null) return false;
  const { reference, recent, recentLoss } = value as Partial<DivergenceState>;
  const finiteList = (list: unknown, most: number) =>
    Array.isArray(list) && list.length <= most && list.every((x) => typeof x === 'number' && Number.isFinite(x));
  return (
    (reference === null || (typeof reference === 'number' && Number.isFinite(reference) && reference > 0)) &&
    finiteList(recent, HISTORY) &&
    finiteList(recentLoss, SHORT_WINDOW)
  );
}

const fixed = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));

export class DivergenceDetector {
  private reference: number | null;
  private readonly recent: number[];
  private readonly recentLoss: number[];

  constructor(
    private readonly options: DivergenceOptions,
    saved?: DivergenceState,
  ) {
    this.reference = saved?.reference ?? null;
    this.recent = [...(saved?.recent ?? [])];
    this.recentLoss = [...(saved?.recentLoss ?? [])];
  }

  /** Judges step `step` (1-based) before its update is applied: the reason it diverged, or null. */
  observe(step: number, values: StepValues): string | null {
    const fail = (what: string) =>
      `diverged at step ${step}: ${what}; lower training.lr (${this.options.lr}) or raise training.warmupSteps (${this.options.warmupSteps})`;
    for (const [name, value] of [
      ['the loss', values.loss],
      ['the cross-entropy', values.ce],
      ['the KL', values.kl],
      ['the gradient norm', values.gradNorm],
    ] as const) {
      if (!Number.isFinite(value)) return fail(`${name} is ${value}`);
    }

    this.reference ??= Math.max(values.ce, Math.log(this.options.vocabSize));
    this.recent.push(values.ce);
    if (this.recent.length > HISTORY) this.recent.shift();
    this.recentLoss.push(values.loss);
    if (this.recentLoss.length > SHORT_WINDOW) this.recentLoss.shift();
    if (this.recentLoss.length === SHORT_WINDOW) {
      const loss = median(this.recentLoss);
      if (loss > this.options.ceiling) {
        return fail(
          `loss ${fixed(loss)} (median of the last ${SHORT_WINDOW} steps) is above training.divergenceLoss ${this.options.ceiling}`,
        );
      }
    }
    if (!this.options.settings.enabled) return null;

    const { factor } = this.options.settings;
    const reference = this.reference;
    if (this.recent.length >= SHORT_WINDOW) {
      const short = median(this.recent.slice(-SHORT_WINDOW));
      if (short > factor * reference) {
        return fail(
          `cross-entropy ${fixed(short)} (median of the last ${SHORT_WINDOW} steps) is ${(short / reference).toFixed(1)}x the initial ${fixed(reference)} (limit ${factor}x, training.divergence.factor)`,
        );
      }
    }
    if (this.recent.length === HISTORY) {
      const before = median(this.recent.slice(0, LONG_WINDOW));
      const now = median(this.recent.slice(LONG_WINDOW));
      if (now > reference && now > TREND_RISE * before) {
        return fail(
          `cross-entropy rising: ${fixed(now)} (median of steps ${step - LONG_WINDOW + 1}-${step}) is ${(now / before).toFixed(1)}x the ${fixed(before)} of the ${LONG_WINDOW} steps before and above the initial ${fixed(reference)}`,
        );
      }
    }
    return null;
  }

  state(): DivergenceState {
    return { reference: this.reference, recent: [...this.recent], recentLoss: [...this.recentLoss] };
  }
}
