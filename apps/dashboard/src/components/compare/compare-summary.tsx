import type { RunSummary } from '@ftlab/tracker';
import Link from 'next/link';
import { formatNumber } from '../../lib/format';
import { METRIC } from '../../lib/keys';
import { axisTitle, axisValueLabel } from '../../lib/sweep-grid';
import { StatusBadge } from '../status-badge';

/** The selected runs side by side: the params that differ between them and their latest metrics. */
export function CompareSummary({
  runs,
  differing,
  metric,
}: {
  runs: RunSummary[];
  differing: string[];
  metric: string;
}) {
  const metrics = [
    ...new Set([metric, METRIC.trainLoss, METRIC.valElbo, METRIC.valPriorCe, METRIC.trainKlBits]),
  ].filter((key) => key !== '');
  return (
    <div className="panel tight table-scroll" data-testid="compare-summary">
      <table className="data">
        <thead>
          <tr>
            <th>Run</th>
            <th>Status</th>
            {differing.map((key) => (
              <th key={key}>{axisTitle(key)}</th>
            ))}
            <th className="num">Seed</th>
            {metrics.map((key) => (
              <th key={key} className="num mono">
                {key}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id}>
              <td>
                <Link href={`/runs/${run.id}`}>{run.name}</Link>
              </td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              {differing.map((key) => (
                <td key={key}>{run.params[key] ? axisValueLabel(key, run.params[key]) : '-'}</td>
              ))}
              <td className="num">{formatNumber(run.seed)}</td>
              {metrics.map((key) => (
                <td key={key} className="num">
                  {formatNumber(run.latestMetrics[key]?.value ?? null)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
