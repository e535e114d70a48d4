import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setPath } from '../src/config-path.js';
import { ConfigError } from '../src/index.js';
import { configHash } from '../src/run-record.js';
import { MAX_SWEEP_RUNS, parseSweep } from '../src/sweep-config.js';

const BASE = `
name: base
seed: 1
data: { kind: toy }
model: { variant: free-transformer, width: 16, layers: 2, heads: 2, latentBits: 2, kappa: { bits: 0.5 } }
training: { steps: 10, batchSize: 2, warmupSteps: 1 }
`;

function sweepFile(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftlab-sweep-'));
  writeFileSync(join(dir, 'base.yaml'), BASE);
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, body);
  return file;
}

describe('parseSweep', () => {
  it('crosses the axes with each case, and validates every expanded run', () => {
    const file = sweepFile(`
name: kappa-sweep
base: base.yaml
axes:
  seed: [1, 2]
cases:
  - { model.variant: baseline }
  - { model.kappa.bits: [0.25, 1] }
`);
    const sweep = parseSweep(readFileSync(file, 'utf8'), file);
    expect(sweep.runs.map((r) => r.assignment)).toEqual([
      { seed: 1, 'model.variant': 'baseline' },
      { seed: 1, 'model.kappa.bits': 0.25 },
      { seed: 1, 'model.kappa.bits': 1 },
      { seed: 2, 'model.variant': 'baseline' },
      { seed: 2, 'model.kappa.bits': 0.25 },
      { seed: 2, 'model.kappa.bits': 1 },
    ]);
    expect(sweep.runs.every((r) => r.config.name === 'kappa-sweep')).toBe(true);
    expect(sweep.runs[2]?.config.model.kappaNats).toBeCloseTo(Math.LN2, 12);
    expect(sweep.runs[3]?.config).toMatchObject({ seed: 2, model: { variant: 'baseline' } });
    expect(sweep.runs.every((r) => r.config.training.steps === 10)).toBe(true);
  });

  it('moves every seed by a seed offset, under its own sweep name, and refuses a bad offset', () => {
    const body = 'name: s\nbase: base.yaml\naxes:\n  seed: [1, 2]\ncases:\n  - { model.variant: baseline }\n';
    const file = sweepFile(body);
    const shifted = parseSweep(body, file, { seedOffset: 100 });
    expect(shifted.name).toBe('s-seeds+100');
    expect(shifted.runs.map((r) => [r.assignment.seed, r.config.seed, r.config.name])).toEqual([
      [101, 101, 's-seeds+100'],
      [102, 102, 's-seeds+100'],
    ]);
    expect(shifted.space).toMatchObject({ seedOffset: 100 });
    // Without a seed axis the base seed moves.
    const single = 'name: one\nbase: base.yaml\naxes:\n  model.kappa.bits: [0.5]\n';
    expect(parseSweep(single, sweepFile(single), { seedOffset: 7 }).runs[0]?.config.seed).toBe(8);
    // Offset 0 is the sweep as written.
    expect(parseSweep(body, file, { seedOffset: 0 }).name).toBe('s');
    for (const bad of [-1, 1.5, 2 ** 31]) {
      expect(() => parseSweep(body, file, { seedOffset: bad })).toThrow(/seed offset must be a whole number/);
    }
  });

  it('applies overrides to the base of every run, under the axes', () => {
    const body =
      'name: o\nbase: base.yaml\noverrides: { training.steps: 20, training.lr: 0.01 }\naxes:\n  training.lr: [0.001, 0.002]\n';
    const sweep = parseSweep(body, sweepFile(body));
    expect(sweep.runs.map((r) => [r.config.training.steps, r.config.training.lr])).toEqual([
      [20, 0.001],
      [20, 0.002],
    ]);
  });

  it("an override that cannot be set is one problem, the override's, not one more per run", () => {
    const body = 'name: o\nbase: base.yaml\noverrides: { training.steps.x: 1 }\naxes:\n  seed: [1, 2]\n';
    const failure = (() => {
      try {
        parseSweep(body, sweepFile(body));
      } catch (error) {
        return error as ConfigError;
      }
      throw new Error('parseSweep accepted an override it cannot set');
    })();
    expect(failure.problems).toEqual([expect.stringMatching(/^overrides: cannot set training\.steps\.x: /)]);
  });

  it('samples random points reproducibly from lists and distributions, every point with every seed', () => {
    const body = `
name: random
base: base.yaml
method: random
samples: 5
samplerSeed: 3
axes:
  seed: [1, 2]
  training.lr: { logUniform: [0.0001, 0.01] }
  model.latentBits: { int: [1, 4] }
  model.estimator: [dense, factored]
`;
    const file = sweepFile(body);
    const a = parseSweep(body, file);
    expect(a.runs).toHaveLength(10);
    expect(parseSweep(body, file).runs.map((r) => r.assignment)).toEqual(a.runs.map((r) => r.assignment));
    for (const { config, assignment } of a.runs) {
      expect(config.training.lr).toBeGreaterThanOrEqual(1e-4);
      expect(config.training.lr).toBeLessThanOrEqual(1e-2);
      expect([1, 2, 3, 4]).toContain(config.model.latentBits);
      expect(['dense', 'factored']).toContain(assignment['model.estimator']);
    }
    expect(a.runs[0]?.assignment['training.lr']).toBe(a.runs[1]?.assignment['training.lr']); // same point, two seeds
  });

  it('reports an axis value that makes a run invalid at its line', () => {
    const file = sweepFile(`
name: bad
base: base.yaml
axes:
  model.encoderPlacement: [1, 2]
`);
    expect(() => parseSweep(readFileSync(file, 'utf8'), file)).toThrow(
      /line 5: model.encoderPlacement: 2 is outside 1\.\.1 \(L=2\)\. Fix: choose m between 1 and layers - 1/,
    );
  });

  it.each([
    ['a distribution in a grid', 'axes:\n  training.lr: { uniform: [0, 1] }', /needs method: random/],
    ['random without samples', 'method: random\naxes:\n  seed: [1]', /samples: method random needs samples/],
    [
      'a sampled seed in a random search',
      'method: random\nsamples: 2\naxes:\n  seed: { int: [1, 100] }',
      /axes.seed: seeds are listed, not sampled/,
    ],
    ['unknown sweep key', 'axis:\n  seed: [1]', /line 3: axis: unknown field \(did you mean axes\?\)/],
    ['missing base file', 'axes: {}', /base: missing.yaml: cannot read the file: ENOENT/],
  ])('%s is a clear error', (_, extra, expected) => {
    const base = extra.startsWith('axes: {}') ? 'missing.yaml' : 'base.yaml';
    const file = sweepFile(`name: s\nbase: ${base}\n${extra}\n`);
    expect(() => parseSweep(readFileSync(file, 'utf8'), file)).toThrow(ConfigError);
    expect(() => parseSweep(readFileSync(file, 'utf8'), file)).toThrow(expected);
  });
});

describe('a sweep with a mistake in each section', () => {
  const WRONG_BASE = [
    'data: { kind: toy, validationSequences: many }',
    'model: { variant: free-transformer, widht: 16, layers: 2, heads: 2 }',
    'training: { steps: -10, batchSize: 2, warmupSteps: 1 }',
    'evaluation: { evry: 3 }',
  ];

  it('reports all of them at once, each once, at the line of the sweep file where it is written', () => {
    const body = [
      'name: s',
      'base:',
      ...WRONG_BASE.map((line) => `  ${line}`),
      'axes:',
      '  seed: [1, 2]',
      '  model.kappa.bits: [0.5, -1]',
    ].join('\n');
    let problems: readonly string[] = [];
    try {
      parseSweep(body, sweepFile(body));
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      'line 3: data.validationSequences: expected number, got "many"',
      'line 4: model.widht: unknown field (did you mean width?). Fix: remove the key or fix its spelling.',
      'line 5: training.steps: Too small: expected number to be >0, got -10',
      'line 6: evaluation.evry: unknown field (did you mean every?). Fix: remove the key or fix its spelling.',
      'line 9: model.kappa.bits: Too small: expected number to be >=0, got -1. Fix: kappa is a free-bits budget >= 0: write kappa: { bits: 0.5 } or kappaNats: 0.35.',
    ]);
  });

  it("names a base file and its lines, and still checks the sweep's own fields and values", () => {
    const file = sweepFile('name: s\nbase: wrong.yaml\nmethod: grdi\n');
    writeFileSync(join(file, '..', 'wrong.yaml'), `${WRONG_BASE.join('\n')}\n`);
    expect(() => parseSweep(readFileSync(file, 'utf8'), file)).toThrow(
      /line 3: method: Invalid option: expected one of "grid"\|"random", got "grdi"\n {2}- wrong\.yaml, line 1: data\.validationSequences: [^\n]*\n {2}- wrong\.yaml, line 2: model\.widht: [^\n]*\n {2}- wrong\.yaml, line 3: training\.steps: [^\n]*\n {2}- wrong\.yaml, line 4: evaluation\.evry: /,
    );
    // A missing base file is reported beside the sweep's own problems.
    const missing = sweepFile('name: s\nbase: nope.yaml\naxis: {}\n');
    expect(() => parseSweep(readFileSync(missing, 'utf8'), missing)).toThrow(
      /line 3: axis: unknown field \(did you mean axes\?\)[^\n]*\n {2}- base: nope\.yaml: cannot read the file: ENOENT/,
    );
    // ...and beside a broken sweep rule of a sweep whose fields are all right.
    const rule = sweepFile('name: s\nbase: nope.yaml\nmethod: random\naxes:\n  seed: [1]\n');
    expect(() => parseSweep(readFileSync(rule, 'utf8'), rule)).toThrow(
      /samples: method random needs samples[^\n]*\n {2}- base: nope\.yaml: cannot read the file: ENOENT/,
    );
    // A case's value is found at its own line too, and an override's.
    const cases =
      'name: s\nbase: base.yaml\noverrides:\n  training.lr: 7\ncases:\n  - { model.variant: baseline }\n  - { model.variant: vae }\n';
    expect(() => parseSweep(cases, sweepFile(cases))).toThrow(
      /line 4: training\.lr: Too big: expected number to be <=1, got 7\n {2}- line 7: model\.variant: Invalid option: .*got "vae"/,
    );
  });
});

describe('setPath', () => {
  it('writes a dotted path into a copy, creating sections, and refuses to descend into a value', () => {
    const original = { model: { width: 1 } };
    expect(setPath(original, 'model.kappa.bits', 2)).toEqual({ model: { width: 1, kappa: { bits: 2 } } });
    expect(original).toEqual({ model: { width: 1 } });
    expect(() => setPath(original, 'model.width.x', 1)).toThrow('cannot set model.width.x: width is not a section');
  });
});

describe('a sweep stores exactly the runs it expands to, or is refused naming the field', () => {
  const refused = (body: string): string => {
    const file = sweepFile(`name: s\nbase: base.yaml\n${body}\n`);
    try {
      parseSweep(readFileSync(file, 'utf8'), file);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).message;
    }
    throw new Error(`expected the sweep to be refused:\n${body}`);
  };

  it.each([
    [
      'an axis crossed with a case setting the same path',
      'axes:\n  model.kappa.bits: [0.25, 0.5, 1]\ncases:\n  - { model.variant: baseline }\n  - { model.kappa.bits: 2 }',
      /line 7: axis model.kappa.bits and case 2 both set model.kappa.bits/,
    ],
    [
      'an axis crossed with a case setting a field inside it',
      'axes:\n  model.kappa: [{ bits: 1 }, { bits: 2 }]\ncases:\n  - { model.kappa.bits: 2 }',
      /axis model.kappa and case 1 both set model.kappa.bits/,
    ],
    [
      'two axes, one inside the other',
      'axes:\n  model.kappa: [{ bits: 1 }]\n  model.kappa.bits: [1, 2]',
      /axes model.kappa and model.kappa.bits both set model.kappa.bits/,
    ],
    [
      'an override dropped by an axis over its section',
      'overrides: { model.width: 32 }\naxes:\n  model: [{ variant: baseline, width: 16, layers: 2, heads: 2 }]',
      /axis model replaces the whole section, dropping override model.width/,
    ],
    [
      'an override dropped by a case setting its section',
      'overrides: { training.lr: 0.01 }\ncases:\n  - { training: { steps: 5 } }',
      /case 1 sets training, the whole section, dropping override training.lr/,
    ],
    [
      'a case equal to the base',
      'cases:\n  - { model.width: 16 }\n  - { model.layers: 2 }',
      /they differ only in model.width, model.layers and still resolve to the same config and seed \(a value equal to the base's/,
    ],
    ['cases: []', 'cases: []', /line 3: cases: an empty list expands to no runs/],
    [
      'a case with an empty list',
      'cases:\n  - { model.kappa.bits: [] }',
      /case 1: model.kappa.bits: an empty list expands to no runs/,
    ],
    ['an axis with an empty list', 'axes:\n  seed: []', /axes.seed: an empty list expands to no runs/],
    [
      'an axis over description alone',
      'axes:\n  description: [first, second]',
      /run \{"description":"first"\} and run \{"description":"second"\} would be stored as one run: they differ only in description/,
    ],
    [
      'a repeated value',
      'axes:\n  seed: [1, 2, 1]',
      /run \{"seed":1\} and run \{"seed":1\} would be stored as one run: the same values are listed twice/,
    ],
    [
      'values that resolve to the same config',
      'axes:\n  training.lr: [0.01, 1.0e-2]',
      /would be stored as one run: the same values are listed twice/,
    ],
    [
      'an axis over a seed-like field the run identity leaves out',
      'axes:\n  data.evaluationSeed: [1, 2]',
      /they differ only in data.evaluationSeed/,
    ],
    [
      'a random search drawing the same point twice',
      'method: random\nsamples: 6\naxes:\n  model.variant: [baseline, free-transformer]',
      /random search drew the same point twice/,
    ],
    ['a name axis', 'axes:\n  name: [a, b]', /axes.name: every run of a sweep is named after the sweep/],
    [
      'an int range upside down',
      'method: random\nsamples: 2\naxes:\n  training.steps: { int: [9, 1] }',
      /lower bound exceeds/,
    ],
  ])('%s', (_, body, expected) => {
    expect(refused(body)).toMatch(expected);
  });

  it(`refuses more than MAX_SWEEP_RUNS (${MAX_SWEEP_RUNS}) runs before building any, grid or random`, () => {
    const values = Array.from({ length: 101 }, (_, i) => i).join(', ');
    expect(refused(`axes:\n  seed: [${values}]\n  training.steps: [${values.replace('0, ', '')}]`)).toMatch(
      /axes: the sweep expands to 10,100 runs \(101 seed x 100 training.steps\), over the limit of 10,000/,
    );
    // Counted, not built: 10^8 points would exhaust the memory before any check on the runs.
    expect(refused('axes:\n  training.steps: { int: [1, 9] }\nmethod: random\nsamples: 100000000')).toMatch(
      /line \d+: samples: the sweep expands to 100,000,000 runs \(samples: 100000000 x 1 seed\(s\)\), over the limit of 10,000 runs per sweep/,
    );
    // A random search lists its cases in full before drawing among them: they count too.
    expect(
      refused(
        `method: random\nsamples: 2\ncases:\n  - { training.steps: [${values}], training.warmupSteps: [${values.replace('0, ', '')}] }`,
      ),
    ).toMatch(/the sweep expands to 10,100 runs \(10100 case runs to draw from\), over the limit/);
  });

  it('refuses a base file that holds no run config', () => {
    const file = sweepFile('name: s\nbase: list.yaml\n');
    writeFileSync(join(file, '..', 'list.yaml'), '- a\n- b\n');
    expect(() => parseSweep(readFileSync(file, 'utf8'), file)).toThrow(
      /base: list\.yaml holds a list, not a run config/,
    );
  });

  it('reports the conflicts of a sweep all at once, with their lines', () => {
    const message = refused('axes:\n  seed: [1]\ncases:\n  - { seed: 2 }\n  - { model.variant: baseline, seed: 3 }');
    expect(message).toMatch(/line 6: axis seed and case 1 both set seed/);
    expect(message).toMatch(/line 7: axis seed and case 2 both set seed/);
  });

  it('expands cases that set a field no axis sets, each with every axis value', () => {
    const file = sweepFile(
      'name: s\nbase: base.yaml\naxes:\n  seed: [1, 2]\ncases:\n  - {}\n  - { description: labelled, model.variant: baseline }\n',
    );
    const sweep = parseSweep(readFileSync(file, 'utf8'), file);
    expect(sweep.runs).toHaveLength(4);
    expect(new Set(sweep.runs.map((r) => `${configHash(r.config)}/${r.config.seed}`)).size).toBe(4);
  });
});

describe('config paths that reach JavaScript object internals', () => {
  afterEach(() => {
    // A failing test must not leave the prototype polluted for the next one.
    for (const key of ['polluted', 'hacked']) delete (Object.prototype as Record<string, unknown>)[key];
  });

  it.each([
    ['an axis', 'axes:\n  __proto__.polluted: [1]', /axes.__proto__.polluted: "__proto__" is not a config field/],
    [
      'a case',
      'cases:\n  - { constructor.prototype.polluted: 1 }',
      /cases.0.constructor.prototype.polluted: "constructor"/,
    ],
    ['an override', 'overrides:\n  model.prototype: 1', /overrides.model.prototype: "prototype" is not a config field/],
    ['a __proto__ key', 'overrides:\n  __proto__: { polluted: 1 }', /line 4: __proto__: not a config field/],
  ])('are refused in %s, and Object.prototype is untouched', (_, body, expected) => {
    const file = sweepFile(`name: s\nbase: base.yaml\n${body}\n`);
    expect(() => parseSweep(readFileSync(file, 'utf8'), file)).toThrow(expected);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it('setPath refuses them too', () => {
    expect(() => setPath({}, '__proto__.hacked', 1)).toThrow(
      /cannot set __proto__.hacked: "__proto__" is not a config field/,
    );
    expect(() => setPath({}, 'a.constructor.prototype.hacked', 1)).toThrow(/"constructor" is not a config field/);
    expect(() => setPath({}, 'model..width', 1)).toThrow(/has an empty segment/);
    expect(({} as Record<string, unknown>).hacked).toBeUndefined();
  });
});
