import { join } from 'node:path';
import { openTracker } from '@ftlab/tracker';
import { expect, it } from 'vitest';
import { evaluationHooks, executeRun, runInput, runWorker } from '../src/index.js';
import { backend, tempDir, tinyConfig } from './helpers.js';

it("a worker that cannot reach a run's files hands it back to the queue, and stops once only such runs are left", async () => {
  const info = await backend();
  const dir = tempDir();
  const tracker = await openTracker(join(dir, 'tracker.db'));
  try {
    const { sweep } = await tracker.ensureSweep({ name: 'unreachable', method: 'grid', space: {} });
    // A path below a regular file: no process on this machine can create it.
    const artifactRoot = join(dir, 'tracker.db', 'runs');
    await tracker.createRuns(
      sweep.id,
      [1, 2].map((seed) =>
        runInput(
          tinyConfig((t) => t.replace('seed: 5', `seed: ${seed}`)),
          { artifactRoot },
        ),
      ),
    );

    const run = await tracker.claimNextRun(sweep.id, 'w1');
    const outcome = await executeRun({
      tracker,
      run: run!,
      worker: 'w1',
      backend: info,
      hooks: evaluationHooks({ likelihoodOnly: true }),
    });
    expect(outcome).toMatchObject({ status: 'RELEASED', step: 0 });
    expect((outcome as { reason: string }).reason).toMatch(
      /cannot use the run's files at .*tracker\.db\/runs\/\w+ from .*: ENOTDIR/,
    );
    const after = await tracker.getRun(run!.id);
    expect(after).toMatchObject({ status: 'PENDING', resumeCount: 0, worker: null });

    const summary = await runWorker({ tracker, sweepId: sweep.id, worker: 'w2', backend: info, pollMs: 50 });
    expect(summary.stoppedBy).toBe('empty-queue');
    expect(summary.runs.map((r) => r.status)).toEqual(['RELEASED', 'RELEASED']); // each tried once, none twice
    expect((await tracker.listRuns({ sweepId: sweep.id, status: 'PENDING' })).total).toBe(2);
  } finally {
    await tracker.close();
  }
});

it('a run whose final evaluation throws is FAILED with the reason, and the worker goes on with the next run', async () => {
  const info = await backend();
  const dir = tempDir();
  const tracker = await openTracker(join(dir, 'tracker.db'));
  try {
    const { sweep } = await tracker.ensureSweep({ name: 'broken-eval', method: 'grid', space: {} });
    await tracker.createRuns(
      sweep.id,
      [1, 2].map((seed) =>
        runInput(
          tinyConfig((t) => t.replace('seed: 5', `seed: ${seed}`)),
          { artifactRoot: join(dir, 'runs') },
        ),
      ),
    );
    let evaluations = 0;
    const summary = await runWorker({
      tracker,
      sweepId: sweep.id,
      worker: 'w1',
      backend: info,
      pollMs: 50,
      hooks: {
        finalEvaluation: async () => {
          evaluations += 1;
          if (evaluations === 1) throw new RangeError('the benchmark file is corrupt');
        },
      },
    });
    expect(summary.stoppedBy).toBe('empty-queue');
    expect(summary.runs.map((r) => r.status)).toEqual(['FAILED', 'FINISHED']);
    const runs = (await tracker.listRuns({ sweepId: sweep.id })).runs;
    const failed = runs.find((r) => r.status === 'FAILED');
    expect(failed?.failureReason).toBe('RangeError: the benchmark file is corrupt');
    expect(runs.filter((r) => r.status === 'FINISHED')).toHaveLength(1);
  } finally {
    await tracker.close();
  }
});
