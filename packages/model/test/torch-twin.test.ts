// Parity with the PyTorch twin (python/ftlab_torch), written independently from the spec: for
// every variant a checkpoint can hold, with random weights far from the initial ones, both
// implementations read the same checkpoint and the same tokens and must agree on the logits
// (1e-4 relative), per-token KL, CE and the loss (1e-5) with given Z, and draw the same codes
// from the encoder's bit probabilities and the same uniforms (b_h = 1 iff u_h < p_h).
// Trained checkpoints and the tokenizers are checked through the CLI (apps/cli/test/torch-twin.test.ts).
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '@ftlab/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createModel,
  lossAndGradients,
  type ModelConfigInput,
  parameterSpecs,
  posteriorUniforms,
  runPythonJson,
  saveCheckpoint,
  testPythonPath,
} from '../src/index.js';
import { randomizeWeights, randomTokens, tinyConfig, tokens2d, useEngine } from './helpers.js';

const PYTHON = testPythonPath("the PyTorch twin's parity tests", ['torch', 'numpy']);
const TWIN_PATH = fileURLToPath(new URL('../../../python', import.meta.url));
const BATCH = 2;
const TIME = 16;
const BITS = 3;
const SEED = 11;

const CASES: Array<[string, ModelConfigInput]> = [
  ['baseline', { variant: 'baseline' }],
  ['baseline, tied embeddings', { variant: 'baseline', tieEmbeddings: true }],
  ['baseline-plus-one', { variant: 'baseline-plus-one' }],
  ['free-transformer, m=1 of L=3, R before the norm', { layers: 3, encoderPlacement: 1 }],
  ['free-transformer, R after the norm, tied', { latentKvPath: 'after-norm', tieEmbeddings: true }],
  ['free-transformer, factored post-sampler', { layers: 3, encoderPlacement: 2, estimator: 'factored' }],
  ['free-transformer, sampled estimator', { estimator: 'sampled' }],
  ['cvae', { variant: 'cvae', cvaeEncoderLayers: 2 }],
];

type Grid = number[][];
interface TsSide {
  given: { logits: Grid[]; kl: Grid; ce: Grid; loss: number; codes: Grid };
  posterior: { logits: Grid[]; kl: Grid; loss: number; codes: Grid; probabilities: Grid[]; uniforms: Grid[] };
  latent: boolean;
  /** d loss / d parameter with Z from the posterior, in the checkpoint's layout ([out, in] for linear layers). */
  gradients: Record<string, number[] | Grid>;
}
interface TwinForward {
  logits: Grid[];
  codes: Grid;
  klPerToken: Grid;
  cePerToken: Grid;
  loss: number;
}

const ts = new Map<string, TsSide>();
interface TwinAnswers {
  given: TwinForward;
  posterior: TwinForward;
  /** Codes drawn from TS's bit probabilities and uniforms (latent models only). */
  drawn?: { codes: Grid };
  gradients: { loss: number; gradients: Record<string, number[] | Grid> };
}
const twin = new Map<string, TwinAnswers>();
const largest = { logitsRelative: 0, klPerToken: 0, cePerToken: 0, loss: 0, gradientsRelative: 0 };
const dirs: string[] = [];

/** fn's result; every tensor it created is disposed (tf.tidy returns only tensor containers). */
function withScope<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}

/** max |a - b| / max(1, |b|) over all elements (b: the reference). */
function maxRelative(a: unknown[], b: unknown[]): number {
  const x = a.flat(3) as number[];
  const y = b.flat(3) as number[];
  expect(x.length).toBe(y.length);
  return Math.max(0, ...x.map((v, i) => Math.abs(v - (y[i] as number)) / Math.max(1, Math.abs(y[i] as number))));
}

function maxAbsolute(a: unknown[], b: unknown[]): number {
  const x = a.flat(3) as number[];
  const y = b.flat(3) as number[];
  expect(x.length).toBe(y.length);
  return Math.max(0, ...x.map((v, i) => Math.abs(v - (y[i] as number))));
}

describe.skipIf(PYTHON === undefined)('the PyTorch twin reads every kind of checkpoint as @ftlab/model does', () => {
  beforeAll(async () => {
    await useEngine('wasm');
    const requests: unknown[][] = [];
    for (const [name, overrides] of CASES) {
      const config = tinyConfig({
        vocabSize: 11,
        width: 16,
        mlpWidth: 24,
        contextLength: TIME,
        latentBits: BITS,
        kappa: { nats: 0.3 },
        zeroInitPostSampler: false,
        ...overrides,
      });
      const model = createModel(config, 1);
      randomizeWeights(model, 2, 0.3);
      const dir = await mkdtemp(join(tmpdir(), 'ftlab-twin-'));
      dirs.push(dir);
      await saveCheckpoint(dir, model);
      const tokens = randomTokens(BATCH, TIME, config.vocabSize, 3);
      const targets = randomTokens(BATCH, TIME, config.vocabSize, 4);
      const codes = randomTokens(BATCH, TIME, 2 ** BITS, 5);
      const side = withScope(() => {
        const inputs = tokens2d(tokens, BATCH, TIME);
        const goal = tokens2d(targets, BATCH, TIME);
        const given = model.forward(inputs, goal, { seed: 1, z: { mode: 'given', codes } });
        const posterior = model.forward(inputs, goal, { seed: SEED });
        const uniforms = posteriorUniforms(BATCH, TIME, BITS, SEED);
        return {
          given: {
            logits: given.logits.arraySync(),
            kl: given.klPerToken.arraySync(),
            ce: given.cePerToken.arraySync(),
            loss: given.loss.arraySync(),
            codes: given.codes.arraySync(),
          },
          posterior: {
            logits: posterior.logits.arraySync(),
            kl: posterior.klPerToken.arraySync(),
            loss: posterior.loss.arraySync(),
            codes: posterior.codes.arraySync(),
            probabilities: posterior.bitLogits ? tf.sigmoid(posterior.bitLogits).arraySync() : [],
            uniforms: uniforms.arraySync(),
          },
          latent: posterior.bitLogits !== undefined,
        } as TsSide;
      });
      // Training through the twin: the same gradients, each estimator's, from the same posterior draw.
      side.gradients = withScope(() => {
        const { grads } = lossAndGradients(model, tokens2d(tokens, BATCH, TIME), tokens2d(targets, BATCH, TIME), {
          seed: SEED,
        });
        const out: Record<string, number[] | Grid> = {};
        for (const spec of parameterSpecs(model.config)) {
          const grad = grads.get(spec.name) as tf.Tensor;
          out[spec.name] = (spec.linear ? tf.transpose(grad) : grad).arraySync() as number[] | Grid;
        }
        return out;
      });
      model.dispose();
      ts.set(name, side);
      const rows = (values: Int32Array) => [Array.from(values.slice(0, TIME)), Array.from(values.slice(TIME))];
      const common = { op: 'forward', checkpoint: dir, tokens: rows(tokens), targets: rows(targets) };
      const { probabilities, uniforms } = side.posterior;
      requests.push([
        { ...common, z: rows(codes) },
        { ...common, z: 'posterior', uniforms },
        { ...common, op: 'gradients', z: 'posterior', uniforms },
        ...(side.latent ? [{ op: 'draw_codes', probabilities, uniforms }] : []),
      ]);
    }
    // One Python process for every case: torch takes a second to import.
    const answers = runPythonJson(PYTHON as string, ['-m', 'ftlab_torch', 'json'], requests.flat(), TWIN_PATH);
    let next = 0;
    CASES.forEach(([name], i) => {
      const [given, posterior, gradients, drawn] = (answers as unknown[]).slice(
        next,
        next + (requests[i] as unknown[]).length,
      );
      next += (requests[i] as unknown[]).length;
      twin.set(name, { given, posterior, gradients, drawn } as TwinAnswers);
    });
  }, 120_000);

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    console.log(
      `PyTorch twin vs @ftlab/model, random weights, largest differences: logits ${largest.logitsRelative.toExponential(2)} ` +
        `(relative), KL per token ${largest.klPerToken.toExponential(2)}, CE per token ${largest.cePerToken.toExponential(2)}, ` +
        `loss ${largest.loss.toExponential(2)} (nats), gradients ${largest.gradientsRelative.toExponential(2)} (relative to each tensor's largest)`,
    );
  });

  it.each(CASES.map(([name]) => name))('%s: same logits, KL, CE and loss with given Z', (name) => {
    const ours = ts.get(name) as TsSide;
    const theirs = (twin.get(name) as TwinAnswers).given;
    const logits = maxRelative(theirs.logits, ours.given.logits);
    const kl = maxAbsolute(theirs.klPerToken, ours.given.kl);
    const ce = maxAbsolute(theirs.cePerToken, ours.given.ce);
    const loss = Math.abs(theirs.loss - ours.given.loss);
    largest.logitsRelative = Math.max(largest.logitsRelative, logits);
    largest.klPerToken = Math.max(largest.klPerToken, kl);
    largest.cePerToken = Math.max(largest.cePerToken, ce);
    largest.loss = Math.max(largest.loss, loss);
    expect(logits).toBeLessThan(1e-4);
    expect(kl).toBeLessThan(1e-5);
    expect(ce).toBeLessThan(1e-5);
    expect(loss).toBeLessThan(1e-5);
    // Nothing is trivially zero: the weights are random, and a latent model's Z matters.
    expect(Math.max(...(ours.given.logits.flat(2) as number[]).map(Math.abs))).toBeGreaterThan(1);
    if (ours.latent) {
      expect(Math.max(...ours.given.kl.flat())).toBeGreaterThan(0.05);
      expect(maxAbsolute(ours.posterior.logits, ours.given.logits)).toBeGreaterThan(1e-2);
    }
  });

  it.each(CASES.filter(([, c]) => c.variant !== 'baseline' && c.variant !== 'baseline-plus-one').map(([n]) => n))(
    '%s: the same codes from the same bit probabilities and uniforms',
    (name) => {
      const ours = ts.get(name) as TsSide;
      const theirs = twin.get(name) as TwinAnswers;
      // The rule alone (TS's probabilities and uniforms): exact.
      expect(theirs.drawn?.codes).toEqual(ours.posterior.codes);
      // End to end: the twin's own encoder, the same uniforms.
      expect(theirs.posterior.codes).toEqual(ours.posterior.codes);
      expect(new Set(ours.posterior.codes.flat()).size).toBeGreaterThan(2);
      const logits = maxRelative(theirs.posterior.logits, ours.posterior.logits);
      const kl = maxAbsolute(theirs.posterior.klPerToken, ours.posterior.kl);
      const loss = Math.abs(theirs.posterior.loss - ours.posterior.loss);
      largest.logitsRelative = Math.max(largest.logitsRelative, logits);
      largest.klPerToken = Math.max(largest.klPerToken, kl);
      largest.loss = Math.max(largest.loss, loss);
      expect(logits).toBeLessThan(1e-4);
      expect(kl).toBeLessThan(1e-5);
      expect(loss).toBeLessThan(1e-5);
    },
  );

  it.each(CASES.map(([name]) => name))(
    '%s: the same gradients of the loss (training through the twin), Z from the posterior',
    (name) => {
      const ours = (ts.get(name) as TsSide).gradients;
      const theirs = (twin.get(name) as TwinAnswers).gradients.gradients;
      expect(Object.keys(theirs).sort()).toEqual(Object.keys(ours).sort());
      for (const [parameter, grad] of Object.entries(ours)) {
        const values = [grad].flat(2) as number[];
        const scale = Math.max(...values.map(Math.abs));
        const difference = maxAbsolute([theirs[parameter]], [grad]) / Math.max(scale, 1e-6);
        largest.gradientsRelative = Math.max(largest.gradientsRelative, difference);
        expect(difference, parameter).toBeLessThan(1e-4);
      }
    },
  );

  it('the twin refuses a damaged or foreign checkpoint, saying which file and what to do', async () => {
    const dir = dirs[0] as string;
    const info = (path: string) =>
      spawnSync(PYTHON as string, ['-m', 'ftlab_torch', 'info', path], {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: TWIN_PATH },
      });
    expect(info(dir).status).toBe(0);
    const damaged = await mkdtemp(join(tmpdir(), 'ftlab-twin-bad-'));
    dirs.push(damaged);
    await cp(dir, damaged, { recursive: true });
    const weights = join(damaged, 'model.safetensors');
    const bytes = await readFile(weights);
    bytes[bytes.length - 1] ^= 1;
    await writeFile(weights, bytes);
    let result = info(damaged);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /model\.safetensors has SHA-256 \w+, but .*ftlab-model\.json records \w+: the file is corrupt/,
    );
    // A config field the twin does not know may change what the weights compute: refused, not ignored.
    const manifest = JSON.parse(await readFile(join(dir, 'ftlab-model.json'), 'utf8'));
    manifest.config.newIdea = true;
    await writeFile(join(damaged, 'ftlab-model.json'), JSON.stringify(manifest));
    result = info(damaged);
    expect(result.stderr).toMatch(
      /ftlab-model\.json: its config cannot be used \(.*fields this twin does not know: newIdea/,
    );
    // transformers' config.json alone is not an ftlab manifest.
    await rm(join(damaged, 'ftlab-model.json'));
    await writeFile(join(damaged, 'config.json'), JSON.stringify({ model_type: 'llama' }));
    result = info(damaged);
    expect(result.stderr).toMatch(
      /no ftlab manifest \(ftlab-model\.json, or a config\.json with format .ftlab-model-checkpoint.\)/,
    );
  });
});
