import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendInfo, nativeTestSkipReason, selectBackend } from '@ftlab/backend';
import { openTracker, type Run, type Tracker } from '@ftlab/tracker';
import { onTestFinished } from 'vitest';
import { checkpointDigest, latestCheckpointDir, parseRunConfig, type RunConfig, runInput } from '../src/index.js';

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
