// @ftlab/tracker: the experiment store. Runs, params, metrics, evaluations and artifacts in SQLite
// (better-sqlite3, embedded) or PostgreSQL (pg, for sweeps across machines), with drizzle-orm
// schemas and migrations for both; the runs table is the sweep queue.
export { assertJson, canonicalJson, configHash } from './config.js';
export type { CopyOptions, CopyReport, CopyTableReport } from './copy.js';
export { type CreatedRun, defaultWorkerName } from './create-runs.js';
export type { Curve, CurveOptions, CurvePoint, GroupCurve, GroupCurvePoint, GroupSelector } from './curves.js';
export type { Dialect, DialectFragments, SqlDriver, SqlExecutor } from './driver.js';
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
export { type CsvTable, EXPORT_BATCH_RUNS, type ExportFormat, type ExportOptions } from './export.js';
export { MetricWriter, type MetricWriterOptions } from './metric-writer.js';
export type { MetricRange } from './metrics.js';
export { loadMigrations, type Migration, type MigrationReport, type MigrationSet, migrate } from './migrate.js';
export {
  defaultTrackerLocation,
  isPostgresUrl,
  type OpenTrackerOptions,
  openTracker,
  resolveTrackerLocation,
} from './open.js';
export { openPostgresDriver, type PostgresOpenOptions } from './postgres.js';
export type {
  EvaluationFilter,
  ListRunsOptions,
  RunField,
  RunFilter,
  RunList,
  RunOrder,
  ValueFilter,
} from './queries.js';
export { type RequeueResult, type RunEnvironmentInput, TRACKER_NOTE_AUTHOR, type WorkerGuard } from './runs.js';
export { openSqliteDriver, type SqliteOpenOptions } from './sqlite.js';
export type { ConfigGroup, MetricAggregate, SweepAxis, SweepInput, SweepSummary } from './sweeps.js';
export { TEST_PG_ENV, TEST_PG_HOW_TO, type TestPostgres, testPostgres, testPostgresUrl } from './test-postgres.js';
export { DEFAULT_MAX_RESUMES, Tracker } from './tracker.js';
export * from './types.js';
export { decodeValue } from './values.js';
