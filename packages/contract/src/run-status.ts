// The lifecycle words the tracker stores and every reader (CLI, dashboard, sweeps) filters by.

export const RUN_STATUSES = ['PENDING', 'RUNNING', 'FINISHED', 'FAILED', 'CRASHED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses of a run that ended without finishing: it can be requeued (`ftlab resume`). */
export const FAILED_RUN_STATUSES = ['FAILED', 'CRASHED', 'KILLED'] as const satisfies readonly RunStatus[];

export const SWEEP_METHODS = ['grid', 'random'] as const;
export type SweepMethod = (typeof SWEEP_METHODS)[number];

export const SWEEP_STATUSES = ['ACTIVE', 'FINISHED', 'CANCELLED'] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

/**
 * A RUNNING run whose heartbeat is older than this is presumed dead: `ftlab sweep`, `worker` and
 * `resume` mark it CRASHED (their --stale-after default), `ftlab status` and the dashboard show it
 * as silent.
 */
export const DEFAULT_STALE_AFTER_MS = 60_000;
