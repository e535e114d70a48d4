// Shared by the tests: a trainer for tiny models (with @ftlab/model's TestAdam: the project's
// AdamW lives in @ftlab/training, which this package must not depend on), and weight
// randomisation so that untrained models have latents with a visible effect.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend, tf } from '@ftlab/backend';
import { Rng } from '@ftlab/contract';
import type { Batch, Dataset } from '@ftlab/data';
import {
  batchToTensors,
  createModel,
  lossAndGradients,
  type Model,
  type ModelConfigInput,
  TestAdam,
} from '@ftlab/model';
import { onTestFinished } from 'vitest';

export async function useWasm(): Promise<void> {
  await selectBackend('wasm');
  if (tf.getBackend() !== 'wasm') throw new Error('could not switch to the wasm engine');
}

/** Trains `model` for `steps` Adam steps on the dataset's train stream; returns the losses. */
export function train(
  model: Model,
  dataset: Dataset,
  steps: number,
  options: { batchSize: number; lr: number },
): number[] {
  const sequenceLength = dataset.fixedSequenceLength ?? model.config.contextLength;
  const batches = dataset.batches('train', { batchSize: options.batchSize, sequenceLength });
  const adam = new TestAdam(options.lr);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const { inputs, targets } = batchToTensors(batches.next());
    const { grads, loss } = lossAndGradients(model, inputs, targets, { seed: 1000 + step });
    losses.push(loss);
    adam.step(model, grads);
    tf.dispose([inputs, targets, ...grads.values()]);
  }
  adam.dispose();
  return losses;
}

/** A model of the given config with freshly initialised weights. */
export function tinyModel(config: ModelConfigInput, seed = 1): Model {
  return createModel(config, seed);
}

/** Replaces every weight by a draw of standard deviation `scale` (norm gains around 1). */
export function randomizeWeights(model: Model, seed: number, scale = 0.4): void {
  const rng = Rng.fromSeed(seed);
  for (const { name, variable } of model.variables) {
    const values = new Float32Array(variable.size);
    const isNorm = name.endsWith('norm.weight');
    for (let i = 0; i < values.length; i++) values[i] = (isNorm ? 1 : 0) + rng.normal() * scale;
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
}

/** A batch from explicit rows of tokens (each row T + 1 tokens). */
export function batchOf(rows: number[][]): Batch {
  const length = rows[0]?.length ?? 0;
  const tokens = new Int32Array(rows.length * length);
  rows.forEach((row, i) => {
    tokens.set(row, i * length);
  });
  return { tokens, batchSize: rows.length, length };
}

/** A fresh directory under the system temp dir, removed when the test finishes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftlab-evaluation-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
