// @ftlab/tracker: the experiment store. Runs, params, metrics, evaluations and artifacts in SQLite
// (better-sqlite3, embedded) or PostgreSQL (pg, for sweeps across machines), with drizzle-orm
// schemas and migrations for both; the runs table is the sweep queue.
export { configHash } from './config.js';
export { defaultWorkerName } from './create-runs.js';
export type { Curve, GroupCurve } from './curves.js';
export {
  InvalidInputError,
  RunStateError,
  SchemaVersionError,
  TrackerError,
  type TrackerErrorCode,
  UnknownExperimentError,
  UnknownRunError,
  UnknownSweepError,
} from './errors.js';
export { MetricWriter } from './metric-writer.js';
export { type OpenTrackerOptions, openTracker, resolveTrackerLocation } from './open.js';
export { openPostgresDriver } from './postgres.js';
export type { ListRunsOptions, RunFilter, RunOrder } from './queries.js';
export { TRACKER_NOTE_AUTHOR, type WorkerGuard } from './runs.js';
export type { ConfigGroup, SweepSummary } from './sweeps.js';
export { type TestPostgres, testPostgres, testPostgresUrl } from './test-postgres.js';
export { DEFAULT_MAX_RESUMES, Tracker } from './tracker.js';
export * from './types.js';
