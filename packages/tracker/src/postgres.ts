// Everything that is PostgreSQL-specific: connecting (a small pool per process), turning the
// store's drizzle `sql` templates into $n-numbered queries, transactions, the claim statement,
// the clock and the errors a user can act on.
//
// Workload: many workers on several machines claim runs, heartbeat and append metric batches;
// dashboards read.
// - Claiming is one UPDATE whose subquery picks the next PENDING run with FOR UPDATE SKIP LOCKED:
//   concurrent claimers skip each other's row instead of queueing behind it, and the outer
//   `status = 'PENDING'` keeps it a compare-and-set.
// - Write transactions run at READ COMMITTED: every run transition is one conditional UPDATE and
//   every insert an upsert, which that level makes safe. A deadlock or serialization failure
//   (possible when two transactions lock the same rows in different orders) is retried a few
//   times; a transaction only touches the database, so running it again is harmless.
// - Readers get REPEATABLE READ READ ONLY transactions: one snapshot for a page's queries.
// - The clock is the server's (statement_timestamp), so workers' clocks never matter.
// - 64-bit integers and NUMERIC aggregates come back as JavaScript numbers (node-postgres would
//   return strings); the store only writes safe integers, so nothing is lost.
import { redactUrl } from '@ftlab/contract';
import { SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import type { DialectFragments, SqlDriver, SqlExecutor } from './driver.js';
import { describeError, TrackerError } from './errors.js';

export interface PostgresOpenOptions {
  readonly: boolean;
  /** Connections this process keeps open at most (default 4: a worker needs about 2). */
  poolSize?: number;
  /** How long to wait for the server when connecting (default 10 s). */
  connectTimeoutMs?: number;
  /** Create the database when the server says it does not exist (needs the CREATEDB privilege). */
  createDatabase?: boolean;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;
/** Rows per INSERT statement: PostgreSQL takes at most 65,535 parameters per statement. */
const MAX_PARAMETERS = 30_000;
const MAX_ROWS_PER_INSERT = 1000;
const TRANSIENT_RETRIES = 8;
/** pg_advisory_xact_lock key of the migrator ("ftlabtrk" as a number). */
const MIGRATION_LOCK_KEY = 0x667466_6c61_62;

type PgModule = typeof pg;
let pgModule: Promise<PgModule> | undefined;

/**
 * node-postgres, loaded on the first PostgreSQL open: SQLite users never pay for it. A process
 * started with `--conditions=import` (vitest passes its resolve.conditions to Node that way) makes
 * pg's own require('pg-pool') load pg-pool's ES module, and pg then fails to load; say so.
 */
function loadPg(): Promise<PgModule> {
  pgModule ??= import('pg').then(
    (module) => module.default,
    (error: unknown) => {
      pgModule = undefined;
      const hint = process.execArgv.some(
        (arg, i, all) => arg === '--conditions=import' || (arg === '--conditions' && all[i + 1] === 'import'),
      )
        ? ' This process runs with --conditions=import (a vitest resolve.conditions list containing "import"), which ' +
          'makes pg load its dependencies as ES modules; leave "import" out of that list.'
        : '';
      throw new TrackerError('CANNOT_OPEN', `cannot load the PostgreSQL client (pg): ${describeError(error)}.${hint}`, {
        cause: error,
      });
    },
  );
  return pgModule;
}

/** 64-bit integers and NUMERIC as numbers; every other type as node-postgres parses it. */
function numberTypes(module: PgModule): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
      return module.types.getTypeParser(oid, format as 'text');
    }) as PgModule['types']['getTypeParser'],
  };
}

const postgresFragments: DialectFragments = {
  nowMs: sql`CAST(EXTRACT(EPOCH FROM statement_timestamp()) * 1000 AS BIGINT)`,
  claimLock: sql`FOR UPDATE SKIP LOCKED`,
  tableNames: sql`SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  forUpdate: sql`FOR UPDATE`,
  migrationLock: sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`,
};

function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Deadlocks and serialization failures: the transaction may simply be run again. */
function isTransient(error: unknown): boolean {
  const code = pgCode(error);
  return code === '40P01' || code === '40001';
}

/** The connection errors a user can fix, with the fix. */
function connectError(location: string, error: unknown): TrackerError {
  const code = pgCode(error);
  const why = describeError(error);
  if (code === '3D000') {
    return new TrackerError(
      'CANNOT_OPEN',
      `${location}: ${why}. Create it first: \`ftlab migrate --create --db <url>\` (or createdb, or CREATE DATABASE ` +
        'in psql).',
      { cause: error },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new TrackerError(
      'CANNOT_OPEN',
      `${location}: ${why}. Check the user and password in the URL (postgres://user:password@host:port/database) ` +
        'or in ~/.pgpass, and that pg_hba.conf lets this host in.',
      { cause: error },
    );
  }
  return new TrackerError(
    'CANNOT_OPEN',
    `cannot connect to ${location}: ${why}. Check that the PostgreSQL server is running and reachable from this ` +
      'machine (host, port, firewall, listen_addresses) and that the URL is right.',
    { cause: error },
  );
}

/** Opens a pool and checks that the server answers; rejects with a TrackerError that says what to fix. */
export async function openPostgresDriver(url: string, options: PostgresOpenOptions): Promise<SqlDriver> {
  const location = redactUrl(url);
  const poolSize = options.poolSize ?? 4;
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) {
    throw new TrackerError(
      'UNSUPPORTED_LOCATION',
      `openTracker: poolSize must be a positive integer, got ${poolSize}.`,
    );
  }
  const module = await loadPg();
  let pool: pg.Pool;
  try {
    pool = new module.Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      application_name: 'ftlab-tracker',
      types: numberTypes(module),
      // A reader cannot write even by mistake: the server refuses it.
      ...(options.readonly ? { options: '-c default_transaction_read_only=on' } : {}),
    });
  } catch (error) {
    throw new TrackerError(
      'UNSUPPORTED_LOCATION',
      `${location} is not a usable PostgreSQL URL: ${describeError(error)}.`,
      {
        cause: error,
      },
    );
  }
  // An idle connection dropped by the server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (pgCode(error) === '3D000' && options.createDatabase && !options.readonly) {
      await createDatabase(module, url, location);
      return openPostgresDriver(url, { ...options, createDatabase: false });
    }
    throw connectError(location, error);
  }
  return new PostgresDriver(pool, location, options.readonly);
}

/** CREATE DATABASE for the URL's database, through the server's maintenance database "postgres". */
async function createDatabase(module: PgModule, url: string, location: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (name === '') {
    throw new TrackerError(
      'UNSUPPORTED_LOCATION',
      `${location}: the URL names no database (postgres://host/<database>).`,
    );
  }
  target.pathname = '/postgres';
  const client = new module.Client({ connectionString: target.toString(), application_name: 'ftlab-tracker' });
  try {
    await client.connect();
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
  } catch (error) {
    if (pgCode(error) === '42P04') return; // created meanwhile by another process: fine
    const hint =
      pgCode(error) === '42501'
        ? ' The user lacks the CREATEDB privilege: ask an administrator to create it (createdb) or to grant it.'
        : '';
    throw new TrackerError(
      'CANNOT_OPEN',
      `cannot create the database of ${location}: ${describeError(error)}.${hint}`,
      {
        cause: error,
      },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

type Queryable = Pick<pg.PoolClient, 'query'>;

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Shifts the $n placeholders of a rendered fragment that follows `offset` parameters. */
function renumber(text: string, offset: number): string {
  return offset === 0 ? text : text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

function toParam(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value;
}

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly fragments = postgresFragments;
  private readonly renderer = new PgDialect();
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
    readonly readonly: boolean,
  ) {}

  all<Row extends object>(query: SQL): Promise<Row[]> {
    return this.executor(this.pool).all<Row>(query);
  }

  run(query: SQL): Promise<number> {
    return this.executor(this.pool).run(query);
  }

  exec(script: string): Promise<void> {
    return this.executor(this.pool).exec(script);
  }

  insert(...args: Parameters<SqlExecutor['insert']>): Promise<number> {
    return this.executor(this.pool).insert(...args);
  }

  async write<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.readonly) {
      throw new TrackerError(
        'READ_ONLY',
        `this tracker was opened read-only (${this.location}); open it without { readonly: true } to write.`,
      );
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.transaction('BEGIN', work);
      } catch (error) {
        if (!isTransient(error) || attempt >= TRANSIENT_RETRIES) throw error;
        // Back off with jitter so that the two transactions that collided do not collide again.
        await new Promise((resolve) => setTimeout(resolve, (1 + Math.random()) * 5 * 2 ** attempt));
      }
    }
  }

  read<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async transaction<T>(begin: string, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const result = await work(this.executor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError; // the connection is unusable: the pool must not hand it out again
      });
      throw this.translate(error);
    } finally {
      client.release(broken);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    if (this.closed) {
      throw new TrackerError('CLOSED', `the tracker for ${this.location} is closed; open it again to use it.`);
    }
    try {
      return await this.pool.connect();
    } catch (error) {
      throw connectError(this.location, error);
    }
  }

  private executor(target: Queryable): SqlExecutor {
    const query = async (text: string, params: unknown[]) => {
      if (this.closed) {
        throw new TrackerError('CLOSED', `the tracker for ${this.location} is closed; open it again to use it.`);
      }
      try {
        return await target.query(text, params.map(toParam));
      } catch (error) {
        throw this.translate(error);
      }
    };
    const render = (statement: SQL) => this.renderer.sqlToQuery(statement);
    return {
      all: async <Row extends object>(statement: SQL) => {
        const { sql: text, params } = render(statement);
        return (await query(text, params)).rows as Row[];
      },
      run: async (statement: SQL) => {
        const { sql: text, params } = render(statement);
        return (await query(text, params)).rowCount ?? 0;
      },
      exec: async (script: string) => {
        await query(script, []);
      },
      insert: async (table, columns, rows, suffix) => {
        // Built by hand rather than as one drizzle template: rendering thousands of parameters
        // through drizzle took ten times longer than running the statement.
        const tail = suffix ? render(suffix) : { sql: '', params: [] };
        const head = `INSERT INTO ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES `;
        const perStatement = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / columns.length)));
        let changed = 0;
        for (let start = 0; start < rows.length; start += perStatement) {
          const params: unknown[] = [];
          const tuples = rows.slice(start, start + perStatement).map((row) => {
            const cells = row.map((cell) => {
              if (!(cell instanceof SQL)) {
                params.push(cell);
                return `$${params.length}`;
              }
              const fragment = render(cell);
              const text = renumber(fragment.sql, params.length);
              params.push(...fragment.params);
              return text;
            });
            return `(${cells.join(', ')})`;
          });
          const text = `${head}${tuples.join(', ')} ${renumber(tail.sql, params.length)}`;
          changed += (await query(text, [...params, ...tail.params])).rowCount ?? 0;
        }
        return changed;
      },
    };
  }

  /** Turns the PostgreSQL errors a caller can act on into messages that say what to do. */
  private translate(error: unknown): unknown {
    if (error instanceof TrackerError) return error;
    const code = pgCode(error);
    if (code === '25006') {
      return new TrackerError(
        'READ_ONLY',
        `cannot write to ${this.location}: ${describeError(error)}. This connection is read-only; open the tracker ` +
          'without { readonly: true } to write.',
        { cause: error },
      );
    }
    if (code === '42501') {
      return new TrackerError(
        'READ_ONLY',
        `${this.location}: ${describeError(error)}. The database user lacks a privilege the tracker needs; grant it ` +
          '(GRANT ALL ON ALL TABLES IN SCHEMA public TO <user>) or connect as the owner.',
        { cause: error },
      );
    }
    if (code?.startsWith('08') || code === '57P01' || code === '57P03') {
      return connectError(this.location, error);
    }
    return error;
  }
}
