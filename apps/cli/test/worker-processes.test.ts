// Worker processes dying or stalling one at a time (not the whole process group), through real
// `ftlab worker` processes on one SQLite file: a killed worker's run is found stale, requeued and
// resumed by another worker to the uninterrupted run's weights; a worker paused until its run was
// taken over reports, when woken, that it lost the run instead of crashing.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Cli,
  ftlab,
  latestCheckpointStep,
  runCheckpointedAt,
  runsOf,
  TINY,
  tempDir,
  weightsDigest,
  writeFile,
} from './helpers.js';

const STEPS = 60;

/** A one-run sweep queued (no workers) in a new folder. */
async function queued(): Promise<{ dir: string; db: string }> {
  const dir = tempDir();
  writeFile(dir, 'tiny.yaml', TINY({ steps: String(STEPS), checkpointEvery: '2' }));
  const sweep = writeFile(dir, 'sweep.yaml', 'name: one-run\nbase: tiny.yaml\naxes:\n  seed: [3]\n');
  const db = join(dir, 'ftlab.db');
  const made = await ftlab(['sweep', sweep, '--db', db, '--queue-only']).done;
  expect(made.code, made.stderr).toBe(0);
  return { dir, db };
}

function worker(db: string): Cli {
  return ftlab(['worker', '--db', db, '--backend', 'wasm', '--no-evaluate', '--stale-after', '1']);
}

/** The run's folder once its checkpoint at step 4 or later exists (and the run is not finished). */
async function checkpointed(dir: string): Promise<string> {
  const runDir = await runCheckpointedAt(join(dir, 'ftlab-runs'), 4);
  expect(latestCheckpointStep(runDir)).toBeLessThan(STEPS);
  return runDir;
}

describe('one worker process at a time', () => {
  it('a worker killed mid-run: its run is found stale, requeued, resumed by another worker, with the same weights', async () => {
    const whole = await queued();
    const uninterrupted = await worker(whole.db).done;
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    const [wholeRun] = await runsOf(whole.db);
    const expected = await weightsDigest(join(whole.dir, 'ftlab-runs', wholeRun?.id));

    const { dir, db } = await queued();
    const first = worker(db);
    const runDir = await checkpointed(dir);
    first.child.kill('SIGKILL'); // this process only; nothing marks the run
    expect((await first.done).signal).toBe('SIGKILL');
    expect((await runsOf(db))[0]?.status).toBe('RUNNING');

    const second = await worker(db).done; // waits out --stale-after itself
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout + second.stderr).toMatch(/resume 1/);
    const [run] = await runsOf(db);
    expect(run).toMatchObject({ status: 'FINISHED', lastStep: STEPS, resumeCount: 1 });
    expect(await weightsDigest(runDir)).toBe(expected);
  });

  it('a worker paused until its run was taken over says, when woken, that it lost the run', async () => {
    const { dir, db } = await queued();
    const paused = worker(db);
    const runDir = await checkpointed(dir);
    process.kill(paused.child.pid as number, 'SIGSTOP');
    try {
      const other = await worker(db).done;
      expect(other.code, other.stderr).toBe(0);
      expect((await runsOf(db))[0]).toMatchObject({ status: 'FINISHED', lastStep: STEPS, resumeCount: 1 });
    } finally {
      process.kill(paused.child.pid as number, 'SIGCONT');
    }
    const woken = await paused.done;
    const said = woken.stdout + woken.stderr;
    expect(said).not.toMatch(/ENOENT|\n\s+at /);
    expect(said).toMatch(/was taken over elsewhere/);
    expect(woken.code, woken.stderr).toBe(0);
    expect((await runsOf(db))[0]).toMatchObject({ status: 'FINISHED', lastStep: STEPS, resumeCount: 1 });
    // The woken worker wrote nothing over the finished run's files.
    expect(latestCheckpointStep(runDir)).toBe(STEPS);
  });
});
