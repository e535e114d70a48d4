// Export a run or a whole sweep as JSON (everything, for archiving or another tool) or CSV (for a
// spreadsheet or pandas): `metrics` is one row per point, `runs` one row per run with its params,
// latest metrics and tags as columns. Non-finite values are written as NaN / Infinity / -Infinity
// in CSV, and as null plus their marker in JSON (which has no NaN).
import { renameSync, writeFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { SqlDriver } from './driver.js';
import { InvalidInputError } from './errors.js';
import { getRun } from './queries.js';
import { type Row, toStoredMetric } from './rows.js';
import { getSweep, sweepSummary } from './sweeps.js';
import type { RunDetail, RunSummary, StoredMetric } from './types.js';
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

function csv(header: string[], rows: unknown[][]): string {
  return `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}

function metricsCsv(rows: Array<[string, StoredMetric]>): string {
  return csv(
    ['run_id', 'key', 'step', 'value', 'wall_time_ms'],
    rows.map(([runId, m]) => [runId, m.key, m.step, decodeValue(m.value, m.nonFinite), m.wallTimeMs]),
  );
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function runsCsv(runs: RunSummary[]): string {
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.latestMetrics)))].sort();
  const tagKeys = [...new Set(runs.flatMap((r) => Object.keys(r.tags)))].sort();
  const header = [
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
  const rows = runs.map((r) => [
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
  return csv(header, rows);
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

export async function exportSweep(db: SqlDriver, sweepId: string, options: ExportOptions = {}): Promise<string> {
  const { format } = checkOptions(options, `exportSweep(${JSON.stringify(sweepId)})`);
  const sweep = await getSweep(db, sweepId);
  const summary = await sweepSummary(db, sweepId);
  if (format === 'json') {
    const runs: RunWithMetrics[] = [];
    for (const run of summary.runs) runs.push(await runWithMetrics(db, run.id));
    const { counts, axes, groups } = summary;
    const document = { format: 'ftlab-tracker-sweep', version: 1, sweep, counts, axes, groups, runs };
    return deliver(`${JSON.stringify(document, null, 2)}\n`, options.path);
  }
  if ((options.table ?? 'runs') === 'runs') {
    const runs: RunSummary[] = [];
    for (const run of summary.runs) runs.push(await getRun(db, run.id));
    return deliver(runsCsv(runs), options.path);
  }
  const rows: Array<[string, StoredMetric]> = [];
  for (const run of summary.runs) for (const point of await pointsOf(db, run.id)) rows.push([run.id, point]);
  return deliver(metricsCsv(rows), options.path);
}
