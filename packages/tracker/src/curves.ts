// Curves for plots, downsampled by the database: steps are cut into at most `maxPoints` equal
// buckets and each bucket returns its min, max, mean and last value, so a spike survives any
// zoom level and the result says whether (and how) it was downsampled. Never silent, never more
// than `maxPoints` rows over the wire.
import { type SQL, sql } from 'drizzle-orm';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { InvalidInputError } from './errors.js';
import { num, numOrNull, type Row } from './rows.js';
import { requireRun } from './runs.js';
import { inList } from './sql-util.js';
import { Welford } from './stats.js';
import type { NonFinite } from './types.js';
import { checkId, checkKey, checkPositiveInteger, checkStep } from './values.js';

export interface CurveOptions {
  /** Most points to return (default 1000). */
  maxPoints?: number;
  fromStep?: number;
  toStep?: number;
}

export interface CurvePoint {
  /** The bucket's last step (the point's own step when not downsampled). */
  step: number;
  firstStep: number;
  /** The value at `step`; null when it was not finite (`nonFinite` says what it was). */
  value: number | null;
  nonFinite: NonFinite | null;
  /** Over the bucket's finite values; null when it has none. */
  min: number | null;
  max: number | null;
  mean: number | null;
  count: number;
  nonFiniteCount: number;
}

export interface Curve {
  runId: string;
  key: string;
  /** Stored points in the requested step range. */
  totalPoints: number;
  downsampled: boolean;
  /** Steps per bucket (1 when not downsampled). */
  bucketSteps: number;
  points: CurvePoint[];
}

export interface GroupCurvePoint {
  step: number;
  firstStep: number;
  /** Runs with a finite value in this bucket. */
  n: number;
  mean: number;
  /** Sample standard deviation across runs (null when n < 2). */
  std: number | null;
  stderr: number | null;
  min: number;
  max: number;
}

export interface GroupCurve {
  key: string;
  runIds: string[];
  downsampled: boolean;
  bucketSteps: number;
  points: GroupCurvePoint[];
}

interface StepSpan {
  count: number;
  minStep: number;
  maxStep: number;
}

function stepRange(options: CurveOptions, where: string): SQL {
  const from = options.fromStep === undefined ? sql`` : sql`AND step >= ${checkStep(options.fromStep, where)}`;
  const to = options.toStep === undefined ? sql`` : sql`AND step <= ${checkStep(options.toStep, where)}`;
  return sql`${from} ${to}`;
}

/**
 * The bucket of a step: width chosen so that ceil((maxStep - minStep + 1) / width) <= maxPoints.
 * The casts keep the division integer in SQLite, which binds every JavaScript number as a REAL.
 * Queries group by position (`GROUP BY 1`) because PostgreSQL would not match two copies of
 * this expression whose parameters are numbered differently.
 */
function bucketing(minStep: number, maxStep: number, maxPoints: number): { width: number; bucket: SQL } {
  const width = Math.max(1, Math.ceil((maxStep - minStep + 1) / maxPoints));
  return { width, bucket: sql`(step - CAST(${minStep} AS INTEGER)) / CAST(${width} AS INTEGER)` };
}

async function spanOf(tx: SqlExecutor, scope: SQL): Promise<StepSpan> {
  const [row] = await tx.all<Row>(
    sql`SELECT COUNT(*) AS count, MIN(step) AS min_step, MAX(step) AS max_step FROM metrics WHERE ${scope}`,
  );
  return {
    count: num(row?.count ?? 0),
    minStep: num(row?.min_step ?? 0),
    maxStep: num(row?.max_step ?? 0),
  };
}

export async function curve(db: SqlDriver, runId: string, key: string, options: CurveOptions = {}): Promise<Curve> {
  const where = `curve(${JSON.stringify(runId)}, ${JSON.stringify(key)})`;
  checkId(runId, where);
  checkKey(key, where, 'metric key');
  const maxPoints = checkPositiveInteger(options.maxPoints ?? 1000, where, 'maxPoints');
  const scope = sql`run_id = ${runId} AND key = ${key} ${stepRange(options, where)}`;
  return db.read(async (tx) => {
    await requireRun(tx, runId, where);
    const span = await spanOf(tx, scope);
    if (span.count <= maxPoints) {
      const rows = await tx.all<Row>(sql`SELECT step, value, non_finite FROM metrics WHERE ${scope} ORDER BY step`);
      const points = rows.map((row): CurvePoint => {
        const value = numOrNull(row.value);
        return {
          step: num(row.step),
          firstStep: num(row.step),
          value,
          nonFinite: (row.non_finite ?? null) as NonFinite | null,
          min: value,
          max: value,
          mean: value,
          count: 1,
          nonFiniteCount: value === null ? 1 : 0,
        };
      });
      return { runId, key, totalPoints: span.count, downsampled: false, bucketSteps: 1, points };
    }
    const { width, bucket } = bucketing(span.minStep, span.maxStep, maxPoints);
    // The last value of a bucket is read back through the primary key (run, key, last step), as
    // scalar subqueries: a join here lets PostgreSQL, whose row estimates for freshly written
    // points are stale, choose a nested loop that rescans the run's points once per bucket.
    const lastPoint = (column: SQL) =>
      sql`(SELECT ${column} FROM metrics m WHERE m.run_id = ${runId} AND m.key = ${key} AND m.step = b.last_step)`;
    const rows = await tx.all<Row>(
      sql`WITH buckets AS (
            SELECT ${bucket} AS bucket, MIN(step) AS first_step, MAX(step) AS last_step,
                   MIN(value) AS min_value, MAX(value) AS max_value, AVG(value) AS mean_value,
                   COUNT(*) AS count, COUNT(*) - COUNT(value) AS non_finite_count
            FROM metrics WHERE ${scope} GROUP BY 1)
          SELECT b.*, ${lastPoint(sql`m.value`)} AS last_value, ${lastPoint(sql`m.non_finite`)} AS last_non_finite
          FROM buckets b
          ORDER BY b.bucket`,
    );
    const points = rows.map(
      (row): CurvePoint => ({
        step: num(row.last_step),
        firstStep: num(row.first_step),
        value: numOrNull(row.last_value),
        nonFinite: (row.last_non_finite ?? null) as NonFinite | null,
        min: numOrNull(row.min_value),
        max: numOrNull(row.max_value),
        mean: numOrNull(row.mean_value),
        count: num(row.count),
        nonFiniteCount: num(row.non_finite_count),
      }),
    );
    return { runId, key, totalPoints: span.count, downsampled: true, bucketSteps: width, points };
  });
}

export interface GroupSelector {
  configHash?: string;
  runIds?: string[];
  /** Restricts a configHash group to one sweep. */
  sweepId?: string;
}

/**
 * Mean, std and n across runs (typically the seeds of one config) per step bucket. Each run
 * contributes the mean of its finite values in a bucket, so a run logging more often does not
 * weigh more; buckets are 1 step wide unless the steps exceed `maxPoints`.
 */
export async function groupCurves(
  db: SqlDriver,
  group: GroupSelector,
  key: string,
  options: CurveOptions = {},
): Promise<GroupCurve> {
  const where = `groupCurves(${JSON.stringify(key)})`;
  checkKey(key, where, 'metric key');
  const maxPoints = checkPositiveInteger(options.maxPoints ?? 1000, where, 'maxPoints');
  if (
    group === null ||
    typeof group !== 'object' ||
    (group.configHash === undefined) === (group.runIds === undefined)
  ) {
    throw new InvalidInputError(`${where}: pass exactly one of { configHash } or { runIds }.`);
  }
  return db.read(async (tx) => {
    let runIds: string[];
    if (group.runIds !== undefined) {
      if (!Array.isArray(group.runIds) || group.runIds.length === 0)
        throw new InvalidInputError(`${where}: runIds must be a non-empty array.`);
      for (const id of group.runIds) await requireRun(tx, id, where);
      runIds = [...new Set(group.runIds)];
    } else {
      const hash = checkKey(group.configHash, where, 'configHash');
      const inSweep = group.sweepId === undefined ? sql`` : sql`AND sweep_id = ${group.sweepId}`;
      const rows = await tx.all<Row>(sql`SELECT id FROM runs WHERE config_hash = ${hash} ${inSweep} ORDER BY seed, id`);
      runIds = rows.map((row) => String(row.id));
    }
    if (runIds.length === 0) return { key, runIds, downsampled: false, bucketSteps: 1, points: [] };
    const range = stepRange(options, where);
    const [span] = await tx.all<Row>(
      sql`SELECT MIN(step) AS min_step, MAX(step) AS max_step FROM metrics
          WHERE run_id IN ${inList(runIds)} AND key = ${key} ${range}`,
    );
    if (span?.min_step === null || span?.min_step === undefined) {
      return { key, runIds, downsampled: false, bucketSteps: 1, points: [] };
    }
    const { width, bucket } = bucketing(num(span.min_step), num(span.max_step), maxPoints);
    // One aggregate per run: SQLite sorts 25 groups of 5,000 rows faster than one of 125,000.
    const buckets = new Map<number, { stats: Welford; first: number; last: number }>();
    for (const runId of runIds) {
      const rows = await tx.all<Row>(
        sql`SELECT ${bucket} AS bucket, MIN(step) AS first_step, MAX(step) AS last_step, AVG(value) AS mean_value
            FROM metrics WHERE run_id = ${runId} AND key = ${key} AND value IS NOT NULL ${range} GROUP BY 1`,
      );
      for (const row of rows) {
        const id = num(row.bucket);
        let entry = buckets.get(id);
        if (!entry) {
          entry = { stats: new Welford(), first: num(row.first_step), last: num(row.last_step) };
          buckets.set(id, entry);
        }
        entry.stats.add(num(row.mean_value));
        entry.first = Math.min(entry.first, num(row.first_step));
        entry.last = Math.max(entry.last, num(row.last_step));
      }
    }
    const points = [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, { stats, first, last }]): GroupCurvePoint => {
        const std = stats.std;
        const stderr = std === null ? null : std / Math.sqrt(stats.n);
        return {
          step: last,
          firstStep: first,
          n: stats.n,
          mean: stats.mean,
          std,
          stderr,
          min: stats.min,
          max: stats.max,
        };
      });
    // Sparse steps (an eval every 100 steps) may leave one step per bucket even when width > 1.
    const downsampled = points.some((point) => point.firstStep !== point.step);
    return { key, runIds, downsampled, bucketSteps: width, points };
  });
}
