// Turning the tracker's downsampled curves into chart series. The tracker cuts a metric's steps
// into at most maxPoints buckets and returns each bucket's mean, min and max: the line is the
// mean, the band min..max, so a spike survives any zoom level.
import type { Curve, GroupCurve, Tracker } from '@ftlab/tracker';
import type { BandPoint, LineSeries, Point } from '../charts/series';

/** Points per curve: about one per horizontal pixel of a chart. */
export const CURVE_POINTS = 500;

export interface SeriesSpec {
  key: string;
  label: string;
  dashed?: boolean;
}

export function curveToSeries(curve: Curve, label: string, dashed = false): LineSeries {
  const points: Point[] = curve.points.map((p) => [p.step, curve.downsampled ? p.mean : p.value]);
  const series: LineSeries = { name: label, points };
  if (dashed) series.dashed = true;
  if (curve.downsampled) {
    series.band = curve.points
      .filter((p) => p.min !== null && p.max !== null)
      .map((p): BandPoint => [p.step, p.min as number, p.max as number]);
  }
  return series;
}

/** Mean line with a mean +- std band across the group's runs (no band where n < 2). */
export function groupCurveToSeries(curve: GroupCurve, label: string): LineSeries {
  return {
    name: label,
    points: curve.points.map((p): Point => [p.step, p.mean]),
    band: curve.points
      .filter((p) => p.std !== null)
      .map((p): BandPoint => [p.step, p.mean - (p.std as number), p.mean + (p.std as number)]),
  };
}

export function nonFiniteCount(curve: Curve): number {
  return curve.points.reduce((total, p) => total + p.nonFiniteCount, 0);
}

export async function loadSeries(
  tracker: Tracker,
  runId: string,
  spec: SeriesSpec,
  maxPoints = CURVE_POINTS,
): Promise<{ series: LineSeries; curve: Curve } | null> {
  const curve = await tracker.curve(runId, spec.key, { maxPoints });
  if (curve.points.length === 0) return null;
  return { series: curveToSeries(curve, spec.label, spec.dashed), curve };
}
