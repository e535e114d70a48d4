import { AxisLineChart } from '../../charts/sweep-charts';
import type { AxisLineData } from '../../charts/sweep-options';
import { type AxisLine, axisTitle } from '../../lib/sweep-grid';

export function axisLineData(line: AxisLine, metric: string): AxisLineData {
  return {
    xLabels: line.x.map((v) => v.label),
    xName: axisTitle(line.axisKey),
    yName: metric,
    series: line.series.map((s) => ({
      name: s.name,
      points: s.points.map((p) => (p === null ? null : [p.mean, p.std, p.n])),
    })),
    baseline: line.baseline ? { mean: line.baseline.mean, n: line.baseline.n } : null,
  };
}

export function AxisLinePanel({ line, metric }: { line: AxisLine; metric: string }) {
  return (
    <div className="panel chart-card" data-testid="line-panel">
      <h2>
        {metric} along {axisTitle(line.axisKey)}
      </h2>
      {line.x.length === 0 ? (
        <p className="muted">No run has a value yet.</p>
      ) : (
        <AxisLineChart data={axisLineData(line, metric)} />
      )}
      <div className="caption">
        Mean ± std across the runs at each value (seeds and any other axes pooled); dashed: baseline mean.
      </div>
    </div>
  );
}
