// --db as users type it: paths, SQLAlchemy's sqlite:/// URLs, file:/// URLs and other engines'
// URLs, through the real CLI; and commands that act on stored runs create nothing when the
// database is not there.
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ftlab, TINY, tempDir, writeFile } from './helpers.js';

let dir: string;
let config: string;

beforeAll(() => {
  dir = tempDir();
  config = writeFile(dir, 'tiny.yaml', TINY({ steps: '2', checkpointEvery: '2' }));
});

/** A fresh, empty working directory for one command. */
function workdir(): string {
  const cwd = join(tempDir(), 'cwd');
  mkdirSync(cwd);
  return cwd;
}

describe('--db URLs', () => {
  it('sqlite:///relative.db and file:///absolute.db name the same files a path would, and nothing else appears', async () => {
    const cwd = workdir();
    const trained = await ftlab(['train', config, '--db', 'sqlite:///runs.db', '--backend', 'wasm', '--no-evaluate'], {
      cwd,
    }).done;
    expect(trained.code, trained.stderr).toBe(0);
    // SQLAlchemy's form (MLflow, Optuna): three slashes, then a path relative to the working directory.
    expect(readdirSync(cwd)).toContain('runs.db');
    for (const entry of readdirSync(cwd))
      expect(['ftlab-runs', 'runs.db', 'runs.db-shm', 'runs.db-wal']).toContain(entry);
    for (const location of [pathToFileURL(join(cwd, 'runs.db')).href, `sqlite:///${join(cwd, 'runs.db')}`]) {
      const elsewhere = workdir();
      const status = await ftlab(['status', '--db', location, '--json'], { cwd: elsewhere }).done;
      expect(status.code, status.stderr).toBe(0);
      expect((JSON.parse(status.stdout) as { total: number }).total).toBe(1);
      expect(readdirSync(elsewhere)).toEqual([]);
    }
  });

  it.each([
    [
      'mysql://root:secret@localhost/ftlab',
      /mysql: databases are not supported \(mysql:\/\/root:\*\*\*@localhost\/ftlab\)/,
    ],
    ['sqlite://localhost/ftlab.db', /a sqlite URL has no host/],
    ['file://fileserver/ftlab.db', /is not a local file URL/],
  ])('%s is refused with what to write instead; nothing is created in the working directory', async (url, message) => {
    const cwd = workdir();
    for (const args of [['status'], ['train', config, '--backend', 'wasm']]) {
      const result = await ftlab([...args, '--db', url], { cwd }).done;
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/secret|\n\s+at /);
      expect(readdirSync(cwd)).toEqual([]);
    }
  });
});

describe('commands on stored runs create nothing when the database is not there', () => {
  it.each([['resume', 'abc123'], ['reproduce', 'abc123'], ['eval', 'abc123'], ['worker']])(
    'ftlab %s with a missing folder: a clear error, no folder, no file',
    async (...args) => {
      const cwd = workdir();
      const db = join(cwd, 'not-yet', 'ftlab.db');
      const result = await ftlab([...args, '--db', db, '--backend', 'wasm'], { cwd }).done;
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/no tracker database at .*not-yet\/ftlab.db; nothing was created/);
      expect(readdirSync(cwd)).toEqual([]);
    },
  );
});
