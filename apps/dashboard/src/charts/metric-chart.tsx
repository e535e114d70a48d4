'use client';
import { useMemo } from 'react';
import { EChart } from './echart';
import { lineChartOption } from './line-options';
import type { LineSeries, ReferenceLine } from './series';

/** One chart card of curves over steps (the run page's grid). */
export function MetricChart({
  title,
  series,
  yName,
  references,
  caption,
  testId,
}: {
  title: string;
  series: LineSeries[];
  yName?: string;
  references?: ReferenceLine[];
  caption?: string;
  testId: string;
}) {
  const option = useMemo(
    () => lineChartOption({ series, yName, references: references ?? [] }),
    [series, yName, references],
  );
  return (
    <div className="panel chart-card">
      <h3>{title}</h3>
      <EChart option={option} testId={testId} ariaLabel={title} />
      {caption ? <div className="caption">{caption}</div> : null}
    </div>
  );
}
