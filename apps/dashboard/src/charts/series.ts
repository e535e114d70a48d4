// The data a line chart receives from a server component: plain arrays (they cross the
// server/client boundary as JSON), one entry per plotted point.

/** [step, value]; value null where the logged number was NaN or infinite (drawn as a gap). */
export type Point = [number, number | null];
/** [step, low, high]: a shaded band (min..max of a downsampled bucket, or mean +- std). */
export type BandPoint = [number, number, number];

export interface LineSeries {
  name: string;
  points: Point[];
  band?: BandPoint[];
  /** Drawn dashed (reference curves: validation, baselines). */
  dashed?: boolean;
}

export interface ReferenceLine {
  label: string;
  value: number;
}

/**
 * Exponential moving average as TensorBoard and W&B show it: each point is the average of the
 * points so far weighted by `smoothing`^age, divided by the total weight so the first points are
 * not pulled towards zero. Gaps (null) stay gaps and do not reset the average.
 */
export function emaSmooth(points: Point[], smoothing: number): Point[] {
  if (!(smoothing > 0)) return points;
  if (smoothing >= 1) throw new RangeError(`emaSmooth: smoothing must be in [0, 1), got ${smoothing}`);
  let average = 0;
  let weight = 0;
  return points.map(([step, value]): Point => {
    if (value === null || !Number.isFinite(value)) return [step, null];
    average = smoothing * average + (1 - smoothing) * value;
    weight = smoothing * weight + (1 - smoothing);
    return [step, average / weight];
  });
}
