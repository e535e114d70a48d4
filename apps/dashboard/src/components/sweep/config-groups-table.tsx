import type { ConfigGroup } from '@ftlab/tracker';
import Link from 'next/link';
import { formatMeanStd } from '../../lib/format';
import { axisTitle, axisValueLabel } from '../../lib/sweep-grid';

/** One row per configuration (runs that differ only by seed): its axes, seeds, statuses and the metric over seeds. */
export function ConfigGroupsTable({ groups, axes, metric }: { groups: ConfigGroup[]; axes: string[]; metric: string }) {
  return (
    <div className="panel tight table-scroll" data-testid="config-groups">
      <h2 style={{ padding: '12px 16px 0' }}>Configurations</h2>
      <table className="data">
        <thead>
          <tr>
            {axes.map((axis) => (
              <th key={axis}>{axisTitle(axis)}</th>
            ))}
            <th>Seeds</th>
            <th>Statuses</th>
            <th className="num">{metric} (mean ± std)</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {groups.map((group) => {
            const aggregate = group.metrics[metric];
            return (
              <tr key={group.configHash}>
                {axes.map((axis) => (
                  <td key={axis}>{group.axes[axis] ? axisValueLabel(axis, group.axes[axis]) : '-'}</td>
                ))}
                <td>{group.seeds.map((seed) => seed ?? '-').join(', ')}</td>
                <td className="small">
                  {Object.entries(group.counts)
                    .map(([status, count]) => `${count} ${status.toLowerCase()}`)
                    .join(', ')}
                </td>
                <td className="num">
                  {aggregate ? `${formatMeanStd(aggregate.mean, aggregate.std)} (n=${aggregate.n})` : '-'}
                </td>
                <td>
                  <Link
                    href={`/compare?runs=${group.runIds.join(',')}&group=config&metric=${encodeURIComponent(metric)}`}
                  >
                    curves
                  </Link>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
