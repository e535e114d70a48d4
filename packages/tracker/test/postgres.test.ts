// The PostgreSQL store on a real server (FTLAB_TEST_PG_URL; skipped with a message without one):
// its schema against SQLite's, migrations and their refusals, connection errors, and the claim's
// row locking. The store API itself runs on both engines in lifecycle/metrics/queries.test.ts.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openPostgresDriver, openTracker, SchemaVersionError } from '../src/index.js';
import { loadMigrations, migrate } from '../src/migrate.js';
import { freshPostgresUrl, freshStore, PG_URL, tempDir, withExtraMigration } from './helpers.js';

interface ColumnShape {
  name: string;
  type: 'text' | 'integer' | 'real';
  notNull: boolean;
  default: string | null;
}

interface TableShape {
  columns: ColumnShape[];
  primaryKey: string[];
  indexes: string[];
  foreignKeys: string[];
  checks: string[];
}

type SchemaShape = Record<string, TableShape>;

const sortedText = (items: string[]) => [...items].sort();

/** Declared SQLite column types by the value they hold (migrate.ts's version table says BIGINT). */
const SQLITE_AFFINITY: Record<string, ColumnShape['type']> = {
  text: 'text',
  integer: 'integer',
  bigint: 'integer',
  real: 'real',
};

function sqliteShape(path: string): SchemaShape {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{ name: string; sql: string }>;
    const shape: SchemaShape = {};
    for (const { name, sql } of tables) {
      const columns = db.prepare(`PRAGMA table_info("${name}")`).all() as Array<{
        name: string;
        type: string;
        notnull: number;
        dflt_value: string | null;
        pk: number;
      }>;
      const indexes = (
        db.prepare(`PRAGMA index_list("${name}")`).all() as Array<{ name: string; unique: number; origin: string }>
      )
        .filter((index) => index.origin !== 'pk')
        .map((index) => {
          const on = (db.prepare(`PRAGMA index_info("${index.name}")`).all() as Array<{ name: string }>).map(
            (c) => c.name,
          );
          return `${index.unique ? 'unique ' : ''}${index.name}(${on.join(',')})`;
        });
      const foreignKeys = (
        db.prepare(`PRAGMA foreign_key_list("${name}")`).all() as Array<{
          table: string;
          from: string;
          to: string;
          on_delete: string;
        }>
      ).map((fk) => `${fk.from} -> ${fk.table}(${fk.to}) on delete ${fk.on_delete.toLowerCase()}`);
      shape[name] = {
        columns: columns.map((c) => ({
          name: c.name,
          type: SQLITE_AFFINITY[c.type.toLowerCase()] ?? (c.type as ColumnShape['type']),
          // An INTEGER PRIMARY KEY is the rowid, never NULL, though table_info does not say NOT NULL.
          notNull: c.notnull === 1 || (c.pk === 1 && c.type.toLowerCase() === 'integer'),
          default: c.dflt_value,
        })),
        primaryKey: columns
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name),
        indexes: sortedText(indexes),
        foreignKeys: sortedText(foreignKeys),
        checks: sortedText([...sql.matchAll(/CONSTRAINT "([^"]+)" CHECK/g)].map((m) => m[1])),
      };
    }
    return shape;
  } finally {
    db.close();
  }
}

const PG_TYPES: Record<string, ColumnShape['type']> = {
  text: 'text',
  integer: 'integer',
  bigint: 'integer',
  'double precision': 'real',
};

async function postgresShape(url: string): Promise<SchemaShape> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const query = async <T extends object>(text: string) => (await client.query<T>(text)).rows;
    const columns = await query<{
      table_name: string;
      column_name: string;
      data_type: string;
      is_nullable: string;
      column_default: string | null;
    }>(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
        WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`);
    const constraints = await query<{ table_name: string; name: string; type: string; definition: string }>(
      `SELECT c.conrelid::regclass::text AS table_name, c.conname AS name, c.contype AS type,
              pg_get_constraintdef(c.oid) AS definition
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'`,
    );
    const indexes = await query<{ table_name: string; name: string; unique: boolean; columns: string[] }>(
      `SELECT t.relname AS table_name, i.relname AS name, x.indisunique AS unique,
              array_agg(a.attname::text ORDER BY k.ordinality) AS columns
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ordinality)
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       WHERE n.nspname = 'public' AND NOT x.indisprimary
       GROUP BY t.relname, i.relname, x.indisunique`,
    );
    const shape: SchemaShape = {};
    for (const column of columns) {
      const table = shape[column.table_name] ?? {
        columns: [],
        primaryKey: [],
        indexes: [],
        foreignKeys: [],
        checks: [],
      };
      shape[column.table_name] = table;
      table.columns.push({
        name: column.column_name,
        type: PG_TYPES[column.data_type] ?? (column.data_type as ColumnShape['type']),
        notNull: column.is_nullable === 'NO',
        default: column.column_default?.replace(/::text$/, '') ?? null,
      });
    }
    for (const constraint of constraints) {
      const table = shape[constraint.table_name] as TableShape;
      if (constraint.type === 'p') {
        table.primaryKey = (/PRIMARY KEY \((.*)\)/.exec(constraint.definition)?.[1] ?? '').split(', ');
      } else if (constraint.type === 'f') {
        const [, from, to, target] =
          /FOREIGN KEY \((\w+)\) REFERENCES (\w+)\((\w+)\)/.exec(constraint.definition) ?? [];
        const onDelete = /ON DELETE CASCADE/.test(constraint.definition) ? 'cascade' : 'no action';
        table.foreignKeys.push(`${from} -> ${to}(${target}) on delete ${onDelete}`);
      } else if (constraint.type === 'c') {
        table.checks.push(constraint.name);
      }
    }
    for (const index of indexes) {
      (shape[index.table_name] as TableShape).indexes.push(
        `${index.unique ? 'unique ' : ''}${index.name}(${index.columns.join(',')})`,
      );
    }
    for (const table of Object.values(shape)) {
      table.indexes = sortedText(table.indexes);
      table.foreignKeys = sortedText(table.foreignKeys);
      table.checks = sortedText(table.checks);
    }
    return Object.fromEntries(Object.entries(shape).sort(([a], [b]) => a.localeCompare(b)));
  } finally {
    await client.end();
  }
}

async function sql(url: string, text: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(!PG_URL)('the PostgreSQL store', () => {
  it('holds exactly the tables, columns, keys, indexes and checks of the SQLite store', async () => {
    const sqlite = await freshStore('sqlite');
    const postgres = await freshStore('postgres');
    const expected = sqliteShape(sqlite.location);
    const actual = await postgresShape(postgres.location);
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    expect(Object.keys(expected)).toContain('metrics');
    for (const table of Object.keys(expected))
      expect({ table, ...actual[table] }).toEqual({ table, ...expected[table] });
  });

  it('migrates an empty database on open, records the versions, and a reopen applies nothing', async () => {
    const url = await freshPostgresUrl();
    const tracker = await openTracker(url);
    const shipped = loadMigrations('postgres');
    expect(shipped.dialect).toBe('postgres');
    expect(tracker.dialect).toBe('postgres');
    expect(tracker.migration).toEqual({
      fromVersion: 0,
      toVersion: shipped.length,
      applied: shipped.map((m) => m.tag),
    });
    await tracker.startRun({ name: 'kept', config: { a: 1 } });
    await tracker.close();
    const again = await openTracker(url);
    expect(again.migration).toEqual({ fromVersion: shipped.length, toVersion: shipped.length, applied: [] });
    expect((await again.listRuns()).runs.map((r) => r.name)).toEqual(['kept']);
    await again.close();
    const rows = await sql(url, 'SELECT version, tag FROM tracker_schema ORDER BY version');
    expect(rows).toEqual(shipped.map((m) => ({ version: m.version, tag: m.tag })));
  });

  it('refuses a database newer than the code, one of another application, and a missing one, touching nothing', async () => {
    const newer = await freshPostgresUrl();
    const driver = await openPostgresDriver(newer, { readonly: false });
    await migrate(driver, withExtraMigration('postgres'));
    await driver.close();
    const codeVersion = loadMigrations('postgres').length;
    const failure = openTracker(newer);
    await expect(failure).rejects.toBeInstanceOf(SchemaVersionError);
    await expect(failure).rejects.toThrow(
      new RegExp(`schema version ${codeVersion + 1} .*newer than this code's version ${codeVersion}`),
    );
    expect(await sql(newer, 'SELECT COUNT(*)::int AS n FROM tracker_schema')).toEqual([{ n: codeVersion + 1 }]);

    const foreign = await freshPostgresUrl();
    await sql(foreign, 'CREATE TABLE customers (id integer)');
    await expect(openTracker(foreign)).rejects.toMatchObject({ code: 'NOT_A_TRACKER_DATABASE' });
    await expect(openTracker(foreign)).rejects.toThrow(
      /has tables customers but no tracker_schema\); it was left untouched/,
    );
    expect(
      await sql(foreign, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"),
    ).toEqual([{ table_name: 'customers' }]);

    const missing = new URL(PG_URL as string);
    missing.pathname = '/ftlab_no_such_database';
    await expect(openTracker(missing.toString())).rejects.toThrow(
      /database "ftlab_no_such_database" does not exist.*Create it first: `ftlab migrate --create --db <url>`/,
    );
  });

  it('createDatabase makes a missing database on the server, then migrates it', async () => {
    const url = new URL(PG_URL as string);
    url.pathname = `/ftlab_created_${process.pid}_${Date.now()}`;
    onTestFinished(async () => {
      await sql(PG_URL as string, `DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
    });
    const tracker = await openTracker(url.toString(), { createDatabase: true });
    expect(tracker.migration.fromVersion).toBe(0);
    await tracker.close();
    const again = await openTracker(url.toString(), { createDatabase: true });
    expect(again.migration.applied).toEqual([]);
    await again.close();
    await expect(
      openTracker(url.toString().replace('ftlab_created', 'ftlab_absent'), { readonly: true, createDatabase: true }),
    ).rejects.toThrow(/does not exist/);
  });

  it('a read-only open never migrates, and the server refuses its writes', async () => {
    const url = await freshPostgresUrl();
    await expect(openTracker(url, { readonly: true })).rejects.toThrow(
      /has tracker schema version 0 but this code expects .*a read-only open never migrates/,
    );
    expect(await sql(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).toEqual(
      [],
    );
    const writer = await openTracker(url);
    const run = await writer.startRun({ name: 'r', config: {} });
    const reader = await openTracker(url, { readonly: true });
    await expect(reader.logMetrics([{ runId: run.id, key: 'loss', step: 0, value: 1 }])).rejects.toMatchObject({
      code: 'READ_ONLY',
    });
    expect((await reader.getRun(run.id)).name).toBe('r');
    await reader.close();
    await writer.close();
  });

  it('a claim skips a run another transaction has locked instead of waiting for it (FOR UPDATE SKIP LOCKED)', async () => {
    const { tracker, location } = await freshStore('postgres');
    const { sweep } = await tracker.ensureSweep({ name: 's', method: 'grid', space: {} });
    const runs = (
      await tracker.createRuns(sweep.id, [
        { name: 'a', config: { i: 0 }, seed: 0 },
        { name: 'b', config: { i: 1 }, seed: 1 },
      ])
    ).map((c) => c.run);
    const holder = new pg.Client({ connectionString: location });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM runs WHERE id = $1 FOR UPDATE', [runs[0]?.id]);
      const claimed = await tracker.claimNextRun(sweep.id, 'w1');
      expect(claimed?.id).toBe(runs[1]?.id);
      expect(await tracker.claimNextRun(sweep.id, 'w2')).toBeNull();
      await holder.query('ROLLBACK');
      expect((await tracker.claimNextRun(sweep.id, 'w2'))?.id).toBe(runs[0]?.id);
    } finally {
      await holder.end();
    }
  });

  it('times come from the server clock', async () => {
    const { tracker, location } = await freshStore('postgres');
    const [{ now }] = (await sql(location, 'SELECT (EXTRACT(EPOCH FROM now()) * 1000)::float8 AS now')) as [
      { now: number },
    ];
    const run = await tracker.startRun({ name: 'r', config: {} });
    expect(Math.abs((run.startedAt as number) - now)).toBeLessThan(5000);
    expect(run.startedAt).toBe(run.heartbeatAt);
    expect(Number.isSafeInteger(run.createdAt)).toBe(true);
  });
});

describe('migrations of both dialects', () => {
  it('ship one migration set per dialect, and each refuses the other engine', async () => {
    expect(loadMigrations('sqlite').dialect).toBe('sqlite');
    expect(loadMigrations('postgres').dialect).toBe('postgres');
    expect(loadMigrations('postgres').map((m) => m.version)).toEqual(loadMigrations('sqlite').map((m) => m.version));
    const path = join(tempDir(), 'x.db');
    const tracker = await openTracker(path);
    await tracker.close();
    const { openSqliteDriver } = await import('../src/sqlite.js');
    const driver = openSqliteDriver(path, { readonly: false, busyTimeoutMs: 1000 });
    await expect(migrate(driver, loadMigrations('postgres'))).rejects.toThrow(
      /migrations written for postgres cannot be applied to a sqlite database/,
    );
    await driver.close();
  });
});
