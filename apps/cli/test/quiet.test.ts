// --quiet (-q): the result and errors only. The same commands with and without it must give the
// same result and exit code; only the informational lines and progress bars go.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ftlab, TINY, tempDir, writeFile } from './helpers.js';

let dir: string;
let db: string;
let runId: string;
const engine = ['--backend', 'wasm'];

beforeAll(async () => {
  dir = tempDir();
  db = join(dir, 'ftlab.db');
  const config = writeFile(dir, 'tiny.yaml', TINY({ steps: '6', checkpointEvery: '3' }));
  const trained = await ftlab(['train', config, '--db', db, ...engine]).done;
  expect(trained.code, trained.stderr).toBe(0);
  runId = /^run (\w+) FINISHED at step 6$/m.exec(trained.stdout)?.[1] ?? '';
  expect(runId).not.toBe('');
}, 180_000);

describe('--quiet', () => {
  it('train prints its result line and nothing else; the run trains the same', async () => {
    const config = writeFile(dir, 'again.yaml', TINY({ steps: '6', checkpointEvery: '3' }));
    const loud = await ftlab(['train', config, '--db', db, ...engine]).done;
    const quiet = await ftlab(['train', config, '--db', db, ...engine, '--quiet']).done;
    expect(loud.code, loud.stderr).toBe(0);
    expect(quiet.code, quiet.stderr).toBe(0);
    // What --quiet removes: the run line, the progress bar and the evaluation's steps.
    expect(loud.stderr).toMatch(/^run \w+ \(free-transformer, seed 3\) on wasm; database /m);
    expect(loud.stderr).toMatch(/^run \w+ 100% 6\/6 steps/m);
    expect(loud.stderr).toMatch(/^evaluation: likelihood metrics/m);
    expect(quiet.stderr).toBe('');
    expect(loud.stdout).toMatch(/^run \w+ FINISHED at step 6\n$/);
    expect(quiet.stdout).toMatch(/^run \w+ FINISHED at step 6\n$/);
    // -q before the command, with --json: one JSON document, no progress events.
    const json = await ftlab(['-q', 'train', config, '--db', db, ...engine, '--json']).done;
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'FINISHED', step: 6 });
  });

  it('eval and status print the same result and exit code without the progress lines', async () => {
    const evalArgs = ['eval', runId, '--db', db, ...engine, '--rows', '4', '--tasks', 'toy_validity', '--no-record'];
    const loud = await ftlab(evalArgs).done;
    const quiet = await ftlab([...evalArgs, '-q']).done;
    expect(loud.code, loud.stderr).toBe(0);
    expect(loud.stderr).toMatch(/^evaluation: task toy_validity$/m);
    expect(loud.stderr).toMatch(/^task toy_validity 100% /m);
    expect(quiet.stderr).toBe('');
    expect(quiet.code).toBe(loud.code);
    expect(quiet.stdout).toBe(loud.stdout);
    expect(quiet.stdout).toMatch(new RegExp(`^run ${runId} at step 6\\n`));

    // As JSON, to compare whole: the table says how long ago each heartbeat was.
    const status = await ftlab(['status', '--db', db, '--json']).done;
    const quietStatus = await ftlab(['status', '--db', db, '--json', '--quiet']).done;
    expect(quietStatus.code).toBe(status.code);
    expect(quietStatus.stdout).toBe(status.stdout);
    const table = await ftlab(['status', '--db', db, '--quiet']).done;
    expect(table.code).toBe(0);
    expect(table.stderr).toBe('');
    expect(table.stdout).toMatch(new RegExp(`${runId}\\s+cli-tiny\\s+free-transformer\\s+3\\s+FINISHED`));
  });

  it('an exported file is still written, without the line that says so', async () => {
    const file = join(dir, 'run.md');
    const loud = await ftlab(['export', runId, '--db', db, '--format', 'md', '--out', file]).done;
    expect(loud.stderr).toBe(`wrote ${file}\n`);
    const quietFile = join(dir, 'run-quiet.md');
    const quiet = await ftlab(['export', runId, '--db', db, '--format', 'md', '--out', quietFile, '-q']).done;
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(existsSync(quietFile)).toBe(true);
    expect(readFileSync(quietFile, 'utf8')).toBe(readFileSync(file, 'utf8'));
  });

  it('errors still print, with their exit codes', async () => {
    const missing = await ftlab(['eval', 'nope', '--db', db, ...engine, '--quiet']).done;
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ftlab: .*nope/m);
    const bad = writeFile(dir, 'bad.yaml', TINY().replace('batchSize: 4', 'batchSize: 0'));
    const invalid = await ftlab(['train', bad, '--db', db, '--quiet']).done;
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/bad\.yaml: invalid config\n {2}- line 5: training\.batchSize/);
  });
});
