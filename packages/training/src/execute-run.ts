// One run from claim to its end state: rebuild the dataset (with the run's saved tokenizer),
// train or resume, evaluate, and record the outcome in the tracker. Used by `ftlab train`,
// `ftlab resume` and every sweep worker, so all three behave the same way.
import { constants, existsSync } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendInfo } from '@ftlab/backend';
import { createDataset, type Dataset, type TokenizerJson } from '@ftlab/data';
import { type Model, writeFileAtomic } from '@ftlab/model';
import { type Run, RunStateError, type Tracker } from '@ftlab/tracker';
import { checkpointsDir, LATEST_FILE, resumePoint, TRAINER_STATE_FILE } from './checkpoint.js';
import { type RunConfig, resolveRunConfig } from './config.js';
import { runEnvironment } from './environment.js';
import { Heartbeat } from './heartbeat.js';
import { configHash, runDirectory } from './run-record.js';
import { type Progress, type TrainOutcome, train, type Validator } from './trainer.js';

export const TOKENIZER_FILE = 'tokenizer.json';

export interface RunEvaluationHooks {
  /** Periodic validation metrics. */
  validate?: (context: { config: RunConfig; dataset: Dataset }) => Validator;
  /** The evaluation after the last step (likelihood bounds, Z diagnostics, benchmarks). */
  finalEvaluation?: (context: {
    tracker: Tracker;
    run: Run;
    config: RunConfig;
    dataset: Dataset;
    model: Model;
    step: number;
    runDir: string;
  }) => Promise<void>;
}

export interface ExecuteRunOptions {
  tracker: Tracker;
  /** A RUNNING run this process holds (claimed, started or resumed). */
  run: Run;
  worker?: string;
  backend: BackendInfo;
  hooks?: RunEvaluationHooks;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  heartbeatMs?: number;
}

/** Rebuilds a stored run's config and dataset; the tokenizer saved with the run is reused. */
export async function runConfigOf(run: Run): Promise<{ config: RunConfig; dataset: Dataset }> {
  const { config } = resolveRunConfig(run.config, `run ${run.id}`);
  let tokenizerJson: TokenizerJson | undefined;
  const saved = run.artifactRoot ? join(runDirectory(run.artifactRoot, run.id), TOKENIZER_FILE) : null;
  if (saved && existsSync(saved)) tokenizerJson = JSON.parse(await readFile(saved, 'utf8')) as TokenizerJson;
  const dataset = createDataset(config.data, { seed: config.seed, ...(tokenizerJson ? { tokenizerJson } : {}) });
  return { config, dataset };
}

/**
 * Throws unless this process can use a run's directory: create it, write in it, and read its
 * newest checkpoint if it has one. With a shared database, workers on other machines see the
 * run's artifact root only if it is on a shared filesystem.
 */
export async function checkRunDirectory(runDir: string): Promise<void> {
  await mkdir(runDir, { recursive: true });
  const probe = join(runDir, `.probe-${process.pid}`);
  await writeFile(probe, '');
  await rm(probe, { force: true });
  // Readable is all this checks (unreadable here, the run may be readable on another machine):
  // which checkpoint to resume from when LATEST names a folder that is gone is the trainer's
  // decision (resumePoint), and a problem there fails the run instead of releasing it.
  const latest = join(checkpointsDir(runDir), LATEST_FILE);
  if (!existsSync(latest)) return;
  const named = join(checkpointsDir(runDir), (await readFile(latest, 'utf8')).trim(), TRAINER_STATE_FILE);
  if (existsSync(named)) await access(named, constants.R_OK);
}

export async function executeRun(options: ExecuteRunOptions): Promise<TrainOutcome> {
  const { tracker, run, worker } = options;
  const guard = worker === undefined ? {} : { worker };
  if (!run.artifactRoot) throw new Error(`run ${run.id} has no artifact root: it cannot checkpoint anywhere`);
  const runDir = runDirectory(run.artifactRoot, run.id);
  const env = runEnvironment();
  try {
    await checkRunDirectory(runDir);
  } catch (error) {
    const reason = `cannot use the run's files at ${runDir} from ${env.host}: ${(error as Error).message}`;
    if (worker === undefined) throw new Error(reason);
    await tracker.releaseRun(run.id, worker, reason);
    return { status: 'RELEASED', step: run.lastStep ?? 0, reason };
  }
  await tracker.recordRunEnvironment(
    run.id,
    {
      backend: options.backend.name,
      host: env.host,
      gitCommit: env.gitCommit,
      gitDirty: env.gitDirty,
      packageVersions: { node: env.node, ...env.packages },
    },
    guard,
  );
  const heartbeat = new Heartbeat(tracker, run.id, guard, options.heartbeatMs ?? 5000).start();
  let outcome: TrainOutcome;
  try {
    // A resumed run continues from its checkpoint, usually before the step its last heartbeat
    // reported: report that step from the start (status, the failure step), and say so when LATEST
    // could not be followed.
    const from = await resumePoint(runDir);
    heartbeat.step = from?.step ?? 0;
    if (from?.fallback) await tracker.addNote(run.id, `resume: ${from.fallback}`, 'ftlab worker');
    const { config, dataset } = await runConfigOf(run);
    const tokenizerPath = join(runDir, TOKENIZER_FILE);
    if (!existsSync(tokenizerPath))
      await writeFileAtomic(tokenizerPath, `${JSON.stringify(dataset.tokenizer.toJSON())}\n`);
    outcome = await train({
      tracker,
      runId: run.id,
      config,
      configHash: configHash(config),
      dataset,
      artifactRoot: runDir,
      ...(worker === undefined ? {} : { worker }),
      ...(options.hooks?.validate ? { validate: options.hooks.validate({ config, dataset }) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      lost: heartbeat.signal,
      confirmOwnership: () => heartbeat.confirm(),
      onProgress: (progress) => {
        heartbeat.step = progress.step;
        options.onProgress?.(progress);
      },
    });
    if (outcome.status === 'FINISHED') {
      try {
        await options.hooks?.finalEvaluation?.({
          tracker,
          run,
          config,
          dataset,
          model: outcome.model,
          step: outcome.step,
          runDir,
        });
      } finally {
        outcome.model.dispose();
      }
    }
  } catch (error) {
    await heartbeat.stop();
    if (error instanceof RunStateError) return { status: 'LOST', step: run.lastStep ?? 0, reason: error.message };
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    try {
      await tracker.failRun(run.id, reason, heartbeat.step, guard);
    } catch (recordError) {
      // A run another worker holds now is not ours to mark: this process was stopped or cut off
      // long enough for the run to be taken over, and what failed here (often a file the other
      // worker replaced) is a consequence of that. Report the loss, not the error.
      if (recordError instanceof RunStateError) {
        return {
          status: 'LOST',
          step: heartbeat.step ?? run.lastStep ?? 0,
          reason: `${recordError.message} (this worker then failed with: ${reason})`,
        };
      }
      // Anything else means the failure is not recorded: say so with both errors instead of
      // leaving it RUNNING silently.
      throw new Error(
        `run ${run.id} failed (${reason}) and the failure could not be recorded: ${(recordError as Error).message}`,
        { cause: error },
      );
    }
    throw error;
  }
  await heartbeat.stop();
  if (heartbeat.lost && outcome.status !== 'LOST')
    return { status: 'LOST', step: outcome.step, reason: heartbeat.lost };
  switch (outcome.status) {
    case 'FINISHED':
      await tracker.finishRun(run.id, outcome.step, guard);
      break;
    case 'FAILED':
      await tracker.failRun(run.id, outcome.reason, outcome.step, guard);
      break;
    case 'KILLED':
      await tracker.killRun(run.id, `stopped at step ${outcome.step} (checkpointed; resumable)`, outcome.step);
      break;
    case 'LOST':
    case 'RELEASED':
      break;
  }
  return outcome;
}
