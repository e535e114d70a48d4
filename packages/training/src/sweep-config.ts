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
import { Rng } from '@ftlab/contract';
import { z } from 'zod';
import { type RunConfig, resolveRunConfig, withAbsoluteDataPath } from './config.js';
import { configPathProblem, setPath } from './config-path.js';
import { configHash } from './run-record.js';
import { ConfigError, type ParsedYaml, parseYaml, readConfigText } from './yaml-errors.js';

/** The most runs one sweep may expand to; larger sweeps are refused before any run is built. */
export const MAX_SWEEP_RUNS = 10_000;

const bounds = (check: z.ZodNumber) =>
  z.tuple([check, check]).refine(([a, b]) => a <= b, 'the lower bound exceeds the upper bound');
const Distribution = z.union([
  z.strictObject({ uniform: bounds(z.number()) }),
  z.strictObject({ logUniform: bounds(z.number().positive()) }),
  z.strictObject({
    // Rng.int draws from at most 2^32 values.
    int: bounds(z.number().int()).refine(([a, b]) => b - a < 2 ** 32, 'the range holds more than 2^32 integers'),
  }),
]);
// Empty lists are refused with their own message (emptyExpansions), not here.
const AxisValues = z.union([z.array(z.unknown()), Distribution]);

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

type At = (path: readonly (string | number)[]) => string;

/** Every path the sweep sets, with where it is written: overrides, axes and each case. */
function pathProblems(sweep: SweepFile, at: At): string[] {
  const problems: string[] = [];
  const sections: Array<[string, (string | number)[], Record<string, unknown>]> = [
    ['overrides', ['overrides'], sweep.overrides],
    ['axes', ['axes'], sweep.axes],
    ...(sweep.cases ?? []).map((c, i): [string, (string | number)[], Record<string, unknown>] => [
      `cases.${i}`,
      ['cases', i],
      c,
    ]),
  ];
  for (const [label, where, paths] of sections) {
    for (const path of Object.keys(paths)) {
      const problem = configPathProblem(path);
      if (problem) problems.push(`${at([...where, path])}${label}.${path}: ${problem}`);
      else if (path === 'name') {
        problems.push(
          `${at([...where, path])}${label}.name: every run of a sweep is named after the sweep (name: ${sweep.name}), so this would change nothing. Fix: remove it; vary a field that changes training.`,
        );
      }
    }
  }
  return problems;
}

/** Lists that expand to nothing: cases: [], an axis or a case field with no values. */
function emptyExpansions(sweep: SweepFile, at: At): string[] {
  const problems: string[] = [];
  for (const [path, values] of Object.entries(sweep.axes)) {
    if (Array.isArray(values) && values.length === 0) {
      problems.push(
        `${at(['axes', path])}axes.${path}: an empty list expands to no runs. Fix: list at least one value, or remove the axis.`,
      );
    }
  }
  if (sweep.cases?.length === 0) {
    problems.push(
      `${at(['cases'])}cases: an empty list expands to no runs. Fix: list at least one case, or remove cases: to run the base as is.`,
    );
  }
  for (const [i, c] of (sweep.cases ?? []).entries()) {
    for (const [path, v] of Object.entries(c)) {
      if (Array.isArray(v) && v.length === 0) {
        problems.push(
          `${at(['cases', i, path])}case ${i + 1}: ${path}: an empty list expands to no runs for this case. Fix: list at least one value, or remove the field.`,
        );
      }
    }
  }
  return problems;
}

/** The field both paths write, when they overlap (equal, or one inside the other), else null. */
function overlap(a: string, b: string): string | null {
  if (a === b || b.startsWith(`${a}.`)) return b;
  if (a.startsWith(`${b}.`)) return a;
  return null;
}

/** Two places setting the same field: one would silently replace the other in every run. */
function conflicts(sweep: SweepFile, at: At): string[] {
  const problems: string[] = [];
  const axes = Object.keys(sweep.axes);
  const fix = 'Fix: set each field in one place: an axis for every case, or a value in each case.';
  for (const [i, a] of axes.entries()) {
    for (const b of axes.slice(i + 1)) {
      const field = overlap(a, b);
      if (field) problems.push(`${at(['axes', b])}axes ${a} and ${b} both set ${field}. ${fix}`);
    }
  }
  // Overrides are applied first and the axes and cases over them (an axis on an overridden field
  // wins, as documented), but an axis or a case that sets a whole section would silently drop an
  // override inside it.
  const replaces = (section: string, override: string) => override.startsWith(`${section}.`);
  for (const override of Object.keys(sweep.overrides)) {
    for (const axis of axes.filter((a) => replaces(a, override))) {
      problems.push(
        `${at(['axes', axis])}axis ${axis} replaces the whole section, dropping override ${override}. ${fix}`,
      );
    }
    for (const [i, c] of (sweep.cases ?? []).entries()) {
      for (const path of Object.keys(c).filter((p) => replaces(p, override))) {
        problems.push(
          `${at(['cases', i, path])}case ${i + 1} sets ${path}, the whole section, dropping override ${override}. ${fix}`,
        );
      }
    }
  }
  for (const [i, c] of (sweep.cases ?? []).entries()) {
    const paths = Object.keys(c);
    for (const axis of axes) {
      for (const path of paths) {
        const field = overlap(axis, path);
        if (field) problems.push(`${at(['cases', i, path])}axis ${axis} and case ${i + 1} both set ${field}. ${fix}`);
      }
    }
    for (const [j, a] of paths.entries()) {
      for (const b of paths.slice(j + 1)) {
        const field = overlap(a, b);
        if (field) problems.push(`${at(['cases', i, b])}case ${i + 1} sets ${field} twice (${a} and ${b}). ${fix}`);
      }
    }
  }
  return problems;
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

/** The method's own rules: distributions only in random search, which needs samples and listed seeds. */
function methodProblems(sweep: SweepFile, at: At): string[] {
  if (sweep.method === 'grid') {
    return Object.entries(sweep.axes)
      .filter(([, v]) => !Array.isArray(v))
      .map(
        ([path]) =>
          `${at(['axes', path])}axes.${path}: a distribution needs method: random. Fix: list the values, or set method: random.`,
      );
  }
  const problems: string[] = [];
  if (!sweep.samples) problems.push('samples: method random needs samples: N. Fix: add samples: 20.');
  const seedAxis = sweep.axes.seed;
  if (seedAxis !== undefined && !Array.isArray(seedAxis)) {
    problems.push(
      `${at(['axes', 'seed'])}axes.seed: seeds are listed, not sampled: every sampled point is trained with every listed seed. Fix: seed: [1, 2, 3].`,
    );
  }
  return problems;
}

/** Differences between two runs' axis values, e.g. "description: a / b". */
function difference(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/**
 * Runs the tracker would store as one: it keys a sweep's runs by (config hash, seed), and the
 * hash leaves out name, description and seed-like fields (...Seed). Named, not merged.
 */
function duplicates(runs: SweepRunSpec[], method: SweepFile['method']): string[] {
  const first = new Map<string, SweepRunSpec>();
  const problems: string[] = [];
  let more = 0;
  for (const run of runs) {
    const key = `${configHash(run.config)}/${run.config.seed}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, run);
      continue;
    }
    if (problems.length >= 3) {
      more++;
      continue;
    }
    const differ = difference(earlier.assignment, run.assignment);
    const why =
      differ.length === 0
        ? method === 'random'
          ? 'random search drew the same point twice. Fix: fewer samples, more values or a distribution, or method: grid'
          : 'the same values are listed twice. Fix: remove the repeated value or case'
        : `they differ only in ${differ.join(', ')} and still resolve to the same config and seed (a value equal to the base's or to the default, or a field that does not identify a run: name, description, ...Seed). Fix: vary a field that changes training, or drop the duplicate`;
    problems.push(
      `run ${JSON.stringify(earlier.assignment)} and run ${JSON.stringify(run.assignment)} would be stored as one run: ${why}.`,
    );
  }
  if (more > 0) problems.push(`... and ${more} more run(s) that repeat an earlier one.`);
  return problems;
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
  return parseSweep(readConfigText(path), path, options);
}

/** The sweep's base run config: a file beside the sweep (its own errors name it) or inline. */
function loadBase(sweep: SweepFile, file: string): { base: Record<string, unknown>; baseFile: string } {
  if (typeof sweep.base !== 'string') return { base: sweep.base, baseFile: file };
  const baseFile = resolve(dirname(file), sweep.base);
  let text: string;
  try {
    text = readConfigText(baseFile);
  } catch (error) {
    throw new ConfigError(file, [`base: ${sweep.base}: ${(error as ConfigError).problems.join('; ')}`]);
  }
  const { value } = parseYaml(text, baseFile);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(file, [
      `base: ${sweep.base} holds ${Array.isArray(value) ? 'a list' : `${JSON.stringify(value)}`}, not a run config. Fix: point base at a run config such as experiments/toy-quick.yaml.`,
    ]);
  }
  return { base: value as Record<string, unknown>, baseFile };
}

/** Parses the sweep file and checks its shape; refuses before any run is built. */
function parseSweepFile(parsedYaml: ParsedYaml, file: string): SweepFile {
  const { value, lineOf } = parsedYaml;
  const at: At = (path) => {
    const line = lineOf(path);
    return line ? `line ${line}: ` : '';
  };
  const parsed = SweepFileSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(
      file,
      parsed.error.issues.map(
        (i) => `${at(i.path as (string | number)[])}${i.path.join('.') || '(top level)'}: ${i.message}`,
      ),
    );
  }
  const sweep = parsed.data;
  const problems = [
    ...pathProblems(sweep, at),
    ...methodProblems(sweep, at),
    ...emptyExpansions(sweep, at),
    ...conflicts(sweep, at),
  ];
  if (problems.length > 0) throw new ConfigError(file, problems);
  const size = expansionSize(sweep);
  if (size.runs > MAX_SWEEP_RUNS) {
    throw new ConfigError(file, [
      `${sweep.method === 'random' ? `${at(['samples'])}samples` : `${at(['axes'])}axes`}: the sweep expands to ${size.runs.toLocaleString('en-US')} runs (${size.how}), over the limit of ${MAX_SWEEP_RUNS.toLocaleString('en-US')} runs per sweep. Fix: split it into several sweeps, or use method: random with fewer samples.`,
    ]);
  }
  return sweep;
}

export function parseSweep(text: string, file: string, options: SweepLoadOptions = {}): ExpandedSweep {
  const seedOffset = options.seedOffset ?? 0;
  if (!Number.isInteger(seedOffset) || seedOffset < 0 || seedOffset > 2 ** 30) {
    throw new ConfigError(file, [`seed offset must be a whole number between 0 and 2^30, got ${seedOffset}`]);
  }
  const sweep = parseSweepFile(parseYaml(text, file), file);
  const { base, baseFile } = loadBase(sweep, file);

  const runs: SweepRunSpec[] = [];
  const problems: string[] = [];
  const name = offsetSweepName(sweep.name, seedOffset);
  for (const assignment of assignments(sweep)) {
    let raw = base;
    try {
      for (const [path, v] of Object.entries({ ...sweep.overrides, ...assignment })) raw = setPath(raw, path, v);
    } catch (error) {
      problems.push(`axes: ${(error as Error).message}`);
      continue;
    }
    raw = { ...raw, name };
    if (seedOffset !== 0) raw = { ...raw, seed: (typeof raw.seed === 'number' ? raw.seed : 0) + seedOffset };
    const assigned =
      seedOffset !== 0 && typeof assignment.seed === 'number' ? { ...assignment, seed: raw.seed } : assignment;
    try {
      runs.push({ assignment: assigned, config: resolveRunConfig(withAbsoluteDataPath(raw), baseFile).config });
    } catch (error) {
      const detail = error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message;
      problems.push(`run ${JSON.stringify(assignment)}: ${detail}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(file, [...new Set(problems)]);
  const repeated = duplicates(runs, sweep.method);
  if (repeated.length > 0) throw new ConfigError(file, repeated);
  return {
    name,
    ...(sweep.description === undefined ? {} : { description: sweep.description }),
    method: sweep.method,
    space: { ...sweep, base, ...(seedOffset === 0 ? {} : { seedOffset }) },
    runs,
  };
}
