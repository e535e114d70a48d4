// The tests and intervals that decide verdicts, checked for what they promise: calibrated
// p-values under the null, power against a known effect, nominal coverage of the intervals.

import { Rng } from '@ftlab/contract';
import { generateToySample, resolveToyTaskConfig } from '@ftlab/data';
import { describe, expect, it } from 'vitest';
import { pairedInterval, testToyEffects } from '../src/index.js';
import {
  bootstrapDifference,
  normalQuantile,
  permutationTest,
  VERDICT_ALPHA,
  wilsonInterval,
} from '../src/significance.js';
import { blockStartAgreement, type GroupCounts, groupCounts, toyEffectRecords } from '../src/toy-group-effect.js';

describe('normalQuantile', () => {
  it('matches tabulated quantiles in the centre and both tails', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 7);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963985, 7);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 7);
    expect(normalQuantile(0.99999)).toBeCloseTo(4.264890794, 6);
  });

  it('refuses p outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, Number.NaN]) expect(() => normalQuantile(p)).toThrow(/p must be in \(0, 1\)/);
  });
});

describe('wilsonInterval', () => {
  it('matches published values', () => {
    // Newcombe (1998), table I: 81/263 -> 0.2553-0.3662; 15/148 -> 0.0624-0.1605; 0/20 -> 0-0.1611.
    const a = wilsonInterval(81, 263);
    expect(a.low).toBeCloseTo(0.2553, 4);
    expect(a.high).toBeCloseTo(0.3662, 4);
    const b = wilsonInterval(15, 148);
    expect(b.low).toBeCloseTo(0.0624, 4);
    expect(b.high).toBeCloseTo(0.1605, 4);
    const c = wilsonInterval(0, 20);
    expect(c.low).toBe(0);
    expect(c.high).toBeCloseTo(0.1611, 4);
    const all = wilsonInterval(6, 6);
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(0.6097, 4);
  });

  it('refuses impossible counts and says which', () => {
    expect(() => wilsonInterval(7, 6)).toThrow(/0 <= successes <= n, got 7 of 6/);
    expect(() => wilsonInterval(1.5, 6)).toThrow(/integers/);
    expect(() => wilsonInterval(1, 6, 1)).toThrow(/level must be in \(0, 1\)/);
    expect(wilsonInterval(0, 0)).toMatchObject({ low: 0, high: 1, n: 0 });
  });

  it('has its nominal 95% coverage in simulation, averaged over the success rate', () => {
    // For each n and true rate p, draw 2,000 binomial counts and count how often the interval
    // holds p. Wilson's coverage oscillates around the nominal level with p (it is not exact),
    // so the promise is the average over p near 0.95 and no p far below it.
    const rng = Rng.fromSeed(11);
    for (const n of [6, 12, 30]) {
      const coverages: number[] = [];
      for (let p = 0.05; p < 0.96; p += 0.05) {
        let covered = 0;
        const trials = 2000;
        for (let t = 0; t < trials; t++) {
          let k = 0;
          for (let i = 0; i < n; i++) if (rng.bernoulli(p)) k++;
          const interval = wilsonInterval(k, n);
          if (interval.low <= p && p <= interval.high) covered++;
        }
        coverages.push(covered / trials);
      }
      const average = coverages.reduce((s, c) => s + c, 0) / coverages.length;
      expect(average, `n = ${n}: mean coverage`).toBeGreaterThan(0.93);
      expect(average, `n = ${n}: mean coverage`).toBeLessThan(0.975);
      expect(Math.min(...coverages), `n = ${n}: worst coverage`).toBeGreaterThan(0.85);
    }
  });
});

describe('pairedInterval across seeds', () => {
  it('covers the true mean difference 95% of the time with 4 or 6 seeds', () => {
    const rng = Rng.fromSeed(12);
    for (const seeds of [4, 6]) {
      let covered = 0;
      const trials = 4000;
      for (let t = 0; t < trials; t++) {
        const differences = Array.from({ length: seeds }, () => 0.15 + 0.08 * rng.normal());
        const interval = pairedInterval(differences);
        if ((interval.low as number) <= 0.15 && 0.15 <= (interval.high as number)) covered++;
      }
      // Binomial sd of the estimate: sqrt(.95 * .05 / 4000) = 0.0034.
      expect(covered / trials).toBeGreaterThan(0.94);
      expect(covered / trials).toBeLessThan(0.96);
    }
  });
});

describe('permutationTest', () => {
  const meanOf = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

  it('enumerates every relabelling when they are few, and the p-value is their exact tail', () => {
    // 3 vs 3: C(6, 3) = 20 relabellings; A holds the three largest values, so only the observed
    // labelling is as extreme: p = 1/20.
    const result = permutationTest([4, 5, 6], [1, 2, 3], meanOf, { seed: 1 });
    expect(result).toMatchObject({ exact: true, permutations: 20, observed: 3 });
    expect(result.pValue).toBeCloseTo(1 / 20, 12);
    // Swapped, every relabelling is at least as extreme.
    expect(permutationTest([1, 2, 3], [4, 5, 6], meanOf, { seed: 1 }).pValue).toBe(1);
  });

  it('counts ties as extreme (identical units give p = 1)', () => {
    expect(permutationTest([2, 2, 2, 2], [2, 2, 2, 2], meanOf, { seed: 1 }).pValue).toBe(1);
  });

  it('is conservative by the +1 rule when it samples relabellings, and deterministic in the seed', () => {
    const a = Array.from({ length: 20 }, (_, i) => 10 + i);
    const b = Array.from({ length: 20 }, (_, i) => i);
    const result = permutationTest(a, b, meanOf, { seed: 3, resamples: 999 });
    expect(result.exact).toBe(false);
    expect(result.pValue).toBe(1 / 1000); // the smallest it can report
    expect(permutationTest(a, b, meanOf, { seed: 3, resamples: 999 })).toEqual(result);
  });

  it('gives p = 1 when the statistic is not finite on the data, and refuses empty conditions', () => {
    const nan = () => Number.NaN;
    expect(permutationTest([1, 2], [3, 4], nan, { seed: 1 }).pValue).toBe(1);
    expect(() => permutationTest([], [1], meanOf, { seed: 1 })).toThrow(/both conditions need units, got 0 and 1/);
    expect(() => permutationTest([1], [1], meanOf, { seed: 1, resamples: 0 })).toThrow(/resamples must be/);
  });
});

describe('bootstrapDifference', () => {
  it('brackets a clear difference and is NaN-free only where it can be', () => {
    const rng = Rng.fromSeed(4);
    const a = Array.from({ length: 30 }, () => 1 + rng.normal() * 0.1);
    const b = Array.from({ length: 30 }, () => rng.normal() * 0.1);
    const meanOf = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const d = bootstrapDifference(a, b, meanOf, { seed: 1 });
    expect(d.low).toBeLessThan(d.value);
    expect(d.high).toBeGreaterThan(d.value);
    expect(d.low).toBeGreaterThan(0.9);
    expect(d.high).toBeLessThan(1.1);
    // The bootstrap sd of a difference of two means of 30 values with sd 0.1 is about 0.026.
    expect(d.stderr as number).toBeGreaterThan(0.015);
    expect(d.stderr as number).toBeLessThan(0.04);
    const none = bootstrapDifference([], [1, 2], meanOf, { seed: 1 });
    expect(none.stderr).toBeNull();
    expect(none.low).toBeNaN();
  });
});

// --- the toy study's per-run test on simulated studies --------------------------------------

const toy = resolveToyTaskConfig();

/** One group of `size` true toy samples; with `share` > 0, each member keeps the group's block start with that probability. */
function simulatedGroup(rng: Rng, size: number, share: number): GroupCounts {
  const letterSample = generateToySample(rng, toy);
  const groupStart = letterSample.blockStart;
  const generations = Array.from({ length: size }, () => {
    const s = generateToySample(rng, toy);
    let body = s.text.slice(2);
    if (share > 0 && rng.bernoulli(share)) {
      // Move this sample's block to the group's start (the noise mask stays the sample's own).
      const chars = [...body].map((c) => (c === s.letter ? '_' : c));
      for (let i = groupStart; i < groupStart + toy.blockLength; i++) if (chars[i] !== '!') chars[i] = s.letter;
      body = chars.join('');
    }
    return { letter: s.letter, body };
  });
  return groupCounts(generations, toy);
}

function simulatedStudy(rng: Rng, groups: number, size: number, share: number) {
  return {
    pinned: Array.from({ length: groups }, () => simulatedGroup(rng, size, share)),
    independent: Array.from({ length: groups }, () => simulatedGroup(rng, size, 0)),
  };
}

describe('the toy study test (pinned vs independent groups)', () => {
  it('is calibrated: under the null, p < 0.05 in at most about 5% of 1,000 simulated studies', () => {
    // The null: Z changes nothing, so pinned groups are groups of independent true samples. The
    // study's size is the demo's (32 groups of 8 per condition).
    const rng = Rng.fromSeed(2026);
    let positives = 0;
    const studies = 1000;
    const pValues: number[] = [];
    for (let s = 0; s < studies; s++) {
      const { pinned, independent } = simulatedStudy(rng, 32, 8, 0);
      const effects = testToyEffects(pinned, independent, { seed: s, permutations: 499, bootstrapResamples: 2 });
      pValues.push(effects.blockStart.pValue);
      if (effects.blockStart.shown) positives++;
    }
    // Binomial sd at 5% of 1,000 is 0.7 points. The agreements are small counts with many ties,
    // which makes the test conservative (3-4% measured at 16-64 groups), never liberal.
    const rate = positives / studies;
    expect(rate).toBeGreaterThan(0.015);
    expect(rate).toBeLessThan(0.065);
    // Calibrated at other levels too: P(p <= a) <= a (+ sampling error).
    for (const a of [0.01, 0.1, 0.25, 0.5]) {
      const share = pValues.filter((p) => p <= a).length / studies;
      expect(share, `P(p <= ${a})`).toBeLessThan(a + 3 * Math.sqrt((a * (1 - a)) / studies) + 0.005);
    }
  });

  it('detects a known effect: groups where each member keeps the group block start with probability 0.3', () => {
    const rng = Rng.fromSeed(7);
    let positives = 0;
    const studies = 100;
    for (let s = 0; s < studies; s++) {
      const { pinned, independent } = simulatedStudy(rng, 16, 8, 0.3);
      if (testToyEffects(pinned, independent, { seed: s, permutations: 499, bootstrapResamples: 200 }).blockStart.shown)
        positives++;
    }
    // Expected agreement 0.3^2 = 0.09 + chance against 0.018 over 16 x 28 pairs: power near 1.
    expect(positives / studies).toBeGreaterThan(0.9);
  });

  it('records the difference, its interval, the p-value and the verdict for each statistic', () => {
    const rng = Rng.fromSeed(8);
    const { pinned, independent } = simulatedStudy(rng, 12, 8, 0.6);
    const effects = testToyEffects(pinned, independent, { seed: 1 });
    expect(effects.blockStart.difference.value).toBeCloseTo(
      blockStartAgreement(pinned) - blockStartAgreement(independent),
      12,
    );
    expect(effects.blockStart.difference.low).toBeGreaterThan(0);
    expect(effects.blockStart.shown).toBe(true);
    expect(effects.blockStart.alpha).toBe(VERDICT_ALPHA);
    const records = toyEffectRecords(effects, 12);
    const byMetric = new Map(records.map((r) => [r.metric, r]));
    expect([...byMetric.keys()]).toEqual([
      'block_start_agreement_difference',
      'block_start_agreement_difference_low',
      'block_start_agreement_difference_high',
      'block_start_agreement_p_value',
      'z_carries_block_position',
      'noise_overlap_difference',
      'noise_overlap_difference_low',
      'noise_overlap_difference_high',
      'noise_overlap_p_value',
      'z_carries_noise',
    ]);
    expect(byMetric.get('z_carries_block_position')?.value).toBe(1);
    expect(byMetric.get('block_start_agreement_p_value')?.value).toBe(effects.blockStart.pValue);
    expect(records.every((r) => r.task === 'toy_z_study')).toBe(true);
  });
});
