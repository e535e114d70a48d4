// Real runs that diverge, through the CLI and a real SQLite file: the run ends FAILED with the
// step and what was seen, the command exits non-zero with that message, and no checkpoint is
// written after the step that diverged.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '@ftlab/model';
import { describe, expect, it } from 'vitest';
import { ftlab, ftlabOk, latestCheckpointStep, tempDir, writeFile } from './helpers.js';

const EVALUATION = '{ every: 1000, batches: 1, batchSize: 4, priorSamples: 1, iwaeSamples: 2, finalRows: 4 }';

interface StatusRun {
  id: string;
  status: string;
  lastStep: number | null;
  failureReason: string | null;
}

async function trainToFailure(config: string) {
  const dir = tempDir();
  const db = join(dir, 'runs.db');
  const result = await ftlab(['train', writeFile(dir, 'run.yaml', config), '--db', db, '--no-evaluate']).done;
  const { runs } = JSON.parse(await ftlabOk(['status', '--db', db, '--json'])) as { runs: StatusRun[] };
  expect(runs).toHaveLength(1);
  const run = runs[0] as StatusRun;
  return { result, run, db, runDir: join(dir, 'ftlab-runs', run.id) };
}

/** Steps of the complete checkpoints a run has on disk. */
function checkpointSteps(runDir: string): number[] {
  return readdirSync(join(runDir, 'checkpoints'))
    .map((name) => /^step-(\d+)$/.exec(name)?.[1])
    .filter((step) => step !== undefined)
    .map(Number);
}

describe('a run that diverges', () => {
  it('at the largest allowed learning rate is stopped as FAILED with the step and what was seen', async () => {
    // lr 1 is the largest training.lr the schema accepts; held constant (minLr 1, no warmup, no
    // weight decay) it never learns: measured on this config, the median cross-entropy reaches
    // 12-26x its initial 3.4 within 20 steps on every engine (see divergence.ts). The absolute
    // ceiling is set far above the worst single step seen (190 nats) so that only the checks
    // relative to the run's own history can stop it, as with the 3.4 -> 53 run of issue 15.
    const { result, run, db, runDir } = await trainToFailure(`name: diverging
seed: 1
data: { kind: toy }
model: { variant: baseline, width: 64, layers: 2, heads: 2 }
training: { steps: 300, batchSize: 8, lr: 1, minLr: 1, warmupSteps: 0, weightDecay: 0, logEvery: 5, checkpointEvery: 5, divergenceLoss: 1000 }
evaluation: ${EVALUATION}
`);
    const reason =
      /diverged at step (\d+): cross-entropy (\d+\.\d+) \(median of the last 11 steps\) is (\d+\.\d)x the initial 3\.\d\d \(limit 8x, training\.divergence\.factor\); lower training\.lr \(1\) or raise training\.warmupSteps \(0\)/;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`run ${run.id} FAILED: ${reason.source}`));
    expect(run.status).toBe('FAILED');
    const [, step, median, ratio] = reason.exec(run.failureReason ?? '') ?? [];
    expect(run.failureReason).toMatch(new RegExp(`^${reason.source}$`));
    expect(Number(ratio)).toBeGreaterThan(8);
    expect(Number(median)).toBeGreaterThan(8 * Math.log(29));
    // The step that diverged was not applied, and nothing was checkpointed after it.
    expect(run.lastStep).toBe(Number(step) - 1);
    expect(Number(step)).toBeLessThan(300);
    expect(latestCheckpointStep(runDir)).toBeLessThanOrEqual(Number(step) - 1);
    expect(Math.max(...checkpointSteps(runDir))).toBeLessThanOrEqual(Number(step) - 1);
    // The plain status table says why, under the runs.
    expect(await ftlabOk(['status', '--db', db])).toMatch(
      new RegExp(`\\n\\nwhy:\\n  ${run.id} FAILED: diverged at step ${step}: cross-entropy`),
    );
  });

  it('to NaN is stopped at the step whose loss or gradient is not finite, before the update reaches the weights', async () => {
    // Decoupled weight decay multiplies the weights by 1 - lr * weightDecay = -999 each step: they
    // overflow within 5 steps and the gradients turn NaN, before the medians (11 steps) could see
    // anything; the absolute ceiling is out of the way, so the NaN check alone must stop it. With
    // a checkpoint every step, applying that update would checkpoint NaN weights.
    const { result, run, runDir } = await trainToFailure(`name: overflowing
seed: 5
data: { kind: toy }
model: { variant: free-transformer, width: 16, layers: 2, heads: 2, latentBits: 2, kappa: { bits: 0.25 } }
training: { steps: 40, batchSize: 4, warmupSteps: 2, lr: 1, weightDecay: 1000, logEvery: 1, checkpointEvery: 1, divergenceLoss: 1e30 }
evaluation: ${EVALUATION}
`);
    expect(result.code, result.stderr).toBe(1);
    expect(run.status).toBe('FAILED');
    // Every weight of the newest checkpoint is a number.
    const latest = latestCheckpointStep(runDir);
    const weights = await readSafetensors(
      join(runDir, 'checkpoints', `step-${String(latest).padStart(6, '0')}`, 'model.safetensors'),
    );
    for (const [name, tensor] of Object.entries(weights.tensors)) {
      expect((tensor.data as Float32Array).every(Number.isFinite), `${name} at step ${latest}`).toBe(true);
    }
    const reason =
      /^diverged at step (\d+): the (loss|cross-entropy|KL|gradient norm) is (NaN|Infinity|-Infinity); lower training\.lr \(1\) or raise training\.warmupSteps \(2\)$/;
    expect(result.stdout).toContain(`run ${run.id} FAILED: diverged at step`);
    expect(run.failureReason).toMatch(reason);
    const step = Number(reason.exec(run.failureReason ?? '')?.[1]);
    expect(run.lastStep).toBe(step - 1);
    expect(latest).toBe(step - 1);
  });
});
