import { ParallelChart } from '../../charts/sweep-charts';
import type { SweepRunPoint } from '../../lib/sweep-grid';
import { parallelRows } from '../../lib/sweep-grid';

export function ParallelPanel({ points, axes, metric }: { points: SweepRunPoint[]; axes: string[]; metric: string }) {
  const { dimensions, rows } = parallelRows(points, axes, metric);
  return (
    <div className="panel chart-card" data-testid="parallel-panel">
      <h2>All axes at once</h2>
      {rows.length === 0 ? (
        <p className="muted">No run has a value of {metric} yet.</p>
      ) : (
        <ParallelChart data={{ dimensions, rows }} />
      )}
      <div className="caption">
        One line per run with a value of {metric}, coloured by it. Drag along an axis to filter.
      </div>
    </div>
  );
}
