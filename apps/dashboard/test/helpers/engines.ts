// The dashboard's browser tests run on both of the tracker's engines: a SQLite file, and a
// PostgreSQL server named by FTLAB_TEST_PG_URL, as in the tracker's and the CLI's tests
// (packages/tracker/scripts/with-postgres.sh starts a throwaway one and sets it). Without a
// server the PostgreSQL copy is skipped with a message that says how to run it, except in CI,
// where a skip would silently drop the coverage: there a missing server fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresDriver, openTracker, type TestPostgres, testPostgres } from '@ftlab/tracker';
import { describe, it } from 'vitest';

export type Engine = 'sqlite' | 'postgres';

/** Where the PostgreSQL copy of the tests runs, or why it does not (the tracker's rule for every package). */
export function postgresForTests(env: Readonly<Record<string, string | undefined>> = process.env): TestPostgres {
  return testPostgres("the dashboard's browser tests", env);
}

/** Declares `body` once per engine: "<name> (SQLite)" and "<name> (PostgreSQL)". */
export function describeOnEachEngine(name: string, body: (engine: Engine) => void): void {
  describe(`${name} (SQLite)`, () => body('sqlite'));
  const postgres = postgresForTests();
  if ('url' in postgres) {
    describe(`${name} (PostgreSQL)`, () => body('postgres'));
  } else if ('skip' in postgres) {
    console.log(postgres.skip);
    describe.skip(`${name} (PostgreSQL)`, () => body('postgres'));
  } else {
    describe(`${name} (PostgreSQL)`, () => {
      it('has a PostgreSQL server to run on', () => {
        throw new Error(postgres.missing);
      });
    });
  }
}

export interface TestDatabase {
  /** What openTracker and `serve.mjs --db` take: a SQLite file path or a PostgreSQL URL. */
  location: string;
  /** A fresh folder for the test's other files (artifacts, downloads). */
  dir: string;
  /** Deletes the folder and, on PostgreSQL, drops the database. */
  remove: () => Promise<void>;
}

let databases = 0;

/** An empty tracker database (migrated) on the engine, and a fresh folder beside it. */
export async function createTestDatabase(engine: Engine, prefix: string): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  if (engine === 'sqlite') {
    return {
      location: join(dir, 'lab.db'),
      dir,
      remove: async () => removeDir(),
    };
  }
  const postgres = postgresForTests();
  if (!('url' in postgres)) throw new Error('skip' in postgres ? postgres.skip : postgres.missing);
  const name = `ftlab_dash_${process.pid}_${++databases}_${Math.random().toString(36).slice(2, 8)}`;
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  const tracker = await openTracker(url.toString(), { createDatabase: true });
  await tracker.close();
  return {
    location: url.toString(),
    dir,
    remove: async () => {
      removeDir();
      const admin = new URL(postgres.url);
      admin.pathname = '/postgres';
      const driver = await openPostgresDriver(admin.toString(), { readonly: false });
      try {
        await driver.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await driver.close();
      }
    },
  };
}
