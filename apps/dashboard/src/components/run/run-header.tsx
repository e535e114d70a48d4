import type { RunDetail, Sweep } from '@ftlab/tracker';
import Link from 'next/link';
import { formatDuration, formatNumber, formatTime } from '../../lib/format';
import { COLLAPSE_THRESHOLD_BITS } from '../../lib/keys';
import type { RunRow } from '../../lib/run-row';
import { StepProgress } from '../progress';
import { CollapseMarker, SilentMarker, StatusBadge } from '../status-badge';

export function RunHeader({ run, row, sweep }: { run: RunDetail; row: RunRow; sweep: Sweep | null }) {
  return (
    <div className="panel">
      <div className="page-head" style={{ marginBottom: 8 }}>
        <div>
          <h1 data-testid="run-title">
            {run.name} <StatusBadge status={run.status} />
            {row.silentForMs !== null ? <SilentMarker runId={run.id} silentForMs={row.silentForMs} /> : null}
            {row.collapsed ? <CollapseMarker klBits={row.klBits} threshold={COLLAPSE_THRESHOLD_BITS} /> : null}
          </h1>
          <div className="sub mono">{run.id}</div>
        </div>
        <div className="toolbar">
          <Link className="button secondary" href={`/compare?runs=${run.id}`}>
            Open in compare
          </Link>
          <a className="button secondary" href={`/runs/${run.id}/export?format=csv`} download>
            Metrics CSV
          </a>
          <a className="button secondary" href={`/runs/${run.id}/export?format=json`} download>
            Everything (JSON)
          </a>
        </div>
      </div>
      {run.failureReason ? (
        <div className="notice error" data-testid="failure-reason">
          {run.status === 'KILLED' ? 'Killed' : 'Failed'}
          {run.lastStep !== null ? ` at step ${run.lastStep}` : ''}: {run.failureReason}
        </div>
      ) : null}
      <table className="kv">
        <tbody>
          <tr>
            <th>Variant</th>
            <td>
              {row.variant ?? '-'}
              {row.hasLatent
                ? ` · κ ${formatNumber(row.kappaBits, 3)} bits · H ${formatNumber(row.latentBits)} · m ${formatNumber(row.encoderPlacement)}`
                : ''}
            </td>
          </tr>
          <tr>
            <th>Seed</th>
            <td>{formatNumber(row.seed)}</td>
          </tr>
          <tr>
            <th>Sweep</th>
            <td>{sweep ? <Link href={`/sweeps/${sweep.id}`}>{sweep.name}</Link> : 'none (a single run)'}</td>
          </tr>
          <tr>
            <th>Progress</th>
            <td>
              <StepProgress lastStep={run.lastStep} totalSteps={run.totalSteps} />
              {run.totalSteps !== null ? ` of ${run.totalSteps.toLocaleString('en-US')} steps` : ''}
              {run.resumeCount > 0 ? ` · resumed ${run.resumeCount}×` : ''}
            </td>
          </tr>
          <tr>
            <th>Time</th>
            <td>
              created {formatTime(run.createdAt)} · started {formatTime(run.startedAt)} · ended{' '}
              {formatTime(run.endedAt)} · {formatDuration(row.durationMs)}
              {run.status === 'RUNNING' ? ` · last heartbeat ${formatTime(run.heartbeatAt)}` : ''}
            </td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
