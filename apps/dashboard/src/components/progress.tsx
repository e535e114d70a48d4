import { formatCount } from '../lib/format';

/** Steps done out of the planned total, as a small bar and numbers. */
export function StepProgress({ lastStep, totalSteps }: { lastStep: number | null; totalSteps: number | null }) {
  if (lastStep === null) return <span className="faint">-</span>;
  if (totalSteps === null || totalSteps <= 0) return <span>{formatCount(lastStep)}</span>;
  const done = Math.min(1, Math.max(0, (lastStep + 1) / totalSteps));
  return (
    <span className="nowrap" title={`step ${lastStep} of ${totalSteps}`}>
      <span className="progress">
        <span style={{ width: `${(done * 100).toFixed(1)}%` }} />
      </span>
      {formatCount(lastStep)}
    </span>
  );
}
