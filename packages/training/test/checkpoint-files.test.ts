// The checkpoint folder when more than one process touches it, and when it cannot be read.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Run, RunStateError, type Tracker } from '@ftlab/tracker';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_LEFTOVER_AGE_MS,
  LATEST_FILE,
  loadTrainingCheckpoint,
  saveTrainingCheckpoint,
  TRAINER_STATE_FILE,
} from '../src/checkpoint.js';
import { evaluationHooks, executeRun, resumePoint, runConfigOf, TrainingCheckpointError } from '../src/index.js';
import { configHash } from '../src/run-record.js';
import { train } from '../src/trainer.js';
import { backend, latestWeightsDigest, startedRun, stoppedAfterStep6, tinyConfig } from './helpers.js';

/** Trains `run` to its last step as worker w (likelihood evaluations only). */
async function runToTheEnd(tracker: Tracker, run: Run): Promise<void> {
  const outcome = await executeRun({
    tracker,
    run,
    worker: 'w',
    backend: await backend(),
    hooks: evaluationHooks({ likelihoodOnly: true }),
  });
  expect(outcome.status).toBe('FINISHED');
}

describe('checkpoint folders', () => {
  it("keeps another process's young temporary folder (a save in progress), deletes an old one", async () => {
    const { tracker, run, dir } = await startedRun(tinyConfig());
    const root = join(dir, 'runs', run.id, 'checkpoints');
    const young = join(root, '.step-000004.tmp-999999-aaaaaaaa');
    const old = join(root, '.step-000004.tmp-999998-bbbbbbbb');
    for (const folder of [young, old]) mkdirSync(folder, { recursive: true });
    const longAgo = (Date.now() - 2 * CHECKPOINT_LEFTOVER_AGE_MS) / 1000;
    utimesSync(old, longAgo, longAgo);
    await runToTheEnd(tracker, run);
    expect(existsSync(young)).toBe(true);
    expect(existsSync(old)).toBe(false);
  });

  it('a stale worker saving an older checkpoint after its run finished elsewhere does not move LATEST back', async () => {
    const { tracker, run, dir } = await startedRun(tinyConfig());
    await runToTheEnd(tracker, run);
    const artifactRoot = join(dir, 'runs', run.id);
    const root = join(artifactRoot, 'checkpoints');
    expect(readFileSync(join(root, LATEST_FILE), 'utf8').trim()).toBe('step-000012');
    // What a worker stopped at step 4 (between its ownership check and LATEST) writes when woken.
    const loaded = await loadTrainingCheckpoint(join(root, 'step-000012'), {
      configHash: configHash((await runConfigOf(run)).config),
    });
    const state = loaded.state;
    const saveStep4 = () =>
      saveTrainingCheckpoint({
        artifactRoot,
        runId: run.id,
        step: 4,
        model: loaded.model,
        optimizer: loaded.optimizer,
        dataPosition: state.dataPosition,
        configHash: state.configHash,
        window: state.window,
        divergence: state.divergence as NonNullable<typeof state.divergence>,
        keep: 3,
      });
    await saveStep4();
    expect(readFileSync(join(root, LATEST_FILE), 'utf8').trim()).toBe('step-000012');
    expect(existsSync(join(root, 'step-000012', TRAINER_STATE_FILE))).toBe(true);
    // A later LATEST whose folder is incomplete (what resuming skips) is no reason to stay behind it.
    mkdirSync(join(root, 'step-000099'));
    writeFileSync(join(root, LATEST_FILE), 'step-000099\n');
    await saveStep4();
    expect(readFileSync(join(root, LATEST_FILE), 'utf8').trim()).toBe('step-000004');
    loaded.model.dispose();
  });

  it('a run lost while its checkpoint was being written abandons it: nothing put in place, LATEST untouched', async () => {
    const { tracker, run, dir } = await startedRun(tinyConfig());
    const { config, dataset } = await runConfigOf(run);
    const artifactRoot = join(dir, 'runs', run.id);
    let confirmations = 0;
    const outcome = await train({
      tracker,
      runId: run.id,
      config,
      configHash: configHash(config),
      dataset,
      artifactRoot,
      // Owned when the step-4 checkpoint starts, taken over by the time its files are written.
      confirmOwnership: async () => {
        confirmations += 1;
        if (confirmations === 2) throw new RunStateError(run.id, 'RUNNING', 'run taken over by w2');
      },
    });
    expect(outcome).toMatchObject({ status: 'LOST', step: 4, reason: 'run taken over by w2' });
    expect(readdirSync(join(artifactRoot, 'checkpoints'))).toEqual([]);
  });

  it('damaged weights are refused naming the checkpoint once and the file, with the hashes', async () => {
    const info = await backend();
    const { tracker, run, dir } = await startedRun(tinyConfig());
    await executeRun({ tracker, run, worker: 'w', backend: info, hooks: evaluationHooks({ likelihoodOnly: true }) });
    const checkpoint = (await resumePoint(join(dir, 'runs', run.id)))?.dir as string;
    const weights = join(checkpoint, 'model.safetensors');
    const bytes = readFileSync(weights);
    bytes[bytes.length - 1] = bytes[bytes.length - 1] ^ 1;
    writeFileSync(weights, bytes);
    const { config } = await runConfigOf(run);
    const failure = loadTrainingCheckpoint(checkpoint, { configHash: configHash(config) });
    await expect(failure).rejects.toBeInstanceOf(TrainingCheckpointError);
    const message = await failure.then(
      () => '',
      (error: Error) => error.message,
    );
    expect(message.match(/checkpoint \//g)).toHaveLength(1);
    expect(message).toMatch(/^checkpoint .*step-000012: .*model\.safetensors.*SHA-256/);
  });

  it('a checkpoint state that cannot be read (not missing) is an error, not a reason to fall back', async () => {
    const { run, dir } = await startedRun(tinyConfig());
    const root = join(dir, 'runs', run.id, 'checkpoints');
    for (const step of ['step-000004', 'step-000008']) mkdirSync(join(root, step), { recursive: true });
    writeFileSync(
      join(root, 'step-000004', TRAINER_STATE_FILE),
      JSON.stringify({ format: 'ftlab-trainer-state', step: 4 }),
    );
    mkdirSync(join(root, 'step-000008', TRAINER_STATE_FILE)); // EISDIR on read, as an I/O error would
    writeFileSync(join(root, LATEST_FILE), 'step-000008\n');
    await expect(resumePoint(join(dir, 'runs', run.id))).rejects.toThrow(
      /step-000008: cannot read trainer-state.json \(EISDIR/,
    );
  });

  it('a run checkpointed before the model manifest was renamed (config.json) resumes to the same weights', async () => {
    const hooks = evaluationHooks({ likelihoodOnly: true });
    const { whole, run, dir, first, resume } = await stoppedAfterStep6(await backend(), hooks);
    expect(first).toEqual({ status: 'KILLED', step: 6 });
    // Every checkpoint put back into the layout written before the rename.
    const root = join(dir, 'runs', run.id, 'checkpoints');
    const steps = readdirSync(root).filter((e) => e.startsWith('step-'));
    expect(steps).toContain('step-000006');
    for (const step of steps) renameSync(join(root, step, 'ftlab-model.json'), join(root, step, 'config.json'));

    const second = await resume();
    expect(second).toMatchObject({ status: 'FINISHED', step: 12 });
    expect(await latestWeightsDigest(dir, run.id)).toBe(await latestWeightsDigest(whole.dir, whole.run.id));
    expect(readdirSync(join(root, 'step-000012')).sort()).toEqual([
      'ftlab-model.json',
      'model.safetensors',
      'optimizer.safetensors',
      'trainer-state.json',
    ]);
  });
});
