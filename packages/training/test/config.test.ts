import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../src/config.js';
import { ConfigError, resolveRunConfig } from '../src/index.js';
import { configHash } from '../src/run-record.js';

const VALID = `
name: toy-test
seed: 7
data: { kind: toy }
model:
  variant: free-transformer
  width: 32
  layers: 4
  heads: 2
  latentBits: 4
  kappa: { bits: 0.5 }
training:
  steps: 100
  batchSize: 8
`;

describe('parseRunConfig', () => {
  it('fills every default explicitly and takes vocabulary and sequence length from the data', () => {
    const { config, dataset } = parseRunConfig(VALID, 'experiments/toy-test.yaml');
    expect(config.name).toBe('toy-test');
    expect(config.model).toMatchObject({ vocabSize: 29, contextLength: 65, encoderPlacement: 2 });
    expect(config.model.kappaNats).toBeCloseTo(Math.LN2 / 2, 12);
    expect(config.training).toMatchObject({ sequenceLength: 65, lr: 3e-3, warmupSteps: 100 });
    expect(config.training.minLr).toBeCloseTo(3e-4, 15);
    expect(config.evaluation.batchSize).toBe(8);
    expect(dataset.vocabSize).toBe(29);
    // Resolving a resolved config changes nothing (runs are re-created from their stored config).
    const again = parseRunConfig(JSON.stringify(config), 'stored');
    expect(again.config).toEqual(config);
  });

  it('leaves training.divergence out unless it is written, so configs from before it keep their hash', () => {
    const { config } = parseRunConfig(VALID, 'experiments/toy-test.yaml');
    expect(config.training).not.toHaveProperty('divergence');
    expect(config.training.divergenceLoss).toBe(100);
    const tuned = parseRunConfig(VALID.replace('batchSize: 8', 'batchSize: 8\n  divergence: { factor: 12 }'), 'x.yaml');
    expect(tuned.config.training.divergence).toEqual({ enabled: true, factor: 12 });
    // It decides when a run stops, not what it trains: same run, same hash (so it can be changed
    // for a run that already has checkpoints).
    expect(configHash(tuned.config)).toBe(configHash(config));
  });

  it('records a relative data.path absolute for a new run, and never rewrites a stored run (its hash)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftlab-config-'));
    const cwd = process.cwd();
    try {
      writeFileSync(join(dir, 'corpus.txt'), 'to be or not to be, that is the question.\n'.repeat(200));
      process.chdir(dir);
      const text = VALID.replace('data: { kind: toy }', 'data: { kind: text, path: corpus.txt }');
      const fresh = parseRunConfig(text, 'x.yaml').config;
      expect(fresh.data).toMatchObject({ path: join(realpathSync(dir), 'corpus.txt') });
      // A run stored before paths were made absolute keeps its relative path and its hash.
      const stored = { ...fresh, data: { ...fresh.data, path: 'corpus.txt' } };
      const again = resolveRunConfig(JSON.parse(JSON.stringify(stored)), 'stored').config;
      expect(again.data).toMatchObject({ path: 'corpus.txt' });
      expect(configHash(again)).toBe(configHash(stored));
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses the file name when the config has no name', () => {
    const { config } = parseRunConfig(VALID.replace('name: toy-test\n', ''), 'experiments/my-run.yml');
    expect(config.name).toBe('my-run');
  });
});

// Each malformed config, the fragment its error must contain, and (where the problem has a
// place in the file) the line it must point at.
const MALFORMED: Array<[string, string, RegExp]> = [
  ['yaml syntax', 'name: [unclosed\n', /YAML syntax/],
  ['duplicate key', `${VALID}seed: 8\n`, /line \d+: YAML syntax: .*[Uu]nique/],
  ['not a mapping', '- a list\n', /\(top level\)/],
  [
    'unknown top-level key',
    `${VALID}optimiser: adam\n`,
    /line \d+: optimiser: unknown field\. Fix: remove the key or fix its spelling/,
  ],
  ['missing training', VALID.replace(/training:[\s\S]*/, ''), /training: .*expected object/i],
  ['missing data', VALID.replace('data: { kind: toy }\n', ''), /data: is required \(expected object\)/],
  ['steps not a number', VALID.replace('steps: 100', 'steps: many'), /line 13: training.steps: .*expected number/],
  ['steps zero', VALID.replace('steps: 100', 'steps: 0'), /training.steps: .*>0/],
  [
    'batch not positive',
    VALID.replace('batchSize: 8', 'batchSize: -4'),
    /line 14: training.batchSize: .*Fix: use a positive whole number/,
  ],
  ['batch fractional', VALID.replace('batchSize: 8', 'batchSize: 2.5'), /training.batchSize: .*int/i],
  [
    'unknown training key',
    VALID.replace('batchSize: 8', 'batchSize: 8\n  learningRate: 0.1'),
    /training.learningRate: unknown field/,
  ],
  ['lr too large', VALID.replace('batchSize: 8', 'batchSize: 8\n  lr: 5'), /training.lr: .*<=1/],
  [
    'minLr above lr',
    VALID.replace('batchSize: 8', 'batchSize: 8\n  lr: 0.001\n  minLr: 0.01'),
    /training.minLr: 0.01 exceeds training.lr/,
  ],
  [
    'warmup longer than run',
    VALID.replace('batchSize: 8', 'batchSize: 8\n  warmupSteps: 500'),
    /warmupSteps: 500 exceeds training.steps 100/,
  ],
  ['beta2 out of range', VALID.replace('batchSize: 8', 'batchSize: 8\n  beta2: 1'), /training.beta2: .*<1/],
  [
    'divergence factor not above 1',
    VALID.replace('batchSize: 8', 'batchSize: 8\n  divergence: { factor: 1 }'),
    /line 15: training.divergence.factor: .*>1.*Fix: use a number above 1, the multiple of the initial cross-entropy/,
  ],
  [
    'divergence unknown key',
    VALID.replace('batchSize: 8', 'batchSize: 8\n  divergence: { limit: 4 }'),
    /training.divergence.limit: unknown field/,
  ],
  [
    'divergence enabled not a boolean',
    VALID.replace('batchSize: 8', 'batchSize: 8\n  divergence: { enabled: sometimes }'),
    /training.divergence.enabled: .*expected boolean/,
  ],
  [
    'placement outside 1..L-1',
    VALID.replace('kappa: { bits: 0.5 }', 'kappa: { bits: 0.5 }\n  encoderPlacement: 4'),
    /line \d+: model.encoderPlacement: .*Fix: choose m between 1 and layers - 1/,
  ],
  [
    'placement zero',
    VALID.replace('kappa: { bits: 0.5 }', 'kappa: { bits: 0.5 }\n  encoderPlacement: 0'),
    /model.encoderPlacement/,
  ],
  [
    'kappa negative',
    VALID.replace('kappa: { bits: 0.5 }', 'kappa: { bits: -1 }'),
    /line 11: model.kappa.bits: .*>=0, got -1\. Fix: kappa is a free-bits budget/,
  ],
  [
    'kappa twice',
    VALID.replace('kappa: { bits: 0.5 }', 'kappa: { bits: 0.5 }\n  kappaNats: 0.3'),
    /give either kappa or kappaNats/,
  ],
  [
    'unknown model field with hint',
    VALID.replace('width: 32', 'widht: 32'),
    /model.widht: unknown field \(did you mean width\?\)/,
  ],
  [
    'unknown variant',
    VALID.replace('variant: free-transformer', 'variant: vae'),
    /model.variant: Invalid option: expected one of .*, got "vae"/,
  ],
  [
    'unknown estimator',
    VALID.replace('latentBits: 4', 'latentBits: 4\n  estimator: gumbel'),
    /model.estimator: .*got "gumbel"/,
  ],
  [
    'heads do not divide width',
    VALID.replace('heads: 2', 'heads: 5'),
    /line 7: model.width: 32 is not divisible by heads=5/,
  ],
  [
    'latent bits too large',
    VALID.replace('latentBits: 4', 'latentBits: 24'),
    /model.latentBits.*Fix: use H between 1 and 16/,
  ],
  [
    'vocab contradicts data',
    VALID.replace('width: 32', 'width: 32\n  vocabSize: 100'),
    /model.vocabSize: 100 differs from the dataset's vocabulary \(29\)/,
  ],
  [
    'unknown data kind',
    VALID.replace('kind: toy', 'kind: images'),
    /line 4: data.kind: must be one of toy, text, arithmetic, reviews, got "images"/,
  ],
  [
    'toy sequence length mismatch',
    VALID.replace('batchSize: 8', 'batchSize: 8\n  sequenceLength: 32'),
    /training.sequenceLength: 32 but every toy sequence has 65/,
  ],
  [
    'sequence longer than context',
    VALID.replace('width: 32', 'width: 32\n  contextLength: 32'),
    /exceeds model.contextLength 32/,
  ],
  [
    'memory budget',
    VALID.replace('latentBits: 4', 'latentBits: 16').replace(
      'batchSize: 8',
      'batchSize: 8\n  memoryBudgetBytes: 10000000',
    ),
    /this run needs about .* GiB .*2\^16-row post-sampler.*over training.memoryBudgetBytes.*Fix: lower latentBits/,
  ],
  [
    'memory budget of a baseline (no post-sampler to blame)',
    VALID.replace('variant: free-transformer', 'variant: baseline').replace(
      'batchSize: 8',
      'batchSize: 8\n  memoryBudgetBytes: 100000',
    ),
    /this run needs about .* GiB \(weights, gradients, AdamW moments and activations\).*Fix: lower width, layers or batchSize/,
  ],
  [
    'missing text corpus',
    VALID.replace('data: { kind: toy }', 'data: { kind: text, path: /nonexistent/corpus.txt }'),
    /line 4: .*nonexistent\/corpus.txt/,
  ],
  ['seed negative', VALID.replace('seed: 7', 'seed: -1'), /line 3: seed: .*>=0/],
  [
    'evaluation unknown key',
    `${VALID}evaluation: { evry: 10 }\n`,
    /evaluation.evry: unknown field \(did you mean every\?\)/,
  ],
];

describe('malformed configs fail before anything is written, naming the file, the field and the fix', () => {
  it.each(MALFORMED)('%s', (_, text, expected) => {
    let error: unknown;
    try {
      parseRunConfig(text, 'experiments/bad.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/^experiments\/bad\.yaml: invalid config\n/);
    expect(message).toMatch(expected);
  });

  it('lists every problem of a config at once', () => {
    const text = VALID.replace('steps: 100', 'steps: 0').replace('batchSize: 8', 'batchSize: 0');
    expect(() => parseRunConfig(text, 'x.yaml')).toThrow(/training.steps[\s\S]*training.batchSize/);
  });

  it('reports a mistake in each section at once, each with its line, field, problem and hint', () => {
    const text = [
      'name: all-wrong',
      'data: { kind: toy, validationSequences: many }',
      'model:',
      '  variant: free-transformer',
      '  widht: 32',
      'training:',
      '  steps: -5',
      '  batchSize: 8',
      'evaluation:',
      '  evry: 10',
    ].join('\n');
    let error: unknown;
    try {
      parseRunConfig(text, 'experiments/all-wrong.yaml');
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual([
      'line 2: data.validationSequences: expected number, got "many"',
      'line 5: model.widht: unknown field (did you mean width?). Fix: remove the key or fix its spelling.',
      'line 7: training.steps: Too small: expected number to be >0, got -5',
      'line 10: evaluation.evry: unknown field (did you mean every?). Fix: remove the key or fix its spelling.',
    ]);
  });

  it('has more than 20 distinct malformed cases', () => {
    expect(MALFORMED.length).toBeGreaterThan(20);
  });
});
