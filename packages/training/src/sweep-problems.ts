// A sweep's run configs checked against the run config's schema before any run is built, each
// problem reported once at the line where its value is written: in the base (inline or its own
// file), an override, or the axis value or case that set it. So a base with a mistake in each
// section and a bad value in the grid gives all of them at once, not one copy per run.
import { type ConfigIssue, type ConfigPath, checkConfig } from '@ftlab/config';
import { RunConfigFileSchema } from './config.js';
import { setPath } from './config-path.js';
import { problemAt } from './config-problems.js';
import { type At, overlap } from './sweep-rules.js';

/** What the checks need of a sweep: also given for a sweep whose own fields failed their schema. */
export interface SweepPaths {
  overrides: Record<string, unknown>;
  axes: Record<string, unknown>;
  cases?: Array<Record<string, unknown>>;
}

export interface BaseSource {
  base: Record<string, unknown>;
  /** Where a path of the base is written: "line 12: " (inline base) or "base.yaml, line 7: ". */
  at: At;
}

const dotted = (path: ConfigPath) => path.join('.');

/** The set path that `path` lies in (equal or inside), if any. */
function setBy(path: ConfigPath, paths: readonly string[]): string | undefined {
  const field = dotted(path);
  return paths.find((set) => field === set || field.startsWith(`${set}.`));
}

/** `path` without the segments of the set path it lies in. */
function rest(path: ConfigPath, set: string): (string | number)[] {
  return path.slice(set.split('.').length);
}

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** Where in the sweep file the value an axis or a case gave to `set` is written. */
function assignedAt(sweep: SweepPaths, set: string, value: unknown): (string | number)[] {
  const axis = sweep.axes[set];
  if (axis !== undefined) {
    const index = Array.isArray(axis) ? axis.findIndex((v) => same(v, value)) : -1;
    return index < 0 ? ['axes', set] : ['axes', set, index];
  }
  for (const [i, c] of (sweep.cases ?? []).entries()) {
    const given = c[set];
    if (given === undefined) continue;
    const index = Array.isArray(given) ? given.findIndex((v) => same(v, value)) : -1;
    if (index >= 0) return ['cases', i, set, index];
    if (same(given, value)) return ['cases', i, set];
  }
  return ['axes'];
}

/** Where an issue's value is written, and whether an axis or a case wrote it. */
function locate(
  issue: ConfigIssue,
  sweep: SweepPaths,
  source: BaseSource,
  at: At,
  assignment: Record<string, unknown> = {},
): { where: string; assigned: boolean } {
  const assigned = setBy(issue.path, Object.keys(assignment));
  if (assigned !== undefined) {
    return {
      where: at([...assignedAt(sweep, assigned, assignment[assigned]), ...rest(issue.path, assigned)]),
      assigned: true,
    };
  }
  const override = setBy(issue.path, Object.keys(sweep.overrides));
  if (override !== undefined)
    return { where: at(['overrides', override, ...rest(issue.path, override)]), assigned: false };
  return { where: source.at(issue.path), assigned: false };
}

/** The base with the overrides applied, as every run starts. */
export function baseWithOverrides(sweep: SweepPaths, base: Record<string, unknown>): Record<string, unknown> {
  let raw = base;
  for (const [path, value] of Object.entries(sweep.overrides)) raw = setPath(raw, path, value);
  return raw;
}

/**
 * The schema problems of the base with the overrides applied, except where an axis or a case
 * sets the field (each run is checked with its own value).
 */
export function baseProblems(sweep: SweepPaths, source: BaseSource, at: At): string[] {
  let raw: Record<string, unknown>;
  try {
    raw = baseWithOverrides(sweep, source.base);
  } catch (error) {
    return [`overrides: ${(error as Error).message}`];
  }
  const varied = [...Object.keys(sweep.axes), ...(sweep.cases ?? []).flatMap((c) => Object.keys(c))];
  const checked = checkConfig(RunConfigFileSchema, raw);
  if (checked.success) return [];
  return checked.issues
    .filter((issue) => !varied.some((path) => overlap(path, dotted(issue.path))))
    .map((issue) => problemAt(locate(issue, sweep, source, at).where, issue));
}

/**
 * The schema problems of one expanded run that the base's check did not report (`reported`): at
 * the axis value or case that set the field, or (a problem of the combination) named by the run.
 * Undefined when the run passes.
 */
export function runSchemaProblems(
  raw: unknown,
  assignment: Record<string, unknown>,
  sweep: SweepPaths,
  source: BaseSource,
  at: At,
  reported: ReadonlySet<string>,
): string[] | undefined {
  const checked = checkConfig(RunConfigFileSchema, raw);
  if (checked.success) return undefined;
  return checked.issues.flatMap((issue) => {
    const { where, assigned } = locate(issue, sweep, source, at, assignment);
    const problem = problemAt(where, issue);
    if (assigned) return [problem];
    return reported.has(problem) ? [] : [`run ${JSON.stringify(assignment)}: ${problem}`];
  });
}
