// New runs: the PENDING runs of a sweep (its queue) and standalone runs started in-process. Inputs
// are checked in full before anything is written; a run's config is stored whole, hashed without
// its seeds, and flattened into typed params.
import { hostname } from 'node:os';
import { flattenConfig } from '@ftlab/contract';
import { sql } from 'drizzle-orm';
import { assertJson, configHash } from './config.js';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { InvalidInputError, UnknownExperimentError, UnknownSweepError } from './errors.js';
import { type Row, toRun } from './rows.js';
import { selectRun, type WorkerGuard } from './runs.js';
import type { JsonObject, ParamValue, Run, RunInput } from './types.js';
import { checkId, checkKey, checkOptionalInteger, checkText, newId } from './values.js';

export interface CreatedRun {
  run: Run;
  /** false when the sweep already held this (config, seed): re-expanding a sweep is idempotent. */
  created: boolean;
}

/** `host:pid`, the default worker name of a process. */
export function defaultWorkerName(): string {
  return `${hostname()}:${process.pid}`;
}

interface PreparedRun {
  id: string;
  input: RunInput;
  config: JsonObject;
  hash: string;
  params: Array<[string, ParamValue]>;
  tags: Array<[string, string]>;
}

function optionalString(value: unknown, where: string, what: string): string | null {
  return value === undefined || value === null ? null : checkText(value, where, what);
}

function prepareRun(input: RunInput, where: string): PreparedRun {
  if (input === null || typeof input !== 'object')
    throw new InvalidInputError(`${where}: expected a run description object.`);
  checkKey(input.name, where, 'name');
  const config = input.config;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new InvalidInputError(`${where}: config must be a JSON object.`);
  }
  assertJson(config, `${where}: config`);
  checkOptionalInteger(input.seed, where, 'seed');
  for (const field of ['variant', 'gitCommit', 'backend', 'host', 'artifactRoot', 'experimentId'] as const) {
    optionalString(input[field], where, field);
  }
  if (input.gitDirty !== undefined && input.gitDirty !== null && typeof input.gitDirty !== 'boolean') {
    throw new InvalidInputError(`${where}: gitDirty must be a boolean.`);
  }
  const total = checkOptionalInteger(input.totalSteps, where, 'totalSteps');
  if (total !== null && total < 0) throw new InvalidInputError(`${where}: totalSteps must be >= 0, got ${total}.`);
  for (const [field, record] of [
    ['packageVersions', input.packageVersions],
    ['tags', input.tags],
  ] as const) {
    if (record === undefined || record === null) continue;
    if (typeof record !== 'object' || Array.isArray(record))
      throw new InvalidInputError(`${where}: ${field} must be an object of strings.`);
    for (const [key, value] of Object.entries(record)) checkText(value, where, `${field}.${key}`);
  }
  const hash = input.configHash === undefined ? configHash(config) : checkKey(input.configHash, where, 'configHash');
  return {
    id: newId(),
    input,
    config,
    hash,
    params: flattenConfig(config),
    tags: Object.entries(input.tags ?? {}),
  };
}

const RUN_COLUMNS = [
  'id',
  'experiment_id',
  'sweep_id',
  'queue_position',
  'name',
  'variant',
  'status',
  'config_json',
  'config_hash',
  'seed',
  'git_commit',
  'git_dirty',
  'backend',
  'host',
  'worker',
  'package_versions_json',
  'artifact_root',
  'total_steps',
  'created_at',
  'started_at',
  'heartbeat_at',
] as const;

function runValues(
  db: SqlDriver,
  run: PreparedRun,
  placement: { sweepId: string | null; experimentId: string | null; position: number; worker: string | null },
): unknown[] {
  const input = run.input;
  const now = db.fragments.nowMs;
  const running = placement.worker !== null;
  return [
    run.id,
    placement.experimentId,
    placement.sweepId,
    placement.position,
    input.name,
    input.variant ?? null,
    running ? 'RUNNING' : 'PENDING',
    JSON.stringify(run.config),
    run.hash,
    input.seed ?? null,
    input.gitCommit ?? null,
    input.gitDirty === undefined || input.gitDirty === null ? null : input.gitDirty ? 1 : 0,
    input.backend ?? null,
    input.host ?? null,
    placement.worker,
    input.packageVersions ? JSON.stringify(input.packageVersions) : null,
    input.artifactRoot ?? null,
    input.totalSteps ?? null,
    now,
    running ? now : null,
    running ? now : null,
  ];
}

async function insertDetails(tx: SqlExecutor, run: PreparedRun): Promise<void> {
  const params = run.params.map(([key, value]) => [run.id, key, value.number, value.text]);
  await tx.insert('params', ['run_id', 'key', 'value_number', 'value_text'], params);
  await tx.insert(
    'tags',
    ['run_id', 'key', 'value'],
    run.tags.map(([key, value]) => [run.id, key, value]),
  );
}

async function requireExperiment(tx: SqlExecutor, experimentId: string, where: string): Promise<void> {
  const rows = await tx.all(sql`SELECT id FROM experiments WHERE id = ${experimentId}`);
  if (rows.length === 0) throw new UnknownExperimentError(experimentId, where);
}

/**
 * Adds PENDING runs to a sweep, in order. A (config hash, seed) the sweep already holds is not
 * added again; its existing run is returned with `created: false`.
 */
export async function createRuns(db: SqlDriver, sweepId: string, inputs: RunInput[]): Promise<CreatedRun[]> {
  const where = `createRuns(sweep ${JSON.stringify(sweepId)})`;
  checkId(sweepId, where, 'sweep id');
  if (!Array.isArray(inputs)) throw new InvalidInputError(`${where}: expected an array of run descriptions.`);
  const prepared = inputs.map((input, i) => {
    const run = prepareRun(input, `${where}, run ${i}`);
    if (input.seed === undefined || input.seed === null) {
      throw new InvalidInputError(
        `${where}, run ${i} ("${input.name}"): sweep runs need a seed; a sweep is re-expanded idempotently by (config hash, seed).`,
      );
    }
    return run;
  });
  return db.write(async (tx) => {
    // Locks the sweep (PostgreSQL) so that two processes adding runs at once number them in turn.
    const [sweep] = await tx.all<Row>(
      sql`SELECT id, experiment_id FROM sweeps WHERE id = ${sweepId} ${db.fragments.forUpdate}`,
    );
    if (!sweep) throw new UnknownSweepError(sweepId, where);
    const [{ next }] = (await tx.all<Row>(
      sql`SELECT COALESCE(MAX(queue_position), -1) + 1 AS next FROM runs WHERE sweep_id = ${sweepId}`,
    )) as [Row];
    const results: CreatedRun[] = [];
    let added = 0;
    for (const run of prepared) {
      const experimentId = run.input.experimentId ?? (sweep.experiment_id as string | null);
      if (experimentId) await requireExperiment(tx, experimentId, where);
      const values = runValues(db, run, { sweepId, experimentId, position: Number(next) + added, worker: null });
      const inserted = await tx.insert(
        'runs',
        RUN_COLUMNS,
        [values],
        sql`ON CONFLICT (sweep_id, config_hash, seed) DO NOTHING`,
      );
      if (inserted === 1) {
        added++;
        await insertDetails(tx, run);
        results.push({ run: (await selectRun(tx, run.id)) as Run, created: true });
      } else {
        const [row] = await tx.all<Row>(
          sql`SELECT * FROM runs WHERE sweep_id = ${sweepId} AND config_hash = ${run.hash} AND seed = ${run.input.seed}`,
        );
        results.push({ run: toRun(row as Row), created: false });
      }
    }
    return results;
  });
}

/** Creates a standalone run already RUNNING in this process (no sweep, no queue). */
export async function startRun(db: SqlDriver, input: RunInput & WorkerGuard): Promise<Run> {
  const where = 'startRun';
  const run = prepareRun(input, where);
  const worker = input.worker === undefined ? defaultWorkerName() : checkKey(input.worker, where, 'worker');
  return db.write(async (tx) => {
    const experimentId = input.experimentId ?? null;
    if (experimentId) await requireExperiment(tx, experimentId, where);
    const values = runValues(db, run, { sweepId: null, experimentId, position: 0, worker });
    await tx.insert('runs', RUN_COLUMNS, [values]);
    await insertDetails(tx, run);
    return (await selectRun(tx, run.id)) as Run;
  });
}
