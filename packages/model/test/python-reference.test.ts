// An independent NumPy implementation (scripts/numpy_reference.py) reads a saved checkpoint with
// Hugging Face names and torch.nn.Linear layouts and must reproduce the model's logits: this is
// what a Python user loading our checkpoints relies on. Without a Python with NumPy it skips and
// says how to install one, except under CI, where it fails (testPython).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { TransformerModel } from '../src/free-transformer.js';
import { createModel, type ModelConfigInput, saveCheckpoint, testPythonPath } from '../src/index.js';
import { randomizeWeights, randomTokens, tinyConfig, tokens2d, useEngine } from './helpers.js';

const script = fileURLToPath(new URL('../scripts/numpy_reference.py', import.meta.url));
const PYTHON = testPythonPath('the NumPy reference tests', ['numpy']);
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(PYTHON === undefined)('checkpoints read by an independent NumPy implementation', () => {
  it.each([
    ['baseline', { variant: 'baseline' }],
    ['baseline with tied embeddings', { variant: 'baseline', tieEmbeddings: true }],
    ['free-transformer with pinned codes', { variant: 'free-transformer', layers: 3, encoderPlacement: 1 }],
    ['free-transformer, R after the norm', { variant: 'free-transformer', latentKvPath: 'after-norm' }],
  ] as Array<[string, ModelConfigInput]>)('reproduce the logits of the %s', async (_, overrides) => {
    await useEngine('wasm');
    const config = tinyConfig({ zeroInitPostSampler: false, latentBits: 3, ...overrides });
    const model = createModel(config, 1) as TransformerModel;
    randomizeWeights(model, 2, 0.5);
    const dir = await mkdtemp(join(tmpdir(), 'ftlab-numpy-'));
    dirs.push(dir);
    await saveCheckpoint(dir, model);
    const tokens = Array.from(randomTokens(2, 6, config.vocabSize, 3));
    const codes = Array.from(randomTokens(2, 6, 8, 4));
    const rows = [tokens.slice(0, 6), tokens.slice(6)];
    const codeRows = [codes.slice(0, 6), codes.slice(6)];
    const out = model.forward(tokens2d(tokens, 2, 6), null, {
      seed: 1,
      z: { mode: 'given', codes: Int32Array.from(codes) },
    });
    const reference = JSON.parse(
      execFileSync(PYTHON as string, [script, dir, JSON.stringify({ tokens: rows, codes: codeRows })], {
        encoding: 'utf8',
      }),
    ) as { logits: number[][][]; bitLogits: Array<number[][] | null> };
    const ours = out.logits.arraySync() as number[][][];
    const diff = Math.max(...ours.flat(2).map((v, i) => Math.abs(v - reference.logits.flat(2)[i])));
    expect(diff).toBeLessThan(1e-4);
    if (out.bitLogits) {
      const bits = out.bitLogits.arraySync() as number[][][];
      const bitDiff = Math.max(
        ...bits.flat(2).map((v, i) => Math.abs(v - (reference.bitLogits as number[][][]).flat(2)[i])),
      );
      expect(bitDiff).toBeLessThan(1e-4);
    }
    model.dispose();
  });
});
