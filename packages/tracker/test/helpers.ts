import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, onTestFinished } from 'vitest';
import { openTracker, type Tracker, testPostgresUrl } from '../src/index.js';
import { loadMigrations, type Migration, type MigrationSet } from '../src/migrate.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** A PostgreSQL database the tests may create databases beside (scripts/with-postgres.sh sets it). */
/** A PostgreSQL database the tests may create databases beside (scripts/with-postgres.sh sets it); throws in CI without one. */
export const PG_URL = testPostgresUrl("the tracker's tests");

export type TestDialect = 'sqlite' | 'postgres';
export const DIALECTS: readonly TestDialect[] = ['sqlite', 'postgres'];

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

let databases = 0;

/** A new empty PostgreSQL database beside FTLAB_TEST_PG_URL's, dropped when the test finishes. */
export async function freshPostgresUrl(): Promise<string> {
  if (!PG_URL) throw new Error('FTLAB_TEST_PG_URL is not set');
  const name = `ftlab_t_${process.pid}_${++databases}_${Math.random().toString(36).slice(2, 8)}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  onTestFinished(async () => {
    await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  });
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A tracker database of either engine, as the tests see it. */
export interface TestStore {
  dialect: TestDialect;
  tracker: Tracker;
  /** A SQLite file path or a PostgreSQL URL: what openTracker takes. */
  location: string;
  /** A fresh directory for other files of the test. */
  dir: string;
  /** Every row of every table, as text: equal snapshots mean the database did not change. */
  snapshot(): Promise<string>;
  countRows(table: string): Promise<number>;
}

async function postgresSnapshot(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = (
      await client.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
      )
    ).rows.map((row) => row.name);
    const out = [];
    for (const table of tables) {
      const rows = (await client.query(`SELECT * FROM "${table}"`)).rows.map((r) => JSON.stringify(r)).sort();
      out.push([table, rows]);
    }
    return JSON.stringify(out);
  } finally {
    await client.end();
  }
}

/** A tracker on a new database of `dialect`, closed (and, for PostgreSQL, dropped) when the test finishes. */
export async function freshStore(dialect: TestDialect = 'sqlite'): Promise<TestStore> {
  const dir = tempDir();
  const location = dialect === 'sqlite' ? join(dir, 'tracker.db') : await freshPostgresUrl();
  const tracker = await openTracker(location);
  onTestFinished(() => tracker.close().catch(() => undefined));
  if (dialect === 'sqlite') {
    return {
      dialect,
      tracker,
      location,
      dir,
      snapshot: async () => snapshot(location),
      countRows: async (table) => countRows(location, table),
    };
  }
  return {
    dialect,
    tracker,
    location,
    dir,
    snapshot: () => postgresSnapshot(location),
    countRows: (table) => rowCount(location, table),
  };
}

/** The rows of a table of the database at `location` (a SQLite path or a PostgreSQL URL). */
export async function rowCount(location: string, table: string): Promise<number> {
  if (!location.startsWith('postgres')) return countRows(location, table);
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    return Number((await client.query(`SELECT COUNT(*) AS n FROM "${table}"`)).rows[0].n);
  } finally {
    await client.end();
  }
}

/** Where a test of `dialect` may create a brand-new database: a file path that does not exist yet, or an empty PostgreSQL database. */
export async function newLocation(dialect: TestDialect): Promise<string> {
  return dialect === 'sqlite' ? join(tempDir(), 'new.db') : freshPostgresUrl();
}

/**
 * Declares the tests of `body` once per engine; the PostgreSQL copy is skipped (and says so)
 * when no server is configured.
 */
export function forEachDialect(body: (open: () => Promise<TestStore>, dialect: TestDialect) => void): void {
  for (const dialect of DIALECTS) {
    describe.skipIf(dialect === 'postgres' && !PG_URL)(dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL', () =>
      body(() => freshStore(dialect), dialect),
    );
  }
}

/** A fresh directory under the system temp dir, removed when the test finishes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftlab-tracker-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A tracker on a new database file, closed when the test finishes. */
export async function freshTracker(): Promise<{ tracker: Tracker; path: string; dir: string }> {
  const dir = tempDir();
  const path = join(dir, 'tracker.db');
  const tracker = await openTracker(path);
  onTestFinished(() => tracker.close().catch(() => undefined));
  return { tracker, path, dir };
}

/** Every row of every table, as text: equal snapshots mean the database did not change. */
export function snapshot(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[];
    const rows = (t: string) =>
      (db.prepare(`SELECT * FROM "${t}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
    return JSON.stringify(tables.map((t) => [t, rows(t)]));
  } finally {
    db.close();
  }
}

export function countRows(path: string, table: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT COUNT(*) FROM "${table}"`).pluck().get() as number;
  } finally {
    db.close();
  }
}

export interface Fixture {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with each JSON line the child prints, in order. */
  lines: AsyncIterableIterator<string>;
  /** Resolves with the exit code (or signal) and everything printed on stderr. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Runs test/fixtures/<name>.ts in a real Node process, straight from the TypeScript sources. */
export function spawnFixture(name: string, args: string[]): Fixture {
  const child = spawn(
    process.execPath,
    ['--conditions=@ftlab/source', '--import', 'tsx', join(packageDir, 'test', 'fixtures', `${name}.ts`), ...args],
    { cwd: packageDir, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return { child, lines, exited };
}

export async function nextJson<T>(fixture: Fixture): Promise<T> {
  const { value, done } = await fixture.lines.next();
  if (done) {
    const { code, stderr } = await fixture.exited;
    throw new Error(`fixture ended (exit ${code}) before printing the expected line:\n${stderr}`);
  }
  return JSON.parse(value) as T;
}

/** A dialect's shipped migrations plus one more, as a newer version of the code would have them. */
export function withExtraMigration(dialect: TestDialect = 'sqlite'): MigrationSet {
  const shipped = loadMigrations(dialect);
  const extra: Migration = {
    version: shipped.length + 1,
    tag: `${String(shipped.length).padStart(4, '0')}_test_extra`,
    statements: ['CREATE TABLE test_extra (id integer)'],
    checksum: 'test',
  };
  return Object.assign([...shipped, extra], { dialect: shipped.dialect });
}
