// The rules a sweep must keep beyond its schema, each naming the field and its line: paths that
// are config fields, values the method allows, no empty expansion, no field set in two places,
// and no two runs that would be stored as one.
import { configPathProblem } from './config-path.js';
import { configHash } from './run-record.js';
import type { SweepRunSpec } from './sweep-config.js';
import type { SweepFile } from './sweep-schema.js';

export type At = (path: readonly (string | number)[]) => string;

/** Every path the sweep sets, with where it is written: overrides, axes and each case. */
export function pathProblems(sweep: SweepFile, at: At): string[] {
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
export function emptyExpansions(sweep: SweepFile, at: At): string[] {
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
export function overlap(a: string, b: string): string | null {
  if (a === b || b.startsWith(`${a}.`)) return b;
  if (a.startsWith(`${b}.`)) return a;
  return null;
}

/** Two places setting the same field: one would silently replace the other in every run. */
export function conflicts(sweep: SweepFile, at: At): string[] {
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

/** The method's own rules: distributions only in random search, which needs samples and listed seeds. */
export function methodProblems(sweep: SweepFile, at: At): string[] {
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
export function duplicates(runs: SweepRunSpec[], method: SweepFile['method']): string[] {
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
