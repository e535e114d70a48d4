// `ftlab reproduce` through real processes: a run on a relative corpus path reproduces from
// another folder, and a perturbed metric, evaluation or weight is named as the first difference.
import { closeSync, copyFileSync, mkdirSync, openSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openTracker, type Tracker } from '@ftlab/tracker';
import { latestCheckpointDir } from '@ftlab/training';
import { beforeAll, describe, expect, it } from 'vitest';
import { ftlab, ftlabOk, TINY, tempDir, writeFile } from './helpers.js';

let dir: string;
let db: string;
let runId: string;

const trainedId = (out: string) => (JSON.parse(out.slice(out.lastIndexOf('\n{') + 1)) as { run: string }).run;

beforeAll(async () => {
  dir = tempDir();
  db = join(dir, 'ftlab.db');
  const config = writeFile(dir, 'tiny.yaml', TINY({ steps: '4', checkpointEvery: '2' }));
  runId = trainedId(await ftlabOk(['train', config, '--db', db, '--backend', 'wasm', '--no-evaluate', '--json']));
}, 180_000);

/** A copy of the database, changed through the tracker (the run files stay shared: a reproduction writes a new run beside them). */
async function copyOfDb(name: string, perturb: (tracker: Tracker) => Promise<void>): Promise<string> {
  const copy = join(dir, name);
  copyFileSync(db, copy);
  const tracker = await openTracker(copy);
  try {
    await perturb(tracker);
  } finally {
    await tracker.close();
  }
  return copy;
}

async function reproduce(database: string): Promise<{ code: number | null; out: string }> {
  const result = await ftlab([
    'reproduce',
    runId,
    '--db',
    database,
    '--backend',
    'wasm',
    '--artifacts',
    join(dir, 'ftlab-runs'),
  ]).done;
  return { code: result.code, out: result.stdout + result.stderr };
}

describe('ftlab reproduce names the first difference', () => {
  it('a perturbed metric point', async () => {
    const copy = await copyOfDb('metric.db', async (tracker) => {
      const [point] = await tracker.metricHistory(runId, 'train/loss', { fromStep: 4, toStep: 4 });
      expect(point?.step).toBe(4);
      await tracker.logMetrics([{ runId, key: 'train/loss', step: 4, value: (point?.value as number) + 0.5 }]);
    });
    const { code, out } = await reproduce(copy);
    expect(code).toBe(1);
    expect(out).toMatch(new RegExp(`run ${runId} NOT reproduced by run \\w+: 1 difference\\(s\\)`));
    expect(out).toMatch(/first: metric train\/loss at step 4: [\d.]+ \(original\) vs [\d.]+ \(reproduction\)/);
  });

  it('a perturbed evaluation', async () => {
    const copy = await copyOfDb('evaluation.db', async (tracker) => {
      const first = (await tracker.getRun(runId)).evaluations.find((e) => e.task === 'likelihood');
      expect(first?.value).toEqual(expect.any(Number));
      const { step, task, metric } = first as { step: number; task: string; metric: string };
      await tracker.logEvaluations(runId, [{ step, task, metric, value: (first?.value as number) * 2 + 1 }]);
    });
    const { code, out } = await reproduce(copy);
    expect(code).toBe(1);
    expect(out).toMatch(/1 difference\(s\)\nfirst: evaluation likelihood\/\S+ at step 4: /);
  });

  it('a perturbed weight in the final checkpoint (last: it changes the shared run files)', async () => {
    const checkpoint = await latestCheckpointDir(join(dir, 'ftlab-runs', runId));
    const file = join(checkpoint as string, 'model.safetensors');
    const fd = openSync(file, 'r+');
    const byte = Buffer.alloc(1);
    const at = statSync(file).size - 2; // inside the last tensor's values
    readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0] ^ 0x01;
    writeSync(fd, byte, 0, 1, at);
    closeSync(fd);
    const { code, out } = await reproduce(db);
    expect(code).toBe(1);
    expect(out).toMatch(
      /1 difference\(s\)\nfirst: final weights \(SHA-256 of values\) at step 4: [0-9a-f]{64} \(original\) vs [0-9a-f]{64} \(reproduction\)/,
    );
  });
});

describe('relative paths', () => {
  it('a run on a relative data.path reproduces from another working directory', async () => {
    const project = join(tempDir(), 'project');
    mkdirSync(project);
    const words = ['the', 'king', 'and', 'queen', 'of', 'a', 'small', 'town', 'sing', 'softly'];
    const lines = Array.from(
      { length: 400 },
      (_, i) => `${words[i % 10]} ${words[(i * 7) % 10]} ${words[(i * 3) % 10]}.`,
    );
    writeFileSync(join(project, 'corpus.txt'), `${lines.join('\n')}\n`);
    const config = writeFile(
      project,
      'text.yaml',
      TINY({ steps: '2', checkpointEvery: '2' }).replace(
        'data: { kind: toy }',
        'data: { kind: text, path: corpus.txt }',
      ),
    );
    const database = join(project, 'ftlab.db');
    const trained = await ftlab(['train', config, '--db', database, '--backend', 'wasm', '--no-evaluate', '--json'], {
      cwd: project,
    }).done;
    expect(trained.code, trained.stderr).toBe(0);
    const id = trainedId(trained.stdout);
    const elsewhere = join(tempDir(), 'elsewhere');
    mkdirSync(elsewhere);
    const again = await ftlab(['reproduce', id, '--db', database, '--backend', 'wasm'], { cwd: elsewhere }).done;
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`run ${id} reproduced exactly by run \\w+`));
  });
});
