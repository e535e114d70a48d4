'use client';
// Overlaid curves with an EMA smoothing slider. Smoothing runs here in the browser on the
// downsampled points, so moving the slider never re-queries the tracker; its value is mirrored
// into the URL (replaceState) so a shared link keeps it.
import { useEffect, useMemo, useState } from 'react';
import { EChart } from './echart';
import { lineChartOption } from './line-options';
import type { LineSeries, ReferenceLine } from './series';

export function CompareChart({
  series,
  yName,
  references,
  initialSmoothing,
}: {
  series: LineSeries[];
  yName: string;
  references: ReferenceLine[];
  initialSmoothing: number;
}) {
  const [smoothing, setSmoothing] = useState(initialSmoothing);
  const [logY, setLogY] = useState(false);

  useEffect(() => {
    const url = new URL(window.location.href);
    if (smoothing > 0) url.searchParams.set('ema', String(smoothing));
    else url.searchParams.delete('ema');
    window.history.replaceState(window.history.state, '', url);
  }, [smoothing]);

  const option = useMemo(
    () => lineChartOption({ series, yName, references, smoothing, logY, zoom: true }),
    [series, yName, references, smoothing, logY],
  );
  return (
    <div className="panel">
      <div className="toolbar">
        <label className="control" style={{ flexDirection: 'row', alignItems: 'center', gap: 8 }}>
          EMA smoothing
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(event) => setSmoothing(Number(event.target.value))}
            data-testid="ema-slider"
          />
          <span className="mono" data-testid="ema-value">
            {smoothing.toFixed(2)}
          </span>
        </label>
        <label className="checks">
          <input type="checkbox" checked={logY} onChange={(event) => setLogY(event.target.checked)} />
          log scale
        </label>
      </div>
      <EChart option={option} testId="compare-chart" className="chart tall" ariaLabel="compared curves" />
    </div>
  );
}
