import { describe, expect, it } from 'vitest';
import { emaSmooth, type Point } from '../src/charts/series';

function randomSeries(seed: number, length: number): Point[] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length }, (_, step): Point => [step * 10, next() < 0.1 ? null : next() * 4 - 1]);
}

describe('emaSmooth', () => {
  it('leaves the series alone at smoothing 0', () => {
    const points = randomSeries(1, 50);
    expect(emaSmooth(points, 0)).toBe(points);
  });

  it('equals the explicitly weighted average of the finite points so far, gaps kept', () => {
    for (const smoothing of [0.3, 0.6, 0.95]) {
      const points = randomSeries(7, 80);
      const smoothed = emaSmooth(points, smoothing);
      const finite: number[] = [];
      points.forEach(([step, value], i) => {
        expect(smoothed[i]?.[0]).toBe(step);
        if (value === null) {
          expect(smoothed[i]?.[1]).toBeNull();
          return;
        }
        finite.push(value);
        let total = 0;
        let weight = 0;
        finite.forEach((v, j) => {
          const w = smoothing ** (finite.length - 1 - j);
          total += w * v;
          weight += w;
        });
        expect(smoothed[i]?.[1]).toBeCloseTo(total / weight, 12);
      });
    }
  });

  it('stays within the range of the values seen so far, starts at the first value, keeps constants constant', () => {
    const points = randomSeries(3, 200);
    const smoothed = emaSmooth(points, 0.9);
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    points.forEach(([, value], i) => {
      if (value === null) return;
      low = Math.min(low, value);
      high = Math.max(high, value);
      const s = smoothed[i]?.[1] as number;
      expect(s).toBeGreaterThanOrEqual(low - 1e-12);
      expect(s).toBeLessThanOrEqual(high + 1e-12);
    });
    const firstFinite = points.findIndex(([, v]) => v !== null);
    expect(smoothed[firstFinite]?.[1]).toBeCloseTo(points[firstFinite]?.[1] as number, 12);
    const constant = emaSmooth(
      Array.from({ length: 30 }, (_, i): Point => [i, 2.5]),
      0.97,
    );
    for (const [, value] of constant) expect(value).toBeCloseTo(2.5, 12);
  });

  it('treats NaN and Infinity as gaps', () => {
    const smoothed = emaSmooth(
      [
        [0, 1],
        [1, Number.NaN],
        [2, Number.POSITIVE_INFINITY],
        [3, 3],
      ],
      0.5,
    );
    expect(smoothed[1]?.[1]).toBeNull();
    expect(smoothed[2]?.[1]).toBeNull();
    expect(smoothed[3]?.[1]).toBeCloseTo((0.5 * 1 + 3) / 1.5, 12);
  });

  it('refuses a smoothing of 1 or more, which would never move', () => {
    expect(() => emaSmooth([[0, 1]], 1)).toThrow(/smoothing must be in \[0, 1\), got 1/);
  });
});
