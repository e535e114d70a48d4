// Shared by the tests: a small Adam (the project's AdamW lives in @ftlab/training, which this
// package must not depend on), a trainer for tiny models, and weight randomisation so that
// untrained models have latents with a visible effect.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend, type Tensor, tf } from '@ftlab/backend';
import { Rng } from '@ftlab/contract';
import type { Batch, Dataset } from '@ftlab/data';
import { batchToTensors, createModel, lossAndGradients, type Model, type ModelConfigInput } from '@ftlab/model';
import { onTestFinished } from 'vitest';

export async function useWasm(): Promise<void> {
  await selectBackend('wasm');
  if (tf.getBackend() !== 'wasm') throw new Error('could not switch to the wasm engine');
}

export class Adam {
  private readonly moments = new Map<string, { m: Tensor; v: Tensor }>();
  private t = 0;

  constructor(
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {}

  step(model: Model, grads: Map<string, Tensor>): void {
    this.t++;
    const correction1 = 1 - this.beta1 ** this.t;
    const correction2 = 1 - this.beta2 ** this.t;
    for (const { name, variable } of model.variables) {
      const g = grads.get(name) as Tensor;
      const previous = this.moments.get(name) ?? { m: tf.zerosLike(g), v: tf.zerosLike(g) };
      const next = tf.tidy(() => {
        const m = tf.add(tf.mul(previous.m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(previous.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), this.eps));
        variable.assign(tf.sub(variable, tf.mul(update, this.lr)));
        return { m, v };
      });
      tf.dispose([previous.m, previous.v]);
      this.moments.set(name, next);
    }
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
  }
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
  const adam = new Adam(options.lr);
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
