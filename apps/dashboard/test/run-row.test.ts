// A RUNNING run whose process died keeps its status until a worker marks it CRASHED; the
// dashboard (read-only) shows how long it has been silent instead.
import { describe, expect, it } from 'vitest';
import { SILENT_AFTER_MS } from '../src/lib/keys';
import { silentForMs } from '../src/lib/run-row';

describe('silentForMs', () => {
  const now = 1_000_000_000;
  it('is how long a RUNNING run has gone without a heartbeat, past the stale limit', () => {
    expect(silentForMs({ status: 'RUNNING', heartbeatAt: now - SILENT_AFTER_MS - 1 }, now)).toBe(SILENT_AFTER_MS + 1);
    expect(silentForMs({ status: 'RUNNING', heartbeatAt: now - 12 * 60_000 }, now)).toBe(12 * 60_000);
  });

  it('is null for a run that beat recently, has not beaten yet, or is not RUNNING', () => {
    expect(silentForMs({ status: 'RUNNING', heartbeatAt: now - SILENT_AFTER_MS }, now)).toBeNull();
    expect(silentForMs({ status: 'RUNNING', heartbeatAt: now - 5_000 }, now)).toBeNull();
    expect(silentForMs({ status: 'RUNNING', heartbeatAt: null }, now)).toBeNull();
    for (const status of ['FINISHED', 'CRASHED', 'KILLED', 'FAILED', 'PENDING'] as const) {
      expect(silentForMs({ status, heartbeatAt: now - 3_600_000 }, now)).toBeNull();
    }
  });
});
