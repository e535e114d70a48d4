import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openTracker, type Run, type Tracker } from '@ftlab/tracker';
import { expect, it } from 'vitest';
import type { RunEvaluationHooks } from '../src/execute-run.js';
import { evaluationHooks, executeRun, runInput, runWorker, type TrainOutcome } from '../src/index.js';
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

/**
 * Two runs on one worker whose first final evaluation throws `error`: the worker's summary, the
 * runs as the tracker holds them, and the failed run's notes.
 */
async function sweepWithFailingEvaluation(error: Error) {
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
          if (evaluations === 1) throw error;
        },
      },
    });
    const runs = (await tracker.listRuns({ sweepId: sweep.id })).runs;
    const failed = runs.find((r) => r.status === 'FAILED');
    const notes = failed ? (await tracker.getRun(failed.id)).notes.map((n) => n.text) : [];
    return { summary, runs, failed, notes };
  } finally {
    await tracker.close();
  }
}

it('a run whose final evaluation throws is FAILED with the reason, and the worker goes on with the next run', async () => {
  const { summary, runs, failed } = await sweepWithFailingEvaluation(new RangeError('the benchmark file is corrupt'));
  expect(summary.stoppedBy).toBe('empty-queue');
  expect(summary.runs.map((r) => r.status)).toEqual(['FAILED', 'FINISHED']);
  expect(failed?.failureReason).toBe('RangeError: the benchmark file is corrupt');
  expect(runs.filter((r) => r.status === 'FINISHED')).toHaveLength(1);
});

// A corpus that changed before resume, with both fingerprints and the path: ~1,300 characters.
const LONG_REASON = `the corpus changed since the run started: ${'sha256 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef vs fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210; '.repeat(8)}restore /data/corpus.txt or start a new run`;

it('a failure whose reason is long is recorded (cut, whole in a note) and the queue goes on', async () => {
  const { summary, runs, failed, notes } = await sweepWithFailingEvaluation(new RangeError(LONG_REASON));
  expect(summary.stoppedBy).toBe('empty-queue');
  expect(summary.runs.map((r) => r.status)).toEqual(['FAILED', 'FINISHED']);
  // Before, the tracker refused a reason over 250 characters, the refusal was swallowed, the run
  // stayed RUNNING without a reason and the worker stopped.
  expect(failed?.failureReason?.startsWith(`RangeError: ${LONG_REASON}`.slice(0, 1000))).toBe(true);
  expect(failed?.failureReason).toMatch(/\[cut at 1000 of \d+ characters; the whole reason is in the run's notes\]$/);
  expect(notes).toContain(`failure reason (whole):\nRangeError: ${LONG_REASON}`);
  expect(runs.filter((r) => r.status === 'FINISHED')).toHaveLength(1);
});

/**
 * One run of the tiny config, claimed by worker "w1" and executed with `hooks`, which get
 * `takeOver()`: what happens while w1 is stopped: its heartbeat goes stale and "w2" claims the run.
 */
async function executedWhileTakenOver(
  makeHooks: (takeOver: () => Promise<void>) => RunEvaluationHooks,
  check: (outcome: TrainOutcome, tracker: Tracker, run: Run, dir: string) => Promise<void>,
) {
  const info = await backend();
  const dir = tempDir();
  const tracker = await openTracker(join(dir, 'tracker.db'));
  try {
    const { sweep } = await tracker.ensureSweep({ name: 'taken-over', method: 'grid', space: {} });
    await tracker.createRuns(sweep.id, [runInput(tinyConfig(), { artifactRoot: join(dir, 'runs') })]);
    const run = (await tracker.claimNextRun(sweep.id, 'w1')) as Run;
    const takeOver = async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await tracker.markStaleRuns(1, { runId: run.id });
      await tracker.requeueRun(run.id);
      await tracker.claimRun(run.id, 'w2');
    };
    const outcome = await executeRun({ tracker, run, worker: 'w1', backend: info, hooks: makeHooks(takeOver) });
    await check(outcome, tracker, run, dir);
    expect(await tracker.getRun(run.id)).toMatchObject({ status: 'RUNNING', worker: 'w2', failureReason: null });
  } finally {
    await tracker.close();
  }
}

it('a worker whose run was taken over while it was stopped reports the run LOST, not the error it then hit', async () => {
  await executedWhileTakenOver(
    (takeOver) => ({
      finalEvaluation: async ({ runDir }) => {
        await takeOver();
        // w1, woken, trips over a file w2 has replaced meanwhile.
        await readFile(join(runDir, 'checkpoints', 'step-000004', 'gone-meanwhile'));
      },
    }),
    async (outcome) => {
      expect(outcome.status).toBe('LOST');
      expect((outcome as { reason: string }).reason).toMatch(/w2.*\(this worker then failed with: Error: ENOENT/s);
    },
  );
});

it('a worker that lost its run while stopped writes no checkpoint over the new owner’s files', async () => {
  await executedWhileTakenOver(
    (takeOver) => ({
      // Validation at step 4 comes right before the step-4 checkpoint: the takeover happens in
      // between, faster than w1's next heartbeat (every 5 s) could notice it.
      validate: () => async (_model, step) => {
        if (step === 4) await takeOver();
        return {};
      },
    }),
    async (outcome, _tracker, run, dir) => {
      expect(outcome).toMatchObject({ status: 'LOST', step: 4 });
      expect(existsSync(join(dir, 'runs', run.id, 'checkpoints'))).toBe(false);
    },
  );
});
