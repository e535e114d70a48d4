// Real processes: a training process killed with SIGKILL mid-run, then resumed, ends with the
// same weights (bit for bit) as an uninterrupted run, on both engines.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { nativeTestSkipReason } from '@ftlab/backend';
import { openTracker } from '@ftlab/tracker';
import { describe, expect, it } from 'vitest';
import {
  ftlab,
  ftlabOk,
  latestCheckpointStep,
  TINY,
  tempDir,
  waitFor,
  waitForStaleHeartbeat,
  weightsDigest,
  writeFile,
} from './helpers.js';

async function onlyRun(db: string) {
  const tracker = await openTracker(db, { readonly: true });
  try {
    const { runs } = await tracker.listRuns();
    expect(runs).toHaveLength(1);
    return runs[0] as (typeof runs)[number];
  } finally {
    await tracker.close();
  }
}

const nativeSkip = nativeTestSkipReason();
const engines = nativeSkip === null ? (['native', 'wasm', 'cpu'] as const) : (['wasm', 'cpu'] as const);
if (nativeSkip) it.skip(`kill -9 and resume on native (SKIPPED: ${nativeSkip})`, () => {});

describe.each(engines)('kill -9 and resume on %s', (engine) => {
  it("continues from the last checkpoint and ends with the uninterrupted run's weights", async () => {
    const dir = tempDir();
    const config = writeFile(dir, 'tiny.yaml', TINY({ steps: '12', checkpointEvery: '2' }));

    const wholeDb = join(dir, 'whole.db');
    await ftlabOk(['train', config, '--db', wholeDb, '--backend', engine, '--no-evaluate']);
    const whole = await onlyRun(wholeDb);
    expect(whole.status).toBe('FINISHED');

    const db = join(dir, 'killed.db');
    const first = ftlab(['train', config, '--db', db, '--backend', engine, '--no-evaluate']);
    let runDir = '';
    await waitFor(
      () => {
        if (!runDir && existsSync(db)) {
          const root = join(dir, 'ftlab-runs');
          if (existsSync(root)) {
            const ids = readdirSync(root);
            const id = ids.find((d) => d !== whole.id);
            if (id) runDir = join(root, id);
          }
        }
        return runDir !== '' && latestCheckpointStep(runDir) >= 4;
      },
      120_000,
      'a checkpoint at step 4 or later',
    );
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const stoppedAt = latestCheckpointStep(runDir);
    expect(stoppedAt).toBeLessThan(12);
    const before = await onlyRun(db);
    expect(before.status).toBe('RUNNING'); // nobody marked it: the process died without a word
    await waitForStaleHeartbeat(db, before.id); // so --stale-after 1 takes it

    const resumed = await ftlab([
      'resume',
      before.id,
      '--db',
      db,
      '--backend',
      engine,
      '--no-evaluate',
      '--stale-after',
      '1',
    ]).done;
    expect(resumed.stderr).toContain(`resuming run ${before.id} from its checkpoint at step ${stoppedAt} (resume 1)`);
    expect(resumed.code).toBe(0);
    const after = await onlyRun(db);
    expect(after).toMatchObject({ status: 'FINISHED', lastStep: 12, resumeCount: 1 });
    expect(await weightsDigest(runDir)).toBe(await weightsDigest(join(dir, 'ftlab-runs', whole.id)));
    expect(statSync(join(runDir, 'checkpoints', 'LATEST')).isFile()).toBe(true);
    expect(readFileSync(join(runDir, 'checkpoints', 'LATEST'), 'utf8').trim()).toBe('step-000012');
  });
});
