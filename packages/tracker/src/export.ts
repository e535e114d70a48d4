// Export a run or a whole sweep as JSON (everything, for archiving or another tool) or CSV (for a
// spreadsheet or pandas): `metrics` is one row per point, `runs` one row per run with its params,
// latest metrics and tags as columns. Non-finite values are written as NaN / Infinity / -Infinity
// in CSV, and as null plus their marker in JSON (which has no NaN).
//
// A sweep's export is also a stream (streamSweepExport): the header first, then the runs a batch
// at a time (one run at a time with their points), each in its own read, so a download of 1,000
// runs starts at once and holds one batch in memory. The runs are those of the sweep when the export starts; each row shows its run
// as it was when its batch was read (a CSV's columns are the keys present at the start).
import { renameSync, writeFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { SqlDriver } from './driver.js';
import { InvalidInputError } from './errors.js';
import { getRun, summarize } from './queries.js';
import { type Row, toRun, toStoredMetric } from './rows.js';
import { chunks, inList } from './sql-util.js';
import { getSweep, sweepSummary } from './sweeps.js';
import type { RunDetail, RunSummary, StoredMetric, Sweep } from './types.js';
import { decodeValue } from './values.js';

export type ExportFormat = 'json' | 'csv';
export type CsvTable = 'metrics' | 'runs';

export interface ExportOptions {
  format?: ExportFormat;
  /** Which table a CSV holds (default: metrics for a run, runs for a sweep). */
  table?: CsvTable;
  /** Also write the text to this file (atomically: a temporary file renamed into place). */
  path?: string;
}

type RunWithMetrics = RunDetail & { metrics: Record<string, Array<Omit<StoredMetric, 'key'>>> };

async function pointsOf(db: SqlDriver, runId: string): Promise<StoredMetric[]> {
  const rows = await db.all<Row>(
    sql`SELECT key, step, value, non_finite, wall_time_ms FROM metrics WHERE run_id = ${runId} ORDER BY key, step`,
  );
  return rows.map(toStoredMetric);
}

async function runWithMetrics(db: SqlDriver, runId: string): Promise<RunWithMetrics> {
  const run = await getRun(db, runId);
  const metrics: RunWithMetrics['metrics'] = {};
  for (const { key, ...point } of await pointsOf(db, runId)) {
    const list = metrics[key] ?? [];
    list.push(point);
    metrics[key] = list;
  }
  return { ...run, metrics };
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV lines, each ending in a newline. */
function csvLines(rows: unknown[][]): string {
  return rows.map((row) => `${row.map(csvCell).join(',')}\n`).join('');
}

const METRICS_HEADER = ['run_id', 'key', 'step', 'value', 'wall_time_ms'];

function metricsRows(rows: Array<[string, StoredMetric]>): unknown[][] {
  return rows.map(([runId, m]) => [runId, m.key, m.step, decodeValue(m.value, m.nonFinite), m.wallTimeMs]);
}

function metricsCsv(rows: Array<[string, StoredMetric]>): string {
  return csvLines([METRICS_HEADER, ...metricsRows(rows)]);
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The columns of a runs CSV beyond the fixed ones: every param, latest metric and tag key, sorted. */
interface RunsCsvKeys {
  paramKeys: string[];
  metricKeys: string[];
  tagKeys: string[];
}

function runsCsvKeys(runs: RunSummary[]): RunsCsvKeys {
  return {
    paramKeys: [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort(),
    metricKeys: [...new Set(runs.flatMap((r) => Object.keys(r.latestMetrics)))].sort(),
    tagKeys: [...new Set(runs.flatMap((r) => Object.keys(r.tags)))].sort(),
  };
}

function runsCsvHeader({ paramKeys, metricKeys, tagKeys }: RunsCsvKeys): string[] {
  return [
    'id',
    'name',
    'status',
    'variant',
    'seed',
    'config_hash',
    'sweep_id',
    'created_at',
    'started_at',
    'ended_at',
    'last_step',
    'resume_count',
    'failure_reason',
    ...paramKeys.map((k) => `param:${k}`),
    ...metricKeys.map((k) => `metric:${k}`),
    ...tagKeys.map((k) => `tag:${k}`),
  ];
}

function runsCsvRows(runs: RunSummary[], { paramKeys, metricKeys, tagKeys }: RunsCsvKeys): unknown[][] {
  return runs.map((r) => [
    r.id,
    r.name,
    r.status,
    r.variant,
    r.seed,
    r.configHash,
    r.sweepId,
    iso(r.createdAt),
    iso(r.startedAt),
    iso(r.endedAt),
    r.lastStep,
    r.resumeCount,
    r.failureReason,
    ...paramKeys.map((k) => r.params[k]?.text),
    ...metricKeys.map((k) => {
      const m = r.latestMetrics[k];
      return m ? decodeValue(m.value, m.nonFinite) : null;
    }),
    ...tagKeys.map((k) => r.tags[k]),
  ]);
}

function runsCsv(runs: RunSummary[]): string {
  const keys = runsCsvKeys(runs);
  return csvLines([runsCsvHeader(keys), ...runsCsvRows(runs, keys)]);
}

function checkOptions(options: ExportOptions, where: string): Required<Pick<ExportOptions, 'format'>> {
  const format = options.format ?? 'json';
  if (format !== 'json' && format !== 'csv')
    throw new InvalidInputError(`${where}: format must be "json" or "csv", got ${JSON.stringify(format)}.`);
  if (options.table !== undefined && options.table !== 'metrics' && options.table !== 'runs') {
    throw new InvalidInputError(`${where}: table must be "metrics" or "runs", got ${JSON.stringify(options.table)}.`);
  }
  return { format };
}

function deliver(text: string, path: string | undefined): string {
  if (path !== undefined) {
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  }
  return text;
}

export async function exportRun(db: SqlDriver, runId: string, options: ExportOptions = {}): Promise<string> {
  const { format } = checkOptions(options, `exportRun(${JSON.stringify(runId)})`);
  const run = await runWithMetrics(db, runId);
  if (format === 'json') {
    return deliver(`${JSON.stringify({ format: 'ftlab-tracker-run', version: 1, run }, null, 2)}\n`, options.path);
  }
  if ((options.table ?? 'metrics') === 'runs') return deliver(runsCsv([run]), options.path);
  const rows = Object.entries(run.metrics).flatMap(([key, points]) =>
    points.map((p): [string, StoredMetric] => [run.id, { key, ...p }]),
  );
  return deliver(metricsCsv(rows), options.path);
}

/** Runs per read of a streamed sweep export. */
export const EXPORT_BATCH_RUNS = 100;

/** The sweep's run ids in the order of its summary (queue order). */
async function sweepRunIds(db: SqlDriver, sweepId: string): Promise<string[]> {
  const rows = await db.all<Row>(sql`SELECT id FROM runs WHERE sweep_id = ${sweepId} ORDER BY queue_position, id`);
  return rows.map((row) => String(row.id));
}

/** Every param, latest metric and tag key of the sweep's runs (three DISTINCT queries, no run held). */
async function sweepCsvKeys(db: SqlDriver, sweepId: string): Promise<RunsCsvKeys> {
  return db.read(async (tx) => {
    const keysOf = async (table: 'params' | 'latest_metrics' | 'tags') => {
      const rows = await tx.all<Row>(
        sql`SELECT DISTINCT t.key FROM ${sql.identifier(table)} t JOIN runs r ON r.id = t.run_id WHERE r.sweep_id = ${sweepId}`,
      );
      return rows.map((row) => String(row.key)).sort();
    };
    return {
      paramKeys: await keysOf('params'),
      metricKeys: await keysOf('latest_metrics'),
      tagKeys: await keysOf('tags'),
    };
  });
}

/** A batch of runs with params, latest metrics and tags, in the order of `ids`. */
async function runSummaries(db: SqlDriver, ids: string[]): Promise<RunSummary[]> {
  return db.read(async (tx) => {
    const rows = await tx.all<Row>(sql`SELECT * FROM runs WHERE id IN ${inList(ids)}`);
    const byId = new Map((await summarize(tx, rows.map(toRun))).map((run) => [run.id, run]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  });
}

/**
 * The JSON document up to its runs, and the run ids: the sweep's summary (every run's latest
 * metrics) is needed for its counts and groups, then let go before the runs stream.
 */
async function jsonHead(db: SqlDriver, sweep: Sweep): Promise<{ head: string; ids: string[] }> {
  const { runs, counts, axes, groups } = await sweepSummary(db, sweep.id);
  const head = JSON.stringify({ format: 'ftlab-tracker-sweep', version: 1, sweep, counts, axes, groups }, null, 2);
  return { head, ids: runs.map((run) => run.id) };
}

/** A JSON value as it sits inside a document written with two-space indentation, `depth` levels deep. */
function indented(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replaceAll('\n', `\n${'  '.repeat(depth)}`);
}

/**
 * A sweep's export in pieces, the same text exportSweep returns: the header (JSON: the document up
 * to its runs), then EXPORT_BATCH_RUNS rows per piece (CSV of runs) or one run with its points per
 * piece (JSON, CSV of metrics). Each piece is read in its own read, so nothing is held between pieces and
 * other readers of the same connection go in between. Throws before the first piece for a bad
 * option or an unknown sweep.
 */
export async function* streamSweepExport(
  db: SqlDriver,
  sweepId: string,
  options: Omit<ExportOptions, 'path'> = {},
): AsyncGenerator<string> {
  const { format } = checkOptions(options, `exportSweep(${JSON.stringify(sweepId)})`);
  const sweep = await getSweep(db, sweepId);
  if (format === 'json') {
    const { head, ids: runs } = await jsonHead(db, sweep);
    if (runs.length === 0) {
      yield `${head.slice(0, -2)},\n  "runs": []\n}\n`;
      return;
    }
    yield `${head.slice(0, -2)},\n  "runs": [`;
    for (const [index, id] of runs.entries()) {
      yield `${index === 0 ? '' : ','}\n    ${indented(await runWithMetrics(db, id), 2)}`;
    }
    yield '\n  ]\n}\n';
    return;
  }
  const ids = await sweepRunIds(db, sweepId);
  if ((options.table ?? 'runs') === 'runs') {
    const keys = await sweepCsvKeys(db, sweepId);
    yield csvLines([runsCsvHeader(keys)]);
    for (const batch of chunks(ids, EXPORT_BATCH_RUNS))
      yield csvLines(runsCsvRows(await runSummaries(db, batch), keys));
    return;
  }
  yield csvLines([METRICS_HEADER]);
  for (const id of ids) {
    const rows = (await pointsOf(db, id)).map((point): [string, StoredMetric] => [id, point]);
    if (rows.length > 0) yield csvLines(metricsRows(rows));
  }
}

export async function exportSweep(db: SqlDriver, sweepId: string, options: ExportOptions = {}): Promise<string> {
  let text = '';
  for await (const piece of streamSweepExport(db, sweepId, options)) text += piece;
  return deliver(text, options.path);
}
