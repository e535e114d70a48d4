// The run list and the run page: what the dashboard and the CLI read.

import { RUN_STATUSES } from '@ftlab/contract';
import { type SQL, sql } from 'drizzle-orm';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { InvalidInputError } from './errors.js';
import { type Row, toArtifact, toEvaluation, toNote, toRun, toStoredMetric } from './rows.js';
import { requireRun } from './runs.js';
import { chunks, containsPattern, inList } from './sql-util.js';
import type { Evaluation, Run, RunDetail, RunStatus, RunSummary } from './types.js';
import { checkId, checkKey, checkNonNegativeInteger, checkPositiveInteger } from './values.js';

/** Conditions on a param (by its number, or its text for strings) or on a latest metric value. All given must hold. */
export interface ValueFilter {
  min?: number;
  max?: number;
  equals?: number | string | boolean;
  in?: Array<number | string>;
}

export interface RunFilter {
  status?: RunStatus | RunStatus[];
  variant?: string | string[];
  sweepId?: string;
  experimentId?: string;
  configHash?: string;
  ids?: string[];
  /** `{ key: value }` requires the tag to have that value; `{ key: true }` only requires the tag. */
  tags?: Record<string, string | true>;
  /** e.g. `{ 'model.kappaNats': { min: 0.1, max: 1 }, 'model.estimator': { equals: 'dense' } }`. */
  params?: Record<string, ValueFilter>;
  /** Filters on the latest value of a metric, e.g. `{ 'val/loss': { max: 2 } }`. */
  metrics?: Record<string, ValueFilter>;
  /** Case-insensitive substring of the run name. */
  search?: string;
  /** Runs that ended at or after this time (ms since the epoch, by the database's clock). */
  endedSince?: number;
}

export type RunField = 'createdAt' | 'startedAt' | 'endedAt' | 'heartbeatAt' | 'name' | 'status' | 'lastStep' | 'seed';
export type RunOrder = RunField | { metric: string } | { param: string };

export interface ListRunsOptions extends RunFilter {
  orderBy?: RunOrder;
  descending?: boolean;
  /** Page size (default 100). */
  limit?: number;
  offset?: number;
  /** Which params to attach to each run (default: all of them). */
  paramKeys?: string[];
}

export interface RunList {
  /** Runs matching the filters, before limit/offset. */
  total: number;
  runs: RunSummary[];
}

const FIELD_COLUMNS: Record<RunField, string> = {
  createdAt: 'created_at',
  startedAt: 'started_at',
  endedAt: 'ended_at',
  heartbeatAt: 'heartbeat_at',
  name: 'name',
  status: 'status',
  lastStep: 'last_step',
  seed: 'seed',
};

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

function valueConditions(filter: ValueFilter, numberColumn: SQL, textColumn: SQL | null, where: string): SQL[] {
  if (filter === null || typeof filter !== 'object')
    throw new InvalidInputError(`${where}: expected { min, max, equals, in }.`);
  const out: SQL[] = [];
  for (const bound of ['min', 'max'] as const) {
    const limit = filter[bound];
    if (limit === undefined) continue;
    if (typeof limit !== 'number' || Number.isNaN(limit))
      throw new InvalidInputError(`${where}: ${bound} must be a number, got ${String(limit)}.`);
    out.push(bound === 'min' ? sql`${numberColumn} >= ${limit}` : sql`${numberColumn} <= ${limit}`);
  }
  const equal = (value: number | string | boolean): SQL => {
    if (typeof value === 'number') return sql`${numberColumn} = ${value}`;
    if (typeof value === 'boolean') return sql`${numberColumn} = ${value ? 1 : 0}`;
    if (typeof value === 'string' && textColumn) return sql`${textColumn} = ${value}`;
    throw new InvalidInputError(`${where}: cannot compare with ${JSON.stringify(value)}.`);
  };
  if (filter.equals !== undefined) out.push(equal(filter.equals));
  if (filter.in !== undefined) {
    if (!Array.isArray(filter.in) || filter.in.length === 0)
      throw new InvalidInputError(`${where}: "in" must be a non-empty array.`);
    out.push(sql`(${sql.join(filter.in.map(equal), sql` OR `)})`);
  }
  return out;
}

export function runConditions(filter: RunFilter, where: string): SQL[] {
  const out: SQL[] = [];
  // An empty list matches nothing (a dashboard with every status unticked shows no runs).
  const oneOf = (column: SQL, values: readonly unknown[]) =>
    values.length === 0 ? sql`1 = 0` : sql`${column} IN ${inList(values)}`;
  if (filter.status !== undefined) {
    const statuses = asList(filter.status);
    const bad = statuses.find((s) => !RUN_STATUSES.includes(s));
    if (bad !== undefined) {
      throw new InvalidInputError(
        `${where}: status must be one of ${RUN_STATUSES.join(', ')}, got ${JSON.stringify(bad)}.`,
      );
    }
    out.push(oneOf(sql`runs.status`, statuses));
  }
  if (filter.variant !== undefined) out.push(oneOf(sql`runs.variant`, asList(filter.variant)));
  if (filter.sweepId !== undefined) out.push(sql`runs.sweep_id = ${checkId(filter.sweepId, where, 'sweepId')}`);
  if (filter.experimentId !== undefined)
    out.push(sql`runs.experiment_id = ${checkId(filter.experimentId, where, 'experimentId')}`);
  if (filter.configHash !== undefined)
    out.push(sql`runs.config_hash = ${checkKey(filter.configHash, where, 'configHash')}`);
  if (filter.ids !== undefined) out.push(oneOf(sql`runs.id`, filter.ids));
  for (const [key, value] of Object.entries(filter.tags ?? {})) {
    const valueClause = value === true ? sql`` : sql`AND t.value = ${value}`;
    out.push(sql`EXISTS (SELECT 1 FROM tags t WHERE t.run_id = runs.id AND t.key = ${key} ${valueClause})`);
  }
  for (const [key, range] of Object.entries(filter.params ?? {})) {
    const conditions = valueConditions(range, sql`p.value_number`, sql`p.value_text`, `${where}: params["${key}"]`);
    const all = conditions.length === 0 ? sql`` : sql` AND ${sql.join(conditions, sql` AND `)}`;
    out.push(sql`EXISTS (SELECT 1 FROM params p WHERE p.run_id = runs.id AND p.key = ${key}${all})`);
  }
  for (const [key, range] of Object.entries(filter.metrics ?? {})) {
    const conditions = valueConditions(range, sql`lm.value`, null, `${where}: metrics["${key}"]`);
    const all = conditions.length === 0 ? sql`` : sql` AND ${sql.join(conditions, sql` AND `)}`;
    out.push(sql`EXISTS (SELECT 1 FROM latest_metrics lm WHERE lm.run_id = runs.id AND lm.key = ${key}${all})`);
  }
  if (filter.endedSince !== undefined) {
    out.push(sql`runs.ended_at >= ${checkNonNegativeInteger(filter.endedSince, where, 'endedSince')}`);
  }
  if (filter.search !== undefined && filter.search !== '') {
    out.push(sql`lower(runs.name) LIKE ${containsPattern(filter.search)} ESCAPE '\\'`);
  }
  return out;
}

function orderClause(order: RunOrder, descending: boolean, where: string): SQL {
  const direction = descending ? sql.raw('DESC') : sql.raw('ASC');
  if (typeof order === 'string') {
    const column = FIELD_COLUMNS[order];
    if (!column)
      throw new InvalidInputError(
        `${where}: orderBy must be one of ${Object.keys(FIELD_COLUMNS).join(', ')}, { metric } or { param }.`,
      );
    // Runs created in one transaction share a millisecond: queue order breaks the tie.
    return sql`ORDER BY runs.${sql.identifier(column)} ${direction} NULLS LAST, runs.queue_position ${direction}, runs.id ${direction}`;
  }
  if ('metric' in order) {
    const key = checkKey(order.metric, where, 'orderBy.metric');
    return sql`ORDER BY (SELECT lm.value FROM latest_metrics lm WHERE lm.run_id = runs.id AND lm.key = ${key}) ${direction} NULLS LAST,
      runs.id ${direction}`;
  }
  const key = checkKey(order.param, where, 'orderBy.param');
  return sql`ORDER BY (SELECT p.value_number FROM params p WHERE p.run_id = runs.id AND p.key = ${key}) ${direction} NULLS LAST,
    (SELECT p.value_text FROM params p WHERE p.run_id = runs.id AND p.key = ${key}) ${direction} NULLS LAST, runs.id ${direction}`;
}

/** Adds latest metrics, params (all, or `paramKeys`) and tags to runs, with one query per table. */
export async function summarize(tx: SqlExecutor, runs: Run[], paramKeys?: string[]): Promise<RunSummary[]> {
  const summaries = new Map<string, RunSummary>(
    runs.map((run) => [run.id, { ...run, latestMetrics: {}, params: {}, tags: {} }]),
  );
  for (const ids of chunks([...summaries.keys()])) {
    const list = inList(ids);
    for (const row of await tx.all<Row>(sql`SELECT * FROM latest_metrics WHERE run_id IN ${list}`)) {
      const metric = toStoredMetric(row);
      (summaries.get(String(row.run_id)) as RunSummary).latestMetrics[metric.key] = metric;
    }
    if (paramKeys === undefined || paramKeys.length > 0) {
      const only = paramKeys === undefined ? sql`` : sql`AND key IN ${inList(paramKeys)}`;
      for (const row of await tx.all<Row>(
        sql`SELECT run_id, key, value_number, value_text FROM params WHERE run_id IN ${list} ${only}`,
      )) {
        (summaries.get(String(row.run_id)) as RunSummary).params[String(row.key)] = {
          number: row.value_number === null ? null : Number(row.value_number),
          text: String(row.value_text),
        };
      }
    }
    for (const row of await tx.all<Row>(sql`SELECT run_id, key, value FROM tags WHERE run_id IN ${list}`)) {
      (summaries.get(String(row.run_id)) as RunSummary).tags[String(row.key)] = String(row.value);
    }
  }
  return [...summaries.values()];
}

export async function listRuns(
  db: SqlExecutor & Pick<SqlDriver, 'read'>,
  options: ListRunsOptions = {},
): Promise<RunList> {
  const where = 'listRuns';
  const limit = checkPositiveInteger(options.limit ?? 100, where, 'limit');
  const offset = checkNonNegativeInteger(options.offset ?? 0, where, 'offset');
  const conditions = runConditions(options, where);
  const whereClause = conditions.length === 0 ? sql`` : sql`WHERE ${sql.join(conditions, sql` AND `)}`;
  const order = orderClause(options.orderBy ?? 'createdAt', options.descending ?? options.orderBy === undefined, where);
  return db.read(async (tx) => {
    const [count] = await tx.all<Row>(sql`SELECT COUNT(*) AS total FROM runs ${whereClause}`);
    const rows = await tx.all<Row>(sql`SELECT * FROM runs ${whereClause} ${order} LIMIT ${limit} OFFSET ${offset}`);
    return { total: Number(count?.total ?? 0), runs: await summarize(tx, rows.map(toRun), options.paramKeys) };
  });
}

export interface EvaluationFilter extends RunFilter {
  /** Evaluations recorded (or replaced) at or after this time (ms since the epoch, by the database's clock). */
  recordedSince?: number;
}

/**
 * The evaluations of every run matching the filter in one read (one query per 500 ids) rather
 * than one getRun per run (a sweep's comparison table reads them all): ordered by run, step,
 * task, metric.
 */
export async function listEvaluations(
  db: SqlExecutor & Pick<SqlDriver, 'read'>,
  filter: EvaluationFilter = {},
): Promise<Evaluation[]> {
  const where = 'listEvaluations';
  const since =
    filter.recordedSince === undefined
      ? []
      : [sql`evaluations.created_at >= ${checkNonNegativeInteger(filter.recordedSince, where, 'recordedSince')}`];
  // An IN list of ids goes in chunks; every other condition is the same in each.
  const idChunks = filter.ids === undefined ? [undefined] : chunks(filter.ids);
  return db.read(async (tx) => {
    const out: Evaluation[] = [];
    for (const ids of idChunks) {
      const conditions = [...runConditions({ ...filter, ids }, where), ...since];
      const whereClause = conditions.length === 0 ? sql`` : sql`WHERE ${sql.join(conditions, sql` AND `)}`;
      const rows = await tx.all<Row>(
        sql`SELECT evaluations.* FROM evaluations JOIN runs ON runs.id = evaluations.run_id ${whereClause}
            ORDER BY evaluations.run_id, evaluations.step, evaluations.task, evaluations.metric`,
      );
      for (const row of rows) out.push(toEvaluation(row));
    }
    // Chunks are each in order; the whole list too.
    if (idChunks.length > 1) {
      out.sort(
        (a, b) =>
          (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0) ||
          a.step - b.step ||
          (a.task < b.task ? -1 : a.task > b.task ? 1 : 0) ||
          (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0),
      );
    }
    return out;
  });
}

export async function getRun(db: SqlDriver, runId: string): Promise<RunDetail> {
  const where = `getRun(${JSON.stringify(runId)})`;
  return db.read(async (tx) => {
    const run = await requireRun(tx, runId, where);
    const [summary] = (await summarize(tx, [run])) as [RunSummary];
    const notes = await tx.all<Row>(sql`SELECT * FROM notes WHERE run_id = ${runId} ORDER BY created_at, id`);
    const artifacts = await tx.all<Row>(sql`SELECT * FROM artifacts WHERE run_id = ${runId} ORDER BY created_at, path`);
    const evaluations = await tx.all<Row>(
      sql`SELECT * FROM evaluations WHERE run_id = ${runId} ORDER BY step, task, metric`,
    );
    return {
      ...summary,
      notes: notes.map(toNote),
      artifacts: artifacts.map(toArtifact),
      evaluations: evaluations.map(toEvaluation),
    };
  });
}
