// The seam between the store and a database engine. Queries are drizzle `sql` templates in
// portable SQL (ON CONFLICT ... DO UPDATE, RETURNING, CTEs and window-free aggregates work the
// same in SQLite and PostgreSQL); a driver renders them with its dialect's placeholders, runs
// them and supplies the few fragments whose spelling differs (the clock, row locks, the table
// listing). sqlite.ts and postgres.ts are the two drivers.
import type { SQL } from 'drizzle-orm';

export type Dialect = 'sqlite' | 'postgres';

/** Runs statements; inside a transaction, bound to it. Rows come back as plain objects keyed by column name. */
export interface SqlExecutor {
  all<Row extends object>(query: SQL): Promise<Row[]>;
  /** Runs a statement without result rows; resolves to the number of rows it changed. */
  run(query: SQL): Promise<number>;
  /** Runs a script of DDL statements (migrations). */
  exec(script: string): Promise<void>;
  /**
   * `INSERT INTO table (columns) VALUES (row) <suffix>` for every row (the suffix is typically an
   * ON CONFLICT clause); resolves to the number of rows inserted or updated. This is the bulk path
   * (metric batches): a driver runs it the fastest way its engine allows, which for SQLite is one
   * cached prepared statement per row and for a server a few multi-row statements. A cell may be
   * an SQL fragment without parameters (the clock).
   */
  insert(
    table: string,
    columns: readonly string[],
    rows: ReadonlyArray<ReadonlyArray<unknown>>,
    suffix?: SQL,
  ): Promise<number>;
}

export interface DialectFragments {
  /** Integer milliseconds since the Unix epoch by the database's clock (never a worker's). */
  readonly nowMs: SQL;
  /**
   * Ends the subquery of the claim statement (runs.ts) that picks the next PENDING run: on
   * PostgreSQL FOR UPDATE SKIP LOCKED, so that concurrent claimers pass over each other's row
   * instead of waiting for it; empty on SQLite, whose BEGIN IMMEDIATE lets one writer in at a time.
   */
  readonly claimLock: SQL;
  /** Lists the tables of the database as rows `{ name }` (the migrator's first look). */
  readonly tableNames: SQL;
  /**
   * Appended to a SELECT inside a write transaction to lock the rows it reads until the end of the
   * transaction (PostgreSQL FOR UPDATE). Empty for SQLite, whose write transactions already
   * exclude each other.
   */
  readonly forUpdate: SQL;
  /**
   * A statement run first in the migration transaction so that processes migrating one new
   * database at once take turns (a PostgreSQL advisory lock); null where the write transaction
   * itself is exclusive (SQLite).
   */
  readonly migrationLock: SQL | null;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: Dialect;
  /** Where the database is, for messages (a path, or a URL without its password). */
  readonly location: string;
  readonly readonly: boolean;
  readonly fragments: DialectFragments;
  /**
   * One write transaction that takes the write lock at its start (SQLite BEGIN IMMEDIATE), so it
   * never fails half-way on a lock upgrade. Rolled back if `work` throws. A driver may run `work`
   * again after a transient conflict (a PostgreSQL deadlock or serialization failure), so `work`
   * must only touch the database.
   */
  write<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Several reads that see one consistent snapshot. */
  read<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
