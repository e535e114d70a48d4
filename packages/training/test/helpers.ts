import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendInfo, nativeTestSkipReason, selectBackend } from '@ftlab/backend';
import { openTracker, type Run, type Tracker } from '@ftlab/tracker';
import { onTestFinished } from 'vitest';
import { parseRunConfig } from '../src/config.js';
import type { RunEvaluationHooks } from '../src/execute-run.js';
import { checkpointDigest, executeRun, latestCheckpointDir, type RunConfig, runInput } from '../src/index.js';

export const TINY = `
name: tiny
seed: 5
data: { kind: toy }
model: { variant: free-transformer, width: 16, layers: 2, heads: 2, latentBits: 2, kappa: { bits: 0.25 } }
training: { steps: 12, batchSize: 4, warmupSteps: 2, lr: 0.01, logEvery: 2, checkpointEvery: 4 }
evaluation: { every: 4, batches: 1, batchSize: 4, priorSamples: 2, iwaeSamples: 2, finalRows: 8, zGroups: 2, zGroupSize: 2 }
`;

export function tinyConfig(overrides: (text: string) => string = (t) => t): RunConfig {
  return parseRunConfig(overrides(TINY), 'tiny.yaml').config;
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftlab-training-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Why the native engine is not tested here (its addon is not built), or null when it is. */
export const NATIVE_SKIP_REASON = nativeTestSkipReason();
/** Every engine we ship that works on this machine. */
export const ENGINES = NATIVE_SKIP_REASON === null ? (['native', 'wasm', 'cpu'] as const) : (['wasm', 'cpu'] as const);

export async function backend(name: 'native' | 'wasm' | 'cpu' = 'wasm'): Promise<BackendInfo> {
  return selectBackend(name);
}

/** A tracker on a new database and a RUNNING standalone run of `config`, held by worker "w". */
export async function startedRun(config: RunConfig): Promise<{ tracker: Tracker; run: Run; dir: string }> {
  const dir = tempDir();
  const tracker = await openTracker(join(dir, 'tracker.db'));
  onTestFinished(() => tracker.close().catch(() => undefined));
  const run = await tracker.startRun({ ...runInput(config, { artifactRoot: join(dir, 'runs') }), worker: 'w' });
  return { tracker, run, dir };
}

/**
 * The resume experiment on the tiny config: one run to the end uninterrupted (`whole`), and one
 * (`tracker`, `run`, `dir`) stopped by its worker after step 6 with outcome `first`; `resume()`
 * re-queues that one and runs it to the end on worker "w2", returning the outcome.
 */
export async function stoppedAfterStep6(info: BackendInfo, hooks: RunEvaluationHooks) {
  const whole = await startedRun(tinyConfig());
  await executeRun({ tracker: whole.tracker, run: whole.run, worker: 'w', backend: info, hooks });

  const { tracker, run, dir } = await startedRun(tinyConfig());
  const stop = new AbortController();
  const first = await executeRun({
    tracker,
    run,
    worker: 'w',
    backend: info,
    hooks,
    signal: stop.signal,
    onProgress: (p) => {
      if (p.step >= 6) stop.abort();
    },
  });
  const resume = async () => {
    await tracker.requeueRun(run.id);
    const resumed = await tracker.claimRun(run.id, 'w2');
    return executeRun({ tracker, run: resumed, worker: 'w2', backend: info, hooks });
  };
  return { whole, tracker, run, dir, first, resume };
}

/** Digest of the weights and optimizer moments in a run's newest checkpoint. */
export async function latestWeightsDigest(dir: string, runId: string): Promise<string> {
  const latest = await latestCheckpointDir(join(dir, 'runs', runId));
  if (!latest) throw new Error(`run ${runId} has no checkpoint`);
  return checkpointDigest(latest);
}

/** Every point of the deterministic metric keys (not times or speeds), as [key, step, value]. */
export async function deterministicSeries(
  tracker: Tracker,
  runId: string,
): Promise<Array<[string, number, number | null]>> {
  const out: Array<[string, number, number | null]> = [];
  for (const key of await tracker.metricKeys(runId)) {
    if (key.endsWith('tokens_per_sec') || key.endsWith('ms_per_step')) continue;
    for (const p of await tracker.metricHistory(runId, key)) out.push([key, p.step, p.value]);
  }
  return out;
}
