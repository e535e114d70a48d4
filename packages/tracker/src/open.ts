// openTracker: picks the driver from the location, brings the schema up to date (or, read-only,
// checks it is) and hands back a Tracker.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError, TrackerError } from './errors.js';
import { migrate } from './migrate.js';
import { openSqliteDriver } from './sqlite.js';
import { Tracker } from './tracker.js';

export interface OpenTrackerOptions {
  /** Open for reading only: never creates, migrates or locks the database (the dashboard's mode). */
  readonly?: boolean;
  /** How long a write waits for another process's write transaction (default 30 s). */
  busyTimeoutMs?: number;
}

/** Where the tracker lives when nothing says otherwise: $FTLAB_DB, else runs/tracker.db. */
export function defaultTrackerLocation(): string {
  return process.env.FTLAB_DB ?? 'runs/tracker.db';
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
 * `sqlite:` or `file:` URL, or `:memory:`. Rejects with a TrackerError that says what to do when
 * the file is not a SQLite database, belongs to another application, has a schema newer than this
 * code (or, read-only, older), or cannot be written.
 */
export async function openTracker(
  location: string = defaultTrackerLocation(),
  options: OpenTrackerOptions = {},
): Promise<Tracker> {
  if (typeof location !== 'string' || location === '') {
    throw new TrackerError('UNSUPPORTED_LOCATION', 'openTracker: pass a database path (e.g. runs/tracker.db) or URL.');
  }
  if (/^postgres(ql)?:\/\//.test(location)) {
    throw new TrackerError(
      'UNSUPPORTED_LOCATION',
      'openTracker: the PostgreSQL store is not built yet (it arrives with the multi-machine sweep issue); use a SQLite path.',
    );
  }
  const readonly = options.readonly ?? false;
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
  const driver = openSqliteDriver(path, { readonly, busyTimeoutMs });
  try {
    const report = await migrate(driver);
    return new Tracker(driver, report.toVersion);
  } catch (error) {
    await driver.close();
    throw error;
  }
}
