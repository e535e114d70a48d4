import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { onTestFinished } from 'vitest';
import { openTracker, type Tracker } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** A fresh directory under the system temp dir, removed when the test finishes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftlab-tracker-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A tracker on a new database file, closed when the test finishes. */
export async function freshTracker(): Promise<{ tracker: Tracker; path: string; dir: string }> {
  const dir = tempDir();
  const path = join(dir, 'tracker.db');
  const tracker = await openTracker(path);
  onTestFinished(() => tracker.close().catch(() => undefined));
  return { tracker, path, dir };
}

/** Every row of every table, as text: equal snapshots mean the database did not change. */
export function snapshot(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[];
    const rows = (t: string) =>
      (db.prepare(`SELECT * FROM "${t}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
    return JSON.stringify(tables.map((t) => [t, rows(t)]));
  } finally {
    db.close();
  }
}

export function countRows(path: string, table: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT COUNT(*) FROM "${table}"`).pluck().get() as number;
  } finally {
    db.close();
  }
}

export interface Fixture {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with each JSON line the child prints, in order. */
  lines: AsyncIterableIterator<string>;
  /** Resolves with the exit code (or signal) and everything printed on stderr. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Runs test/fixtures/<name>.ts in a real Node process, straight from the TypeScript sources. */
export function spawnFixture(name: string, args: string[]): Fixture {
  const child = spawn(
    process.execPath,
    ['--conditions=@ftlab/source', '--import', 'tsx', join(packageDir, 'test', 'fixtures', `${name}.ts`), ...args],
    { cwd: packageDir, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return { child, lines, exited };
}

export async function nextJson<T>(fixture: Fixture): Promise<T> {
  const { value, done } = await fixture.lines.next();
  if (done) {
    const { code, stderr } = await fixture.exited;
    throw new Error(`fixture ended (exit ${code}) before printing the expected line:\n${stderr}`);
  }
  return JSON.parse(value) as T;
}
