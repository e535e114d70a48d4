// Runs trained by the real `ftlab train` load in the PyTorch twin (python/ftlab_torch) and compute
// what @ftlab/model computes: a baseline and a Free Transformer, each with a char and a BPE
// tokenizer, on the same tokens with the same given Z (logits within 1e-4 relative, per-token KL,
// CE and the loss within 1e-5), the same codes from the same uniforms, the same greedy generation
// with pinned Z, and the same token ids and text from both tokenizers. Each run's Hugging Face
// export (ftlab export --format hf) gives the same logits in the twin, a baseline's through a
// reference Llama built from config.json alone, and a Free Transformer's through its own custom
// code (hf-python/check_export.py).
// Every variant with random weights: packages/model/test/torch-twin.test.ts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend, tf } from '@ftlab/backend';
import { pretokenize, type Tokenizer, tokenizerFromJSON } from '@ftlab/data';
import { loadCheckpoint, type Model, posteriorUniforms, runPythonJson, testPythonPath } from '@ftlab/model';
import { latestCheckpointDir } from '@ftlab/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftlabOk, tempDir, writeFile } from './helpers.js';

const PYTHON = testPythonPath("the PyTorch twin's parity tests on trained runs", ['torch', 'numpy']);
const TWIN_PATH = fileURLToPath(new URL('../../../python', import.meta.url));
const CHECK_EXPORT = fileURLToPath(new URL('./hf-python/check_export.py', import.meta.url));
const TIME = 16;
const SEED = 5;

// Letters, digits, punctuation, contractions, runs of spaces and newlines, accents, CJK: every
// branch of the BPE pre-tokenizer, and more than one code point per character class.
const WORDS =
  "the free transformer draws a latent code once and carries it out; it's naïve, we'll see 42 cafés über 東京 —".split(
    ' ',
  );
function corpus(): string {
  let state = 7;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state;
  };
  const lines: string[] = [];
  for (let i = 0; i < 160; i++) {
    lines.push(`${Array.from({ length: 9 }, () => WORDS[next() % WORDS.length]).join(next() % 5 ? ' ' : '  ')}.`);
  }
  return `${lines.join('\n')}\n`;
}

const RUNS = [
  { name: 'free-transformer, char tokenizer', variant: 'free-transformer', tokenizer: 'char' },
  { name: 'free-transformer, BPE tokenizer', variant: 'free-transformer', tokenizer: 'bpe' },
  { name: 'baseline, char tokenizer', variant: 'baseline', tokenizer: 'char' },
  { name: 'baseline, BPE tokenizer', variant: 'baseline', tokenizer: 'bpe' },
] as const;

function runConfig(corpusPath: string, run: (typeof RUNS)[number]): string {
  const tokenizer = run.tokenizer === 'bpe' ? 'tokenizer: bpe, bpeVocabSize: 300' : 'tokenizer: char';
  return `name: twin-${run.variant}-${run.tokenizer}
seed: 1
data: { kind: text, path: ${JSON.stringify(corpusPath)}, ${tokenizer} }
model: { variant: ${run.variant}, width: 16, layers: 2, heads: 2, latentBits: 3, kappa: { bits: 0.25 }, zeroInitPostSampler: false }
training: { steps: 24, batchSize: 4, sequenceLength: ${TIME}, warmupSteps: 2, lr: 0.02, logEvery: 8, checkpointEvery: 24 }
`;
}

type Grid = number[][];
interface Trained {
  id: string;
  db: string;
  runDir: string;
  model: Model;
  tokenizer: Tokenizer;
  tokens: Grid;
  targets: Grid;
  codes: Grid;
}
interface TwinForward {
  logits: Grid[];
  codes: Grid;
  klPerToken: Grid;
  cePerToken: Grid;
  loss: number;
}

const largest = { logitsRelative: 0, klPerToken: 0, cePerToken: 0, loss: 0 };
const trained = new Map<string, Trained>();
let text = '';

function maxDifference(a: unknown[], b: unknown[], relative: boolean): number {
  const x = a.flat(3) as number[];
  const y = b.flat(3) as number[];
  expect(x.length).toBe(y.length);
  const scale = (v: number) => (relative ? Math.max(1, Math.abs(v)) : 1);
  return Math.max(0, ...x.map((v, i) => Math.abs(v - y[i]) / scale(y[i])));
}

function twin(requests: unknown[]): unknown[] {
  return runPythonJson(PYTHON as string, ['-m', 'ftlab_torch', 'json'], requests, TWIN_PATH) as unknown[];
}

/** The run's Hugging Face export (ftlab export --format hf), made once per run, under the suite's folder. */
const exports = new Map<string, Promise<string>>();
let exportRoot = '';
function exported(run: Trained): Promise<string> {
  let out = exports.get(run.id);
  if (out === undefined) {
    const dir = join(exportRoot, `hf-${run.id}`);
    out = ftlabOk(['export', run.id, '--db', run.db, '--format', 'hf', '--out', dir]).then(() => dir);
    exports.set(run.id, out);
  }
  return out;
}

/**
 * hf-python/check_export.py on an exported directory: a baseline through an independent Llama
 * reference built from config.json; a Free Transformer through its own custom code, loaded as
 * from_pretrained loads it, against a stand-in for the transformers package (not installable here).
 */
function checkExport(dir: string, request: Record<string, unknown>): unknown {
  return runPythonJson(PYTHON as string, ['-B', CHECK_EXPORT], { dir, ...request }, TWIN_PATH);
}

describe.skipIf(PYTHON === undefined)('runs trained by ftlab load in the PyTorch twin', () => {
  beforeAll(async () => {
    const dir = tempDir();
    exportRoot = dir;
    text = corpus();
    const corpusPath = writeFile(dir, 'corpus.txt', text);
    const artifacts = join(dir, 'runs');
    // Two trainings at a time: one per core.
    const ids: string[] = [];
    for (let i = 0; i < RUNS.length; i += 2) {
      const outputs = await Promise.all(
        RUNS.slice(i, i + 2).map((run, j) => {
          const config = writeFile(dir, `run-${i + j}.yaml`, runConfig(corpusPath, run));
          const db = join(dir, `run-${i + j}.db`);
          const args = ['train', config, '--db', db, '--artifacts', artifacts, '--backend', 'wasm', '--no-evaluate'];
          return ftlabOk([...args, '--json']);
        }),
      );
      for (const out of outputs) ids.push((JSON.parse(out.slice(out.lastIndexOf('\n{') + 1)) as { run: string }).run);
    }
    await selectBackend('wasm');
    for (const [i, run] of RUNS.entries()) {
      const runDir = join(artifacts, ids[i]);
      const checkpoint = await latestCheckpointDir(runDir);
      const model = await loadCheckpoint(checkpoint as string);
      const tokenizer = tokenizerFromJSON(JSON.parse(readFileSync(join(runDir, 'tokenizer.json'), 'utf8')));
      const ids2 = tokenizer.encode(text.slice(200, 600));
      const rows = [ids2.slice(0, TIME + 1), ids2.slice(TIME + 5, 2 * TIME + 6)];
      const codes = rows.map((_, r) => Array.from({ length: TIME }, (_, t) => (3 * t + 5 * r + 1) % 8));
      trained.set(run.name, {
        id: ids[i],
        db: join(dir, `run-${i}.db`),
        runDir,
        model,
        tokenizer,
        tokens: rows.map((row) => row.slice(0, TIME)),
        targets: rows.map((row) => row.slice(1)),
        codes,
      });
    }
  }, 180_000);

  afterAll(() => {
    for (const run of trained.values()) run.model.dispose();
    console.log(
      `PyTorch twin vs @ftlab/model, runs trained by ftlab, largest differences: logits ${largest.logitsRelative.toExponential(2)} ` +
        `(relative), KL per token ${largest.klPerToken.toExponential(2)}, CE per token ${largest.cePerToken.toExponential(2)}, ` +
        `loss ${largest.loss.toExponential(2)} (nats)`,
    );
  });

  it.each(RUNS.map((run) => run.name))('%s: same logits, KL, loss, codes and greedy generation', (name) => {
    const run = trained.get(name) as Trained;
    const latent = run.model.config.variant === 'free-transformer';
    const bits = run.model.config.latentBits;
    const prompt = run.tokens.map((row) => row.slice(0, 4));
    const pinned = Int32Array.from({ length: TIME }, (_, t) => (5 * t + 2) % 8);
    const ours = tf.tidy(() => {
      const inputs = tf.tensor2d(run.tokens, undefined, 'int32');
      const targets = tf.tensor2d(run.targets, undefined, 'int32');
      const codes = tf.tensor2d(run.codes, undefined, 'int32');
      const given = run.model.forward(inputs, targets, { seed: 1, z: { mode: 'given', codes } });
      const other = run.model.forward(inputs, targets, {
        seed: 1,
        z: { mode: 'given', codes: tf.sub(tf.scalar(7, 'int32'), codes) },
      });
      const posterior = run.model.forward(inputs, targets, { seed: SEED });
      return {
        logits: given.logits.arraySync(),
        kl: given.klPerToken.arraySync(),
        ce: given.cePerToken.arraySync(),
        loss: given.loss.arraySync(),
        zEffect: tf.max(tf.abs(tf.sub(given.logits, other.logits))).arraySync(),
        posterior: {
          logits: posterior.logits.arraySync(),
          loss: posterior.loss.arraySync(),
          codes: posterior.codes.arraySync(),
          uniforms: posteriorUniforms(2, TIME, bits, SEED).arraySync() as Grid[],
        },
      };
    });
    const generated = run.model.generate(prompt, { maxNewTokens: 8, seed: 1, temperature: 0, z: { pinned } });
    const common = { op: 'forward', checkpoint: run.runDir, tokens: run.tokens, targets: run.targets };
    const [given, posterior, generation] = twin([
      { ...common, z: run.codes },
      { ...common, z: 'posterior', uniforms: ours.posterior.uniforms },
      {
        op: 'generate',
        checkpoint: run.runDir,
        prompt,
        maxNewTokens: 8,
        temperature: 0,
        z: [Array.from(pinned), Array.from(pinned)],
      },
    ]) as [TwinForward, TwinForward, { tokens: Grid }];

    const logits = maxDifference(given.logits, ours.logits, true);
    const kl = maxDifference(given.klPerToken, ours.kl, false);
    const ce = maxDifference(given.cePerToken, ours.ce, false);
    const loss = Math.abs(given.loss - ours.loss);
    const posteriorLogits = maxDifference(posterior.logits, ours.posterior.logits, true);
    const posteriorLoss = Math.abs(posterior.loss - ours.posterior.loss);
    largest.logitsRelative = Math.max(largest.logitsRelative, logits, posteriorLogits);
    largest.klPerToken = Math.max(largest.klPerToken, kl);
    largest.cePerToken = Math.max(largest.cePerToken, ce);
    largest.loss = Math.max(largest.loss, loss, posteriorLoss);
    expect(logits).toBeLessThan(1e-4);
    expect(kl).toBeLessThan(1e-5);
    expect(ce).toBeLessThan(1e-5);
    expect(loss).toBeLessThan(1e-5);
    expect(posterior.codes).toEqual(ours.posterior.codes);
    expect(posteriorLogits).toBeLessThan(1e-4);
    expect(posteriorLoss).toBeLessThan(1e-5);
    expect(generation.tokens).toEqual(generated.tokens.map((row) => Array.from(row)));
    if (latent) {
      // Trained away from the zero-initialised post-sampler: Z changes the logits, and the encoder is not uniform.
      expect(ours.zEffect).toBeGreaterThan(1e-3);
      expect(Math.max(...ours.kl.flat())).toBeGreaterThan(1e-4);
    }
  });

  it.each(RUNS.filter((run) => run.variant === 'baseline').map((run) => run.name))(
    '%s: the same token ids and text from both tokenizers',
    (name) => {
      const { tokenizer, runDir } = trained.get(name) as Trained;
      // Char: text from the corpus's alphabet; BPE: anything, bytes that are not UTF-8 included.
      const samples =
        tokenizer.kind === 'char'
          ? [text.slice(0, 300), "it's  naïve\n\n東京 —  42."]
          : [
              text.slice(0, 300),
              "Hello  world!!  it's 3.14, we've they'LL — naïve 東京 🙂\n\n  tabs\tand 'quotes'  \n",
              '   leading and trailing   ',
              "don't\r\n\u00a0\u3000x  1,000,000ℕ½ ٣ 'sound",
              // Where JavaScript's \s and Python's str.isspace disagree: U+001C, U+0085, U+FEFF.
              'x\u001cy \u0085z \ufeffw\u2028 v',
            ];
      const ids = samples.map((sample) => tokenizer.encode(sample));
      const edges =
        tokenizer.kind === 'bpe'
          ? [
              [0xff, 65, 0xe6, 0x9d],
              [0xef, 0xbb, 0xbf, 66],
            ]
          : [];
      const decode = [...ids, ...edges, [tokenizer.vocabSize - 1, 0]];
      const [answer] = twin([
        { op: 'tokenize', tokenizer: join(runDir, 'tokenizer.json'), encode: samples, decode },
      ]) as [{ vocabSize: number; encoded: number[][]; decoded: string[]; pretokenized: string[][] }];
      expect(answer.vocabSize).toBe(tokenizer.vocabSize);
      expect(answer.encoded).toEqual(ids);
      expect(answer.decoded).toEqual(decode.map((row) => tokenizer.decode(row)));
      expect(answer.decoded.slice(0, samples.length)).toEqual(samples);
      if (tokenizer.kind === 'bpe') {
        expect(answer.pretokenized).toEqual(samples.map((sample) => pretokenize(sample)));
        expect(Math.max(...ids.flat())).toBeGreaterThanOrEqual(256); // merges are used, not only bytes
      }
    },
  );

  it.each(RUNS.map((run) => run.name))(
    '%s: its Hugging Face export (ftlab export --format hf) loads in the twin with the same logits',
    async (name) => {
      const run = trained.get(name) as Trained;
      const out = await exported(run);
      const ours = tf.tidy(() => {
        const inputs = tf.tensor2d(run.tokens, undefined, 'int32');
        const codes = tf.tensor2d(run.codes, undefined, 'int32');
        return run.model.forward(inputs, null, { seed: 1, z: { mode: 'given', codes } }).logits.arraySync();
      });
      const [twinOfExport] = twin([{ op: 'forward', checkpoint: out, tokens: run.tokens, z: run.codes }]) as [
        TwinForward,
      ];
      const logits = maxDifference(twinOfExport.logits, ours, true);
      largest.logitsRelative = Math.max(largest.logitsRelative, logits);
      expect(logits).toBeLessThan(1e-4);
    },
  );

  it.each(RUNS.filter((run) => run.variant === 'baseline').map((run) => run.name))(
    '%s: its export is a plain Llama: a reference LlamaForCausalLM built from config.json alone gives the same logits',
    async (name) => {
      const run = trained.get(name) as Trained;
      const answer = checkExport(await exported(run), { tokens: run.tokens }) as {
        modelType: string;
        logits: Grid[];
        missing: string[];
        unexpected: string[];
      };
      expect(answer.modelType).toBe('llama');
      expect(answer).toMatchObject({ missing: [], unexpected: [] });
      const ours = tf.tidy(() =>
        run.model.forward(tf.tensor2d(run.tokens, undefined, 'int32'), null, { seed: 1 }).logits.arraySync(),
      );
      const logits = maxDifference(answer.logits, ours, true);
      largest.logitsRelative = Math.max(largest.logitsRelative, logits);
      expect(logits).toBeLessThan(1e-4);
    },
  );

  it.each(RUNS.filter((run) => run.variant === 'free-transformer').map((run) => run.name))(
    "%s: its export's own custom code (as from_pretrained loads it) follows transformers' conventions with ftlab's numbers",
    async (name) => {
      const run = trained.get(name) as Trained;
      const batch = run.tokens.length;
      const prompt = run.tokens.map((row) => row.slice(0, 4));
      const pinned = Int32Array.from({ length: TIME }, (_, t) => (5 * t + 2) % 8);
      // transformers' labels: the input ids, position t scored on labels[t + 1]; -100 is not scored.
      const labels = run.tokens.map((row, b) => row.map((id, t) => ((t + b) % 5 === 2 || t === 0 ? -100 : id)));
      // A KL per token around kappa, large where labels leave the position out, for the loss rule alone.
      const kappa = run.model.config.kappaNats;
      const klProbe = labels.map((row) => row.map((_, t) => (row[t + 1] === -100 ? 5 : kappa + ((t % 3) - 1) * 0.4)));
      const answer = checkExport(await exported(run), {
        modules: tempDir(),
        tokens: run.tokens,
        codes: run.codes,
        labels,
        klProbe,
        prompt,
        maxNewTokens: 6,
        pinned: [Array.from(pinned), Array.from(pinned)],
      }) as {
        modelType: string;
        logits: Grid[];
        klPerToken: Grid;
        codes: Grid;
        loss: number;
        tupleLoss: number;
        probeLoss: number;
        labelsKeepLogits: boolean;
        greedy: Grid;
        greedyDtype: string;
        sampled: Grid[];
        sampledDtype: string;
        byLength: Grid;
        refusals: Record<string, string | null>;
      };
      expect(answer.modelType).toBe('free_transformer');

      // The forward pass with given Z: ftlab's logits and KL, and the codes it was given.
      const ours = tf.tidy(() => {
        const codes = tf.tensor2d(run.codes, undefined, 'int32');
        const given = run.model.forward(
          tf.tensor2d(run.tokens, undefined, 'int32'),
          tf.tensor2d(run.targets, undefined, 'int32'),
          { seed: 1, z: { mode: 'given', codes } },
        );
        return { logits: given.logits.arraySync(), kl: given.klPerToken.arraySync(), ce: given.cePerToken.arraySync() };
      });
      const logits = maxDifference(answer.logits, ours.logits, true);
      largest.logitsRelative = Math.max(largest.logitsRelative, logits);
      expect(logits).toBeLessThan(1e-4);
      expect(maxDifference(answer.klPerToken, ours.kl, false)).toBeLessThan(1e-5);
      expect(answer.codes).toEqual(run.codes);
      expect(answer.labelsKeepLogits).toBe(true); // labels change the loss only, never the logits

      // The loss from ftlab's per-token CE and KL: mean over the scored positions of
      // CE_t + max(0, KL_t - kappa), where position t is scored when labels[t + 1] is not -100.
      const expectedLoss = (kl: Grid) => {
        let sum = 0;
        let scored = 0;
        for (let b = 0; b < batch; b++) {
          for (let t = 0; t + 1 < TIME; t++) {
            if ((labels[b] as number[])[t + 1] === -100) continue;
            sum += (ours.ce[b] as number[])[t] + Math.max(0, (kl[b] as number[])[t] - kappa);
            scored++;
          }
        }
        expect(scored).toBeLessThan(batch * (TIME - 1)); // some positions were left out
        return sum / scored;
      };
      const loss = Math.abs(answer.loss - expectedLoss(ours.kl));
      largest.loss = Math.max(largest.loss, loss);
      expect(loss).toBeLessThan(1e-5);
      expect(Math.abs(answer.probeLoss - expectedLoss(klProbe))).toBeLessThan(1e-5);
      expect(answer.probeLoss - answer.loss).toBeGreaterThan(0.1); // the free-bits term counted
      expect(answer.tupleLoss).toBe(answer.loss); // return_dict=False: the loss first, as transformers' tuples

      // generate: the prompt and the new tokens as one LongTensor; greedy with pinned Z is ftlab's.
      const generated = run.model.generate(prompt, { maxNewTokens: 6, seed: 1, temperature: 0, z: { pinned } });
      expect(answer.greedyDtype).toBe('torch.int64');
      expect(answer.greedy).toEqual(generated.tokens.map((row) => Array.from(row)));
      expect(answer.byLength).toEqual(answer.greedy.map((row) => row.slice(0, 4 + 3)));
      // generation_config.json's sampling, seeded: reproducible, and the right shape.
      expect(answer.sampledDtype).toBe('torch.int64');
      expect(answer.sampled[0]).toEqual(answer.sampled[1]);
      expect(answer.sampled[0]?.map((row) => row.length)).toEqual([10, 10]);
      expect(answer.sampled[0]?.map((row) => row.slice(0, 4))).toEqual(prompt);

      // What it cannot do, it refuses with a message rather than ignoring.
      expect(answer.refusals).toMatchObject({
        padding: expect.stringMatching(/attention_mask has 2 zero \(padding\) entries.*do not support padded batches/),
        generatePadding: expect.stringMatching(/generate: attention_mask has 3 zero \(padding\) entries/),
        topP: expect.stringMatching(/top_p=0\.9 is not supported/),
        beams: expect.stringMatching(/num_beams=2 is not supported/),
        unknown: expect.stringMatching(/does not know the argument 'frobnicate'/),
        pastKeyValues: expect.stringMatching(/past_key_values=<tuple> is not supported \(no KV cache/),
        emptyPrompt: expect.stringMatching(/needs a prompt of at least one token/),
        allIgnored: expect.stringMatching(/every label is -100/),
      });
    },
  );

  it("the user's command line, python -m ftlab_torch generate, prints ftlab's greedy text", () => {
    const { model, tokenizer, runDir } = trained.get('baseline, char tokenizer') as Trained;
    const prompt = 'the free';
    const generated = model.generate(tokenizer.encode(prompt), { maxNewTokens: 7, seed: 1, temperature: 0 });
    const args = [
      '-m',
      'ftlab_torch',
      'generate',
      runDir,
      '--prompt',
      prompt,
      '--max-new-tokens',
      '7',
      '--temperature',
      '0',
    ];
    const result = spawnSync(PYTHON as string, args, {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: TWIN_PATH },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${tokenizer.decode(generated.tokens[0] as Int32Array)}\n`);
  });
});
