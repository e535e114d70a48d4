// The dashboard's one way into the tracker: a read-only connection per database file, opened on
// the first request and reused (SQLite WAL readers never block the sweep's writers, and each
// query sees the latest committed points). A missing, corrupt or foreign file is not an
// exception to crash on but a problem to explain on the page, with the command that fixes it.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isPostgresUrl, redactUrl } from '@ftlab/contract';
import type { Tracker } from '@ftlab/tracker';
import { connection } from 'next/server';

// The tracker finds its SQL migrations and the SQLite binding beside its own files, so it must
// run from its package folder, not from a bundle. Turbopack bundles workspace packages even when
// listed in serverExternalPackages, hence a runtime import it leaves alone. Only types may be
// imported statically from '@ftlab/tracker' anywhere in this app.
type TrackerModule = typeof import('@ftlab/tracker');
let trackerModule: Promise<TrackerModule> | undefined;
export function loadTrackerModule(): Promise<TrackerModule> {
  trackerModule ??= import(/* turbopackIgnore: true */ /* webpackIgnore: true */ '@ftlab/tracker').catch(
    (error: unknown) => {
      trackerModule = undefined; // try again on the next request (e.g. after a build)
      throw new Error(
        `the dashboard cannot load @ftlab/tracker (${(error as Error).message}); build it: pnpm --filter @ftlab/tracker build`,
      );
    },
  );
  return trackerModule;
}

export type DatabaseProblemKind = 'missing' | 'not-a-database' | 'not-a-tracker' | 'schema' | 'unreadable';

export interface DatabaseProblem {
  kind: DatabaseProblemKind;
  path: string;
  /** What went wrong, in one or two sentences (the tracker's own message where it has one). */
  message: string;
}

export type TrackerAccess = { ok: true; tracker: Tracker; path: string } | { ok: false; problem: DatabaseProblem };

interface CachedConnection {
  /** Device and inode of the file when it was opened: a replaced file gets a new connection. */
  identity: string;
  tracker: Promise<Tracker>;
}

// One cache per server process, kept on globalThis so that every route bundle shares it.
const globalCache = globalThis as typeof globalThis & { __ftlabTrackers?: Map<string, CachedConnection> };
globalCache.__ftlabTrackers ??= new Map<string, CachedConnection>();
const connections = globalCache.__ftlabTrackers;

/** The database the dashboard shows: $FTLAB_DB (the CLI passes an absolute path), else ./ftlab.db. */
export function databasePath(): string {
  const location = process.env.FTLAB_DB || 'ftlab.db';
  return isPostgresUrl(location) ? location : resolve(/* turbopackIgnore: true */ location);
}

/** The location as the page shows it: a server URL without its password. */
export function displayLocation(location: string): string {
  return isPostgresUrl(location) ? redactUrl(location) : location;
}

function forget(path: string): void {
  const cached = connections.get(path);
  if (!cached) return;
  connections.delete(path);
  cached.tracker.then((tracker) => tracker.close()).catch(() => undefined);
}

export function classifyOpenError(path: string, error: unknown): DatabaseProblem {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'NOT_A_DATABASE':
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return { kind: 'not-a-database', path, message };
    case 'NOT_A_TRACKER_DATABASE':
      return { kind: 'not-a-tracker', path, message };
    case 'SCHEMA_VERSION':
      return { kind: 'schema', path, message };
    default:
      // A file damaged past its header opens but fails on its first read of a bad page.
      if (/SQLITE_CORRUPT|SQLITE_NOTADB|malformed/.test(message)) return { kind: 'not-a-database', path, message };
      return { kind: 'unreadable', path, message };
  }
}

/** The tracker for this request, or the reason there is none. Marks the page as dynamic. */
export async function openDashboardTracker(): Promise<TrackerAccess> {
  await connection();
  return openTrackerAt(databasePath());
}

/** The cached read-only tracker for the file at `path` (reopened when the file was replaced). */
export async function openTrackerAt(path: string): Promise<TrackerAccess> {
  let identity = 'server';
  if (!isPostgresUrl(path)) {
    try {
      const stats = statSync(/* turbopackIgnore: true */ path);
      if (!stats.isFile()) {
        return { ok: false, problem: { kind: 'unreadable', path, message: `${path} is not a file.` } };
      }
      identity = `${stats.dev}:${stats.ino}`;
    } catch (error) {
      forget(path);
      if ((error as { code?: unknown }).code === 'ENOENT') {
        return { ok: false, problem: { kind: 'missing', path, message: `There is no file at ${path}.` } };
      }
      return { ok: false, problem: classifyOpenError(path, error) };
    }
  }
  let cached = connections.get(path);
  if (cached && cached.identity !== identity) {
    forget(path);
    cached = undefined;
  }
  if (!cached) {
    cached = { identity, tracker: loadTrackerModule().then((m) => m.openTracker(path, { readonly: true })) };
    connections.set(path, cached);
  }
  try {
    return { ok: true, tracker: await cached.tracker, path };
  } catch (error) {
    // Never cache a failure: the file may be repaired or replaced while the dashboard runs.
    if (connections.get(path) === cached) connections.delete(path);
    return { ok: false, problem: classifyOpenError(path, error) };
  }
}

/**
 * A query on an open tracker can still fail when the file is damaged past its header (SQLite
 * reads pages lazily). Pages call this to turn such an error into the same explanation.
 */
export function queryProblem(path: string, error: unknown): DatabaseProblem | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(SQLITE_(CORRUPT|NOTADB|IOERR|CANTOPEN)|NOT_A_DATABASE|READ_ONLY)/.test(code)) {
    forget(path);
    return classifyOpenError(path, error);
  }
  if (isPostgresUrl(path) && isConnectionLoss(error)) {
    forget(path); // the next request connects afresh
    const message = error instanceof Error ? error.message : String(error);
    return {
      kind: 'unreadable',
      path,
      message: `The PostgreSQL server stopped answering (${message}); the page retries on reload.`,
    };
  }
  return null;
}

/**
 * A lost or refused connection to PostgreSQL: socket errors, SQLSTATE class 08 (connection
 * exception) and 57P0x (server shutting down or starting), or node-postgres's own message.
 */
function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|08...|57P0\d)$/.test(code))
    return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|Client has encountered a connection error|connection timeout/i.test(message);
}

export type TrackerLoad<T> = { ok: true; data: T; path: string } | { ok: false; problem: DatabaseProblem };

/**
 * Opens the tracker and runs the page's queries; a database problem (on open or on a damaged
 * page) comes back as a value to render. Any other error is a bug and propagates.
 */
export async function loadFromTracker<T>(load: (tracker: Tracker) => Promise<T>): Promise<TrackerLoad<T>> {
  for (let attempt = 0; ; attempt++) {
    const access = await openDashboardTracker();
    if (!access.ok) return access;
    try {
      return { ok: true, data: await load(access.tracker), path: access.path };
    } catch (error) {
      // Another request closed this connection (the file was replaced): open it again, once.
      if ((error as { code?: unknown } | null)?.code === 'CLOSED' && attempt === 0) continue;
      const problem = queryProblem(access.path, error);
      if (problem) return { ok: false, problem };
      throw error;
    }
  }
}

/** The value, or null when the tracker says the run or sweep does not exist (other errors propagate). */
export async function nullIfUnknown<T>(query: Promise<T>, code: 'UNKNOWN_RUN' | 'UNKNOWN_SWEEP'): Promise<T | null> {
  try {
    return await query;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === code) return null;
    throw error;
  }
}
