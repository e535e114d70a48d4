// Options every command takes (--db, --backend, --threads, --json, --quiet) and what they open.
import { resolve } from 'node:path';
import { type BackendInfo, initBackend, setEngineThreads } from '@ftlab/backend';
import { DEFAULT_STALE_AFTER_MS, isPostgresUrl } from '@ftlab/contract';
import { openTracker, resolveTrackerLocation, type Tracker } from '@ftlab/tracker';
import { defaultArtifactRoot } from '@ftlab/training';

export interface GlobalOptions {
  db: string;
  backend: string;
  /** Threads of one run (the native engine's kernels); 1 by default, one process per core. */
  threads?: number;
  json: boolean;
  /** Only the result and errors: no progress bars or informational lines. */
  quiet: boolean;
  artifacts?: string;
}

export const DEFAULT_DB = './ftlab.db';
/** Author of the note `ftlab eval` leaves when it re-records a run's evaluations. */
export const EVAL_NOTE_AUTHOR = 'ftlab eval';
/** Seconds without a heartbeat after which a RUNNING run counts as crashed (--stale-after). */
export const DEFAULT_STALE_AFTER_S = DEFAULT_STALE_AFTER_MS / 1000;

/**
 * The database from --db, else $FTLAB_DB, else ./ftlab.db: a SQLite path or sqlite:/file: URL
 * made an absolute path (worker processes may run elsewhere), or a postgres:// URL as given.
 * Other URLs (mysql://...) are refused here, before anything can become a file name.
 */
export function dbPath(options: Pick<GlobalOptions, 'db'>): string {
  return resolveTrackerLocation(options.db);
}

/**
 * Where run files go: --artifacts, else ftlab-runs/ beside a SQLite database, else (a server
 * database has no "beside") ./ftlab-runs. Runs record it; for workers on several machines it must
 * be a path every machine reaches (a shared filesystem).
 */
export function artifactRoot(options: Pick<GlobalOptions, 'db' | 'artifacts'>): string {
  if (options.artifacts) return resolve(options.artifacts);
  return isPostgresUrl(options.db) ? resolve('ftlab-runs') : defaultArtifactRoot(dbPath(options));
}

/**
 * Opens the database. `mustExist` for commands that act on runs already stored (resume,
 * reproduce, worker): a mistyped --db then fails without leaving an empty database behind.
 */
export async function openStore(
  options: GlobalOptions,
  mode: { readonly?: boolean; mustExist?: boolean } = {},
): Promise<Tracker> {
  return openTracker(dbPath(options), mode);
}

export async function startBackend(options: GlobalOptions, log: (line: string) => void): Promise<BackendInfo> {
  const info = await initBackend(options.backend, { log });
  setEngineThreads(info.name, options.threads ?? 1);
  return info;
}
