// Experiments (named groups of runs), sweeps (a search space whose expanded runs wait in the
// queue), and the sweep summary the dashboard shows: counts by status, the axes that vary,
// per-run latest metrics, and seeds of one config aggregated together.

import { isSeedKey, RUN_STATUSES, SWEEP_METHODS, SWEEP_STATUSES } from '@ftlab/contract';
import { sql } from 'drizzle-orm';
import { assertJson } from './config.js';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { InvalidInputError, UnknownExperimentError, UnknownSweepError } from './errors.js';
import { summarize } from './queries.js';
import { type Row, toExperiment, toRun, toSweep } from './rows.js';
import { Welford } from './stats.js';
import type {
  Experiment,
  JsonValue,
  ParamValue,
  RunStatus,
  RunSummary,
  Sweep,
  SweepMethod,
  SweepStatus,
} from './types.js';
import { checkId, checkKey, checkText, newId } from './values.js';

export interface SweepInput {
  name: string;
  method: SweepMethod;
  /** The search space as written (any JSON); the tracker stores it, the sweep runner expands it. */
  space: JsonValue;
  experimentId?: string | null;
}

export interface SweepAxis {
  key: string;
  values: ParamValue[];
}

export interface MetricAggregate {
  n: number;
  mean: number;
  std: number | null;
  min: number;
  max: number;
}

export interface ConfigGroup {
  configHash: string;
  runIds: string[];
  seeds: Array<number | null>;
  axes: Record<string, ParamValue>;
  counts: Partial<Record<RunStatus, number>>;
  /** Latest finite value of each metric, across the group's runs. */
  metrics: Record<string, MetricAggregate>;
}

export interface SweepSummary {
  sweep: Sweep;
  total: number;
  counts: Record<RunStatus, number>;
  /** Params (other than seeds) that take more than one value across the sweep's runs. */
  axes: SweepAxis[];
  /** Every run of the sweep in queue order, with its latest metrics and axis params. */
  runs: RunSummary[];
  groups: ConfigGroup[];
}

export async function ensureExperiment(db: SqlDriver, name: string, description?: string): Promise<Experiment> {
  const where = `ensureExperiment(${JSON.stringify(name)})`;
  checkKey(name, where, 'name');
  if (description !== undefined) checkText(description, where, 'description');
  return db.write(async (tx) => {
    await tx.run(
      sql`INSERT INTO experiments (id, name, description, created_at)
          VALUES (${newId()}, ${name}, ${description ?? null}, ${db.fragments.nowMs}) ON CONFLICT (name) DO NOTHING`,
    );
    const [row] = await tx.all<Row>(sql`SELECT * FROM experiments WHERE name = ${name}`);
    return toExperiment(row as Row);
  });
}

export async function listExperiments(db: SqlDriver): Promise<Experiment[]> {
  return (await db.all<Row>(sql`SELECT * FROM experiments ORDER BY created_at, name`)).map(toExperiment);
}

/**
 * Creates the sweep, or returns the one of that name (`created: false`) with its method and space
 * updated: re-running a sweep command after editing its space then adds only the missing runs.
 */
export async function ensureSweep(db: SqlDriver, input: SweepInput): Promise<{ sweep: Sweep; created: boolean }> {
  const where = `ensureSweep(${JSON.stringify(input?.name)})`;
  if (input === null || typeof input !== 'object')
    throw new InvalidInputError(`${where}: expected a sweep description.`);
  checkKey(input.name, where, 'name');
  if (!SWEEP_METHODS.includes(input.method)) {
    throw new InvalidInputError(
      `${where}: method must be ${SWEEP_METHODS.join(' or ')}, got ${JSON.stringify(input.method)}.`,
    );
  }
  assertJson(input.space, `${where}: space`);
  const experimentId = input.experimentId ?? null;
  if (experimentId !== null) checkId(experimentId, where, 'experimentId');
  const space = JSON.stringify(input.space);
  return db.write(async (tx) => {
    if (experimentId !== null) {
      const found = await tx.all(sql`SELECT id FROM experiments WHERE id = ${experimentId}`);
      if (found.length === 0) throw new UnknownExperimentError(experimentId, where);
    }
    // Insert first, then read: of two processes creating one sweep at once, one inserts and the
    // other finds it (a SELECT-then-INSERT would fail on the unique name in PostgreSQL).
    const id = newId();
    const inserted = await tx.run(
      sql`INSERT INTO sweeps (id, experiment_id, name, method, space_json, status, created_at)
          VALUES (${id}, ${experimentId}, ${input.name}, ${input.method}, ${space}, 'ACTIVE', ${db.fragments.nowMs})
          ON CONFLICT (name) DO NOTHING`,
    );
    const [row] = await tx.all<Row>(sql`SELECT * FROM sweeps WHERE name = ${input.name}`);
    const sweep = toSweep(row as Row);
    if (inserted === 1) return { sweep, created: true };
    if (experimentId !== null && sweep.experimentId !== experimentId) {
      throw new InvalidInputError(
        `${where}: sweep "${input.name}" belongs to experiment ${sweep.experimentId}, not ${experimentId}; choose another name.`,
      );
    }
    await tx.run(sql`UPDATE sweeps SET method = ${input.method}, space_json = ${space} WHERE id = ${sweep.id}`);
    return { sweep: { ...sweep, method: input.method, space: input.space }, created: false };
  });
}

async function requireSweep(tx: SqlExecutor, sweepId: string, where: string): Promise<Sweep> {
  checkId(sweepId, where, 'sweep id');
  const [row] = await tx.all<Row>(sql`SELECT * FROM sweeps WHERE id = ${sweepId}`);
  if (!row) throw new UnknownSweepError(sweepId, where);
  return toSweep(row);
}

export function getSweep(db: SqlDriver, sweepId: string): Promise<Sweep> {
  return db.read((tx) => requireSweep(tx, sweepId, `getSweep(${JSON.stringify(sweepId)})`));
}

export async function listSweeps(db: SqlDriver, experimentId?: string): Promise<Sweep[]> {
  const only = experimentId === undefined ? sql`` : sql`WHERE experiment_id = ${experimentId}`;
  return (await db.all<Row>(sql`SELECT * FROM sweeps ${only} ORDER BY created_at, name`)).map(toSweep);
}

export async function setSweepStatus(db: SqlDriver, sweepId: string, status: SweepStatus): Promise<Sweep> {
  const where = `setSweepStatus(${JSON.stringify(sweepId)})`;
  if (!SWEEP_STATUSES.includes(status)) {
    throw new InvalidInputError(
      `${where}: status must be one of ${SWEEP_STATUSES.join(', ')}, got ${JSON.stringify(status)}.`,
    );
  }
  return db.write(async (tx) => {
    await requireSweep(tx, sweepId, where);
    await tx.run(sql`UPDATE sweeps SET status = ${status} WHERE id = ${sweepId}`);
    return requireSweep(tx, sweepId, where);
  });
}

function aggregate(values: number[]): MetricAggregate {
  const stats = new Welford();
  for (const value of values) stats.add(value);
  return { n: stats.n, mean: stats.mean, std: stats.std, min: stats.min, max: stats.max };
}

export async function sweepSummary(db: SqlDriver, sweepId: string): Promise<SweepSummary> {
  const where = `sweepSummary(${JSON.stringify(sweepId)})`;
  return db.read(async (tx) => {
    const sweep = await requireSweep(tx, sweepId, where);
    const distinct = await tx.all<Row>(
      sql`SELECT p.key, p.value_text, MIN(p.value_number) AS value_number FROM params p
          JOIN runs r ON r.id = p.run_id WHERE r.sweep_id = ${sweepId} GROUP BY p.key, p.value_text ORDER BY p.key`,
    );
    const valuesByKey = new Map<string, ParamValue[]>();
    for (const row of distinct) {
      const key = String(row.key);
      if (isSeedKey(key.split('.').at(-1) as string)) continue;
      const list = valuesByKey.get(key) ?? [];
      list.push({ number: row.value_number === null ? null : Number(row.value_number), text: String(row.value_text) });
      valuesByKey.set(key, list);
    }
    const axes = [...valuesByKey.entries()]
      .filter(([, values]) => values.length > 1)
      .map(([key, values]) => ({
        key,
        values: values.sort((a, b) =>
          a.number !== null && b.number !== null ? a.number - b.number : a.text.localeCompare(b.text),
        ),
      }));
    const rows = await tx.all<Row>(sql`SELECT * FROM runs WHERE sweep_id = ${sweepId} ORDER BY queue_position, id`);
    const runs = await summarize(
      tx,
      rows.map(toRun),
      axes.map((axis) => axis.key),
    );
    const counts = Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as Record<RunStatus, number>;
    const groups = new Map<string, ConfigGroup>();
    const groupValues = new Map<string, Map<string, number[]>>();
    for (const run of runs) {
      counts[run.status]++;
      let group = groups.get(run.configHash);
      if (!group) {
        group = { configHash: run.configHash, runIds: [], seeds: [], axes: run.params, counts: {}, metrics: {} };
        groups.set(run.configHash, group);
        groupValues.set(run.configHash, new Map());
      }
      group.runIds.push(run.id);
      group.seeds.push(run.seed);
      group.counts[run.status] = (group.counts[run.status] ?? 0) + 1;
      const values = groupValues.get(run.configHash) as Map<string, number[]>;
      for (const metric of Object.values(run.latestMetrics)) {
        if (metric.value === null) continue;
        values.set(metric.key, [...(values.get(metric.key) ?? []), metric.value]);
      }
    }
    for (const [hash, group] of groups) {
      for (const [key, values] of groupValues.get(hash) as Map<string, number[]>)
        group.metrics[key] = aggregate(values);
    }
    return { sweep, total: runs.length, counts, axes, runs, groups: [...groups.values()] };
  });
}
