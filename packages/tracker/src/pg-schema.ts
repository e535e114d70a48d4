// The tracker's tables in drizzle-orm's PostgreSQL dialect: the same tables, columns, keys,
// checks and indexes as src/schema.ts (a test introspects both real databases and compares them),
// so every query of the store runs unchanged on both engines. drizzle-kit turns this file into
// the migrations under drizzle-pg/ (`pnpm --filter @ftlab/tracker db:generate`).
//
// Types, chosen so that a value round-trips exactly between the two engines (`ftlab copy`):
// - SQLite INTEGER (64-bit) -> BIGINT for times, steps, seeds and sizes; INTEGER where the store
//   alone writes small numbers (queue position, resume count, 0/1 flags);
// - SQLite REAL (a double) -> DOUBLE PRECISION (PostgreSQL's REAL would be a 4-byte float);
// - JSON stays TEXT: the store never queries inside it, and text keeps what was written byte
//   for byte (JSONB would reorder keys);
// - every TEXT column is COLLATE "C": comparisons and ORDER BY work on bytes, as SQLite's BINARY
//   collation does, whatever locale the database was created with (en_US would sort
//   'train/loss' and 'trainer' differently, so the dashboard would list keys in another order).
//
// drizzle-kit loads this file on its own: it imports only drizzle, ./sql-util.js and
// @ftlab/contract (the CHECK lists), which it reads from the contract's build (dist/).
import { RUN_STATUSES, SWEEP_METHODS, SWEEP_STATUSES } from '@ftlab/contract';
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { literalList } from './sql-util.js';

const nonFiniteCheck = (name: string) =>
  check(
    name,
    sql`(value IS NULL AND non_finite IN ('NaN', 'Infinity', '-Infinity')) OR (value IS NOT NULL AND non_finite IS NULL)`,
  );

/** Text compared byte by byte (SQLite's BINARY collation). */
const text = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE "C"',
});

/** A 64-bit integer read as a JavaScript number (the store only writes safe integers). */
const long = (name: string) => bigint(name, { mode: 'number' });

function runIdColumn() {
  return text('run_id')
    .notNull()
    .references(() => runs.id, { onDelete: 'cascade' });
}

function metricPointColumns() {
  return {
    runId: runIdColumn(),
    key: text('key').notNull(),
    step: long('step').notNull(),
    value: doublePrecision('value'),
    nonFinite: text('non_finite'),
    wallTimeMs: long('wall_time_ms').notNull(),
  };
}

export const experiments = pgTable('experiments', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique('experiments_name_unique'),
  description: text('description'),
  createdAt: long('created_at').notNull(),
});

export const sweeps = pgTable(
  'sweeps',
  {
    id: text('id').primaryKey(),
    experimentId: text('experiment_id').references(() => experiments.id),
    name: text('name').notNull().unique('sweeps_name_unique'),
    method: text('method').notNull(),
    spaceJson: text('space_json').notNull(),
    status: text('status').notNull().default('ACTIVE'),
    createdAt: long('created_at').notNull(),
  },
  () => [
    check('sweeps_method_check', sql`method IN (${literalList(SWEEP_METHODS)})`),
    check('sweeps_status_check', sql`status IN (${literalList(SWEEP_STATUSES)})`),
  ],
);

export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    experimentId: text('experiment_id').references(() => experiments.id),
    sweepId: text('sweep_id').references(() => sweeps.id),
    queuePosition: integer('queue_position').notNull().default(0),
    name: text('name').notNull(),
    variant: text('variant'),
    status: text('status').notNull(),
    configJson: text('config_json').notNull(),
    configHash: text('config_hash').notNull(),
    seed: long('seed'),
    gitCommit: text('git_commit'),
    gitDirty: integer('git_dirty'),
    backend: text('backend'),
    host: text('host'),
    worker: text('worker'),
    packageVersionsJson: text('package_versions_json'),
    artifactRoot: text('artifact_root'),
    createdAt: long('created_at').notNull(),
    startedAt: long('started_at'),
    endedAt: long('ended_at'),
    heartbeatAt: long('heartbeat_at'),
    lastStep: long('last_step'),
    totalSteps: long('total_steps'),
    resumeCount: integer('resume_count').notNull().default(0),
    failureReason: text('failure_reason'),
  },
  (t) => [
    check('runs_status_check', sql`status IN (${literalList(RUN_STATUSES)})`),
    uniqueIndex('runs_sweep_config_seed_unique').on(t.sweepId, t.configHash, t.seed),
    index('runs_queue_idx').on(t.status, t.sweepId, t.queuePosition, t.createdAt),
    index('runs_status_heartbeat_idx').on(t.status, t.heartbeatAt),
    index('runs_config_hash_idx').on(t.configHash),
    index('runs_experiment_idx').on(t.experimentId),
    index('runs_created_at_idx').on(t.createdAt),
  ],
);

export const params = pgTable(
  'params',
  {
    runId: runIdColumn(),
    key: text('key').notNull(),
    valueNumber: doublePrecision('value_number'),
    valueText: text('value_text').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index('params_key_number_idx').on(t.key, t.valueNumber)],
);

export const metrics = pgTable('metrics', metricPointColumns(), (t) => [
  primaryKey({ columns: [t.runId, t.key, t.step] }),
  nonFiniteCheck('metrics_value_check'),
]);

export const latestMetrics = pgTable('latest_metrics', metricPointColumns(), (t) => [
  primaryKey({ columns: [t.runId, t.key] }),
  index('latest_metrics_key_value_idx').on(t.key, t.value),
  nonFiniteCheck('latest_metrics_value_check'),
]);

export const evaluations = pgTable(
  'evaluations',
  {
    runId: runIdColumn(),
    step: long('step').notNull(),
    task: text('task').notNull(),
    metric: text('metric').notNull(),
    value: doublePrecision('value'),
    nonFinite: text('non_finite'),
    stderr: doublePrecision('stderr'),
    n: long('n'),
    extraJson: text('extra_json'),
    createdAt: long('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.step, t.task, t.metric] }), nonFiniteCheck('evaluations_value_check')],
);

export const artifacts = pgTable(
  'artifacts',
  {
    runId: runIdColumn(),
    kind: text('kind').notNull(),
    path: text('path').notNull(),
    sha256: text('sha256'),
    bytes: long('bytes'),
    createdAt: long('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.path] })],
);

export const tags = pgTable(
  'tags',
  {
    runId: runIdColumn(),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index('tags_key_value_idx').on(t.key, t.value)],
);

export const notes = pgTable(
  'notes',
  {
    id: text('id').primaryKey(),
    runId: runIdColumn(),
    text: text('text').notNull(),
    author: text('author'),
    createdAt: long('created_at').notNull(),
  },
  (t) => [index('notes_run_idx').on(t.runId, t.createdAt)],
);
