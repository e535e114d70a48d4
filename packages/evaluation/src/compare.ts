// The paper-style comparison of a sweep: each Free Transformer run paired with the baseline of the
// same seed (same data, same everything but the latent), columns for the baseline and each value
// of the swept axis (kappa, H, placement...), rows for benchmarks and likelihood metrics. A cell
// holds the mean over seeds and, against the baseline, the mean paired difference with its
// confidence interval (paired t, n - 1 degrees of freedom) and a mark where it excludes 0.
//
// Pairing refuses runs whose configs differ in anything but the seeds, the swept axes and the
// latent's own fields: a delta between runs trained differently is not the effect of Z.

import {
  flattenConfig,
  isSeedKey,
  type JsonObject,
  type JsonValue,
  NATS_PER_BIT,
  PARAM_PATHS,
  REFERENCE_VARIANT,
  type RunStatus,
} from '@ftlab/contract';
import type { Tracker } from '@ftlab/tracker';
import { mean, type PairedInterval, pairedInterval, sampleStd } from './stats.js';
import { TOY_STUDY_TASK } from './toy-group-effect.js';
import { type ColumnVerdict, columnVerdict, VERDICT_KEYS, VERDICT_RULE } from './verdicts.js';

/** Model fields only a latent model uses, so a baseline may differ from its Free Transformer there. */
export const LATENT_CONFIG_PATHS: readonly string[] = [
  PARAM_PATHS.variant,
  PARAM_PATHS.latentBits,
  PARAM_PATHS.kappaNats,
  'model.kappa',
  PARAM_PATHS.encoderPlacement,
  PARAM_PATHS.estimator,
  'model.zeroInitPostSampler',
  'model.latentKvPath',
  'model.promptZ',
  'model.denseChunkBytes',
  'model.cvaeEncoderLayers',
];

export interface RunEvaluations {
  runId: string;
  name: string;
  /** The run's seed (null: take config.seed). */
  seed: number | null;
  config: JsonObject;
  /** Evaluated values by "task/metric" (one step per run: see compareSweep's `step`). */
  values: Record<string, number>;
}

export interface ComparisonOptions {
  /** Config paths under study; default: the paths (seeds aside) that vary among the non-baseline runs. */
  axes?: string[];
  /** The variant runs are paired with (default REFERENCE_VARIANT, the plain baseline). */
  baselineVariant?: string;
  /** Confidence level of the intervals (default 0.95). */
  level?: number;
  /** Rows as "task/metric" keys, in order; default: defaultComparisonRows of every key present. */
  rows?: string[];
  /** Further config paths pairs may differ in (a prefix covers its subtree). */
  ignorePaths?: string[];
}

export interface ComparisonColumn {
  key: string;
  label: string;
  isBaseline: boolean;
  /** The column's values of the axes. */
  axisValues: Record<string, JsonValue>;
  runIds: string[];
  seeds: number[];
}

export interface ComparisonCell {
  /** Mean over the column's runs (null when none has the metric). */
  mean: number | null;
  /** Standard deviation across seeds (null with fewer than two). */
  std: number | null;
  n: number;
  /** Against the paired baselines; absent in the baseline column. */
  delta?: PairedInterval;
}

export interface ComparisonRow {
  key: string;
  task: string;
  metric: string;
  cells: ComparisonCell[];
}

export interface ComparisonPair {
  runId: string;
  baselineRunId: string;
  seed: number;
}

export interface ComparisonTable {
  axes: string[];
  level: number;
  columns: ComparisonColumn[];
  rows: ComparisonRow[];
  pairs: ComparisonPair[];
  /** What each column concludes across its seeds, in words and numbers (verdicts.ts). */
  verdicts: ColumnVerdict[];
  /** The rule the verdicts follow, in words (VERDICT_RULE). */
  verdictRule: string;
  /** Runs left out of the deltas, and why. */
  warnings: string[];
}

export class ComparisonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComparisonError';
  }
}

function underAny(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => path === p || path.startsWith(`${p}.`));
}

/**
 * The evaluation seed draws the validation and test sets: a run and its baseline scored on
 * different sets are not comparable, so it must match even where it is a swept axis.
 */
const EVALUATION_SEED_PATH = 'data.evaluationSeed';

/** Seeds that may differ between paired runs (the run's own seed, samplers); not the evaluation seed. */
function isSeedPath(path: string): boolean {
  return path !== EVALUATION_SEED_PATH && path.split('.').some(isSeedKey);
}

function flat(config: JsonObject): Map<string, string> {
  return new Map(flattenConfig(config).map(([path, value]) => [path, value.text]));
}

/** Paths where two flattened configs differ (present in one only counts). */
function differingPaths(a: Map<string, string>, b: Map<string, string>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}

function seedOf(run: RunEvaluations): number {
  const seed = run.seed ?? (typeof run.config.seed === 'number' ? run.config.seed : null);
  if (seed === null) throw new ComparisonError(`run ${run.runId} (${run.name}) has no seed: cannot pair it by seed`);
  return seed;
}

function variantOf(run: RunEvaluations): string | undefined {
  const model = run.config.model as JsonObject | undefined;
  return typeof model?.variant === 'string' ? model.variant : undefined;
}

function valueAt(config: JsonObject, path: string): JsonValue {
  let node: JsonValue = config;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return null;
    node = (node as JsonObject)[key] ?? null;
  }
  return node;
}

/** A short column label for an axis value: kappa in bits, H, m, or path=value. */
export function axisLabel(path: string, value: JsonValue): string {
  if (path === PARAM_PATHS.kappaNats && typeof value === 'number') {
    return `kappa=${+(value / NATS_PER_BIT).toPrecision(3)} bit`;
  }
  if (path === PARAM_PATHS.latentBits) return `H=${value}`;
  if (path === PARAM_PATHS.encoderPlacement) return `m=${value}`;
  if (path === PARAM_PATHS.variant) return String(value);
  return `${path.split('.').pop()}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/**
 * The default rows: every benchmark metric, the likelihood metrics in bits per token, the latent
 * KL in bits, live channels and the collapse verdict (the fraction of seeds that collapsed), and
 * the toy study's pinned/independent statistics.
 */
export function defaultComparisonRows(keys: Iterable<string>): string[] {
  const rank = (key: string) =>
    key.startsWith('likelihood/') ? 1 : key.startsWith('latent/') ? 2 : key.startsWith(`${TOY_STUDY_TASK}/`) ? 3 : 0;
  return [...new Set(keys)]
    .filter((key) => {
      if (key.startsWith('likelihood/')) return key.endsWith('_bits_per_token') && !key.includes('/sampled_kl');
      if (key.startsWith('latent/'))
        return key === VERDICT_KEYS.klBits || key === 'latent/live_channels' || key === VERDICT_KEYS.collapsed;
      // p-values and interval ends are per-run test details: averaged over seeds they mean nothing.
      if (key.startsWith(`${TOY_STUDY_TASK}/`)) return !/_(chance|p_value|difference_low|difference_high)$/.test(key);
      return true;
    })
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function pairWithBaseline(
  run: RunEvaluations,
  baselines: RunEvaluations[],
  allowed: readonly string[],
  flatOf: (run: RunEvaluations) => Map<string, string>,
): { baseline: RunEvaluations } | { missing: true } {
  const seed = seedOf(run);
  const candidates = baselines.filter((b) => seedOf(b) === seed);
  if (candidates.length === 0) return { missing: true };
  const runFlat = flatOf(run);
  const scored = candidates.map((candidate) => {
    const differences = differingPaths(runFlat, flatOf(candidate)).filter((p) => !isSeedPath(p));
    const disallowed = differences.filter((p) => p === EVALUATION_SEED_PATH || !underAny(p, allowed));
    return { candidate, differences, disallowed };
  });
  const acceptable = scored
    .filter((s) => s.disallowed.length === 0)
    .sort((a, b) => a.differences.length - b.differences.length);
  if (acceptable.length > 0) return { baseline: (acceptable[0] as (typeof acceptable)[number]).candidate };
  const nearest = [...scored].sort((a, b) => a.disallowed.length - b.disallowed.length)[0] as (typeof scored)[number];
  const shown = nearest.disallowed
    .slice(0, 12)
    .map((p) => `${p}: ${runFlat.get(p) ?? '(absent)'} vs ${flatOf(nearest.candidate).get(p) ?? '(absent)'}`);
  throw new ComparisonError(
    `cannot pair run ${run.runId} (${run.name}) with baseline ${nearest.candidate.runId} (${nearest.candidate.name}), both seed ${seed}: ` +
      `their configs differ beyond the seeds, the swept axes and the latent's fields, in ${shown.join('; ')}` +
      `${nearest.disallowed.length > 12 ? ` and ${nearest.disallowed.length - 12} more` : ''}. ` +
      'Compare runs trained identically (same data, optimizer, schedule), or name the differing path in axes or ignorePaths.',
  );
}

/** Builds the comparison table from runs and their evaluated values. */
export function buildComparison(runs: readonly RunEvaluations[], options: ComparisonOptions = {}): ComparisonTable {
  const baselineVariant = options.baselineVariant ?? REFERENCE_VARIANT;
  const level = options.level ?? 0.95;
  const baselines = runs.filter((r) => variantOf(r) === baselineVariant);
  const others = runs.filter((r) => variantOf(r) !== baselineVariant);
  if (others.length === 0) throw new ComparisonError(`no runs other than ${baselineVariant} runs to compare`);
  // Each run's config flattened once (a sweep page rebuilds this table for 1,000 runs as they finish).
  const flats = new Map<RunEvaluations, Map<string, string>>();
  const flatOf = (run: RunEvaluations) => {
    let flattened = flats.get(run);
    if (flattened === undefined) {
      flattened = flat(run.config);
      flats.set(run, flattened);
    }
    return flattened;
  };
  const axes =
    options.axes ??
    (() => {
      const flattened = others.map(flatOf);
      const paths = new Set(flattened.flatMap((f) => [...f.keys()]));
      return [...paths].filter((p) => !isSeedPath(p) && new Set(flattened.map((f) => f.get(p))).size > 1).sort();
    })();
  const allowed = [...axes, ...LATENT_CONFIG_PATHS, ...(options.ignorePaths ?? [])];

  // Columns: the baseline, then one per distinct assignment of the axes, in axis-value order.
  const columns: ComparisonColumn[] = [];
  const columnOf = new Map<string, ComparisonColumn>();
  if (baselines.length > 0) {
    const column: ComparisonColumn = {
      key: baselineVariant,
      label: baselineVariant,
      isBaseline: true,
      axisValues: {},
      runIds: [],
      seeds: [],
    };
    columns.push(column);
    for (const b of baselines) {
      column.runIds.push(b.runId);
      column.seeds.push(seedOf(b));
    }
  }
  const axisValuesOf = new Map(others.map((run) => [run, axes.map((axis) => valueAt(run.config, axis))]));
  const sortedOthers = [...others].sort((a, b) => {
    const [xs, ys] = [axisValuesOf.get(a) as JsonValue[], axisValuesOf.get(b) as JsonValue[]];
    for (const [i, x] of xs.entries()) {
      const y = ys[i] as JsonValue;
      if (typeof x === 'number' && typeof y === 'number' && x !== y) return x - y;
      const order = JSON.stringify(x).localeCompare(JSON.stringify(y));
      if (order !== 0) return order;
    }
    return seedOf(a) - seedOf(b);
  });
  for (const run of sortedOthers) {
    const values = axisValuesOf.get(run) as JsonValue[];
    const axisValues = Object.fromEntries(axes.map((axis, i) => [axis, values[i] as JsonValue]));
    const key = JSON.stringify(values);
    let column = columnOf.get(key);
    if (column === undefined) {
      const label =
        axes.map((axis) => axisLabel(axis, axisValues[axis] ?? null)).join(', ') || (variantOf(run) ?? run.name);
      column = { key, label, isBaseline: false, axisValues, runIds: [], seeds: [] };
      columnOf.set(key, column);
      columns.push(column);
    }
    column.runIds.push(run.runId);
    column.seeds.push(seedOf(run));
  }

  const pairs: ComparisonPair[] = [];
  const warnings: string[] = [];
  const baselineOf = new Map<string, RunEvaluations>();
  for (const run of sortedOthers) {
    const paired = pairWithBaseline(run, baselines, allowed, flatOf);
    if ('missing' in paired) {
      warnings.push(
        `run ${run.runId} (${run.name}) has no ${baselineVariant} run with seed ${seedOf(run)}: left out of the deltas`,
      );
      continue;
    }
    baselineOf.set(run.runId, paired.baseline);
    pairs.push({ runId: run.runId, baselineRunId: paired.baseline.runId, seed: seedOf(run) });
  }

  const byId = new Map(runs.map((r) => [r.runId, r]));
  const rowKeys = options.rows ?? defaultComparisonRows(runs.flatMap((r) => Object.keys(r.values)));
  const rows: ComparisonRow[] = rowKeys.map((key) => {
    const slash = key.indexOf('/');
    const cells = columns.map((column): ComparisonCell => {
      const values = column.runIds
        .map((id) => byId.get(id)?.values[key])
        .filter((v): v is number => typeof v === 'number');
      const cell: ComparisonCell = {
        mean: values.length > 0 ? mean(values) : null,
        std: values.length > 1 ? sampleStd(values) : null,
        n: values.length,
      };
      if (!column.isBaseline) {
        const differences = column.runIds.flatMap((id) => {
          const value = byId.get(id)?.values[key];
          const baseline = baselineOf.get(id)?.values[key];
          return typeof value === 'number' && typeof baseline === 'number' ? [value - baseline] : [];
        });
        cell.delta = pairedInterval(differences, level);
      }
      return cell;
    });
    return { key, task: key.slice(0, slash), metric: key.slice(slash + 1), cells };
  });
  const verdicts = columns.map((column) =>
    columnVerdict(
      column,
      column.runIds.map((id) => ({
        values: byId.get(id)?.values ?? {},
        baseline: baselineOf.get(id)?.values ?? null,
      })),
      level,
    ),
  );
  return { axes, level, columns, rows, pairs, verdicts, verdictRule: VERDICT_RULE, warnings };
}

export interface CompareSweepOptions extends ComparisonOptions {
  /** Runs of these statuses take part (default FINISHED only). */
  statuses?: RunStatus[];
  /** Evaluations at this step; default each run's latest step for each task/metric. */
  step?: number;
}

/** Which of a sweep's runs a comparison reads. */
export interface LoadRunEvaluationsOptions extends Pick<CompareSweepOptions, 'statuses' | 'step'> {
  /** Only runs that ended at or after this time (ms, the database's clock): what changed since a last load. */
  endedSince?: number;
}

export interface LoadedRunEvaluations extends RunEvaluations {
  /** When the run ended (ms, the database's clock), null if it has not. */
  endedAt: number | null;
  /** Creation time and queue position: the order of the runs in a comparison. */
  createdAt: number;
  queuePosition: number;
}

/**
 * A sweep's runs (FINISHED by default) with each run's latest evaluated value per task/metric (or
 * its value at `step`), in creation order: two reads of the tracker (the runs, then their
 * evaluations), whatever the number of runs and evaluations.
 */
export async function loadRunEvaluations(
  tracker: Tracker,
  sweepId: string,
  options: LoadRunEvaluationsOptions = {},
): Promise<LoadedRunEvaluations[]> {
  const filter = { sweepId, status: options.statuses ?? ['FINISHED'], endedSince: options.endedSince };
  // One read of the runs (offset pages read apart could skip or repeat a run that finished in
  // between), then their evaluations by id, whatever their status is by then.
  const { runs: summaries } = await tracker.listRuns({
    ...filter,
    limit: 2 ** 31 - 1,
    orderBy: 'createdAt',
    descending: false,
    paramKeys: [],
  });
  const latest = new Map(summaries.map((run) => [run.id, new Map<string, { step: number; value: number }>()]));
  for (const e of await tracker.listEvaluations({ ids: summaries.map((run) => run.id) })) {
    if (e.value === null || (options.step !== undefined && e.step !== options.step)) continue;
    const values = latest.get(e.runId);
    if (values === undefined) continue;
    const key = `${e.task}/${e.metric}`;
    const seen = values.get(key);
    if (seen === undefined || e.step > seen.step) values.set(key, { step: e.step, value: e.value });
  }
  return summaries.map((run) => ({
    runId: run.id,
    name: run.name,
    seed: run.seed,
    config: run.config,
    endedAt: run.endedAt,
    createdAt: run.createdAt,
    queuePosition: run.queuePosition,
    values: Object.fromEntries([...(latest.get(run.id) ?? [])].map(([key, { value }]) => [key, value])),
  }));
}

/** Loads a sweep's runs and their evaluations from the tracker and builds the comparison. */
export async function compareSweep(
  tracker: Tracker,
  sweepId: string,
  options: CompareSweepOptions = {},
): Promise<ComparisonTable> {
  const statuses = options.statuses ?? ['FINISHED'];
  const runs = await loadRunEvaluations(tracker, sweepId, options);
  if (runs.length === 0) throw new ComparisonError(`sweep ${sweepId} has no ${statuses.join('/')} runs to compare`);
  return buildComparison(runs, options);
}
