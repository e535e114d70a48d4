// A mean difference paired by seed with the half-width of its interval, and a mark where the
// interval excludes 0: the sweep's paper table and the compare page's benchmark table show it alike.
import type { PairedInterval } from '@ftlab/evaluation/report';

/** Three decimals, or the non-finite value as written. */
export function fixed(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : String(value);
}

export function PairedDelta({
  delta,
  title,
  noInterval = '',
  testId,
}: {
  delta: PairedInterval;
  title: string;
  /** Shown instead of the half-width when there is no interval (one pair). */
  noInterval?: string;
  testId?: string;
}) {
  const half = delta.low !== null && delta.high !== null ? (delta.high - delta.low) / 2 : null;
  return (
    <div className="small muted nowrap" data-testid={testId} title={title}>
      {delta.mean >= 0 ? '+' : ''}
      {fixed(delta.mean)}
      {half !== null ? ` ±${fixed(half)}` : noInterval}
      {delta.significant ? <span className="sig"> *</span> : null}
    </div>
  );
}
