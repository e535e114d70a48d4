import { HeatmapChart } from '../../charts/sweep-charts';
import type { HeatmapData } from '../../charts/sweep-options';
import { formatMeanStd } from '../../lib/format';
import { axisTitle, type Heatmap } from '../../lib/sweep-grid';
import type { HeatmapMode } from '../../lib/sweep-view';

export function heatmapData(heatmap: Heatmap, mode: HeatmapMode, metric: string): HeatmapData {
  const cells: HeatmapData['cells'] = [];
  for (const cell of heatmap.cells) {
    const shown = mode === 'delta' ? cell.delta : cell.value;
    if (shown !== null) cells.push([cell.x, cell.y, shown.mean, shown.n]);
  }
  return {
    xLabels: heatmap.x.map((v) => v.label),
    yLabels: heatmap.y.map((v) => v.label),
    xName: axisTitle(heatmap.xKey),
    yName: axisTitle(heatmap.yKey),
    cells,
    diverging: mode === 'delta',
    valueName: mode === 'delta' ? `${metric} − baseline` : metric,
  };
}

export function HeatmapPanel({ heatmap, mode, metric }: { heatmap: Heatmap; mode: HeatmapMode; metric: string }) {
  const data = heatmapData(heatmap, mode, metric);
  const paired = heatmap.cells.reduce((total, cell) => total + cell.paired, 0);
  const differences = heatmap.cells.reduce((total, cell) => total + (cell.delta?.n ?? 0), 0);
  return (
    <div className="panel chart-card" data-testid="heatmap-panel">
      <h2>
        {mode === 'delta' ? 'Difference to baseline' : 'Mean over seeds'}: {metric}
      </h2>
      {mode === 'delta' && heatmap.baseline === null ? (
        <div className="notice">This sweep has no baseline run with {metric}: there is nothing to subtract.</div>
      ) : null}
      {data.cells.length === 0 ? (
        <p className="muted">No run has a value of {metric} yet.</p>
      ) : (
        <HeatmapChart data={data} />
      )}
      <div className="caption">
        Each cell: the latest {metric} of the Free Transformer runs with those values, averaged over seeds.
        {heatmap.baseline
          ? ` Baseline: ${formatMeanStd(heatmap.baseline.mean, heatmap.baseline.std)} (n=${heatmap.baseline.n}).`
          : ' No baseline runs.'}
        {mode === 'delta' && differences > 0
          ? ` Blue: below the baseline, orange: above. Differences paired with the baseline of the same seed for ${paired} of ${differences} runs (the others use the baseline mean).`
          : ''}
        {heatmap.withoutValue > 0 ? ` ${heatmap.withoutValue} run(s) have no value yet.` : ''}
      </div>
    </div>
  );
}
