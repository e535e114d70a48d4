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
//
// A sweep stores exactly the runs it expands to, or is refused whole: an empty expansion (cases: [],
// an empty list), an axis and a case (or two axes) setting the same field, two runs that would be
// the same run (same config and seed: a description-only axis, a repeated value, a random point
// drawn twice) and more than MAX_SWEEP_RUNS runs (counted before any run is built) all fail with
// the field named.
import { dirname, resolve } from 'node:path';
import { checkConfig } from '@ftlab/config';
import { Rng, type SweepMethod } from '@ftlab/contract';
import { type RunConfig, resolveRunConfig, withAbsoluteDataPath } from './config.js';
import { setPath } from './config-path.js';
import { issueProblems, linePrefix } from './config-problems.js';
import {
  type BaseSource,
  baseProblems,
  baseWithOverrides,
  runSchemaProblems,
  type SweepPaths,
} from './sweep-problems.js';
import { type At, conflicts, duplicates, emptyExpansions, methodProblems, pathProblems } from './sweep-rules.js';
import { type AxisDistribution, type SweepFile, SweepShapeSchema } from './sweep-schema.js';
import { ConfigError, parseYaml, readConfigText } from './yaml-errors.js';

/** The most runs one sweep may expand to; larger sweeps are refused before any run is built. */
export const MAX_SWEEP_RUNS = 10_000;

export interface SweepRunSpec {
  /** The axis values of this run, e.g. { 'model.kappa.bits': 0.5, seed: 2 }. */
  assignment: Record<string, unknown>;
  config: RunConfig;
}

export interface ExpandedSweep {
  name: string;
  description?: string;
  method: SweepMethod;
  /** The sweep definition as stored with the sweep (base inlined). */
  space: Record<string, unknown>;
  runs: SweepRunSpec[];
}

function product(axes: Array<[string, unknown[]]>): Array<Record<string, unknown>> {
  let out: Array<Record<string, unknown>> = [{}];
  for (const [path, values] of axes) {
    out = out.flatMap((partial) => values.map((v) => ({ ...partial, [path]: v })));
  }
  return out;
}

function sample(dist: AxisDistribution, rng: Rng): number {
  if ('uniform' in dist) return dist.uniform[0] + rng.nextFloat() * (dist.uniform[1] - dist.uniform[0]);
  if ('logUniform' in dist) {
    const [a, b] = dist.logUniform.map(Math.log) as [number, number];
    return Math.exp(a + rng.nextFloat() * (b - a));
  }
  return dist.int[0] + rng.int(dist.int[1] - dist.int[0] + 1);
}

/** Runs the sweep expands to, counted without building them (so a huge sweep costs nothing). */
function expansionSize(sweep: SweepFile): { runs: number; how: string } {
  const caseCounts = (sweep.cases ?? [{}]).map((c) =>
    Object.values(c).reduce<number>((n, v) => n * (Array.isArray(v) ? v.length : 1), 1),
  );
  const cases = caseCounts.reduce((a, b) => a + b, 0);
  if (sweep.method === 'random') {
    const seeds = Array.isArray(sweep.axes.seed) ? sweep.axes.seed.length : 1;
    const runs = (sweep.samples ?? 0) * seeds;
    // The cases are listed in full before sampling among them: they count too.
    if (cases > runs) return { runs: cases, how: `${cases} case runs to draw from` };
    return { runs, how: `samples: ${sweep.samples} x ${seeds} seed(s)` };
  }
  const lists = Object.entries(sweep.axes).map(([path, v]) => [path, Array.isArray(v) ? v.length : 1] as const);
  const runs = lists.reduce((n, [, k]) => n * k, cases);
  const factors = [...lists.map(([path, k]) => `${k} ${path}`), ...(sweep.cases ? [`${cases} case runs`] : [])];
  return { runs, how: factors.length > 0 ? factors.join(' x ') : 'the base alone' };
}

function assignments(sweep: SweepFile): Array<Record<string, unknown>> {
  const cases = (sweep.cases ?? [{}]).flatMap((c) =>
    product(Object.entries(c).map(([path, v]) => [path, Array.isArray(v) ? v : [v]])),
  );
  const entries = Object.entries(sweep.axes);
  if (sweep.method === 'grid') {
    const grid = product(entries as Array<[string, unknown[]]>);
    return grid.flatMap((g) => cases.map((c) => ({ ...g, ...c })));
  }
  const rng = Rng.fromSeed(sweep.samplerSeed).split('sweep');
  const seeds = (sweep.axes.seed as unknown[] | undefined) ?? [undefined];
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < (sweep.samples as number); i++) {
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

/** Parses and expands a sweep file; every expanded run is validated before anything is written. */
export function loadSweep(path: string, options: SweepLoadOptions = {}): ExpandedSweep {
  return parseSweep(readConfigText(path), path, options);
}

interface LoadedBase extends BaseSource {
  baseFile: string;
}

/** The sweep's base run config: a file beside the sweep (its own errors name it) or inline. */
function loadBase(base: string | Record<string, unknown>, file: string, at: At): LoadedBase {
  if (typeof base !== 'string') return { base, baseFile: file, at: (path) => at(['base', ...path]) };
  const baseFile = resolve(dirname(file), base);
  let text: string;
  try {
    text = readConfigText(baseFile);
  } catch (error) {
    throw new ConfigError(file, [`base: ${base}: ${(error as ConfigError).problems.join('; ')}`]);
  }
  const { value, lineOf } = parseYaml(text, baseFile);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(file, [
      `base: ${base} holds ${Array.isArray(value) ? 'a list' : `${JSON.stringify(value)}`}, not a run config. Fix: point base at a run config such as experiments/toy-quick.yaml.`,
    ]);
  }
  return {
    base: value as Record<string, unknown>,
    baseFile,
    at: (path) => {
      const line = lineOf(path);
      return `${base}${line ? `, line ${line}` : ''}: `;
    },
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The paths a sweep sets, read from a sweep whose own fields failed their schema (what can be read). */
function pathsOf(value: unknown): { base?: string | Record<string, unknown>; paths: SweepPaths } {
  const sweep = isRecord(value) ? value : {};
  const base = typeof sweep.base === 'string' || isRecord(sweep.base) ? sweep.base : undefined;
  return {
    ...(base === undefined ? {} : { base }),
    paths: {
      overrides: isRecord(sweep.overrides) ? sweep.overrides : {},
      axes: isRecord(sweep.axes) ? sweep.axes : {},
      cases: Array.isArray(sweep.cases) ? sweep.cases.filter(isRecord) : [],
    },
  };
}

/** The sweep's own rules (sweep-rules.ts), checked once its fields passed their schema. */
function sweepProblems(sweep: SweepFile, at: At): string[] {
  return [
    ...pathProblems(sweep, at),
    ...methodProblems(sweep, at),
    ...emptyExpansions(sweep, at),
    ...conflicts(sweep, at),
  ];
}

export function parseSweep(text: string, file: string, options: SweepLoadOptions = {}): ExpandedSweep {
  const seedOffset = options.seedOffset ?? 0;
  if (!Number.isInteger(seedOffset) || seedOffset < 0 || seedOffset > 2 ** 30) {
    throw new ConfigError(file, [`seed offset must be a whole number between 0 and 2^30, got ${seedOffset}`]);
  }
  const { value, lineOf } = parseYaml(text, file);
  const at: At = (path) => linePrefix(lineOf, path);
  // The sweep's own fields and the base (with the overrides) are checked together, so a file
  // with mistakes in both hears of all of them at once.
  const shape = checkConfig(SweepShapeSchema, value);
  const sweep = shape.success ? shape.data : undefined;
  const problems = shape.success ? sweepProblems(shape.data, at) : issueProblems(shape.issues, lineOf);
  const { base: written, paths } = sweep ? { base: sweep.base, paths: sweep } : pathsOf(value);
  let source: LoadedBase | undefined;
  try {
    source = written === undefined ? undefined : loadBase(written, file, at);
  } catch (error) {
    // A sweep whose own fields or rules are wrong still hears of its base file's problem in the same run.
    if ((sweep && problems.length === 0) || !(error instanceof ConfigError)) throw error;
    problems.push(...(error.file === file ? error.problems : error.problems.map((p) => `base: ${written}: ${p}`)));
  }
  const reported = source ? baseProblems(paths, source, at) : [];
  if (!sweep || !source || problems.length > 0) throw new ConfigError(file, [...problems, ...reported]);
  let start: Record<string, unknown>;
  try {
    start = baseWithOverrides(sweep, source.base);
  } catch {
    throw new ConfigError(file, reported); // baseProblems said why
  }

  const size = expansionSize(sweep);
  if (size.runs > MAX_SWEEP_RUNS) {
    throw new ConfigError(file, [
      `${sweep.method === 'random' ? `${at(['samples'])}samples` : `${at(['axes'])}axes`}: the sweep expands to ${size.runs.toLocaleString('en-US')} runs (${size.how}), over the limit of ${MAX_SWEEP_RUNS.toLocaleString('en-US')} runs per sweep. Fix: split it into several sweeps, or use method: random with fewer samples.`,
    ]);
  }

  const runs: SweepRunSpec[] = [];
  const runProblems = new Set<string>(reported);
  const reportedSet = new Set(reported);
  const name = offsetSweepName(sweep.name, seedOffset);
  for (const assignment of assignments(sweep)) {
    let raw = start;
    try {
      for (const [path, v] of Object.entries(assignment)) raw = setPath(raw, path, v);
    } catch (error) {
      runProblems.add(`axes: ${(error as Error).message}`);
      continue;
    }
    raw = { ...raw, name };
    if (seedOffset !== 0) raw = { ...raw, seed: (typeof raw.seed === 'number' ? raw.seed : 0) + seedOffset };
    const assigned =
      seedOffset !== 0 && typeof assignment.seed === 'number' ? { ...assignment, seed: raw.seed } : assignment;
    const runConfig = withAbsoluteDataPath(raw);
    const schemaProblems = runSchemaProblems(runConfig, assignment, sweep, source, at, reportedSet);
    if (schemaProblems) {
      for (const problem of schemaProblems) runProblems.add(problem);
      continue;
    }
    // What the schemas cannot see (the dataset, the memory budget...) only for runs that passed them.
    try {
      runs.push({ assignment: assigned, config: resolveRunConfig(runConfig, source.baseFile).config });
    } catch (error) {
      const detail = error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message;
      runProblems.add(`run ${JSON.stringify(assignment)}: ${detail}`);
    }
  }
  if (runProblems.size > 0) throw new ConfigError(file, [...runProblems]);
  const repeated = duplicates(runs, sweep.method);
  if (repeated.length > 0) throw new ConfigError(file, repeated);
  return {
    name,
    ...(sweep.description === undefined ? {} : { description: sweep.description }),
    method: sweep.method,
    space: { ...sweep, base: source.base, ...(seedOffset === 0 ? {} : { seedOffset }) },
    runs,
  };
}
