// A sweep: a base run config and the axes to vary, as a grid or a random search.
//
//   name: toy-kappa
//   base: toy-quick.yaml           # a run config file (relative to this one), or an inline config
//   overrides: { training.steps: 1000 }   # optional: paths set on the base for every run
//   method: grid                   # grid | random
//   axes:                          # config paths -> values; the grid is their product
//     seed: [1, 2, 3]
//   cases:                         # optional alternatives, each crossed with the axes
//     - { model.variant: baseline }
//     - { model.variant: free-transformer, model.kappa.bits: [0.25, 0.5, 1] }
//
// Random search: `method: random`, `samples: N`, `samplerSeed`, and axes whose values may also be
// { uniform: [a, b] }, { logUniform: [a, b] } or { int: [a, b] }. A `seed` axis is always crossed
// with the samples so every sampled point gets every seed.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Rng } from '@ftlab/data';
import { z } from 'zod';
import { type RunConfig, resolveRunConfig } from './config.js';
import { ConfigError, parseYaml } from './yaml-errors.js';

const Distribution = z.union([
  z.strictObject({ uniform: z.tuple([z.number(), z.number()]) }),
  z.strictObject({ logUniform: z.tuple([z.number().positive(), z.number().positive()]) }),
  z.strictObject({ int: z.tuple([z.number().int(), z.number().int()]) }),
]);
const AxisValues = z.union([z.array(z.unknown()).min(1), Distribution]);

export const SweepFileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  base: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  /** Config paths set on the base before the axes (e.g. a longer training.steps for the sweep). */
  overrides: z.record(z.string(), z.unknown()).default({}),
  method: z.enum(['grid', 'random']).default('grid'),
  samples: z.number().int().positive().optional(),
  samplerSeed: z.number().int().nonnegative().default(0),
  axes: z.record(z.string(), AxisValues).default({}),
  cases: z.array(z.record(z.string(), z.unknown())).optional(),
});

export type SweepFile = z.infer<typeof SweepFileSchema>;

export interface SweepRunSpec {
  /** The axis values of this run, e.g. { 'model.kappa.bits': 0.5, seed: 2 }. */
  assignment: Record<string, unknown>;
  config: RunConfig;
}

export interface ExpandedSweep {
  name: string;
  description?: string;
  method: 'grid' | 'random';
  /** The sweep definition as stored with the sweep (base inlined). */
  space: Record<string, unknown>;
  runs: SweepRunSpec[];
}

/** Writes `value` at a dotted path ("model.kappa.bits") into a copy of `target`. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  const root = structuredClone(target);
  let node: Record<string, unknown> = root;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new Error(`cannot set ${path}: ${key} is not a section`);
    }
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
  return root;
}

function product(axes: Array<[string, unknown[]]>): Array<Record<string, unknown>> {
  let out: Array<Record<string, unknown>> = [{}];
  for (const [path, values] of axes) {
    out = out.flatMap((partial) => values.map((v) => ({ ...partial, [path]: v })));
  }
  return out;
}

function sample(dist: z.infer<typeof Distribution>, rng: Rng): number {
  if ('uniform' in dist) return dist.uniform[0] + rng.nextFloat() * (dist.uniform[1] - dist.uniform[0]);
  if ('logUniform' in dist) {
    const [a, b] = dist.logUniform.map(Math.log) as [number, number];
    return Math.exp(a + rng.nextFloat() * (b - a));
  }
  return dist.int[0] + rng.int(dist.int[1] - dist.int[0] + 1);
}

function assignments(sweep: SweepFile, file: string): Array<Record<string, unknown>> {
  const cases = (sweep.cases ?? [{}]).flatMap((c) =>
    product(Object.entries(c).map(([path, v]) => [path, Array.isArray(v) ? v : [v]])),
  );
  const entries = Object.entries(sweep.axes);
  if (sweep.method === 'grid') {
    const distributions = entries.filter(([, v]) => !Array.isArray(v)).map(([k]) => k);
    if (distributions.length > 0) {
      throw new ConfigError(file, [
        `axes.${distributions[0]}: a distribution needs method: random. Fix: list the values, or set method: random.`,
      ]);
    }
    const grid = product(entries as Array<[string, unknown[]]>);
    return grid.flatMap((g) => cases.map((c) => ({ ...g, ...c })));
  }
  if (!sweep.samples) throw new ConfigError(file, ['samples: method random needs samples: N. Fix: add samples: 20.']);
  const rng = Rng.fromSeed(sweep.samplerSeed).split('sweep');
  const seedAxis = sweep.axes.seed;
  if (seedAxis !== undefined && !Array.isArray(seedAxis)) {
    throw new ConfigError(file, [
      'axes.seed: seeds are listed, not sampled: every sampled point is trained with every listed seed. Fix: seed: [1, 2, 3].',
    ]);
  }
  const seeds = seedAxis ?? [undefined];
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < sweep.samples; i++) {
    const point: Record<string, unknown> = {};
    for (const [path, values] of entries) {
      if (path === 'seed') continue;
      point[path] = Array.isArray(values) ? values[rng.int(values.length)] : sample(values, rng);
    }
    const c = cases[rng.int(cases.length)] ?? {};
    for (const seed of seeds) out.push({ ...point, ...c, ...(seed === undefined ? {} : { seed }) });
  }
  return out;
}

/** Parses and expands a sweep file; every expanded run is validated before anything is written. */
export interface SweepLoadOptions {
  /**
   * Added to every run's seed (the seed axis, or the base seed): the same experiment on fresh
   * seeds, to check that its verdicts survive them. The sweep is then named
   * "<name>-seeds+<offset>", so its runs never mix with the original seeds' comparison.
   */
  seedOffset?: number;
}

/** The sweep's stored name under a seed offset (the plain name when the offset is 0). */
export function offsetSweepName(name: string, seedOffset = 0): string {
  return seedOffset === 0 ? name : `${name}-seeds+${seedOffset}`;
}

export function loadSweep(path: string, options: SweepLoadOptions = {}): ExpandedSweep {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot read the file: ${(error as Error).message}`]);
  }
  return parseSweep(text, path, options);
}

export function parseSweep(text: string, file: string, options: SweepLoadOptions = {}): ExpandedSweep {
  const seedOffset = options.seedOffset ?? 0;
  if (!Number.isInteger(seedOffset) || seedOffset < 0 || seedOffset > 2 ** 30) {
    throw new ConfigError(file, [`seed offset must be a whole number between 0 and 2^30, got ${seedOffset}`]);
  }
  const { value, lineOf } = parseYaml(text, file);
  const parsed = SweepFileSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(
      file,
      parsed.error.issues.map((i) => {
        const line = lineOf(i.path as (string | number)[]);
        return `${line ? `line ${line}: ` : ''}${i.path.join('.') || '(top level)'}: ${i.message}`;
      }),
    );
  }
  const sweep = parsed.data;
  let base: Record<string, unknown>;
  let baseFile = file;
  if (typeof sweep.base === 'string') {
    baseFile = resolve(dirname(file), sweep.base);
    let baseText: string;
    try {
      baseText = readFileSync(baseFile, 'utf8');
    } catch (error) {
      throw new ConfigError(file, [`base: cannot read ${sweep.base}: ${(error as Error).message}`]);
    }
    base = parseYaml(baseText, baseFile).value as Record<string, unknown>;
  } else {
    base = sweep.base;
  }

  const runs: SweepRunSpec[] = [];
  const problems: string[] = [];
  for (const assignment of assignments(sweep, file)) {
    let raw = base;
    try {
      for (const [path, v] of Object.entries({ ...sweep.overrides, ...assignment })) raw = setPath(raw, path, v);
    } catch (error) {
      problems.push(`axes: ${(error as Error).message}`);
      continue;
    }
    const name = offsetSweepName(sweep.name, seedOffset);
    raw = { ...raw, name };
    if (seedOffset !== 0) raw = { ...raw, seed: (typeof raw.seed === 'number' ? raw.seed : 0) + seedOffset };
    const assigned =
      seedOffset !== 0 && typeof assignment.seed === 'number' ? { ...assignment, seed: raw.seed } : assignment;
    try {
      runs.push({ assignment: assigned, config: resolveRunConfig(raw, baseFile).config });
    } catch (error) {
      const detail = error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message;
      problems.push(`run ${JSON.stringify(assignment)}: ${detail}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(file, [...new Set(problems)]);
  return {
    name: offsetSweepName(sweep.name, seedOffset),
    ...(sweep.description === undefined ? {} : { description: sweep.description }),
    method: sweep.method,
    space: { ...sweep, base, ...(seedOffset === 0 ? {} : { seedOffset }) },
    runs,
  };
}
