import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseSweep, setPath } from '../src/index.js';

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

  it('reports an expanded run that is invalid with its axis values', () => {
    const file = sweepFile(`
name: bad
base: base.yaml
axes:
  model.encoderPlacement: [1, 2]
`);
    expect(() => parseSweep(readFileSync(file, 'utf8'), file)).toThrow(
      /run \{"model.encoderPlacement":2\}: .*model.encoderPlacement/,
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
    ['unknown sweep key', 'axis:\n  seed: [1]', /Unrecognized key/],
    ['missing base file', 'axes: {}', /base: cannot read missing.yaml/],
  ])('%s is a clear error', (_, extra, expected) => {
    const base = extra.startsWith('axes: {}') ? 'missing.yaml' : 'base.yaml';
    const file = sweepFile(`name: s\nbase: ${base}\n${extra}\n`);
    expect(() => parseSweep(readFileSync(file, 'utf8'), file)).toThrow(ConfigError);
    expect(() => parseSweep(readFileSync(file, 'utf8'), file)).toThrow(expected);
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
