// Parity with the PyTorch twin (python/ftlab_torch), written independently from the spec: for
// every variant a checkpoint can hold, with random weights far from the initial ones, both
// implementations read the same checkpoint and the same tokens and must agree on the logits
// (1e-4 relative), per-token KL, log Q, CE and the loss (1e-5) with given Z, and draw the same
// codes from the encoder's bit probabilities and the same uniforms (b_h = 1 iff u_h < p_h), on
// every engine here (native, the default and CI's; wasm; cpu): the models are tiny, so all three
// cost about as much as one. Trained checkpoints and the tokenizers are checked through the CLI
// (apps/cli/test/torch-twin.test.ts).
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '@ftlab/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createModel,
  loadCheckpoint,
  lossAndGradients,
  type Model,
  type ModelConfigInput,
  posteriorUniforms,
  runPythonJson,
  saveCheckpoint,
  testPythonPath,
} from '../src/index.js';
import { parameterSpecs } from '../src/parameters.js';
import { sha256Hex } from '../src/safetensors.js';
import {
  ENGINES,
  NATIVE_SKIP_REASON,
  randomizeWeights,
  randomTokens,
  tinyConfig,
  tokens2d,
  useEngine,
} from './helpers.js';

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
const hasLatent = (config: ModelConfigInput) => config.variant !== 'baseline' && config.variant !== 'baseline-plus-one';

type Grid = number[][];
type SafetensorsHeader = Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
interface TsSide {
  given: { logits: Grid[]; kl: Grid; logQ: Grid; ce: Grid; loss: number; codes: Grid };
  posterior: { logits: Grid[]; kl: Grid; loss: number; codes: Grid; probabilities: Grid[]; uniforms: Grid[] };
  latent: boolean;
  /** d loss / d parameter with Z from the posterior, in the checkpoint's layout ([out, in] for linear layers). */
  gradients: Record<string, number[] | Grid>;
}
interface TwinForward {
  logits: Grid[];
  codes: Grid;
  klPerToken: Grid;
  logQ: Grid;
  cePerToken: Grid;
  loss: number;
}
interface TwinAnswers {
  given: TwinForward;
  posterior: TwinForward;
  gradients: { loss: number; gradients: Record<string, number[] | Grid> };
}

/** What each case sends both implementations: its checkpoint directory and inputs. */
interface CaseInputs {
  dir: string;
  tokens: Int32Array;
  targets: Int32Array;
  codes: Int32Array;
}
const inputs = new Map<string, CaseInputs>();
/** @ftlab/model's answers, per engine and case (`${engine}: ${name}`). */
const ts = new Map<string, TsSide>();
/** The twin's answers per case; its answers do not depend on the engine. */
const twin = new Map<string, TwinAnswers>();
/** Codes the twin draws from each engine's bit probabilities and the uniforms (latent cases). */
const drawn = new Map<string, Grid>();
let twinDevices: string[] = [];
const largest = { logitsRelative: 0, klPerToken: 0, cePerToken: 0, loss: 0, gradientsRelative: 0 };
const dirs: string[] = [];

if (NATIVE_SKIP_REASON !== null) console.log(`The PyTorch twin's parity on native skipped: ${NATIVE_SKIP_REASON}`);

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
  return Math.max(0, ...x.map((v, i) => Math.abs(v - y[i]) / Math.max(1, Math.abs(y[i]))));
}

function maxAbsolute(a: unknown[], b: unknown[]): number {
  const x = a.flat(3) as number[];
  const y = b.flat(3) as number[];
  expect(x.length).toBe(y.length);
  return Math.max(0, ...x.map((v, i) => Math.abs(v - y[i])));
}

const rows = (values: Int32Array) => [Array.from(values.slice(0, TIME)), Array.from(values.slice(TIME))];

/** @ftlab/model's forward (given Z and posterior Z) and gradients for one case, on the current engine. */
function tsSide(model: Model, tokens: Int32Array, targets: Int32Array, codes: Int32Array): TsSide {
  const side = withScope(() => {
    const batchInputs = tokens2d(tokens, BATCH, TIME);
    const goal = tokens2d(targets, BATCH, TIME);
    const given = model.forward(batchInputs, goal, { seed: 1, z: { mode: 'given', codes } });
    const posterior = model.forward(batchInputs, goal, { seed: SEED });
    const uniforms = posteriorUniforms(BATCH, TIME, BITS, SEED);
    return {
      given: {
        logits: given.logits.arraySync(),
        kl: given.klPerToken.arraySync(),
        logQ: given.logQ.arraySync(),
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
  return side;
}

describe.skipIf(PYTHON === undefined)('the PyTorch twin reads every kind of checkpoint as @ftlab/model does', () => {
  beforeAll(async () => {
    for (const engine of ENGINES) {
      await useEngine(engine);
      for (const [name, overrides] of CASES) {
        let model: Model;
        const saved = inputs.get(name);
        if (saved === undefined) {
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
          model = createModel(config, 1);
          randomizeWeights(model, 2, 0.3);
          const dir = await mkdtemp(join(tmpdir(), 'ftlab-twin-'));
          dirs.push(dir);
          await saveCheckpoint(dir, model);
          inputs.set(name, {
            dir,
            tokens: randomTokens(BATCH, TIME, config.vocabSize, 3),
            targets: randomTokens(BATCH, TIME, config.vocabSize, 4),
            codes: randomTokens(BATCH, TIME, 2 ** BITS, 5),
          });
        } else {
          model = await loadCheckpoint(saved.dir); // the very checkpoint the twin reads
        }
        const { tokens, targets, codes } = inputs.get(name) as CaseInputs;
        ts.set(`${engine}: ${name}`, tsSide(model, tokens, targets, codes));
        model.dispose();
      }
    }
    // One Python process for every case and engine: torch takes a second to import.
    const requests: unknown[] = [{ op: 'devices' }];
    const caseNames = [...inputs.keys()];
    for (const name of caseNames) {
      const { dir, tokens, targets, codes } = inputs.get(name) as CaseInputs;
      const { uniforms } = (ts.get(`${ENGINES[0]}: ${name}`) as TsSide).posterior;
      const common = { op: 'forward', checkpoint: dir, tokens: rows(tokens), targets: rows(targets) };
      requests.push(
        { ...common, z: rows(codes) },
        { ...common, z: 'posterior', uniforms },
        { ...common, op: 'gradients', z: 'posterior', uniforms },
      );
    }
    const drawnKeys = [...ts.keys()].filter((key) => (ts.get(key) as TsSide).latent);
    for (const key of drawnKeys) {
      const { probabilities, uniforms } = (ts.get(key) as TsSide).posterior;
      requests.push({ op: 'draw_codes', probabilities, uniforms });
    }
    const answers = runPythonJson(PYTHON as string, ['-m', 'ftlab_torch', 'json'], requests, TWIN_PATH) as unknown[];
    twinDevices = (answers[0] as { devices: string[] }).devices;
    caseNames.forEach((name, i) => {
      const [given, posterior, gradients] = answers.slice(1 + 3 * i, 4 + 3 * i);
      twin.set(name, { given, posterior, gradients } as TwinAnswers);
    });
    drawnKeys.forEach((key, i) => {
      drawn.set(key, (answers[1 + 3 * caseNames.length + i] as { codes: Grid }).codes);
    });
  }, 120_000);

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    console.log(
      `PyTorch twin vs @ftlab/model (${ENGINES.join(', ')}), random weights, largest differences: logits ${largest.logitsRelative.toExponential(2)} ` +
        `(relative), KL per token ${largest.klPerToken.toExponential(2)}, CE per token ${largest.cePerToken.toExponential(2)}, ` +
        `loss ${largest.loss.toExponential(2)} (nats), gradients ${largest.gradientsRelative.toExponential(2)} (relative to each tensor's largest)`,
    );
  });

  describe.each(ENGINES)('on %s', (engine) => {
    const names = CASES.map(([name]) => name);

    it.each(names)('%s: same logits, codes, KL, log Q, CE and loss with given Z', (name) => {
      const ours = ts.get(`${engine}: ${name}`) as TsSide;
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
      expect(maxAbsolute(theirs.logQ, ours.given.logQ)).toBeLessThan(1e-5);
      expect(ce).toBeLessThan(1e-5);
      expect(loss).toBeLessThan(1e-5);
      // The codes used: the given ones, or zeros for a baseline, which has no latent to use them.
      expect(theirs.codes).toEqual(ours.given.codes);
      // Nothing is trivially zero: the weights are random, and a latent model's Z matters.
      expect(Math.max(...(ours.given.logits.flat(2) as number[]).map(Math.abs))).toBeGreaterThan(1);
      if (ours.latent) {
        expect(Math.max(...ours.given.kl.flat())).toBeGreaterThan(0.05);
        expect(maxAbsolute(ours.posterior.logits, ours.given.logits)).toBeGreaterThan(1e-2);
      } else {
        expect(new Set(ours.given.codes.flat())).toEqual(new Set([0]));
      }
    });

    it.each(CASES.filter(([, config]) => hasLatent(config)).map(([name]) => name))(
      '%s: the same codes from the same bit probabilities and uniforms',
      (name) => {
        const ours = ts.get(`${engine}: ${name}`) as TsSide;
        const theirs = twin.get(name) as TwinAnswers;
        // The twin drew from the first engine's uniforms: every engine draws the same ones.
        expect(ours.posterior.uniforms).toEqual((ts.get(`${ENGINES[0]}: ${name}`) as TsSide).posterior.uniforms);
        // The rule alone (this engine's probabilities and uniforms): exact.
        expect(drawn.get(`${engine}: ${name}`)).toEqual(ours.posterior.codes);
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

    it.each(names)('%s: the same gradients of the loss (training through the twin), Z from the posterior', (name) => {
      const ours = (ts.get(`${engine}: ${name}`) as TsSide).gradients;
      const theirs = (twin.get(name) as TwinAnswers).gradients.gradients;
      expect(Object.keys(theirs).sort()).toEqual(Object.keys(ours).sort());
      for (const [parameter, grad] of Object.entries(ours)) {
        const values = [grad].flat(2) as number[];
        const scale = Math.max(...values.map(Math.abs));
        const difference = maxAbsolute([theirs[parameter]], [grad]) / Math.max(scale, 1e-6);
        largest.gradientsRelative = Math.max(largest.gradientsRelative, difference);
        expect(difference, parameter).toBeLessThan(1e-4);
      }
    });
  });

  it('the twin refuses a damaged or foreign checkpoint, saying which file and what to do', async () => {
    const dir = (inputs.get('baseline') as CaseInputs).dir;
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

  it('the twin refuses what @ftlab/model refuses: weights without a checksum, a damaged safetensors layout', async () => {
    const source = (inputs.get('baseline') as CaseInputs).dir;
    const manifest = JSON.parse(await readFile(join(source, 'ftlab-model.json'), 'utf8'));
    const weights = await readFile(join(source, 'model.safetensors'));
    const headerLength = Number(weights.readBigUInt64LE(0));
    const header = JSON.parse(weights.subarray(8, 8 + headerLength).toString('utf8'));
    const tensorBytes = weights.subarray(8 + headerLength);
    /** A checkpoint whose safetensors header (and tensor bytes) were edited, its manifest's checksum kept true. */
    const damaged = async (edit: (header: SafetensorsHeader) => void, trailing = 0, checksum = true) => {
      const dir = await mkdtemp(join(tmpdir(), 'ftlab-twin-layout-'));
      dirs.push(dir);
      const edited = structuredClone(header);
      edit(edited);
      const json = Buffer.from(JSON.stringify(edited));
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(json.length));
      const bytes = Buffer.concat([length, json, tensorBytes, Buffer.alloc(trailing)]);
      await writeFile(join(dir, 'model.safetensors'), bytes);
      const weightsEntry = checksum
        ? { ...manifest.weights, sha256: sha256Hex(bytes), bytes: bytes.length }
        : { file: manifest.weights.file, bytes: bytes.length };
      await writeFile(join(dir, 'ftlab-model.json'), JSON.stringify({ ...manifest, weights: weightsEntry }));
      return dir;
    };
    const norm = 'model.norm.weight';
    const other = 'model.layers.0.input_layernorm.weight'; // same shape, so an overlap reads as valid
    const cases: Array<[string, string, RegExp]> = [
      [await damaged(() => {}, 0, false), 'no checksum', /ftlab-model\.json records no weights file and checksum/],
      [
        await damaged((h) => {
          h[norm].data_offsets = h[other].data_offsets;
        }),
        'two tensors on the same bytes',
        new RegExp(`tensor (${norm}|${other}) \\(bytes \\d+\\.\\.\\d+\\) overlaps tensor (${norm}|${other})`),
      ],
      [
        await damaged((h) => {
          h[norm].shape = [h[norm].shape[0] - 1];
        }),
        'offsets that do not match shape x dtype',
        new RegExp(`tensor ${norm}: data_offsets \\[\\d+, \\d+\\] hold 64 bytes, but F32 \\[15\\] needs 60`),
      ],
      [await damaged(() => {}, 8), 'bytes no tensor covers', /8 trailing bytes belong to no tensor/],
    ];
    const script = [
      'import json, sys',
      'from ftlab_torch import CheckpointError, load_checkpoint',
      'def refusal(path):',
      '    try:',
      '        load_checkpoint(path)',
      '        return None',
      '    except CheckpointError as error:',
      '        return str(error)',
      'print(json.dumps([refusal(path) for path in json.load(sys.stdin)]))',
    ].join('\n');
    const refusals = runPythonJson(
      PYTHON as string,
      ['-c', script],
      cases.map(([dir]) => dir),
      TWIN_PATH,
    ) as Array<string | null>;
    for (const [i, [dir, what, message]] of cases.entries()) {
      // @ftlab/model refuses each one too: the twin must not load what ftlab would not.
      await expect(loadCheckpoint(dir), what).rejects.toThrow();
      expect(refusals[i], what).toMatch(message);
      expect(refusals[i], what).toContain(dir);
    }
  });

  it('on CUDA (where torch sees a GPU), a seeded CPU generator draws the codes and tokens it draws on CPU', (context) => {
    if (!twinDevices.includes('cuda')) {
      console.log("The PyTorch twin's CUDA check skipped: torch sees no GPU here.");
      context.skip();
    }
    const requests: unknown[] = [];
    for (const [name] of CASES) {
      const { dir, tokens } = inputs.get(name) as CaseInputs;
      for (const device of ['cpu', 'cuda']) {
        const common = { op: 'forward', checkpoint: dir, tokens: rows(tokens), seed: 3, device };
        requests.push(
          { ...common, z: 'posterior' },
          { ...common, z: 'prior' },
          {
            op: 'generate',
            checkpoint: dir,
            prompt: rows(tokens).map((row) => row.slice(0, 4)),
            maxNewTokens: 4,
            seed: 5,
            device,
          },
        );
      }
    }
    const answers = runPythonJson(PYTHON as string, ['-m', 'ftlab_torch', 'json'], requests, TWIN_PATH) as Array<
      TwinForward & { tokens: Grid }
    >;
    CASES.forEach(([name], i) => {
      const [posterior, prior, generated, posteriorCuda, priorCuda, generatedCuda] = answers.slice(6 * i, 6 * i + 6);
      expect(maxRelative(posteriorCuda.logits, posterior.logits), name).toBeLessThan(1e-4);
      expect(posteriorCuda.codes, name).toEqual(posterior.codes);
      expect(priorCuda.codes, name).toEqual(prior.codes);
      expect(generatedCuda.tokens, name).toEqual(generated.tokens);
    });
  });
});
