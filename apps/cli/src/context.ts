// Options every command takes (--db, --backend, --json) and what they open.
import { resolve } from 'node:path';
import { type BackendInfo, initBackend } from '@ftlab/backend';
import { openTracker, type Tracker } from '@ftlab/tracker';
import { defaultArtifactRoot } from '@ftlab/training';

export interface GlobalOptions {
  db: string;
  backend: string;
  json: boolean;
  artifacts?: string;
}

export const DEFAULT_DB = './ftlab.db';

/** The database path (absolute) from --db, else $FTLAB_DB, else ./ftlab.db. */
export function dbPath(options: Pick<GlobalOptions, 'db'>): string {
  return resolve(options.db);
}

export function artifactRoot(options: GlobalOptions): string {
  return options.artifacts ? resolve(options.artifacts) : defaultArtifactRoot(dbPath(options));
}

export async function openStore(options: GlobalOptions, mode: { readonly?: boolean } = {}): Promise<Tracker> {
  return openTracker(dbPath(options), mode);
}

export async function startBackend(options: GlobalOptions, log: (line: string) => void): Promise<BackendInfo> {
  return initBackend(options.backend, { log });
}
