// Everything that is SQLite-specific: opening the file (and refusing files that are not SQLite),
// the pragmas for our workload, write transactions and the clock.
//
// Workload: a few training processes append metric batches while a dashboard reads.
// - WAL: readers never block the writer and the writer never blocks readers.
// - busy_timeout: a writer that finds another mid-transaction waits instead of failing with
//   "database is locked" (MLflow's and Optuna's SQLite users' most common complaint).
// - BEGIN IMMEDIATE for every write transaction: the write lock is taken at the start, so a
//   transaction never fails half-way when upgrading a read lock (busy_timeout cannot help there).
// - synchronous=NORMAL: in WAL mode a committed transaction survives a process crash (SIGKILL);
//   only a power loss can drop the last few, and then the database is still consistent.
// - Readers open the file with readonly + fileMustExist: they can neither create a stray file
//   nor take a write lock.
//
// better-sqlite3 is synchronous; the store's API is asynchronous because a PostgreSQL driver
// must implement it too. One connection runs one thing at a time: calls queue on `exclusive`,
// so an awaited transaction never interleaves with another call on the same connection.
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { SQL, sql } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { DialectFragments, SqlDriver, SqlExecutor } from './driver.js';
import { describeError, TrackerError } from './errors.js';

export interface SqliteOpenOptions {
  readonly: boolean;
  /** How long a writer waits for another writer's transaction before failing. */
  busyTimeoutMs: number;
}

const SQLITE_HEADER = 'SQLite format 3\u0000';
const STATEMENT_CACHE_SIZE = 256;
/** The longest pause between two tries to switch a file to WAL while another process holds it. */
const WAL_RETRY_MAX_PAUSE_MS = 50;

const sqliteFragments: DialectFragments = {
  nowMs: sql`CAST(unixepoch('subsec') * 1000 AS INTEGER)`,
  claimLock: sql``,
  tableNames: sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
  forUpdate: sql``,
  migrationLock: null,
};

/** Throws unless `path` is absent, empty, or starts with the SQLite header; never writes to it. */
function assertSqliteFileOrAbsent(path: string): boolean {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) {
      throw new TrackerError(
        'NOT_A_DATABASE',
        `${path} is not a file (it is a directory or a device); pass a .db path.`,
      );
    }
    size = stat.size;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return false;
    throw error;
  }
  if (size === 0) return true;
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1') !== SQLITE_HEADER) {
    const printable = [...header.toString('latin1')].filter((c) => c >= ' ' && c <= '~').join('');
    const shown = JSON.stringify(printable);
    throw new TrackerError(
      'NOT_A_DATABASE',
      `${path} is not a SQLite database (it starts with ${shown}, not "SQLite format 3"); it was left untouched. ` +
        'Pass the path of a tracker database, or a new path to create one.',
    );
  }
  return true;
}

function openError(path: string, readonly: boolean, error: unknown): TrackerError {
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_NOTADB') {
    return new TrackerError('NOT_A_DATABASE', `${path} is not a SQLite database (${describeError(error)}).`, {
      cause: error,
    });
  }
  if (readonly) {
    return new TrackerError(
      'CANNOT_OPEN',
      `cannot open ${path} for reading: ${describeError(error)}. A reader needs the database file and, in WAL mode, ` +
        'its -wal/-shm files or a directory where they can be created.',
      { cause: error },
    );
  }
  return new TrackerError(
    'CANNOT_OPEN',
    `cannot open ${path} for writing: ${describeError(error)}. The database file, its directory ` +
      `(${dirname(path)}) and the -wal/-shm files beside it must be writable; choose a writable path, ` +
      'or open it with { readonly: true } to only read.',
    { cause: error },
  );
}

export function openSqliteDriver(location: string, options: SqliteOpenOptions): SqlDriver {
  const inMemory = location === ':memory:';
  const path = inMemory ? location : resolve(location);
  if (inMemory && options.readonly) {
    throw new TrackerError('UNSUPPORTED_LOCATION', 'a read-only tracker needs a database file, not :memory:.');
  }
  const exists = inMemory ? false : assertSqliteFileOrAbsent(path);
  if (options.readonly && !exists) {
    throw new TrackerError(
      'CANNOT_OPEN',
      `no tracker database at ${path}: a read-only open never creates one. Check the path, or create it by ` +
        'opening it read-write (any run or sweep command does).',
    );
  }
  if (exists && !options.readonly) {
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      throw new TrackerError(
        'READ_ONLY',
        `cannot write to ${path} (${describeError(error)}); it was left untouched. Open it with { readonly: true } ` +
          'to read it, or make it writable.',
        { cause: error },
      );
    }
  }
  let db: Database.Database;
  try {
    db = new Database(path, {
      readonly: options.readonly,
      fileMustExist: options.readonly,
      timeout: options.busyTimeoutMs,
    });
    // Connection settings: they change nothing in the file.
    db.pragma(`busy_timeout = ${Math.round(options.busyTimeoutMs)}`);
    if (!options.readonly) db.pragma('foreign_keys = ON');
    // Touch the schema now so that a damaged file fails here, with the path in the message.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    throw openError(path, options.readonly, error);
  }
  return new SqliteDriver(db, path, options);
}

type Param = string | number | bigint | Buffer | null;

/** SQLite's "another connection holds the lock" errors: the ones waiting (or retrying) can cure. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
}

function toParam(value: unknown): Param {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value as Param;
}

class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly fragments = sqliteFragments;
  readonly readonly: boolean;
  private readonly renderer = new SQLiteSyncDialect();
  private readonly statements = new Map<string, Database.Statement>();
  private tail: Promise<unknown> = Promise.resolve();
  private walChecked = false;
  private closed = false;
  private readonly immediate: SqlExecutor;

  constructor(
    private readonly db: Database.Database,
    readonly location: string,
    private readonly options: SqliteOpenOptions,
  ) {
    this.readonly = options.readonly;
    this.immediate = {
      all: async <Row extends object>(query: SQL) => this.allNow<Row>(query),
      run: async (query: SQL) => this.runNow(query),
      exec: async (script: string) => this.execNow(script),
      insert: async (table, columns, rows, suffix) => this.insertNow(table, columns, rows, suffix),
    };
  }

  all<Row extends object>(query: SQL): Promise<Row[]> {
    return this.exclusive(() => this.allNow<Row>(query));
  }

  run(query: SQL): Promise<number> {
    return this.exclusive(() => this.runNow(query));
  }

  exec(script: string): Promise<void> {
    return this.exclusive(() => this.execNow(script));
  }

  insert(...args: Parameters<SqlExecutor['insert']>): Promise<number> {
    return this.exclusive(() => this.insertNow(...args));
  }

  write<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      if (this.readonly) {
        throw new TrackerError(
          'READ_ONLY',
          `this tracker was opened read-only (${this.location}); open it without { readonly: true } to write.`,
        );
      }
      await this.ensureWal();
      this.translate(() => this.db.exec('BEGIN IMMEDIATE'));
      try {
        const result = await work(this.immediate);
        this.translate(() => this.db.exec('COMMIT'));
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  read<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.translate(() => this.db.exec('BEGIN'));
      try {
        return await work(this.immediate);
      } finally {
        if (this.db.inTransaction) this.db.exec('COMMIT');
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.tail;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }

  /** Runs `work` after everything queued before it; a failure does not block the queue. */
  private exclusive<T>(work: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(() => {
      if (this.closed) {
        throw new TrackerError('CLOSED', `the tracker for ${this.location} is closed; open it again to use it.`);
      }
      return work();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * WAL is a property of the file, set once by the first writer. It is set here, before the first
   * write, rather than on open, so that opening a file that turns out not to be a tracker
   * database (the migrator refuses it with a read) leaves the file byte for byte unchanged.
   *
   * Switching a file to WAL takes a read lock, then upgrades it to a write lock. SQLite never
   * waits on that upgrade (busy_timeout cannot help: two upgraders would deadlock), so while
   * another process converts the same brand-new file, or holds its write lock, the pragma fails at
   * once with SQLITE_BUSY. Several workers opening one new database race exactly there; each
   * retries here, with growing jittered pauses, for up to busyTimeoutMs like any other wait.
   */
  private async ensureWal(): Promise<void> {
    if (this.walChecked) return;
    const deadline = performance.now() + this.options.busyTimeoutMs;
    let pauseMs = 1;
    let mode: unknown;
    for (;;) {
      try {
        mode = this.db.pragma('journal_mode = WAL', { simple: true });
        break;
      } catch (error) {
        const left = deadline - performance.now();
        if (!isBusy(error) || left <= 0) throw this.translated(error);
        await sleep(Math.min(left, pauseMs * (0.5 + Math.random())));
        pauseMs = Math.min(pauseMs * 2, WAL_RETRY_MAX_PAUSE_MS);
      }
    }
    if (mode !== 'wal' && this.location !== ':memory:') {
      throw new TrackerError(
        'CANNOT_OPEN',
        `${this.location}: SQLite refused WAL mode (journal_mode is "${String(mode)}"); the tracker needs it so that ` +
          'readers never block writers. Network filesystems do not support WAL: put the database on a local disk.',
      );
    }
    this.db.pragma('synchronous = NORMAL');
    this.walChecked = true;
  }

  private statement(query: SQL): { statement: Database.Statement; params: Param[] } {
    const { sql: text, params } = this.renderer.sqlToQuery(query);
    return { statement: this.cached(text), params: params.map(toParam) };
  }

  private cached(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement) {
      this.statements.delete(text); // keep the map in least-recently-used order
    } else {
      statement = this.translate(() => this.db.prepare(text));
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statements.keys().next().value as string;
        this.statements.delete(oldest);
      }
    }
    this.statements.set(text, statement);
    return statement;
  }

  private allNow<Row extends object>(query: SQL): Row[] {
    const { statement, params } = this.statement(query);
    return this.translate(() => statement.all(...params) as Row[]);
  }

  private runNow(query: SQL): number {
    const { statement, params } = this.statement(query);
    return this.translate(() => statement.run(...params).changes);
  }

  /** One prepared single-row INSERT per cell pattern, run once per row: in-process, that beats multi-row VALUES. */
  private insertNow(
    table: string,
    columns: readonly string[],
    rows: ReadonlyArray<ReadonlyArray<unknown>>,
    suffix: SQL | undefined,
  ): number {
    const tail = suffix ? this.renderer.sqlToQuery(suffix) : { sql: '', params: [] };
    const tailParams = tail.params.map(toParam);
    const head = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (`;
    const plain = this.cached(`${head}${columns.map(() => '?').join(', ')}) ${tail.sql}`);
    return this.translate(() => {
      let changes = 0;
      for (const row of rows) {
        if (!row.some((cell) => cell instanceof SQL)) {
          changes += plain.run(...row.map(toParam), ...tailParams).changes;
          continue;
        }
        const values: string[] = [];
        const params: Param[] = [];
        for (const cell of row) {
          if (cell instanceof SQL) {
            const fragment = this.renderer.sqlToQuery(cell);
            values.push(fragment.sql);
            params.push(...fragment.params.map(toParam));
          } else {
            values.push('?');
            params.push(toParam(cell));
          }
        }
        changes += this.cached(`${head}${values.join(', ')}) ${tail.sql}`).run(...params, ...tailParams).changes;
      }
      return changes;
    });
  }

  private execNow(script: string): void {
    this.translate(() => this.db.exec(script));
  }

  /** Runs `work`, turning the SQLite errors a caller can act on into messages that say what to do. */
  private translate<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw this.translated(error);
    }
  }

  /** The error to throw for a SQLite error: a TrackerError saying what to do, where there is something to do. */
  private translated(error: unknown): unknown {
    if (isBusy(error)) {
      return new TrackerError(
        'BUSY',
        `${this.location} stayed locked by another writer for more than busyTimeoutMs=${this.options.busyTimeoutMs} ` +
          `(${describeError(error)}); raise busyTimeoutMs or flush metrics in fewer, larger batches.`,
        { cause: error },
      );
    }
    const code = (error as { code?: string }).code;
    if (code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_CANTOPEN')) {
      return new TrackerError(
        'READ_ONLY',
        `cannot write to ${this.location}: ${describeError(error)}. The file, its directory and its -wal/-shm ` +
          'files must be writable; choose a writable location or open it with { readonly: true }.',
        { cause: error },
      );
    }
    return error;
  }
}
