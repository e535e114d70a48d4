// Metric points: one write transaction per batch, idempotent per (run, key, step), with the
// latest-metrics summary updated in the same transaction.
import { sql } from 'drizzle-orm';
import type { SqlDriver } from './driver.js';
import { InvalidInputError, UnknownRunError } from './errors.js';
import { type Row, toStoredMetric } from './rows.js';
import { requireRun } from './runs.js';
import { chunks, inList } from './sql-util.js';
import type { MetricPoint, StoredMetric } from './types.js';
import { checkId, checkKey, checkStep, encodeValue } from './values.js';

type MetricRow = [
  runId: string,
  key: string,
  step: number,
  value: number | null,
  nonFinite: string | null,
  wallTimeMs: number,
];

const METRIC_COLUMNS = ['run_id', 'key', 'step', 'value', 'non_finite', 'wall_time_ms'] as const;

/** Checks one point and encodes it as a row; throws InvalidInputError naming the point. */
export function encodePoint(point: MetricPoint, where: string, now: number): MetricRow {
  if (point === null || typeof point !== 'object')
    throw new InvalidInputError(`${where}: expected a metric point object.`);
  checkId(point.runId, where);
  checkKey(point.key, where, 'metric key');
  checkStep(point.step, where);
  const { value, nonFinite } = encodeValue(point.value, where);
  const wall = point.wallTimeMs ?? now;
  if (typeof wall !== 'number' || !Number.isFinite(wall)) {
    throw new InvalidInputError(`${where}: wallTimeMs must be a finite number of milliseconds, got ${String(wall)}.`);
  }
  return [point.runId, point.key, point.step, value, nonFinite, Math.round(wall)];
}

/**
 * Writes encoded rows in one transaction. Rows naming a run that does not exist make the whole
 * batch fail with UnknownRunError before anything is written. Within the batch the last row for a
 * (run, key, step) wins, and it replaces any stored one: re-logging a step after a resume never
 * duplicates it.
 */
export async function writeMetricRows(db: SqlDriver, rows: MetricRow[], where: string): Promise<number> {
  if (rows.length === 0) return 0;
  const unique = new Map<string, MetricRow>();
  for (const row of rows) unique.set(`${row[0]}\u0000${row[1]}\u0000${row[2]}`, row);
  const points = [...unique.values()];
  const latest = new Map<string, MetricRow>();
  for (const row of points) {
    const id = `${row[0]}\u0000${row[1]}`;
    const seen = latest.get(id);
    if (!seen || row[2] >= seen[2]) latest.set(id, row);
  }
  const runIds = [...new Set(points.map((row) => row[0]))];
  await db.write(async (tx) => {
    for (const ids of chunks(runIds)) {
      const found = new Set((await tx.all<Row>(sql`SELECT id FROM runs WHERE id IN ${inList(ids)}`)).map((r) => r.id));
      const missing = ids.find((id) => !found.has(id));
      if (missing !== undefined) throw new UnknownRunError(missing, where);
    }
    const replace = sql`ON CONFLICT (run_id, key, step) DO UPDATE SET value = excluded.value,
      non_finite = excluded.non_finite, wall_time_ms = excluded.wall_time_ms`;
    await tx.insert('metrics', METRIC_COLUMNS, points, replace);
    // A point older than the stored latest (a resumed run re-logging earlier steps) leaves it alone.
    const newer = sql`ON CONFLICT (run_id, key) DO UPDATE SET step = excluded.step, value = excluded.value,
      non_finite = excluded.non_finite, wall_time_ms = excluded.wall_time_ms
      WHERE excluded.step >= latest_metrics.step`;
    await tx.insert('latest_metrics', METRIC_COLUMNS, [...latest.values()], newer);
  });
  return points.length;
}

export function logMetrics(db: SqlDriver, points: MetricPoint[]): Promise<number> {
  if (!Array.isArray(points)) throw new InvalidInputError('logMetrics: expected an array of metric points.');
  const now = Date.now();
  const rows = points.map((point, i) => encodePoint(point, `logMetrics: point ${i}`, now));
  return writeMetricRows(db, rows, 'logMetrics');
}

export interface MetricRange {
  fromStep?: number;
  toStep?: number;
}

/** Every stored point of one metric of a run, by step (exports and tests; plots use `curve`). */
export async function metricHistory(
  db: SqlDriver,
  runId: string,
  key: string,
  range: MetricRange = {},
): Promise<StoredMetric[]> {
  const where = `metricHistory(${JSON.stringify(runId)})`;
  checkId(runId, where);
  checkKey(key, where, 'metric key');
  const from = range.fromStep === undefined ? sql`` : sql`AND step >= ${checkStep(range.fromStep, where)}`;
  const to = range.toStep === undefined ? sql`` : sql`AND step <= ${checkStep(range.toStep, where)}`;
  const rows = await db.read(async (tx) => {
    await requireRun(tx, runId, where);
    return tx.all<Row>(
      sql`SELECT key, step, value, non_finite, wall_time_ms FROM metrics
          WHERE run_id = ${runId} AND key = ${key} ${from} ${to} ORDER BY step`,
    );
  });
  return rows.map(toStoredMetric);
}

/** The metric keys a run has logged, sorted. */
export async function metricKeys(db: SqlDriver, runId: string): Promise<string[]> {
  const rows = await db.read(async (tx) => {
    await requireRun(tx, runId, 'metricKeys');
    return tx.all<Row>(sql`SELECT key FROM latest_metrics WHERE run_id = ${runId} ORDER BY key`);
  });
  return rows.map((row) => String(row.key));
}
