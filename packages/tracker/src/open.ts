// openTracker: picks the driver from the location (a SQLite file, or a postgres:// URL), brings the
// schema up to date (or, read-only, checks it is) and hands back a Tracker.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPostgresUrl, redactUrl } from '@ftlab/contract';
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
  /**
   * SQLite: refuse a file that does not exist instead of creating it (and its folder). For
   * commands that act on runs already there (resume, reproduce, worker): a mistyped path must not
   * leave an empty database behind.
   */
  mustExist?: boolean;
}

/** Where the tracker lives when nothing says otherwise: $FTLAB_DB, else ./ftlab.db (as the CLI and the dashboard). */
export function defaultTrackerLocation(): string {
  return process.env.FTLAB_DB || 'ftlab.db';
}

/** `scheme://...`: a URL, never a file name ("lab:v2.db" stays a file name). */
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Where a tracker location points, made independent of the working directory: `:memory:`, a
 * postgres:// URL as given, or an absolute SQLite file path. Takes the forms users type:
 * - a path (relative to the working directory);
 * - `sqlite:///relative.db` and `sqlite:////absolute.db`, as SQLAlchemy writes them (MLflow,
 *   Optuna), and `sqlite:path`;
 * - `file:///absolute.db` (RFC 8089) and `file:relative.db` (SQLite's URI form).
 * Any other scheme (mysql://, http://, ...) is refused, so it never becomes a file name under the
 * working directory.
 */
export function resolveTrackerLocation(location: string): string {
  if (typeof location !== 'string' || location.trim() === '') {
    throw new TrackerError('UNSUPPORTED_LOCATION', 'pass a database path (e.g. ftlab.db) or URL; got an empty one.');
  }
  if (location === ':memory:' || isPostgresUrl(location)) return location;
  if (/^sqlite:/i.test(location)) return resolve(sqliteUrlPath(location));
  if (/^file:/i.test(location)) return resolve(fileUrlPath(location));
  const scheme = URL_SCHEME.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) return resolve(location);
  throw new TrackerError(
    'UNSUPPORTED_LOCATION',
    `${scheme}: databases are not supported (${redactUrl(location)}); use a SQLite file path ` +
      '(ftlab.db, sqlite:///ftlab.db) or a postgres:// URL.',
  );
}

function noQuery(location: string, path: string): string {
  if (/[?#]/.test(path)) {
    throw new TrackerError(
      'UNSUPPORTED_LOCATION',
      `${location}: URL parameters (?...) are not supported for SQLite; give the file alone.`,
    );
  }
  if (path === '' || path === '/')
    throw new TrackerError('UNSUPPORTED_LOCATION', `${location}: no file name in the URL.`);
  return decodeURIComponent(path);
}

/**
 * sqlite:///rel.db -> rel.db, sqlite:////abs.db -> /abs.db (SQLAlchemy), sqlite:rel.db -> rel.db.
 * `sqlite:///tmp/x.db` is relative in SQLAlchemy but often meant absolute: when only the absolute
 * file exists, it is refused with both spellings rather than creating an empty ./tmp/x.db.
 */
function sqliteUrlPath(location: string): string {
  const rest = location.slice('sqlite:'.length);
  if (!rest.startsWith('//')) return noQuery(location, rest);
  if (!rest.startsWith('///')) {
    throw new TrackerError(
      'UNSUPPORTED_LOCATION',
      `${location}: a sqlite URL has no host; write sqlite:///relative/path.db or sqlite:////absolute/path.db.`,
    );
  }
  const path = noQuery(location, rest.slice(3));
  if (!isAbsolute(path) && !existsSync(resolve(path)) && existsSync(`/${path}`)) {
    throw new TrackerError(
      'UNSUPPORTED_LOCATION',
      `${location} names ${resolve(path)} (relative, as in SQLAlchemy), which does not exist, while /${path} does; ` +
        `write sqlite:////${path} (four slashes) for the absolute path, or ${path} for the relative one.`,
    );
  }
  return path;
}

/** file:///abs.db -> /abs.db; file:rel.db -> rel.db (SQLite's URI filenames). */
function fileUrlPath(location: string): string {
  const rest = location.slice('file:'.length);
  if (!rest.startsWith('/')) return noQuery(location, rest);
  noQuery(location, rest);
  try {
    return fileURLToPath(location);
  } catch (error) {
    throw new TrackerError(
      'UNSUPPORTED_LOCATION',
      `${location} is not a local file URL (${describeError(error)}); write file:///absolute/path.db.`,
      { cause: error },
    );
  }
}

/**
 * Opens (creating it if needed) the tracker database at `location`: a SQLite file path, a
 * `sqlite:` or `file:` URL (see resolveTrackerLocation), `:memory:`, or a `postgres://user:password@host:port/database` URL
 * (the database must exist; its tables are created on first open). Rejects with a TrackerError
 * that says what to do when the file is not a SQLite database, the server cannot be reached, the
 * database belongs to another application, has a schema newer than this code (or, read-only,
 * older), or cannot be written.
 */
export async function openTracker(
  location: string = defaultTrackerLocation(),
  options: OpenTrackerOptions = {},
): Promise<Tracker> {
  const readonly = options.readonly ?? false;
  const resolved = resolveTrackerLocation(location);
  if (isPostgresUrl(resolved)) {
    const driver = await openPostgresDriver(resolved, {
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
  const path = resolved;
  if (!readonly && path !== ':memory:' && options.mustExist && !existsSync(path)) {
    throw new TrackerError(
      'CANNOT_OPEN',
      `no tracker database at ${path}; nothing was created. Check --db (or $FTLAB_DB), or start with ` +
        '`ftlab train` or `ftlab sweep`, which create it.',
    );
  }
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
