// The tracker's tables, in drizzle-orm's SQLite dialect. drizzle-kit turns this file into the
// migrations under drizzle/ (`pnpm --filter @ftlab/tracker db:generate`); the store's queries are
// hand-written SQL over these names (see queries in runs.ts, metrics.ts, ...), so a PostgreSQL
// schema with the same table and column names runs the same queries.
//
// Conventions that keep the SQL portable between SQLite and PostgreSQL:
// - times are integer milliseconds since the Unix epoch, stamped by the database clock;
// - booleans are integers 0/1, JSON is text, ids are short random strings made by the store;
// - a metric value that is not finite is stored as value NULL plus its marker in non_finite,
//   never as NaN (PostgreSQL and JSON cannot agree on NaN; MLflow's is_nan column is the model).
//
// drizzle-kit loads this file on its own: it imports only drizzle, ./sql-util.js and
// @ftlab/contract (the CHECK lists), which it reads from the contract's build (dist/).
import { RUN_STATUSES, SWEEP_METHODS, SWEEP_STATUSES } from '@ftlab/contract';
import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { literalList } from './sql-util.js';

const nonFiniteCheck = (name: string) =>
  check(
    name,
    sql`(value IS NULL AND non_finite IN ('NaN', 'Infinity', '-Infinity')) OR (value IS NOT NULL AND non_finite IS NULL)`,
  );

/** A fresh column builder per table (drizzle builders must not be shared between tables). */
function runIdColumn() {
  return text('run_id')
    .notNull()
    .references(() => runs.id, { onDelete: 'cascade' });
}

/** One metric point; `metrics` and `latest_metrics` hold the same shape. */
function metricPointColumns() {
  return {
    runId: runIdColumn(),
    key: text('key').notNull(),
    step: integer('step').notNull(),
    value: real('value'),
    nonFinite: text('non_finite'),
    wallTimeMs: integer('wall_time_ms').notNull(),
  };
}

export const experiments = sqliteTable('experiments', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description'),
  createdAt: integer('created_at').notNull(),
});

export const sweeps = sqliteTable(
  'sweeps',
  {
    id: text('id').primaryKey(),
    experimentId: text('experiment_id').references(() => experiments.id),
    name: text('name').notNull().unique(),
    method: text('method').notNull(),
    /** The search space as the sweep's author wrote it (JSON); the runs hold the expanded configs. */
    spaceJson: text('space_json').notNull(),
    status: text('status').notNull().default('ACTIVE'),
    createdAt: integer('created_at').notNull(),
  },
  () => [
    check('sweeps_method_check', sql`method IN (${literalList(SWEEP_METHODS)})`),
    check('sweeps_status_check', sql`status IN (${literalList(SWEEP_STATUSES)})`),
  ],
);

export const runs = sqliteTable(
  'runs',
  {
    id: text('id').primaryKey(),
    experimentId: text('experiment_id').references(() => experiments.id),
    sweepId: text('sweep_id').references(() => sweeps.id),
    /** Claim order inside a sweep (the index of the run in the sweep's expansion). */
    queuePosition: integer('queue_position').notNull().default(0),
    name: text('name').notNull(),
    variant: text('variant'),
    status: text('status').notNull(),
    configJson: text('config_json').notNull(),
    /** SHA-256 of the canonical config without its seeds: runs that differ only by seed share it. */
    configHash: text('config_hash').notNull(),
    seed: integer('seed'),
    gitCommit: text('git_commit'),
    gitDirty: integer('git_dirty'),
    backend: text('backend'),
    host: text('host'),
    worker: text('worker'),
    packageVersionsJson: text('package_versions_json'),
    artifactRoot: text('artifact_root'),
    createdAt: integer('created_at').notNull(),
    startedAt: integer('started_at'),
    endedAt: integer('ended_at'),
    heartbeatAt: integer('heartbeat_at'),
    lastStep: integer('last_step'),
    totalSteps: integer('total_steps'),
    resumeCount: integer('resume_count').notNull().default(0),
    failureReason: text('failure_reason'),
  },
  (t) => [
    check('runs_status_check', sql`status IN (${literalList(RUN_STATUSES)})`),
    // Re-expanding a sweep inserts only the (config, seed) pairs it does not hold yet. NULL
    // sweep ids are distinct in a unique index, so standalone runs may repeat a config.
    uniqueIndex('runs_sweep_config_seed_unique').on(t.sweepId, t.configHash, t.seed),
    index('runs_queue_idx').on(t.status, t.sweepId, t.queuePosition, t.createdAt),
    index('runs_status_heartbeat_idx').on(t.status, t.heartbeatAt),
    index('runs_config_hash_idx').on(t.configHash),
    index('runs_experiment_idx').on(t.experimentId),
    index('runs_created_at_idx').on(t.createdAt),
  ],
);

/** Flattened config paths (`model.kappaNats`) with a typed numeric value where there is one. */
export const params = sqliteTable(
  'params',
  {
    runId: runIdColumn(),
    key: text('key').notNull(),
    valueNumber: real('value_number'),
    valueText: text('value_text').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index('params_key_number_idx').on(t.key, t.valueNumber)],
);

export const metrics = sqliteTable(
  'metrics',
  metricPointColumns(),
  // One row per (run, key, step): a re-logged step replaces its value (MLflow keys on
  // timestamp and value too, and so duplicates points when a resumed run logs a step again).
  (t) => [primaryKey({ columns: [t.runId, t.key, t.step] }), nonFiniteCheck('metrics_value_check')],
);

/** The point of highest step per (run, key), written in the same transaction as the points. */
export const latestMetrics = sqliteTable('latest_metrics', metricPointColumns(), (t) => [
  primaryKey({ columns: [t.runId, t.key] }),
  index('latest_metrics_key_value_idx').on(t.key, t.value),
  nonFiniteCheck('latest_metrics_value_check'),
]);

export const evaluations = sqliteTable(
  'evaluations',
  {
    runId: runIdColumn(),
    step: integer('step').notNull(),
    task: text('task').notNull(),
    metric: text('metric').notNull(),
    value: real('value'),
    nonFinite: text('non_finite'),
    stderr: real('stderr'),
    n: integer('n'),
    extraJson: text('extra_json'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.step, t.task, t.metric] }), nonFiniteCheck('evaluations_value_check')],
);

export const artifacts = sqliteTable(
  'artifacts',
  {
    runId: runIdColumn(),
    kind: text('kind').notNull(),
    path: text('path').notNull(),
    sha256: text('sha256'),
    bytes: integer('bytes'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.path] })],
);

export const tags = sqliteTable(
  'tags',
  {
    runId: runIdColumn(),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index('tags_key_value_idx').on(t.key, t.value)],
);

export const notes = sqliteTable(
  'notes',
  {
    id: text('id').primaryKey(),
    runId: runIdColumn(),
    text: text('text').notNull(),
    author: text('author'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('notes_run_idx').on(t.runId, t.createdAt)],
);
