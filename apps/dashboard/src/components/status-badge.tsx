import type { RunStatus, SweepStatus } from '@ftlab/tracker';

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
