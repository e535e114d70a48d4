// `ftlab export <run> --format hf` on runs trained by the real CLI (a baseline-plus-one with a char
// tokenizer and tied embeddings, a baseline with BPE, a Free Transformer with a char tokenizer):
// every field of config.json and generation_config.json against the model's config, with the
// JSON types transformers documents; the tensors against the state dict LlamaForCausalLM builds
// from that config; the tokenizer files against the tokenizers library's format, applied by an
// independent reader (hf-formats.ts) that must give ftlab's token ids and text back; and the
// directory loading back in TypeScript with identical logits. transformers and tokenizers are
// not installable here, so hf-formats.ts stands in for them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend, tf } from '@ftlab/backend';
import { type Tokenizer, tokenizerFromJSON } from '@ftlab/data';
import { loadCheckpoint, type Model, type ModelConfig, testPythonPath } from '@ftlab/model';
import { HF_CONFIG_FIELDS, latestCheckpointDir } from '@ftlab/training';
import { beforeAll, describe, expect, it } from 'vitest';
import { ftlab, ftlabOk, tempDir, writeFile } from './helpers.js';
import {
  GENERATION_CONFIG_TYPES,
  LLAMA_CONFIG_TYPES,
  llamaStateDict,
  pythonJsonTypes,
  safetensorsHeader,
  TokenizerJsonReader,
} from './hf-formats.js';

const TWIN_MODEL = fileURLToPath(new URL('../../../python/ftlab_torch/model.py', import.meta.url));
const CUSTOM_CODE = fileURLToPath(new URL('../../../python/ftlab_torch/hf/', import.meta.url));
// Parsing needs no torch: any Python 3 (the one rule: FTLAB_TEST_PYTHON, python3, /usr/bin/python3).
const PYTHON = testPythonPath("the Free Transformer export's Python syntax check", ['ast']);

// Words in several scripts, digits, contractions, punctuation and whitespace runs: every branch
// of the BPE pre-tokenizer and multi-byte characters.
const WORDS = [
  'lab',
  'latent',
  "it's",
  "we'll",
  'Zürich',
  'naïve',
  '2025',
  '東京',
  'ŝi',
  '—',
  'code;',
  'z=3',
  'émigré',
];
function corpus(): string {
  const lines: string[] = [];
  for (let i = 0; i < 120; i++) {
    const words = Array.from({ length: 8 }, (_, j) => WORDS[(i * 7 + j * j * 3 + j) % WORDS.length]);
    lines.push(words.join(i % 4 === 0 ? '  ' : ' ') + (i % 3 === 0 ? '.' : ','));
  }
  return `${lines.join('\n')}\n`;
}

const RUNS = {
  char: { variant: 'baseline-plus-one', tokenizer: 'tokenizer: char', extra: 'tieEmbeddings: true' },
  bpe: { variant: 'baseline', tokenizer: 'tokenizer: bpe, bpeVocabSize: 300', extra: 'ropeBase: 5000' },
  ft: { variant: 'free-transformer', tokenizer: 'tokenizer: char', extra: 'encoderPlacement: 1, latentBits: 3' },
} as const;
type RunName = keyof typeof RUNS;

interface Exported {
  runId: string;
  out: string;
  model: Model;
  config: ModelConfig;
  tokenizer: Tokenizer;
}

let dir: string;
let db: string;
let text: string;
const exported = new Map<RunName, Exported>();

function runConfig(name: RunName, corpusPath: string): string {
  const run = RUNS[name];
  return `name: hf-${name}
seed: 2
data: { kind: text, path: ${JSON.stringify(corpusPath)}, ${run.tokenizer} }
model: { variant: ${run.variant}, width: 16, layers: 3, heads: 2, contextLength: 24, ${run.extra}, zeroInitPostSampler: false }
training: { steps: 6, batchSize: 2, sequenceLength: 16, warmupSteps: 2, lr: 0.02, logEvery: 3, checkpointEvery: 6 }
`;
}

beforeAll(async () => {
  dir = tempDir();
  db = join(dir, 'lab.db');
  text = corpus();
  const corpusPath = writeFile(dir, 'corpus.txt', text);
  await selectBackend('wasm');
  for (const name of Object.keys(RUNS) as RunName[]) {
    const config = writeFile(dir, `${name}.yaml`, runConfig(name, corpusPath));
    const trained = await ftlabOk(['train', config, '--db', db, '--backend', 'wasm', '--no-evaluate', '--json']);
    const runId = (JSON.parse(trained.slice(trained.lastIndexOf('\n{') + 1)) as { run: string }).run;
    const out = join(dir, `export-${name}`);
    const result = JSON.parse(
      await ftlabOk(['export', runId, '--db', db, '--backend', 'wasm', '--format', 'hf', '--out', out, '--json']),
    ) as { dir: string; step: number };
    expect(result).toMatchObject({ dir: out, step: 6 });
    const runDir = join(dir, 'ftlab-runs', runId);
    const model = await loadCheckpoint((await latestCheckpointDir(runDir)) as string);
    const tokenizer = tokenizerFromJSON(JSON.parse(readFileSync(join(runDir, 'tokenizer.json'), 'utf8')));
    exported.set(name, { runId, out, model, config: model.config, tokenizer });
  }
}, 300_000);

const get = (name: RunName) => exported.get(name) as Exported;
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe.each(Object.keys(RUNS) as RunName[])('ftlab export --format hf: the %s run', (name) => {
  it('writes exactly the files of its layout', () => {
    const common = [
      'config.json',
      'ftlab-model.json',
      'generation_config.json',
      'model.safetensors',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ];
    const custom = ['configuration_free_transformer.py', 'ftlab_torch_model.py', 'modeling_free_transformer.py'];
    expect(readdirSync(get(name).out).sort()).toEqual([...common, ...(name === 'ft' ? custom : [])].sort());
    expect(readdirSync(dir).filter((e) => e.includes('.tmp-'))).toEqual([]);
  });

  it("config.json: every field with LlamaConfig's name and JSON type, and the model's value", () => {
    const { out, config } = get(name);
    const raw = readFileSync(join(out, 'config.json'), 'utf8');
    const hf = JSON.parse(raw) as Record<string, unknown>;
    const types = pythonJsonTypes(raw);
    const latentFields = Object.entries(HF_CONFIG_FIELDS).filter(([, hfName]) => !(hfName in LLAMA_CONFIG_TYPES));
    const expectedKeys = [...Object.keys(LLAMA_CONFIG_TYPES), ...(name === 'ft' ? ['auto_map'] : [])];
    if (name === 'ft') expectedKeys.push(...latentFields.map(([, hfName]) => hfName));
    expect(Object.keys(hf).sort()).toEqual(expectedKeys.sort());
    for (const [field, allowed] of Object.entries(LLAMA_CONFIG_TYPES)) {
      expect(allowed, `config.json ${field} is ${types[field]}`).toContain(types[field]);
    }
    const blocks = config.variant === 'baseline-plus-one' ? config.layers + 1 : config.layers;
    expect(hf).toMatchObject({
      architectures: [name === 'ft' ? 'FreeTransformerForCausalLM' : 'LlamaForCausalLM'],
      model_type: name === 'ft' ? 'free_transformer' : 'llama',
      vocab_size: config.vocabSize,
      hidden_size: config.width,
      intermediate_size: config.mlpWidth,
      num_hidden_layers: blocks,
      num_attention_heads: config.heads,
      num_key_value_heads: config.heads,
      head_dim: config.width / config.heads,
      hidden_act: 'silu',
      max_position_embeddings: config.contextLength,
      initializer_range: config.initStd,
      rms_norm_eps: config.normEps,
      rope_theta: config.ropeBase,
      rope_scaling: null,
      tie_word_embeddings: config.tieEmbeddings,
      attention_bias: false,
      attention_dropout: 0,
      mlp_bias: false,
      pretraining_tp: 1,
      use_cache: name !== 'ft',
      bos_token_id: null,
      eos_token_id: null,
      pad_token_id: null,
      torch_dtype: 'float32',
    });
    expect(hf.num_hidden_layers).toBe(name === 'char' ? 4 : 3);
    expect(hf.tie_word_embeddings).toBe(name === 'char');
    expect(hf.rope_theta).toBe(name === 'bpe' ? 5000 : 10000);
    if (name !== 'ft') return;
    expect(hf.auto_map).toEqual({
      AutoConfig: 'configuration_free_transformer.FreeTransformerConfig',
      AutoModelForCausalLM: 'modeling_free_transformer.FreeTransformerForCausalLM',
    });
    for (const [ftlabName, hfName] of latentFields) {
      expect(hf[hfName], hfName).toEqual(config[ftlabName as keyof ModelConfig]);
      const value = config[ftlabName as keyof ModelConfig];
      const expected = typeof value === 'string' ? 'string' : typeof value === 'boolean' ? 'bool' : undefined;
      if (expected) expect(types[hfName]).toBe(expected);
    }
    expect(types.kappa_nats).toBe('float');
    expect(types.latent_bits).toBe('int');
    // from_pretrained(dir, variant=...) names a weights file: the ftlab variant must not be read as one.
    expect(hf.ftlab_variant).toBe('free-transformer');
    expect(Object.hasOwn(hf, 'variant')).toBe(false);
  });

  it('model.safetensors: the names, shapes and float32 LlamaForCausalLM builds from config.json (+ the latent)', () => {
    const { out, config } = get(name);
    const hf = readJson(join(out, 'config.json')) as Record<string, number | boolean>;
    const { tensors, metadata } = safetensorsHeader(join(out, 'model.safetensors'));
    expect(metadata.format).toBe('pt'); // transformers refuses safetensors without it
    const llama = llamaStateDict(hf);
    for (const [tensor, shape] of llama) expect(tensors.get(tensor), tensor).toEqual({ dtype: 'F32', shape });
    const extra = [...tensors.keys()].filter((t) => !llama.has(t)).sort();
    if (name !== 'ft') {
      expect(extra).toEqual([]);
      return;
    }
    const d = config.width;
    const encoderBlock = [...llamaStateDict({ ...hf, num_hidden_layers: 1, tie_word_embeddings: true })]
      .filter(([t]) => t.startsWith('model.layers.0.'))
      .map(([t, shape]) => [t.replace('model.layers.0.', 'model.encoder.block.'), shape] as const);
    const latent = new Map<string, readonly number[]>([
      ['model.encoder.zeta', [d]],
      ['model.encoder.readout.weight', [config.latentBits, d]],
      ['model.post_sampler.weight', [d, 2 ** config.latentBits]],
      ...encoderBlock,
    ]);
    expect(extra).toEqual([...latent.keys()].sort());
    for (const [tensor, shape] of latent) expect(tensors.get(tensor), tensor).toEqual({ dtype: 'F32', shape });
  });

  it("generation_config.json: ftlab's sampling defaults with GenerationConfig's names and types", () => {
    const { out, config } = get(name);
    const raw = readFileSync(join(out, 'generation_config.json'), 'utf8');
    const types = pythonJsonTypes(raw);
    expect(Object.keys(JSON.parse(raw)).sort()).toEqual(Object.keys(GENERATION_CONFIG_TYPES).sort());
    for (const [field, allowed] of Object.entries(GENERATION_CONFIG_TYPES)) expect(allowed).toContain(types[field]);
    expect(JSON.parse(raw)).toEqual({ do_sample: true, temperature: 1, top_k: 0, max_length: config.contextLength });
  });

  it("the tokenizer files follow the tokenizers format and give ftlab's ids and text back", () => {
    const { out, tokenizer, config } = get(name);
    const json = readJson(join(out, 'tokenizer.json'));
    expect(Object.keys(json)).toEqual([
      'version',
      'truncation',
      'padding',
      'added_tokens',
      'normalizer',
      'pre_tokenizer',
      'post_processor',
      'decoder',
      'model',
    ]);
    expect(json).toMatchObject({ version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null });
    const model = json.model as Record<string, unknown>;
    const vocab = model.vocab as Record<string, number>;
    expect(Object.values(vocab).sort((a, b) => a - b)).toEqual(Array.from({ length: config.vocabSize }, (_, i) => i));
    if (tokenizer.kind === 'char') {
      expect(json.pre_tokenizer).toEqual({
        type: 'Split',
        pattern: { Regex: '[\\s\\S]' },
        behavior: 'Isolated',
        invert: false,
      });
      expect(json.decoder).toEqual({ type: 'Fuse' });
      expect(model).toEqual({ type: 'WordLevel', vocab, unk_token: '<unk>' });
      expect(Object.hasOwn(vocab, '<unk>')).toBe(false); // unknown text is an error, as in ftlab
    } else {
      // Llama 3's form: Split with the pattern (here ftlab's, its \s spelled out), then ByteLevel without a regex.
      const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };
      const pre = json.pre_tokenizer as { type: string; pretokenizers: Array<Record<string, unknown>> };
      expect(pre.type).toBe('Sequence');
      expect(pre.pretokenizers).toHaveLength(2);
      expect(pre.pretokenizers[0]).toMatchObject({ type: 'Split', behavior: 'Isolated', invert: false });
      expect(Object.keys(pre.pretokenizers[0] as object)).toEqual(['type', 'pattern', 'behavior', 'invert']);
      const pattern = (pre.pretokenizers[0] as { pattern: { Regex: string } }).pattern.Regex;
      expect(pattern).not.toMatch(/\\[sS]/); // the regex engine's own \s differs from JavaScript's
      expect(pre.pretokenizers[1]).toEqual(byteLevel);
      expect(json.decoder).toEqual({
        type: 'Sequence',
        decoders: [byteLevel, { type: 'Strip', content: '\ufeff', start: 1, stop: 0 }],
      });
      expect(Object.keys(model)).toEqual([
        'type',
        'dropout',
        'unk_token',
        'continuing_subword_prefix',
        'end_of_word_suffix',
        'fuse_unk',
        'byte_fallback',
        'ignore_merges',
        'vocab',
        'merges',
      ]);
      expect(model).toMatchObject({ type: 'BPE', dropout: null, unk_token: null, fuse_unk: false });
      expect(model).toMatchObject({ byte_fallback: false, ignore_merges: false });
      const merges = model.merges as string[];
      expect(merges.length).toBe(config.vocabSize - 256);
      for (const [rank, merge] of merges.entries()) {
        const [left, right, ...rest] = merge.split(' ');
        expect(rest).toEqual([]);
        // Merge i makes token 256 + i, and both halves exist before it.
        expect(vocab[`${left}${right}`]).toBe(256 + rank);
        expect(vocab[left]).toBeLessThan(256 + rank);
        expect(vocab[right]).toBeLessThan(256 + rank);
      }
    }
    expect(readJson(join(out, 'tokenizer_config.json'))).toEqual({
      added_tokens_decoder: {},
      clean_up_tokenization_spaces: false,
      model_input_names: ['input_ids', 'attention_mask'],
      model_max_length: config.contextLength,
      tokenizer_class: 'PreTrainedTokenizerFast',
    });
    expect(readJson(join(out, 'special_tokens_map.json'))).toEqual({});

    const reader = new TokenizerJsonReader(json);
    const samples = [text.slice(0, 400), text.slice(-300), "  it's\n\nZürich  naïve—東京 2025 z=3;", ' ', ''];
    if (tokenizer.kind === 'bpe') {
      samples.push('unseen: 🙂 ε-δ «ça» \r\n\t ÀÉ ﬁ 12345678 x\u0301 ');
      // Where Oniguruma's \s and JavaScript's disagree (U+0085, U+FEFF), and a leading BOM, which
      // ftlab's decode drops: ids and text must still be ftlab's.
      samples.push('x\u0085 y \ufeff z\u0085\u0085 \ufeff\ufeff', '\ufeffZürich');
    }
    for (const sample of samples) {
      const ids = tokenizer.encode(sample);
      expect(reader.encode(sample), JSON.stringify(sample)).toEqual(ids);
      expect(reader.decode(ids)).toBe(tokenizer.decode(ids));
      expect(reader.decode(ids)).toBe(sample.replace(/^\ufeff/, ''));
    }
    if (tokenizer.kind === 'char') {
      expect(() => tokenizer.encode('🙂')).toThrow(/not in this char tokenizer/);
      expect(() => reader.encode('🙂')).toThrow(/not in the vocabulary/);
    }
  });

  it('ftlab-model.json and model.safetensors load back with identical logits', async () => {
    const { out, model } = get(name);
    const loaded = await loadCheckpoint(out, { expectConfig: model.config });
    const tokens = tf.tensor2d(
      Array.from({ length: 2 * 12 }, (_, i) => (i * 5 + 3) % model.config.vocabSize),
      [2, 12],
      'int32',
    );
    const codes = Int32Array.from({ length: 24 }, (_, i) => (i * 3) % 2 ** model.config.latentBits);
    const a = model.forward(tokens, null, { seed: 1, z: { mode: 'given', codes } });
    const b = loaded.forward(tokens, null, { seed: 1, z: { mode: 'given', codes } });
    expect(Array.from(b.logits.dataSync())).toEqual(Array.from(a.logits.dataSync()));
    tf.dispose([tokens, ...Object.values(a), ...Object.values(b)] as tf.Tensor[]);
    loaded.dispose();
  });
});

describe("a Free Transformer's custom code", () => {
  it('copies the PyTorch twin and maps every config.json field back to the ftlab config', () => {
    const { out, config } = get('ft');
    expect(readFileSync(join(out, 'ftlab_torch_model.py'), 'utf8')).toBe(readFileSync(TWIN_MODEL, 'utf8'));
    for (const file of ['configuration_free_transformer.py', 'modeling_free_transformer.py']) {
      expect(readFileSync(join(out, file), 'utf8'), file).toBe(readFileSync(join(CUSTOM_CODE, file), 'utf8'));
    }
    // The Python config's table, read from its source: the same pairs the exporter wrote with.
    const configuration = readFileSync(join(out, 'configuration_free_transformer.py'), 'utf8');
    const table = /FTLAB_FIELDS = \{([^}]*)\}/.exec(configuration)?.[1] ?? '';
    const pairs = [...table.matchAll(/"(\w+)": "(\w+)"/g)].map(([, hfName, ftlabName]) => [ftlabName, hfName]);
    expect(Object.fromEntries(pairs)).toEqual(HF_CONFIG_FIELDS);
    // What FreeTransformerConfig.ftlab_config() computes from config.json: the manifest's config.
    const hf = readJson(join(out, 'config.json'));
    expect(Object.fromEntries(pairs.map(([ftlabName, hfName]) => [ftlabName, hf[hfName]]))).toEqual(config);
    expect(readJson(join(out, 'ftlab-model.json')).config).toEqual(config);
    // auto_map's targets and the names the modeling file imports exist where they point.
    const modeling = readFileSync(join(out, 'modeling_free_transformer.py'), 'utf8');
    const twin = readFileSync(join(out, 'ftlab_torch_model.py'), 'utf8');
    expect(configuration).toMatch(
      /^class FreeTransformerConfig\(PretrainedConfig\):\n {4}model_type = "free_transformer"$/m,
    );
    expect(modeling).toMatch(/^class FreeTransformerForCausalLM\(PreTrainedModel, GenerationMixin\):$/m);
    expect(modeling).toContain('from .configuration_free_transformer import FreeTransformerConfig\n');
    for (const name of ['FreeTransformerConfig', 'FreeTransformerForCausalLM']) {
      expect(modeling).toContain(`from .ftlab_torch_model import ${name} as `);
      expect(twin).toMatch(new RegExp(`^class ${name}\\b`, 'm'));
    }
    expect(twin).toMatch(/^ {4}def from_ftlab\(cls, config: dict\)/m);
    // ...and the twin's from_ftlab knows every field ftlab_config() hands it (it refuses unknown ones).
    const twinTable = /^FTLAB_FIELDS = \{([^}]*)\}/m.exec(twin)?.[1] ?? '';
    const twinKnows = [...twinTable.matchAll(/^ {4}"(\w+)":/gm)].map((m) => m[1]);
    expect(twinKnows.sort()).toEqual(Object.keys(HF_CONFIG_FIELDS).sort());
  });

  it.skipIf(PYTHON === undefined)('is valid Python (ast; torch-twin.test.ts runs it)', () => {
    const files = ['configuration_free_transformer.py', 'modeling_free_transformer.py', 'ftlab_torch_model.py'];
    const parse = spawnSync(
      PYTHON as string,
      ['-c', 'import ast, sys\nfor f in sys.argv[1:]: ast.parse(open(f).read(), f)', ...files],
      { cwd: get('ft').out, encoding: 'utf8' },
    );
    expect(parse.status, parse.stderr).toBe(0);
  });
});

describe('ftlab export --format hf refuses', () => {
  it('a missing --out, a non-empty --out, --table, a sweep and a run without a checkpoint, writing nothing', async () => {
    const { runId } = get('bpe');
    const base = ['export', runId, '--db', db, '--backend', 'wasm', '--format', 'hf'];
    const noOut = await ftlab(base).done;
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toContain('--format hf writes a folder: give it with --out DIR');

    const full = join(dir, 'full');
    mkdirSync(full);
    writeFile(full, 'notes.txt', 'mine');
    const intoFull = await ftlab([...base, '--out', full]).done;
    expect(intoFull.code).toBe(1);
    expect(intoFull.stderr).toContain(`--out ${full} already holds 1 entry (notes.txt)`);
    expect(readdirSync(full)).toEqual(['notes.txt']);

    const withTable = await ftlab([...base, '--out', join(dir, 'table'), '--table', 'runs']).done;
    expect(withTable.code).toBe(1);
    expect(withTable.stderr).toContain('--table runs is for the other formats');

    writeFile(dir, 'sweep.yaml', `name: queued\nbase: ft.yaml\naxes:\n  seed: [7]\n`);
    const queued = await ftlab(['sweep', join(dir, 'sweep.yaml'), '--db', db, '--queue-only', '--json']).done;
    expect(queued.code, queued.stderr).toBe(0);
    const sweep = await ftlab(['export', 'queued', '--db', db, '--format', 'hf', '--out', join(dir, 'sweep')]).done;
    expect(sweep.code).toBe(1);
    expect(sweep.stderr).toContain('"queued" is not a run id');
    const status = JSON.parse(await ftlabOk(['status', '--db', db, '--status', 'pending', '--json'])) as {
      runs: Array<{ id: string }>;
    };
    const pending = status.runs[0]?.id;
    const noCheckpoint = await ftlab(['export', pending, '--db', db, '--format', 'hf', '--out', join(dir, 'none')])
      .done;
    expect(noCheckpoint.code).toBe(1);
    expect(noCheckpoint.stderr).toContain(`run ${pending} has no checkpoint yet`);
    for (const target of ['table', 'sweep', 'none']) expect(existsSync(join(dir, target))).toBe(false);
    expect(readdirSync(dir).filter((e) => e.includes('.tmp-'))).toEqual([]);
  });
});
