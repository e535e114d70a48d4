// `ftlab migrate` and `ftlab copy` as a user runs them (real child processes, SQLite files; the
// PostgreSQL side of both runs in postgres-sweep.test.ts), and how --db and --artifacts resolve
// for a server database.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTracker } from '@ftlab/tracker';
import { describe, expect, it, onTestFinished } from 'vitest';
import { artifactRoot, dbPath } from '../src/context.js';

const CLI_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

function ftlab(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.FTLAB_DB;
  const result = spawnSync(
    process.execPath,
    ['--conditions=@ftlab/source', '--import', 'tsx', join(CLI_DIR, 'src', 'main.ts'), ...args],
    { cwd: CLI_DIR, encoding: 'utf8', env },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftlab-cli-copy-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('--db with a PostgreSQL URL', () => {
  it('keeps the URL as given and puts run files in ./ftlab-runs unless --artifacts says where', () => {
    const url = 'postgres://ftlab@db.lab:5432/sweeps';
    const base = { db: url, backend: 'auto', json: false };
    expect(dbPath({ db: url })).toBe(url);
    expect(dbPath({ db: 'postgresql://db.lab/sweeps' })).toBe('postgresql://db.lab/sweeps');
    expect(artifactRoot(base)).toBe(resolve('ftlab-runs'));
    expect(artifactRoot({ ...base, artifacts: '/shared/ftlab-runs' })).toBe('/shared/ftlab-runs');
    expect(dbPath({ db: 'lab.db' })).toBe(resolve('lab.db'));
    expect(artifactRoot({ ...base, db: '/data/lab.db' })).toBe('/data/ftlab-runs');
  });
});

describe('ftlab migrate and ftlab copy', () => {
  it('migrate prepares a database and reports versions; --check says whether one needs it', () => {
    const dir = tempDir();
    const db = join(dir, 'lab.db');
    const missing = ftlab(['migrate', '--db', db, '--check']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no tracker database at .*lab\.db: a read-only open never creates one/);
    const prepared = ftlab(['migrate', '--db', db, '--json']);
    expect(prepared.code, prepared.stderr).toBe(0);
    expect(JSON.parse(prepared.stdout)).toEqual({
      database: db,
      dialect: 'sqlite',
      fromVersion: 0,
      toVersion: 1,
      applied: ['0000_initial'],
    });
    const checked = ftlab(['migrate', '--db', db, '--check']);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toBe(`${db}: schema version 1, up to date\n`);
  });

  it('copy moves a history into another database once, then finds nothing to copy, and refuses to overwrite', async () => {
    const dir = tempDir();
    const from = join(dir, 'laptop.db');
    const to = join(dir, 'lab.db');
    const laptop = await openTracker(from);
    const run = await laptop.startRun({ name: 'local', config: { lr: 0.01 }, worker: 'laptop:1' });
    await laptop.logMetrics([0, 1, 2].map((step) => ({ runId: run.id, key: 'train/loss', step, value: 3 - step })));
    await laptop.close();

    const first = ftlab(['copy', '--from', from, '--to', to]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`copying ${from} -> ${to}`);
    expect(first.stdout).toMatch(/^runs\s+1\s+0$/m);
    expect(first.stdout).toMatch(/^metrics\s+3\s+0$/m);
    const again = ftlab(['copy', '--from', from, '--to', to, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as { tables: Array<{ table: string; copied: number; unchanged: number }> };
    expect(report.tables.find((t) => t.table === 'metrics')).toEqual({ table: 'metrics', copied: 0, unchanged: 3 });

    const lab = await openTracker(to);
    await lab.finishRun(run.id, 2);
    await lab.close();
    const refused = ftlab(['copy', '--from', from, '--to', to]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `copy from .*laptop\\.db to .*lab\\.db refused; the destination was left unchanged.*runs \\(id="${run.id}"\\): status "RUNNING" here, "FINISHED" there`,
      ),
    );
  });
});
