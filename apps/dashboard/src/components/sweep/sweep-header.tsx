import { FAILED_RUN_STATUSES } from '@ftlab/contract';
import type { SweepSummary } from '@ftlab/tracker';
import Link from 'next/link';
import { formatTime } from '../../lib/format';
import { RUN_STATUSES } from '../../lib/keys';
import { StatusBadge } from '../status-badge';

export function SweepHeader({ summary }: { summary: SweepSummary }) {
  const { sweep, counts, total } = summary;
  const done = FAILED_RUN_STATUSES.reduce((sum, status) => sum + counts[status], counts.FINISHED);
  return (
    <div className="panel">
      <div className="page-head" style={{ marginBottom: 6 }}>
        <div>
          <h1 data-testid="sweep-title">
            {sweep.name} <StatusBadge status={sweep.status} />
          </h1>
          <div className="sub">
            {sweep.method} search · {total} runs · {summary.groups.length} configurations · created{' '}
            {formatTime(sweep.createdAt)}
          </div>
        </div>
        <div className="toolbar">
          <Link className="button secondary" href={`/?sweep=${sweep.id}`}>
            Runs of this sweep
          </Link>
          <a className="button secondary" href={`/sweeps/${sweep.id}/export?format=csv`} download>
            Runs CSV
          </a>
          <a
            className="button secondary"
            href={`/sweeps/${sweep.id}/export?format=json`}
            title={`every point of every run; the same file as: ftlab export ${sweep.id} --format json`}
            download
          >
            Everything (JSON)
          </a>
        </div>
      </div>
      <div className="toolbar small">
        <span className="progress" style={{ width: 160 }}>
          <span style={{ width: `${total === 0 ? 0 : (100 * done) / total}%` }} />
        </span>
        {RUN_STATUSES.filter((status) => counts[status] > 0).map((status) => (
          <span key={status}>
            <StatusBadge status={status} /> {counts[status]}
          </span>
        ))}
      </div>
    </div>
  );
}
