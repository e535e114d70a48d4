import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openTracker, resolveTrackerLocation, SchemaVersionError, TrackerError } from '../src/index.js';
import { loadMigrations, migrate } from '../src/migrate.js';
import { defaultTrackerLocation } from '../src/open.js';
import { openSqliteDriver } from '../src/sqlite.js';
import { countRows, freshTracker, snapshot, tempDir, withExtraMigration } from './helpers.js';

const TABLES = [
  'artifacts',
  'evaluations',
  'experiments',
  'latest_metrics',
  'metrics',
  'notes',
  'params',
  'runs',
  'sweeps',
  'tags',
  'tracker_schema',
];

function tableNames(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  } finally {
    db.close();
  }
}

/**
 * Makes a file or directory unwritable even to root (chattr +i), or by its permission bits for
 * other users; returns how to undo it, or null where neither works here.
 */
function lock(path: string, mode: number): (() => void) | null {
  if (process.getuid?.() !== 0) {
    chmodSync(path, mode & 0o555);
    return () => chmodSync(path, mode);
  }
  try {
    execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
    return () => execFileSync('chattr', ['-i', path], { stdio: 'ignore' });
  } catch {
    return null;
  }
}

const canLockFiles = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'ftlab-lock-probe-'));
  const probe = join(dir, 'probe');
  writeFileSync(probe, '');
  const unlock = lock(probe, 0o644);
  unlock?.();
  rmSync(dir, { recursive: true, force: true });
  return unlock !== null;
})();

describe('opening and migrating', () => {
  it('defaults to $FTLAB_DB, else ./ftlab.db: the file the CLI writes and the dashboard reads', () => {
    const saved = process.env.FTLAB_DB;
    try {
      delete process.env.FTLAB_DB;
      expect(defaultTrackerLocation()).toBe('ftlab.db');
      process.env.FTLAB_DB = '';
      expect(defaultTrackerLocation()).toBe('ftlab.db');
      process.env.FTLAB_DB = '/data/sweeps.db';
      expect(defaultTrackerLocation()).toBe('/data/sweeps.db');
    } finally {
      if (saved === undefined) delete process.env.FTLAB_DB;
      else process.env.FTLAB_DB = saved;
    }
  });

  it('creates every table on an empty file, in WAL mode, at the code schema version', async () => {
    const { tracker, path } = await freshTracker();
    expect(tracker.schemaVersion).toBe(loadMigrations().length);
    expect(tracker.dialect).toBe('sqlite');
    expect(tableNames(path)).toEqual(TABLES);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    expect(countRows(path, 'tracker_schema')).toBe(loadMigrations().length);
  });

  it('reopening an up-to-date database applies nothing and keeps its data', async () => {
    const { tracker, path } = await freshTracker();
    await tracker.startRun({ name: 'kept', config: { a: 1 } });
    await tracker.close();
    const before = snapshot(path);
    const again = await openTracker(path);
    expect((await again.listRuns()).runs.map((r) => r.name)).toEqual(['kept']);
    await again.close();
    expect(snapshot(path)).toBe(before);
  });

  it('accepts the sqlite: and file: URLs users type for the same file (SQLAlchemy and RFC 8089 forms)', async () => {
    const dir = tempDir();
    const path = join(dir, 'url.db');
    const a = await openTracker(`sqlite:///${path}`); // four slashes: an absolute path, as in SQLAlchemy
    await a.startRun({ name: 'via-url', config: {} });
    await a.close();
    const b = await openTracker(pathToFileURL(path).href, { readonly: true });
    expect((await b.listRuns()).runs[0]?.name).toBe('via-url');
    await b.close();
    expect(readdirSync(dir)).toContain('url.db');
  });

  it('resolves every location form to one absolute file, relative forms against the working directory', () => {
    const cwd = process.cwd();
    const cases: [string, string][] = [
      ['ftlab.db', join(cwd, 'ftlab.db')],
      ['runs/ftlab.db', join(cwd, 'runs/ftlab.db')],
      ['/tmp/a.db', '/tmp/a.db'],
      ['sqlite:///ftlab.db', join(cwd, 'ftlab.db')], // MLflow's and Optuna's sqlite:///mlflow.db
      ['sqlite:////tmp/a.db', '/tmp/a.db'],
      ['SQLITE:////tmp/a.db', '/tmp/a.db'],
      ['sqlite:ftlab.db', join(cwd, 'ftlab.db')],
      ['file:///tmp/a%20b.db', '/tmp/a b.db'],
      ['file:ftlab.db', join(cwd, 'ftlab.db')], // SQLite's own URI form: relative
      [':memory:', ':memory:'],
      ['postgres://u:p@h:5432/db', 'postgres://u:p@h:5432/db'],
      ['lab:v2.db', join(cwd, 'lab:v2.db')], // a colon in a file name is not a URL scheme
    ];
    for (const [location, expected] of cases) expect(resolveTrackerLocation(location), location).toBe(expected);
  });

  it.each([
    [
      'mysql://root:secret@localhost/ftlab',
      /mysql: databases are not supported \(mysql:\/\/root:\*\*\*@localhost\/ftlab\); use a SQLite file path/,
    ],
    ['http://example.com/ftlab.db', /http: databases are not supported/],
    [
      'sqlite://host/ftlab.db',
      /a sqlite URL has no host; write sqlite:\/\/\/relative\/path.db or sqlite:\/\/\/\/absolute/,
    ],
    ['sqlite:///ftlab.db?mode=ro', /URL parameters \(\?\.\.\.\) are not supported for SQLite/],
    ['file://server/share/ftlab.db', /is not a local file URL .*write file:\/\/\/absolute\/path.db/],
    ['sqlite:///', /no file name in the URL/],
    ['', /got an empty one/],
  ])('refuses %s with what to write instead, creating nothing', async (location, message) => {
    const dir = tempDir();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(() => resolveTrackerLocation(location)).toThrow(message);
      await expect(openTracker(location)).rejects.toMatchObject({ code: 'UNSUPPORTED_LOCATION' });
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('sqlite:///tmp/x.db, relative in SQLAlchemy, is refused when only the absolute /tmp/x.db exists', async () => {
    const dir = tempDir();
    const path = join(dir, 'absolute.db');
    const made = await openTracker(path);
    await made.close();
    const cwd = process.cwd();
    const elsewhere = tempDir();
    process.chdir(elsewhere);
    try {
      const location = `sqlite://${path}`; // three slashes before an absolute path
      expect(() => resolveTrackerLocation(location)).toThrow(
        /names .*, which does not exist, while \/.*absolute.db does; write sqlite:\/\/\/\/.*absolute.db \(four slashes\)/,
      );
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('mustExist: a missing file (and its missing folder) is refused and nothing is created', async () => {
    const dir = tempDir();
    const path = join(dir, 'not', 'there', 'ftlab.db');
    const failure = openTracker(path, { mustExist: true });
    await expect(failure).rejects.toMatchObject({ code: 'CANNOT_OPEN' });
    await expect(failure).rejects.toThrow(/no tracker database at .*ftlab.db; nothing was created/);
    expect(readdirSync(dir)).toEqual([]);
    const { tracker, path: existing } = await freshTracker();
    await tracker.close();
    const reopened = await openTracker(existing, { mustExist: true });
    await reopened.close();
  });

  it('refuses a database whose schema is newer than the code, naming both versions, and leaves it untouched', async () => {
    const { tracker, path } = await freshTracker();
    await tracker.close();
    const driver = openSqliteDriver(path, { readonly: false, busyTimeoutMs: 1000 });
    const report = await migrate(driver, withExtraMigration());
    await driver.close();
    const codeVersion = loadMigrations().length;
    expect(report).toMatchObject({ fromVersion: codeVersion, toVersion: codeVersion + 1 });
    const before = snapshot(path);
    const failure = openTracker(path);
    await expect(failure).rejects.toBeInstanceOf(SchemaVersionError);
    await expect(failure).rejects.toThrow(
      new RegExp(`schema version ${codeVersion + 1} .*newer than this code's version ${codeVersion}.*Update the code`),
    );
    await expect(openTracker(path, { readonly: true })).rejects.toThrow(/newer than this code/);
    expect(snapshot(path)).toBe(before);
  });

  it('a read-only open of a database that is behind never migrates and says to open it read-write once', async () => {
    const { tracker, path } = await freshTracker();
    await tracker.close();
    const newer = withExtraMigration();
    const reader = openSqliteDriver(path, { readonly: true, busyTimeoutMs: 1000 });
    const failure = migrate(reader, newer);
    await expect(failure).rejects.toBeInstanceOf(SchemaVersionError);
    await expect(failure).rejects.toThrow(
      /version 1 but this code expects 2; a read-only open never migrates. Open it read-write once/,
    );
    await reader.close();
    expect(tableNames(path)).not.toContain('test_extra');
    const writer = openSqliteDriver(path, { readonly: false, busyTimeoutMs: 1000 });
    await migrate(writer, newer);
    await writer.close();
    expect(tableNames(path)).toContain('test_extra');
  });

  it('refuses a database whose applied migration differs from the shipped one', async () => {
    const { tracker, path } = await freshTracker();
    await tracker.close();
    const db = new Database(path);
    db.prepare("UPDATE tracker_schema SET checksum = 'edited' WHERE version = 1").run();
    db.close();
    await expect(openTracker(path)).rejects.toThrow(/migration 1 was applied as "0000_initial" .* with different SQL/);
  });
});

describe('a brand-new file that another process holds', () => {
  // Another process's write lock on a file not yet in WAL mode: what a worker sees while another
  // one creates or converts the same new database. SQLite fails the switch to WAL at once there,
  // whatever busy_timeout says (it never waits to upgrade a read lock).
  function holdWriteLock(path: string): { release: () => void } {
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    other.exec('CREATE TABLE other_process (x)');
    return {
      release: () => {
        other.exec('ROLLBACK');
        other.close();
      },
    };
  }

  it('the first write waits for the other process instead of failing at once, then migrates', async () => {
    const path = join(tempDir(), 'new.db');
    const other = holdWriteLock(path);
    let released = false;
    const timer = setTimeout(() => {
      other.release();
      released = true;
    }, 300);
    try {
      const tracker = await openTracker(path, { busyTimeoutMs: 10_000 });
      expect(released).toBe(true);
      await tracker.startRun({ name: 'after the wait', config: {} });
      expect((await tracker.listRuns()).runs).toHaveLength(1);
      await tracker.close();
    } finally {
      clearTimeout(timer);
      if (!released) other.release();
    }
    expect(tableNames(path)).toEqual(TABLES);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('gives up after busyTimeoutMs with the BUSY message, and leaves the file neither migrated nor switched to WAL', async () => {
    const path = join(tempDir(), 'new.db');
    const other = holdWriteLock(path);
    try {
      const started = performance.now();
      const failure = openTracker(path, { busyTimeoutMs: 200 });
      await expect(failure).rejects.toMatchObject({ code: 'BUSY' });
      // It kept trying for the whole timeout (a lower bound on a wait, not a speed target).
      expect(performance.now() - started).toBeGreaterThanOrEqual(200);
      await expect(failure).rejects.toThrow(/new\.db stayed locked by another writer for more than busyTimeoutMs=200/);
    } finally {
      other.release();
    }
    expect(tableNames(path)).toEqual([]);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    db.close();
  });
});

describe('bad files and locations', () => {
  it('a file that is not SQLite: a clear error, and the file is byte for byte unchanged', async () => {
    const dir = tempDir();
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(50));
    const before = readFileSync(path);
    const failure = openTracker(path);
    await expect(failure).rejects.toMatchObject({ code: 'NOT_A_DATABASE' });
    await expect(failure).rejects.toThrow(
      /is not a SQLite database \(it starts with "these are my not".*left untouched/,
    );
    await expect(openTracker(path, { readonly: true })).rejects.toMatchObject({ code: 'NOT_A_DATABASE' });
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it("another application's SQLite database: refused, unchanged (not even switched to WAL)", async () => {
    const dir = tempDir();
    const path = join(dir, 'other.db');
    const other = new Database(path);
    other.exec(
      "CREATE TABLE customers (id integer primary key, name text); INSERT INTO customers (name) VALUES ('Ada')",
    );
    other.close();
    const before = readFileSync(path);
    const failure = openTracker(path);
    await expect(failure).rejects.toMatchObject({ code: 'NOT_A_TRACKER_DATABASE' });
    await expect(failure).rejects.toThrow(
      /database of something else \(it has tables customers but no tracker_schema\)/,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('a directory where the database cannot be created: a clear error, nothing created', async () => {
    const dir = tempDir();
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    const unlock = lock(locked, 0o755);
    // Without chattr (root, some filesystems) /proc is a directory nobody may create files in.
    const path = unlock ? join(locked, 'tracker.db') : '/proc/ftlab-tracker-test.db';
    try {
      const failure = openTracker(path);
      await expect(failure).rejects.toBeInstanceOf(TrackerError);
      await expect(failure).rejects.toThrow(/cannot (open|create the directory for) .*(writable)/);
      expect(existsSync(path)).toBe(false);
    } finally {
      unlock?.();
    }
  });

  it.runIf(canLockFiles)(
    'an existing database that may not be written: refused read-write, readable read-only, unchanged',
    async () => {
      const { tracker, path } = await freshTracker();
      await tracker.startRun({ name: 'r', config: {} });
      await tracker.close();
      const before = snapshot(path);
      const unlock = lock(path, 0o644) as () => void;
      try {
        const failure = openTracker(path);
        await expect(failure).rejects.toMatchObject({ code: 'READ_ONLY' });
        await expect(failure).rejects.toThrow(/cannot write to .*left untouched. Open it with \{ readonly: true \}/);
        const reader = await openTracker(path, { readonly: true });
        expect((await reader.listRuns()).total).toBe(1);
        await reader.close();
      } finally {
        unlock();
      }
      expect(snapshot(path)).toBe(before);
    },
  );

  it('a read-only open of a missing file fails and creates nothing', async () => {
    const dir = tempDir();
    const path = join(dir, 'missing.db');
    await expect(openTracker(path, { readonly: true })).rejects.toThrow(
      /no tracker database at .*missing.db: a read-only open never creates one/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes through a read-only tracker are refused with how to fix it', async () => {
    const { tracker, path } = await freshTracker();
    const run = await tracker.startRun({ name: 'r', config: {} });
    const reader = await openTracker(path, { readonly: true });
    await expect(reader.logMetrics([{ runId: run.id, key: 'loss', step: 0, value: 1 }])).rejects.toThrow(
      /opened read-only .*open it without \{ readonly: true \} to write/,
    );
    await expect(reader.finishRun(run.id)).rejects.toMatchObject({ code: 'READ_ONLY' });
    await reader.close();
    expect(countRows(path, 'metrics')).toBe(0);
  });

  it('a PostgreSQL server that does not answer is a clear error naming the URL without its password', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const failure = openTracker('postgres://ftlab:secret@127.0.0.1:1/ftlab');
    await expect(failure).rejects.toMatchObject({ code: 'CANNOT_OPEN' });
    await expect(failure).rejects.toThrow(
      /cannot connect to postgres:\/\/ftlab:\*\*\*@127\.0\.0\.1:1\/ftlab: .*ECONNREFUSED.*Check that the PostgreSQL server is running/,
    );
    await expect(failure).rejects.not.toThrow(/secret/);
  });

  it('a closed tracker says it is closed', async () => {
    const { tracker } = await freshTracker();
    await tracker.close();
    await expect(tracker.listRuns()).rejects.toThrow(/is closed; open it again/);
  });
});
