import { MetricChart } from '../../charts/metric-chart';
import type { LoadedChart } from '../../lib/run-charts';

export function RunCharts({ charts, status }: { charts: LoadedChart[]; status: string }) {
  if (charts.length === 0) {
    return (
      <div className="panel empty" data-testid="no-metrics">
        <h2>No metrics yet</h2>
        <p>
          {status === 'PENDING'
            ? 'This run waits in the queue for a sweep worker (ftlab sweep … starts them).'
            : 'Nothing was logged for this run. Curves appear here as training logs them.'}
        </p>
      </div>
    );
  }
  return (
    <div className="grid-2">
      {charts.map((chart) => (
        <MetricChart
          key={chart.id}
          testId={`chart-${chart.id}`}
          title={chart.title}
          series={chart.series}
          yName={chart.yName}
          references={chart.references}
          caption={chart.caption}
        />
      ))}
    </div>
  );
}
