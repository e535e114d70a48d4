// Applies drizzle-kit's generated SQL (drizzle/NNNN_tag.sql for SQLite, drizzle-pg/NNNN_tag.sql for
// PostgreSQL, each listed in its meta/_journal.json) on open, all pending migrations in one write
// transaction (PostgreSQL's DDL is transactional too, so a failed migration leaves nothing
// behind). We keep our own small version table instead of drizzle's migrator because we also
// need to refuse, before touching anything:
// a database newer than the code, a database migrated by a diverging branch, a SQLite file of
// some other application, and (for read-only opens) a database that is behind.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Dialect, SqlDriver, SqlExecutor } from './driver.js';
import { SchemaVersionError, TrackerError } from './errors.js';

export interface Migration {
  /** 1 for the first migration: the schema version a database has once it is applied. */
  version: number;
  tag: string;
  statements: string[];
  checksum: string;
}

/** The migrations of one dialect, oldest first. */
export type MigrationSet = Migration[] & { dialect: Dialect };

export interface MigrationReport {
  fromVersion: number;
  toVersion: number;
  applied: string[];
}

const VERSION_TABLE = 'tracker_schema';
const MIGRATIONS_DIRS: Record<Dialect, string> = {
  sqlite: fileURLToPath(new URL('../drizzle/', import.meta.url)),
  postgres: fileURLToPath(new URL('../drizzle-pg/', import.meta.url)),
};
/** drizzle-kit's name of each dialect in a journal. */
const JOURNAL_DIALECTS: Record<string, Dialect> = { sqlite: 'sqlite', postgresql: 'postgres' };

interface Journal {
  dialect: string;
  entries: Array<{ idx: number; tag: string }>;
}

/**
 * Reads the migrations shipped with the package for a dialect (src/ and dist/ both sit beside
 * drizzle/ and drizzle-pg/), or those of a directory holding a drizzle-kit journal.
 */
export function loadMigrations(source: Dialect | string = 'sqlite'): MigrationSet {
  const named = source === 'sqlite' || source === 'postgres' ? MIGRATIONS_DIRS[source] : source;
  const dir = named.endsWith('/') ? named : `${named}/`;
  const journalPath = `${dir}meta/_journal.json`;
  let journal: Journal;
  try {
    journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
  } catch (error) {
    throw new TrackerError(
      'SCHEMA_VERSION',
      `cannot read the tracker's migrations at ${journalPath} (${(error as Error).message}); ` +
        'the package is incomplete: reinstall it, or run `pnpm --filter @ftlab/tracker db:generate`.',
    );
  }
  const list = [...journal.entries]
    .sort((a, b) => a.idx - b.idx)
    .map((entry, position) => {
      if (entry.idx !== position) {
        throw new TrackerError(
          'SCHEMA_VERSION',
          `${journalPath}: migration indices must be 0, 1, 2, ...; found a gap.`,
        );
      }
      const text = readFileSync(`${dir}${entry.tag}.sql`, 'utf8');
      const statements = text
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      return {
        version: entry.idx + 1,
        tag: entry.tag,
        statements,
        checksum: createHash('sha256').update(text).digest('hex'),
      };
    });
  const dialect = JOURNAL_DIALECTS[journal.dialect];
  if (!dialect) {
    throw new TrackerError(
      'SCHEMA_VERSION',
      `${journalPath}: unknown dialect "${journal.dialect}" (sqlite or postgresql).`,
    );
  }
  return Object.assign(list, { dialect });
}

interface AppliedMigration {
  version: number;
  tag: string;
  checksum: string;
}

async function appliedMigrations(db: SqlExecutor, driver: SqlDriver): Promise<AppliedMigration[]> {
  const tables = (await db.all<{ name: string }>(driver.fragments.tableNames)).map((row) => row.name);
  if (!tables.includes(VERSION_TABLE)) {
    if (tables.length > 0) {
      const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', ...' : '');
      throw new TrackerError(
        'NOT_A_TRACKER_DATABASE',
        `${driver.location} is a database of something else (it has tables ${shown} but no ${VERSION_TABLE}); ` +
          'it was left untouched. Point the tracker at its own database (a new file, or an empty PostgreSQL database).',
      );
    }
    return [];
  }
  const rows = await db.all<AppliedMigration>(
    sql`SELECT version, tag, checksum FROM ${sql.identifier(VERSION_TABLE)} ORDER BY version`,
  );
  return rows.map((row) => ({ ...row, version: Number(row.version) }));
}

function checkHistory(location: string, applied: AppliedMigration[], migrations: Migration[]): void {
  const codeVersion = migrations.length;
  const databaseVersion = applied.at(-1)?.version ?? 0;
  if (databaseVersion > codeVersion) {
    const newest = applied.at(-1)?.tag;
    throw new SchemaVersionError(
      databaseVersion,
      codeVersion,
      `${location} has tracker schema version ${databaseVersion} (${newest}), newer than this code's version ` +
        `${codeVersion} (${migrations.at(-1)?.tag ?? 'none'}); it was left untouched. Update the code ` +
        '(git pull && pnpm install) or open the database with the newer version that wrote it.',
    );
  }
  for (const row of applied) {
    const mine = migrations[row.version - 1];
    if (!mine || mine.tag !== row.tag || mine.checksum !== row.checksum) {
      throw new SchemaVersionError(
        databaseVersion,
        codeVersion,
        `${location}: schema migration ${row.version} was applied as "${row.tag}" but this code's migration ` +
          `${row.version} is "${mine?.tag}"${mine?.tag === row.tag ? ' with different SQL' : ''}. Migrations must ` +
          'never change once shipped: restore the original drizzle/ files or use a new database.',
      );
    }
  }
}

/**
 * Brings the database to the code's schema version. Read-only drivers only check: a reader never
 * migrates, and one that finds the database behind says how to fix it.
 */
export async function migrate(
  driver: SqlDriver,
  migrations: MigrationSet = loadMigrations(driver.dialect),
): Promise<MigrationReport> {
  if (migrations.dialect !== driver.dialect) {
    throw new TrackerError(
      'SCHEMA_VERSION',
      `migrations written for ${migrations.dialect} cannot be applied to a ${driver.dialect} database (${driver.location}).`,
    );
  }
  const codeVersion = migrations.length;
  const seen = await appliedMigrations(driver, driver);
  checkHistory(driver.location, seen, migrations);
  const seenVersion = seen.at(-1)?.version ?? 0;
  if (seenVersion === codeVersion) return { fromVersion: seenVersion, toVersion: seenVersion, applied: [] };
  if (driver.readonly) {
    throw new SchemaVersionError(
      seenVersion,
      codeVersion,
      `${driver.location} has tracker schema version ${seenVersion} but this code expects ${codeVersion}; a read-only ` +
        'open never migrates. Open it read-write once (openTracker(path) or any ftlab command that writes), then retry.',
    );
  }
  return driver.write(async (tx) => {
    if (driver.fragments.migrationLock) await tx.all(driver.fragments.migrationLock);
    // Another process may have migrated between the check above and taking the write lock.
    const applied = await appliedMigrations(tx, driver);
    checkHistory(driver.location, applied, migrations);
    const fromVersion = applied.at(-1)?.version ?? 0;
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} (version INTEGER PRIMARY KEY, tag TEXT NOT NULL, ` +
        'checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const pending = migrations.slice(fromVersion);
    for (const migration of pending) {
      for (const statement of migration.statements) await tx.exec(statement);
      await tx.run(
        sql`INSERT INTO ${sql.identifier(VERSION_TABLE)} (version, tag, checksum, applied_at)
            VALUES (${migration.version}, ${migration.tag}, ${migration.checksum}, ${driver.fragments.nowMs})`,
      );
    }
    return { fromVersion, toVersion: codeVersion, applied: pending.map((m) => m.tag) };
  });
}
