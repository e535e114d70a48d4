// openTracker: picks the driver from the location (a SQLite file, or a postgres:// URL), brings the
// schema up to date (or, read-only, checks it is) and hands back a Tracker.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlDriver } from './driver.js';
import { describeError, TrackerError } from './errors.js';
import { migrate } from './migrate.js';
import { openPostgresDriver } from './postgres.js';
import { openSqliteDriver } from './sqlite.js';
import { Tracker } from './tracker.js';

export interface OpenTrackerOptions {
  /** Open for reading only: never creates, migrates or locks the database (the dashboard's mode). */
  readonly?: boolean;
  /** SQLite: how long a write waits for another process's write transaction (default 30 s). */
  busyTimeoutMs?: number;
  /** PostgreSQL: connections this process keeps open at most (default 4). */
  poolSize?: number;
  /** PostgreSQL: create the database if the server does not have it (`ftlab migrate --create`). */
  createDatabase?: boolean;
}

/** True for a PostgreSQL URL (postgres:// or postgresql://): the store then lives on that server. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Where the tracker lives when nothing says otherwise: $FTLAB_DB, else ./ftlab.db (as the CLI and the dashboard). */
export function defaultTrackerLocation(): string {
  return process.env.FTLAB_DB || 'ftlab.db';
}

/** A file path for SQLite from a path, `sqlite:<path>`, `sqlite:///<abs path>` or a `file:` URL. */
function sqlitePath(location: string): string {
  if (location.startsWith('file:')) return fileURLToPath(location);
  if (location.startsWith('sqlite:')) {
    const rest = location.slice('sqlite:'.length);
    return rest.startsWith('//') ? rest.slice(2) : rest;
  }
  return location;
}

/**
 * Opens (creating it if needed) the tracker database at `location`: a SQLite file path, a
 * `sqlite:` or `file:` URL, `:memory:`, or a `postgres://user:password@host:port/database` URL
 * (the database must exist; its tables are created on first open). Rejects with a TrackerError
 * that says what to do when the file is not a SQLite database, the server cannot be reached, the
 * database belongs to another application, has a schema newer than this code (or, read-only,
 * older), or cannot be written.
 */
export async function openTracker(
  location: string = defaultTrackerLocation(),
  options: OpenTrackerOptions = {},
): Promise<Tracker> {
  if (typeof location !== 'string' || location === '') {
    throw new TrackerError('UNSUPPORTED_LOCATION', 'openTracker: pass a database path (e.g. ftlab.db) or URL.');
  }
  const readonly = options.readonly ?? false;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1];
  if (scheme !== undefined && !isPostgresUrl(location) && !/^(file|sqlite)$/i.test(scheme)) {
    throw new TrackerError(
      'UNSUPPORTED_LOCATION',
      `openTracker: ${scheme}:// databases are not supported; use a SQLite file path or a postgres:// URL.`,
    );
  }
  if (isPostgresUrl(location)) {
    const driver = await openPostgresDriver(location, {
      readonly,
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.createDatabase === undefined ? {} : { createDatabase: options.createDatabase }),
    });
    return migrated(driver);
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 30_000;
  if (!Number.isFinite(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new TrackerError('UNSUPPORTED_LOCATION', `openTracker: busyTimeoutMs must be >= 0, got ${busyTimeoutMs}.`);
  }
  const path = sqlitePath(location);
  if (!readonly && path !== ':memory:') {
    try {
      mkdirSync(dirname(resolve(path)), { recursive: true });
    } catch (error) {
      throw new TrackerError(
        'CANNOT_OPEN',
        `cannot create the directory for ${resolve(path)}: ${describeError(error)}; choose a writable location.`,
        { cause: error },
      );
    }
  }
  return migrated(openSqliteDriver(path, { readonly, busyTimeoutMs }));
}

async function migrated(driver: SqlDriver): Promise<Tracker> {
  try {
    return new Tracker(driver, await migrate(driver));
  } catch (error) {
    await driver.close();
    throw error;
  }
}
