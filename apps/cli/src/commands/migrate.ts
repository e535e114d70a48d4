// ftlab migrate [--create] [--check]: prepare a tracker database (a SQLite file, or a PostgreSQL
// database that every machine of a sweep will use) or bring its schema up to the code's version,
// and report the versions. Every command migrates on open anyway; this one does it on purpose,
// e.g. once before starting workers on several machines, and --check tells whether it is needed.
import { openTracker, SchemaVersionError } from '@ftlab/tracker';
import { dbPath, type GlobalOptions } from '../context.js';
import { createOutput } from '../output.js';

export interface MigrateCommandOptions extends GlobalOptions {
  create: boolean;
  check: boolean;
}

export async function migrateCommand(options: MigrateCommandOptions): Promise<number> {
  const out = createOutput(options);
  const location = dbPath(options);
  if (options.check) {
    try {
      const tracker = await openTracker(location, { readonly: true });
      const version = tracker.schemaVersion;
      await tracker.close();
      out.result({ database: tracker.location, dialect: tracker.dialect, version, upToDate: true }, () => {
        return `${tracker.location}: schema version ${version}, up to date`;
      });
      return 0;
    } catch (error) {
      if (!(error instanceof SchemaVersionError)) throw error;
      out.result(
        {
          database: location,
          version: error.databaseVersion,
          codeVersion: error.codeVersion,
          upToDate: false,
          problem: error.message,
        },
        () => error.message,
      );
      return 1;
    }
  }
  const tracker = await openTracker(location, { createDatabase: options.create });
  try {
    const { fromVersion, toVersion, applied } = tracker.migration;
    out.result({ database: tracker.location, dialect: tracker.dialect, fromVersion, toVersion, applied }, () =>
      applied.length === 0
        ? `${tracker.location}: schema version ${toVersion}, up to date (nothing applied)`
        : `${tracker.location}: schema version ${fromVersion} -> ${toVersion} (applied ${applied.join(', ')})`,
    );
    return 0;
  } finally {
    await tracker.close();
  }
}
