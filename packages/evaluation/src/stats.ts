// The statistics every score is reported with: a value, its standard error and n. Means and
// proportions get the analytic standard error of the mean (sample standard deviation with n - 1,
// over sqrt(n): what lm-evaluation-harness reports); statistics that are not plain means (ratios
// of pooled counts) get a bootstrap over their independent units with a seeded generator.
// Confidence intervals across seeds use Student's t.
import { deriveSeed, Rng } from '@ftlab/contract';

/** A number with its uncertainty: stderr is null where it cannot be estimated (n < 2). */
export interface Estimate {
  value: number;
  stderr: number | null;
  n: number;
}

/** A seed for APIs that want a 31-bit integer (tfjs, the model), derived from a seed and a purpose path. */
export function seedFor(seed: number, ...purposes: Array<string | number>): number {
  return deriveSeed(seed, ...purposes) % 2147483647;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}

/** Sample standard deviation (n - 1 in the denominator); NaN for fewer than two values. */
export function sampleStd(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) * (v - m);
  return Math.sqrt(sum / (n - 1));
}

/** The mean of independent values with its analytic standard error s / sqrt(n). */
export function meanEstimate(values: readonly number[]): Estimate {
  const n = values.length;
  return { value: mean(values), stderr: n < 2 ? null : sampleStd(values) / Math.sqrt(n), n };
}

/** A proportion of successes in n trials: the mean of 0/1 values, sqrt(p (1 - p) / (n - 1)). */
export function proportionEstimate(successes: number, n: number): Estimate {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new Error(`proportionEstimate: need integers 0 <= successes <= n, got ${successes} of ${n}`);
  }
  if (n === 0) return { value: Number.NaN, stderr: null, n };
  const p = successes / n;
  return { value: p, stderr: n < 2 ? null : Math.sqrt((p * (1 - p)) / (n - 1)), n };
}

export interface BootstrapOptions {
  /** Resamples (default 1000). */
  resamples?: number;
  seed: number;
}

/**
 * Standard error of `statistic(units)` by the bootstrap: resample the independent units with
 * replacement, recompute, take the standard deviation. Deterministic in the seed. Resamples whose
 * statistic is not finite (e.g. a ratio with an empty denominator) are left out.
 */
export function bootstrapStderr<T>(
  units: readonly T[],
  statistic: (sample: readonly T[]) => number,
  options: BootstrapOptions,
): number | null {
  const resamples = options.resamples ?? 1000;
  if (!Number.isInteger(resamples) || resamples < 2) {
    throw new Error(`bootstrapStderr: resamples must be an integer >= 2, got ${resamples}`);
  }
  if (units.length < 2) return null;
  const rng = Rng.derive(options.seed, 'bootstrap');
  const values: number[] = [];
  const sample = new Array<T>(units.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < units.length; i++) sample[i] = units[rng.int(units.length)] as T;
    const value = statistic(sample);
    if (Number.isFinite(value)) values.push(value);
  }
  return values.length < 2 ? null : sampleStd(values);
}

/** log sum_i exp(v_i), stable for large |v|. */
export function logSumExp(values: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > max) max = v;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

/** log of the mean of exp(v_i). */
export function logMeanExp(values: readonly number[]): number {
  return logSumExp(values) - Math.log(values.length);
}

// --- Student's t -----------------------------------------------------------------------------

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), |relative error| < 1e-13 for x > 0.
  const c = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
    12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularised incomplete beta function (Numerical Recipes' betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** I_x(a, b), the regularised incomplete beta function. */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (e.g. p = 0.975, df = 4 gives 2.776), by bisection on the CDF. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new Error(`studentTQuantile: df must be > 0, got ${df}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let low = 0;
  let high = 1;
  while (studentTCdf(high, df) < p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * Math.max(1, high); i++) {
    const middle = (low + high) / 2;
    if (studentTCdf(middle, df) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

export interface PairedInterval {
  /** Mean of the paired differences. */
  mean: number;
  stderr: number | null;
  /** The interval's ends; null with fewer than two pairs. */
  low: number | null;
  high: number | null;
  n: number;
  /** True when the interval excludes 0. */
  significant: boolean;
}

/** The paired-t confidence interval of the mean difference (default 95%, n - 1 degrees of freedom). */
export function pairedInterval(differences: readonly number[], level = 0.95): PairedInterval {
  if (!(level > 0 && level < 1)) throw new Error(`pairedInterval: level must be in (0, 1), got ${level}`);
  const { value, stderr, n } = meanEstimate(differences);
  if (stderr === null) return { mean: value, stderr, low: null, high: null, n, significant: false };
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * stderr;
  const low = value - half;
  const high = value + half;
  return { mean: value, stderr, low, high, n, significant: low > 0 || high < 0 };
}
