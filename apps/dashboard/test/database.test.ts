// The dashboard's connection to the tracker: read-only, cached per file, reopened when the file
// is replaced, and every failure turned into an explanation rather than an exception.
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openTracker } from '@ftlab/tracker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyOpenError,
  databasePath,
  displayLocation,
  nullIfUnknown,
  openTrackerAt,
  queryProblem,
} from '../src/lib/database';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ftlab-dashboard-database-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function trackerWithRuns(path: string, names: string[]): Promise<void> {
  const tracker = await openTracker(path);
  for (const name of names) await tracker.startRun({ name, config: {} });
  await tracker.close();
}

describe('openTrackerAt', () => {
  it('says a missing file is missing, and creates nothing', async () => {
    const path = join(dir, 'missing.db');
    const access = await openTrackerAt(path);
    expect(access).toEqual({ ok: false, problem: { kind: 'missing', path, message: `There is no file at ${path}.` } });
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
  });

  it('recognises a file that is not SQLite and leaves it byte for byte unchanged', async () => {
    const path = join(dir, 'notes.db');
    writeFileSync(path, 'not a database\n'.repeat(200));
    const access = await openTrackerAt(path);
    expect(access.ok).toBe(false);
    if (!access.ok) {
      expect(access.problem.kind).toBe('not-a-database');
      expect(access.problem.message).toContain('is not a SQLite database');
    }
    expect(readFileSync(path, 'utf8')).toBe('not a database\n'.repeat(200));
  });

  it('explains an empty (never migrated) file as a schema problem that says how to fix it', async () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    const access = await openTrackerAt(path);
    expect(access.ok).toBe(false);
    if (!access.ok) {
      expect(access.problem.kind).toBe('schema');
      expect(access.problem.message).toMatch(/read-only open never migrates/);
    }
  });

  it('reuses one read-only connection per file and sees new runs as they are written', async () => {
    const path = join(dir, 'live.db');
    await trackerWithRuns(path, ['first']);
    const a = await openTrackerAt(path);
    const b = await openTrackerAt(path);
    expect(a.ok && b.ok && a.tracker === b.tracker).toBe(true);
    if (!a.ok) return;
    expect(a.tracker.readonly).toBe(true);
    await trackerWithRuns(path, ['second']);
    expect((await a.tracker.listRuns()).runs.map((run) => run.name).sort()).toEqual(['first', 'second']);
  });

  it('opens the new file when the database is replaced (demo re-run), not the stale one', async () => {
    const path = join(dir, 'replaced.db');
    await trackerWithRuns(path, ['old']);
    const before = await openTrackerAt(path);
    const other = join(dir, 'replacement.db');
    await trackerWithRuns(other, ['new']);
    renameSync(other, path);
    const after = await openTrackerAt(path);
    expect(before.ok && after.ok && before.tracker !== after.tracker).toBe(true);
    if (after.ok) expect((await after.tracker.listRuns()).runs.map((run) => run.name)).toEqual(['new']);
  });

  it('turns a file damaged past its header into a "not a database" problem', async () => {
    const good = join(dir, 'good.db');
    const tracker = await openTracker(good);
    const run = await tracker.startRun({ name: 'x', config: {} });
    await tracker.logMetrics(
      Array.from({ length: 5000 }, (_, step) => ({ runId: run.id, key: 'train/loss', step, value: step })),
    );
    await tracker.close();
    const bad = join(dir, 'damaged.db');
    copyFileSync(good, bad);
    const bytes = readFileSync(bad);
    bytes.fill(0x55, 8192);
    writeFileSync(bad, bytes);
    const access = await openTrackerAt(bad);
    const problem = access.ok
      ? await access.tracker.curve(run.id, 'train/loss').then(
          () => null,
          (error: unknown) => queryProblem(bad, error),
        )
      : access.problem;
    expect(problem?.kind).toBe('not-a-database');
  });
});

describe('databasePath and displayLocation', () => {
  it('resolves a path from FTLAB_DB (default ./ftlab.db), passes a server URL through, never shows its password', () => {
    const saved = process.env.FTLAB_DB;
    try {
      delete process.env.FTLAB_DB;
      expect(databasePath()).toBe(resolve('ftlab.db'));
      process.env.FTLAB_DB = 'runs/lab.db';
      expect(databasePath()).toBe(resolve('runs/lab.db'));
      process.env.FTLAB_DB = 'postgresql://ftlab:s3cret@db.local:5432/lab';
      expect(databasePath()).toBe('postgresql://ftlab:s3cret@db.local:5432/lab');
      expect(displayLocation(databasePath())).toBe('postgresql://ftlab:***@db.local:5432/lab');
      expect(displayLocation('/tmp/a:b@c.db')).toBe('/tmp/a:b@c.db');
      // The scheme in any case, as the tracker and the CLI take it: a server, never a file path.
      process.env.FTLAB_DB = 'PostgreSQL://ftlab:s3cret@db.local/lab';
      expect(databasePath()).toBe('PostgreSQL://ftlab:s3cret@db.local/lab');
      expect(displayLocation(databasePath())).not.toContain('s3cret');
    } finally {
      if (saved === undefined) delete process.env.FTLAB_DB;
      else process.env.FTLAB_DB = saved;
    }
  });
});

describe('classifyOpenError and nullIfUnknown', () => {
  it('maps tracker error codes to problems', () => {
    const err = (code: string, message = 'm') => Object.assign(new Error(message), { code });
    expect(classifyOpenError('p', err('NOT_A_TRACKER_DATABASE')).kind).toBe('not-a-tracker');
    expect(classifyOpenError('p', err('SCHEMA_VERSION')).kind).toBe('schema');
    expect(classifyOpenError('p', err('CANNOT_OPEN', 'database disk image is malformed (SQLITE_CORRUPT)')).kind).toBe(
      'not-a-database',
    );
    expect(classifyOpenError('p', err('CANNOT_OPEN', 'permission denied')).kind).toBe('unreadable');
    expect(queryProblem('p', err('INVALID_INPUT'))).toBeNull();
  });

  it('explains a PostgreSQL server that stops answering mid-session, and nothing else as one', () => {
    const err = (code: string | undefined, message = 'm') => Object.assign(new Error(message), { code });
    const url = 'postgres://u@db.example/ftlab';
    for (const lost of [
      err('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.2:5432'),
      err('57P01', 'terminating connection due to administrator command'),
      err('08006', 'connection failure'),
      err(undefined, 'Connection terminated unexpectedly'),
    ]) {
      const problem = queryProblem(url, lost);
      expect(problem?.kind).toBe('unreadable');
      expect(problem?.message).toMatch(
        /^The PostgreSQL server stopped answering \(.+\); the page retries on reload\.$/,
      );
    }
    expect(queryProblem(url, err('42P01', 'relation "runs" does not exist'))).toBeNull(); // a bug, not an outage
    expect(queryProblem('/tmp/ftlab.db', err('ECONNREFUSED'))).toBeNull(); // SQLite has no server to lose
  });

  it('turns only the named "unknown" error into null', async () => {
    const unknownRun = Object.assign(new Error('no run'), { code: 'UNKNOWN_RUN' });
    expect(await nullIfUnknown(Promise.reject(unknownRun), 'UNKNOWN_RUN')).toBeNull();
    await expect(nullIfUnknown(Promise.reject(unknownRun), 'UNKNOWN_SWEEP')).rejects.toThrow('no run');
    expect(await nullIfUnknown(Promise.resolve(3), 'UNKNOWN_RUN')).toBe(3);
  });
});
