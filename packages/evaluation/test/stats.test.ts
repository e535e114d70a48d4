import { Rng } from '@ftlab/contract';
import { describe, expect, it } from 'vitest';
import { pairedInterval } from '../src/index.js';
import {
  bootstrapStderr,
  logMeanExp,
  logSumExp,
  meanEstimate,
  proportionEstimate,
  studentTCdf,
  studentTQuantile,
} from '../src/stats.js';

describe('Student t', () => {
  it('matches the tabulated 97.5% quantiles', () => {
    // Standard tables (two-sided 95%).
    const table: Array<[number, number]> = [
      [1, 12.706],
      [2, 4.303],
      [3, 3.182],
      [4, 2.776],
      [9, 2.262],
      [29, 2.045],
      [1000, 1.962],
    ];
    for (const [df, q] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(q, 3);
  });

  it('is a symmetric CDF whose quantile inverts it', () => {
    for (const df of [1, 3.5, 7, 40]) {
      expect(studentTCdf(0, df)).toBeCloseTo(0.5, 12);
      for (const t of [-3, -0.5, 0.7, 2.2]) {
        expect(studentTCdf(t, df) + studentTCdf(-t, df)).toBeCloseTo(1, 12);
        expect(studentTQuantile(studentTCdf(t, df), df)).toBeCloseTo(t, 8);
      }
    }
    // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t) / pi.
    for (const t of [-4, -1, 0.3, 5]) expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 10);
    expect(() => studentTQuantile(1, 3)).toThrow(/p must be in \(0, 1\)/);
    expect(() => studentTQuantile(0.9, 0)).toThrow(/df must be > 0/);
  });
});

describe('estimates', () => {
  it('gives the mean with s / sqrt(n), and no stderr from one value', () => {
    const e = meanEstimate([1, 2, 3, 4]);
    expect(e.value).toBe(2.5);
    expect(e.stderr).toBeCloseTo(Math.sqrt(5 / 3) / 2, 12);
    expect(e.n).toBe(4);
    expect(meanEstimate([7]).stderr).toBeNull();
  });

  it('gives a proportion the same stderr as the mean of its 0/1 values', () => {
    const values = [1, 1, 0, 1, 0, 0, 0, 1, 1, 1];
    const p = proportionEstimate(6, 10);
    expect(p.value).toBe(0.6);
    expect(p.stderr).toBeCloseTo(meanEstimate(values).stderr as number, 12);
    expect(() => proportionEstimate(11, 10)).toThrow(/0 <= successes <= n/);
    expect(Number.isNaN(proportionEstimate(0, 0).value)).toBe(true);
  });

  it('bootstraps the stderr of a mean close to the analytic one, the same for the same seed', () => {
    const rng = Rng.fromSeed(5);
    const values = Array.from({ length: 200 }, () => rng.normal());
    const analytic = meanEstimate(values).stderr as number;
    const mean = (sample: readonly number[]) => sample.reduce((a, b) => a + b, 0) / sample.length;
    const a = bootstrapStderr(values, mean, { seed: 1, resamples: 2000 }) as number;
    expect(Math.abs(a - analytic) / analytic).toBeLessThan(0.1);
    expect(bootstrapStderr(values, mean, { seed: 1, resamples: 2000 })).toBe(a);
    expect(bootstrapStderr(values, mean, { seed: 2, resamples: 2000 })).not.toBe(a);
    expect(bootstrapStderr([1], mean, { seed: 1 })).toBeNull();
    expect(() => bootstrapStderr(values, mean, { seed: 1, resamples: 1 })).toThrow(/resamples must be an integer >= 2/);
  });

  it('computes log-sum-exp without overflow', () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.LN2, 10);
    expect(logSumExp([-1000, -1000 - Math.log(3)])).toBeCloseTo(-1000 + Math.log(4 / 3), 10);
    expect(logMeanExp([2, 2, 2])).toBeCloseTo(2, 12);
    expect(logSumExp([Number.NEGATIVE_INFINITY])).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('paired interval', () => {
  it('is mean ± t(0.975, n-1) s / sqrt(n), significant only when it excludes 0', () => {
    const d = [0.1, 0.3, 0.2, 0.25];
    const i = pairedInterval(d);
    const s = meanEstimate(d).stderr as number;
    const half = 3.182446305284263 * s; // t(0.975, 3)
    expect(i.mean).toBeCloseTo(0.2125, 12);
    expect(i.low).toBeCloseTo(0.2125 - half, 8);
    expect(i.high).toBeCloseTo(0.2125 + half, 8);
    expect(i.significant).toBe(true);
    expect(pairedInterval([0.1, -0.1, 0.05]).significant).toBe(false);
    const single = pairedInterval([0.4]);
    expect(single).toMatchObject({ mean: 0.4, low: null, high: null, n: 1, significant: false });
    expect(() => pairedInterval(d, 1.5)).toThrow(/level must be in \(0, 1\)/);
  });
});
