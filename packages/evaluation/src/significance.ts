// Tests and intervals that decide: is an effect there in one run, and in how many seeds?
//
//   permutationTest          one run, two conditions measured on independent units (the toy
//                            study's groups): exact over all relabellings when they are few,
//                            otherwise Monte Carlo with the +1 correction, so P(p <= a) <= a under
//                            exchangeability (the null: the condition changes nothing).
//   bootstrapDifference      the effect size (statistic of A minus statistic of B) with a
//                            percentile interval from resampling each condition's units.
//   wilsonInterval           across seeds: the fraction of seeds with a positive verdict.
// Means across seeds use pairedInterval (Student's t) from stats.ts.

import { Rng } from '@ftlab/contract';
import { sampleStd } from './stats.js';

/** The significance level every verdict of this package uses (one-sided). */
export const VERDICT_ALPHA = 0.05;

/**
 * The standard normal quantile (Acklam's rational approximation, |relative error| < 1.2e-9).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  const [a0, a1, a2, a3, a4, a5] = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const [b0, b1, b2, b3, b4] = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const [c0, c1, c2, c3, c4, c5] = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const [d0, d1, d2, d3] = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    return (
      ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
      (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
    );
  }
  const q = Math.sqrt(-2 * Math.log(1 - p));
  return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
}

/** A fraction of seeds (or of any independent trials) with its confidence interval. */
export interface Fraction {
  successes: number;
  n: number;
  /** successes / n (NaN when n = 0). */
  value: number;
  low: number;
  high: number;
  level: number;
}

/** Wilson's score interval for a binomial proportion (default 95%); [0, 1] when n = 0. */
export function wilsonInterval(successes: number, n: number, level = 0.95): Fraction {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new Error(`wilsonInterval: need integers 0 <= successes <= n, got ${successes} of ${n}`);
  }
  if (!(level > 0 && level < 1)) throw new Error(`wilsonInterval: level must be in (0, 1), got ${level}`);
  if (n === 0) return { successes, n, value: Number.NaN, low: 0, high: 1, level };
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  // The ends are exactly 0 and 1 at 0/n and n/n; rounding must not push them past.
  const low = successes === 0 ? 0 : Math.max(0, centre - half);
  const high = successes === n ? 1 : Math.min(1, centre + half);
  return { successes, n, value: p, low, high, level };
}

export interface PermutationTestOptions {
  seed: number;
  /** Monte Carlo relabellings when exact enumeration would need more (default 4000). */
  resamples?: number;
}

export interface PermutationTestResult {
  /** statistic(A) - statistic(B) on the data as labelled. */
  observed: number;
  /** One-sided p-value of "A's statistic is larger". 1 when the observed difference is not finite. */
  pValue: number;
  /** Relabellings behind the p-value (all of them when exact). */
  permutations: number;
  exact: boolean;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

/**
 * One-sided two-sample permutation test over independent units: is statistic(A) - statistic(B)
 * larger than when the labels A/B are shuffled? Under the null every relabelling that keeps the
 * two sizes is equally likely, so the p-value is exact when all C(nA + nB, nA) are enumerated
 * (done when there are at most `resamples` of them) and conservative otherwise:
 * (1 + #{T* >= T}) / (1 + R) over R random relabellings. Deterministic in the seed.
 */
export function permutationTest<T>(
  a: readonly T[],
  b: readonly T[],
  statistic: (units: readonly T[]) => number,
  options: PermutationTestOptions,
): PermutationTestResult {
  const resamples = options.resamples ?? 4000;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new Error(`permutationTest: resamples must be an integer >= 1, got ${resamples}`);
  }
  if (a.length === 0 || b.length === 0) {
    throw new Error(`permutationTest: both conditions need units, got ${a.length} and ${b.length}`);
  }
  const observed = statistic(a) - statistic(b);
  const all = [...a, ...b];
  const total = all.length;
  const size = a.length;
  if (!Number.isFinite(observed)) return { observed, pValue: 1, permutations: 0, exact: false };
  // Ties count as "at least as extreme": a relative tolerance keeps float noise from splitting them.
  const threshold = observed - 1e-12 * Math.max(1, Math.abs(observed));
  const differenceOf = (inA: readonly boolean[]) => {
    const left: T[] = [];
    const right: T[] = [];
    for (let i = 0; i < total; i++) (inA[i] ? left : right).push(all[i] as T);
    return statistic(left) - statistic(right);
  };

  const combinations = total <= 60 ? binomial(total, size) : Number.POSITIVE_INFINITY;
  if (combinations <= resamples) {
    let extreme = 0;
    const chosen = Array.from({ length: size }, (_, i) => i);
    const inA = new Array<boolean>(total).fill(false);
    for (let count = 0; count < combinations; count++) {
      inA.fill(false);
      for (const i of chosen) inA[i] = true;
      const d = differenceOf(inA);
      if (Number.isFinite(d) && d >= threshold) extreme++;
      // Next combination in lexicographic order.
      let i = size - 1;
      while (i >= 0 && chosen[i] === total - size + i) i--;
      if (i < 0) break;
      chosen[i] = chosen[i] + 1;
      for (let j = i + 1; j < size; j++) chosen[j] = chosen[j - 1] + 1;
    }
    return { observed, pValue: extreme / combinations, permutations: combinations, exact: true };
  }

  const rng = Rng.derive(options.seed, 'permutation-test');
  const order = Array.from({ length: total }, (_, i) => i);
  const inA = new Array<boolean>(total).fill(false);
  let extreme = 0;
  for (let r = 0; r < resamples; r++) {
    // Partial Fisher-Yates: the first `size` slots become condition A.
    for (let i = 0; i < size; i++) {
      const j = i + rng.int(total - i);
      const swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    inA.fill(false);
    for (let i = 0; i < size; i++) inA[order[i]] = true;
    const d = differenceOf(inA);
    if (Number.isFinite(d) && d >= threshold) extreme++;
  }
  return { observed, pValue: (1 + extreme) / (1 + resamples), permutations: resamples, exact: false };
}

export interface DifferenceInterval {
  /** statistic(A) - statistic(B). */
  value: number;
  /** Bootstrap standard deviation of the difference (null when it cannot be estimated). */
  stderr: number | null;
  low: number;
  high: number;
  level: number;
}

/**
 * The difference statistic(A) - statistic(B) with a percentile bootstrap interval: each
 * condition's units are resampled on their own (they are independent samples). Resamples whose
 * difference is not finite are left out; NaN ends when fewer than two remain.
 */
export function bootstrapDifference<T>(
  a: readonly T[],
  b: readonly T[],
  statistic: (units: readonly T[]) => number,
  options: { seed: number; resamples?: number; level?: number },
): DifferenceInterval {
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 2) {
    throw new Error(`bootstrapDifference: resamples must be an integer >= 2, got ${resamples}`);
  }
  if (!(level > 0 && level < 1)) throw new Error(`bootstrapDifference: level must be in (0, 1), got ${level}`);
  const value = statistic(a) - statistic(b);
  const rng = Rng.derive(options.seed, 'bootstrap-difference');
  const resample = (units: readonly T[]) =>
    Array.from({ length: units.length }, () => units[rng.int(units.length)] as T);
  const values: number[] = [];
  if (a.length > 0 && b.length > 0) {
    for (let r = 0; r < resamples; r++) {
      const d = statistic(resample(a)) - statistic(resample(b));
      if (Number.isFinite(d)) values.push(d);
    }
  }
  if (values.length < 2) return { value, stderr: null, low: Number.NaN, high: Number.NaN, level };
  values.sort((x, y) => x - y);
  const quantile = (q: number) => {
    const position = q * (values.length - 1);
    const below = Math.floor(position);
    const above = Math.min(values.length - 1, below + 1);
    return values[below] + (position - below) * (values[above] - values[below]);
  };
  return {
    value,
    stderr: sampleStd(values),
    low: quantile((1 - level) / 2),
    high: quantile(1 - (1 - level) / 2),
    level,
  };
}

/** A p-value for people: 2 significant digits, "< 0.001" below that. */
export function formatPValue(p: number): string {
  if (!Number.isFinite(p)) return 'n/a';
  return p < 0.001 ? '< 0.001' : p.toPrecision(2);
}
