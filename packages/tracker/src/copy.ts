// Copies a tracker's whole history into another tracker database (SQLite -> PostgreSQL to move a
// local history up for a multi-machine sweep, or back down for an archive): experiments, sweeps,
// runs, params, tags, notes, artifacts, evaluations, metrics and latest metrics, rows unchanged.
//
// - One snapshot of the source (a read transaction) and one write transaction on the destination:
//   a failed or refused copy leaves the destination exactly as it was.
// - Batches of rows in primary-key order (keyset paging), each written with one
//   INSERT ... ON CONFLICT DO NOTHING RETURNING <key>: memory stays bounded, and a row the
//   destination already holds is found by the insert itself.
// - Idempotent: a row already there and equal in every column counts as `unchanged`; copying
//   twice copies nothing the second time.
// - Never overwrites: a row already there with other values (the run went on in one of the two
//   databases), or a row whose name collides with another row's (a sweep of the same name made
//   elsewhere), refuses the whole copy and names the rows and columns that differ.
import { type SQL, sql } from 'drizzle-orm';
import { getTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { InvalidInputError, TrackerError } from './errors.js';
import type { Row } from './rows.js';
import * as schema from './schema.js';

export interface CopyOptions {
  /** Rows per batch (default 1000; at most 30,000 parameters per statement are used). */
  batchSize?: number;
  /** Called after each batch with the running totals of the table being copied. */
  onProgress?: (progress: CopyTableReport) => void;
}

export interface CopyTableReport {
  table: string;
  /** Rows written to the destination. */
  copied: number;
  /** Rows the destination already held, equal in every column. */
  unchanged: number;
}

export interface CopyReport {
  from: string;
  to: string;
  tables: CopyTableReport[];
}

interface TableLayout {
  name: string;
  columns: string[];
  key: string[];
}

// Parents before children, so that every foreign key finds its row.
const TABLES: SQLiteTable[] = [
  schema.experiments,
  schema.sweeps,
  schema.runs,
  schema.params,
  schema.tags,
  schema.notes,
  schema.artifacts,
  schema.evaluations,
  schema.metrics,
  schema.latestMetrics,
];

/** Column names and primary key of each table, read from the schema so that copy follows it. */
export const COPIED_TABLES: readonly TableLayout[] = TABLES.map((table) => {
  const config = getTableConfig(table);
  const columns = config.columns.map((column) => column.name);
  const composite = config.primaryKeys[0]?.columns.map((column) => column.name);
  const key = composite ?? config.columns.filter((column) => column.primary).map((column) => column.name);
  return { name: config.name, columns, key };
});

const MAX_PARAMETERS = 30_000;
const MAX_REPORTED_CONFLICTS = 5;

const ident = (name: string): SQL => sql`${sql.identifier(name)}`;
const list = (items: SQL[]) => sql.join(items, sql`, `);

function keyOf(row: Row, key: readonly string[]): string {
  return JSON.stringify(key.map((column) => row[column] ?? null));
}

/** Both engines hand back numbers, strings and nulls; anything else is compared by its text. */
function sameCell(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined) return b === null || b === undefined;
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return String(a) === String(b);
}

function describeRow(table: TableLayout, row: Row): string {
  return `${table.name} (${table.key.map((column) => `${column}=${JSON.stringify(row[column])}`).join(', ')})`;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

async function readBatch(source: SqlExecutor, table: TableLayout, after: Row | null, limit: number): Promise<Row[]> {
  const keyColumns = list(table.key.map(ident));
  const start =
    after === null
      ? sql``
      : sql`WHERE (${keyColumns}) > (${list(table.key.map((column) => sql`${after[column] ?? null}`))})`;
  return source.all<Row>(
    sql`SELECT ${list(table.columns.map(ident))} FROM ${ident(table.name)} ${start} ORDER BY ${keyColumns} LIMIT ${limit}`,
  );
}

/** Inserts the rows the destination lacks; resolves to the keys it inserted. */
async function insertMissing(destination: SqlExecutor, table: TableLayout, rows: Row[]): Promise<Set<string>> {
  const values = rows.map((row) => sql`(${list(table.columns.map((column) => sql`${row[column] ?? null}`))})`);
  const inserted = await destination.all<Row>(
    sql`INSERT INTO ${ident(table.name)} (${list(table.columns.map(ident))}) VALUES ${list(values)}
        ON CONFLICT DO NOTHING RETURNING ${list(table.key.map(ident))}`,
  );
  return new Set(inserted.map((row) => keyOf(row, table.key)));
}

/** The destination's rows with the keys of `rows`: one query per shared key prefix (a run's metric). */
async function existingRows(destination: SqlExecutor, table: TableLayout, rows: Row[]): Promise<Map<string, Row>> {
  const prefix = table.key.slice(0, -1);
  const last = table.key.at(-1) as string;
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const id = keyOf(row, prefix);
    groups.set(id, [...(groups.get(id) ?? []), row]);
  }
  const found = new Map<string, Row>();
  for (const group of groups.values()) {
    const first = group[0] as Row;
    const conditions = [
      ...prefix.map((column) => sql`${ident(column)} = ${first[column] ?? null}`),
      sql`${ident(last)} IN (${list(group.map((row) => sql`${row[last] ?? null}`))})`,
    ];
    for (const row of await destination.all<Row>(
      sql`SELECT ${list(table.columns.map(ident))} FROM ${ident(table.name)} WHERE ${sql.join(conditions, sql` AND `)}`,
    )) {
      found.set(keyOf(row, table.key), row);
    }
  }
  return found;
}

function conflictError(from: string, to: string, conflicts: string[], more: number): TrackerError {
  return new TrackerError(
    'COPY_CONFLICT',
    `copy from ${from} to ${to} refused; the destination was left unchanged. It already holds different ` +
      `data for: ${conflicts.join('; ')}${more > 0 ? `; and ${more} more` : ''}. A copy adds history and never ` +
      'overwrites: copy into a new database, or remove the conflicting sweep or run from one side first.',
  );
}

async function copyTable(
  source: SqlExecutor,
  destination: SqlExecutor,
  table: TableLayout,
  batchSize: number,
  locations: { from: string; to: string },
  onProgress: CopyOptions['onProgress'],
): Promise<CopyTableReport> {
  const report: CopyTableReport = { table: table.name, copied: 0, unchanged: 0 };
  const limit = Math.max(1, Math.min(batchSize, Math.floor(MAX_PARAMETERS / table.columns.length)));
  let after: Row | null = null;
  for (;;) {
    const rows = await readBatch(source, table, after, limit);
    if (rows.length === 0) return report;
    after = rows.at(-1) as Row;
    const inserted = await insertMissing(destination, table, rows);
    report.copied += inserted.size;
    const present = rows.filter((row) => !inserted.has(keyOf(row, table.key)));
    if (present.length > 0) {
      const stored = await existingRows(destination, table, present);
      const conflicts: string[] = [];
      for (const row of present) {
        const other = stored.get(keyOf(row, table.key));
        if (!other) {
          conflicts.push(`${describeRow(table, row)} collides with another row of the destination on a unique name`);
          continue;
        }
        const differing = table.columns.filter((column) => !sameCell(row[column], other[column]));
        if (differing.length === 0) {
          report.unchanged++;
          continue;
        }
        const changes = differing
          .slice(0, 3)
          .map((column) => `${column} ${shown(row[column])} here, ${shown(other[column])} there`);
        conflicts.push(`${describeRow(table, row)}: ${changes.join(', ')}`);
      }
      if (conflicts.length > 0) {
        const listed = conflicts.slice(0, MAX_REPORTED_CONFLICTS);
        throw conflictError(locations.from, locations.to, listed, conflicts.length - listed.length);
      }
    }
    onProgress?.({ ...report });
  }
}

/** Copies every row of `from` that `to` lacks, in one destination transaction (see the file comment). */
export async function copyDatabase(from: SqlDriver, to: SqlDriver, options: CopyOptions = {}): Promise<CopyReport> {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new InvalidInputError(`copy: batchSize must be a positive integer, got ${String(batchSize)}.`);
  }
  if (from.location === to.location && from.dialect === to.dialect) {
    throw new InvalidInputError(`copy: the source and the destination are the same database (${from.location}).`);
  }
  const locations = { from: from.location, to: to.location };
  const tables: CopyTableReport[] = [];
  await from.read((source) =>
    to.write(async (destination) => {
      tables.length = 0; // a retried destination transaction starts over
      for (const table of COPIED_TABLES) {
        tables.push(await copyTable(source, destination, table, batchSize, locations, options.onProgress));
      }
    }),
  );
  return { ...locations, tables };
}
