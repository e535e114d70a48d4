// Loads what a stored run trained: its config, dataset (with the run's own tokenizer) and the
// model from its newest checkpoint.
import type { Dataset } from '@ftlab/data';
import { loadCheckpoint, type Model } from '@ftlab/model';
import type { Run } from '@ftlab/tracker';
import { latestCheckpointDir, type RunConfig, runConfigOf, runDirectory } from '@ftlab/training';

export interface LoadedRun {
  config: RunConfig;
  dataset: Dataset;
  model: Model;
  /** Optimizer steps behind the loaded weights. */
  step: number;
  runDir: string;
}

export async function loadRunModel(run: Run): Promise<LoadedRun> {
  if (!run.artifactRoot) throw new Error(`run ${run.id} records no artifact root: it has no checkpoints to load`);
  const runDir = runDirectory(run.artifactRoot, run.id);
  const dir = await latestCheckpointDir(runDir);
  if (dir === null) {
    throw new Error(
      `run ${run.id} has no checkpoint yet under ${runDir} (status ${run.status}, step ${run.lastStep ?? 0})`,
    );
  }
  const { config, dataset } = await runConfigOf(run);
  const model = await loadCheckpoint(dir, { expectConfig: config.model });
  const step = Number(/step-(\d+)$/.exec(dir)?.[1] ?? run.lastStep ?? 0);
  return { config, dataset, model, step, runDir };
}
