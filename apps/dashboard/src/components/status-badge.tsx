import type { RunStatus, SweepStatus } from '@ftlab/tracker';
import { formatDuration } from '../lib/format';

export function StatusBadge({ status, title }: { status: RunStatus | SweepStatus; title?: string | null }) {
  return (
    <span className={`badge ${status}`} title={title ?? undefined}>
      {status}
    </span>
  );
}

export function CollapseMarker({ klBits, threshold }: { klBits: number | null; threshold: number }) {
  return (
    <span
      className="badge collapse"
      data-testid="collapse-marker"
      title={`KL ${klBits ?? '-'} bits/token is at or below ${threshold}: Z carries almost nothing (posterior collapse).`}
    >
      collapsed
    </span>
  );
}

/** A RUNNING run whose process has stopped sending heartbeats (probably dead). */
export function SilentMarker({ runId, silentForMs }: { runId: string; silentForMs: number }) {
  return (
    <span
      className="badge silent"
      data-testid="silent-marker"
      title={`No heartbeat for ${formatDuration(silentForMs)}: the process training it has probably died. The next ftlab sweep or worker marks it CRASHED and resumes it; or: npx ftlab resume ${runId}`}
    >
      no heartbeat {formatDuration(silentForMs)}
    </span>
  );
}
