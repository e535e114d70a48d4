// The run lifecycle. The runs table is the sweep queue (as in Optuna's RDB storage):
//
//   PENDING --claim--> RUNNING --finish--> FINISHED
//                        |  \--fail----> FAILED
//                        |  \--kill----> KILLED   (also from PENDING)
//                        \--no heartbeat for timeoutMs--> CRASHED   (markStaleRuns)
//   CRASHED | KILLED | FAILED --requeue (resumeCount + 1, up to maxResumes)--> PENDING
//
// Every transition is one conditional UPDATE (`WHERE status = ...`), so two processes racing
// on the same run cannot both win; times come from the database's clock. A worker learns that
// it lost its run (marked CRASHED while it was only slow, or KILLED) from the RunStateError of
// its next heartbeat, so a run never trains twice at once.
import { hostname } from 'node:os';
import { type SQL, sql } from 'drizzle-orm';
import { assertJson, configHash, flattenConfig } from './config.js';
import type { SqlDriver, SqlExecutor } from './driver.js';
import {
  InvalidInputError,
  RunStateError,
  UnknownExperimentError,
  UnknownRunError,
  UnknownSweepError,
} from './errors.js';
import { type Row, toRun } from './rows.js';
import type { JsonObject, ParamValue, Run, RunInput } from './types.js';
import {
  checkId,
  checkKey,
  checkNonNegativeInteger,
  checkOptionalInteger,
  checkStep,
  checkText,
  newId,
} from './values.js';

export interface CreatedRun {
  run: Run;
  /** false when the sweep already held this (config, seed): re-expanding a sweep is idempotent. */
  created: boolean;
}

/** Who holds a run; when given, a heartbeat/finish/fail from any other worker is refused. */
export interface WorkerGuard {
  worker?: string;
}

export interface RequeueResult {
  requeued: boolean;
  run: Run;
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

export async function selectRun(tx: SqlExecutor, runId: string): Promise<Run | null> {
  const [row] = await tx.all<Row>(sql`SELECT * FROM runs WHERE id = ${runId}`);
  return row ? toRun(row) : null;
}

export async function requireRun(tx: SqlExecutor, runId: string, where: string): Promise<Run> {
  checkId(runId, where);
  const run = await selectRun(tx, runId);
  if (!run) throw new UnknownRunError(runId, where);
  return run;
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
    const [sweep] = await tx.all<Row>(sql`SELECT id, experiment_id FROM sweeps WHERE id = ${sweepId}`);
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

/** Claims the next PENDING run (of one sweep, or of any), or resolves to null when there is none. */
export async function claimNextRun(db: SqlDriver, sweepId: string | undefined, worker: string): Promise<Run | null> {
  const where = 'claimNextRun';
  if (sweepId !== undefined) checkId(sweepId, where, 'sweep id');
  checkKey(worker, where, 'worker');
  return db.write(async (tx) => {
    if (sweepId !== undefined) {
      const sweep = await tx.all(sql`SELECT id FROM sweeps WHERE id = ${sweepId}`);
      if (sweep.length === 0) throw new UnknownSweepError(sweepId, where);
    }
    const [row] = await tx.all<Row>(db.fragments.claimNextRun(sweepId, worker));
    return row ? toRun(row) : null;
  });
}

/** After a guarded UPDATE changed nothing: says whether the run is unknown, in another state, or another worker's. */
async function refuseTransition(tx: SqlExecutor, runId: string, guard: WorkerGuard, where: string): Promise<never> {
  const run = await requireRun(tx, runId, where);
  if (run.status === 'RUNNING' && guard.worker !== undefined && run.worker !== guard.worker) {
    throw new RunStateError(
      runId,
      run.status,
      `${where}: run ${runId} is RUNNING on worker "${run.worker}", not "${guard.worker}"; this worker lost the run ` +
        '(it was marked CRASHED and claimed again): stop working on it.',
    );
  }
  const why = run.failureReason ? ` (${run.failureReason})` : '';
  throw new RunStateError(
    runId,
    run.status,
    `${where}: run ${runId} is ${run.status}${why}, not RUNNING. ` +
      (run.status === 'CRASHED' || run.status === 'KILLED'
        ? 'This process no longer owns it: stop working on it (requeueRun makes it claimable again).'
        : 'Claim it (claimNextRun) or start a new run first.'),
  );
}

function workerClause(guard: WorkerGuard): SQL {
  return guard.worker === undefined ? sql`` : sql`AND worker = ${guard.worker}`;
}

/** Records that the run is alive (and its step). Throws RunStateError if it is no longer this worker's RUNNING run. */
export async function heartbeat(
  db: SqlDriver,
  runId: string,
  step: number | undefined,
  guard: WorkerGuard,
): Promise<void> {
  const where = `heartbeat(${JSON.stringify(runId)})`;
  checkId(runId, where);
  if (step !== undefined) checkStep(step, where);
  await db.write(async (tx) => {
    const changed = await tx.run(
      sql`UPDATE runs SET heartbeat_at = ${db.fragments.nowMs}, last_step = COALESCE(${step ?? null}, last_step)
          WHERE id = ${runId} AND status = 'RUNNING' ${workerClause(guard)}`,
    );
    if (changed === 0) await refuseTransition(tx, runId, guard, where);
  });
}

async function endRun(
  db: SqlDriver,
  runId: string,
  status: 'FINISHED' | 'FAILED',
  reason: string | null,
  step: number | undefined,
  guard: WorkerGuard,
  where: string,
): Promise<Run> {
  checkId(runId, where);
  if (step !== undefined) checkStep(step, where);
  return db.write(async (tx) => {
    const now = db.fragments.nowMs;
    const changed = await tx.run(
      sql`UPDATE runs SET status = ${status}, ended_at = ${now}, heartbeat_at = ${now},
            last_step = COALESCE(${step ?? null}, last_step), failure_reason = ${reason}
          WHERE id = ${runId} AND status = 'RUNNING' ${workerClause(guard)}`,
    );
    if (changed === 0) await refuseTransition(tx, runId, guard, where);
    return (await selectRun(tx, runId)) as Run;
  });
}

export function finishRun(db: SqlDriver, runId: string, step: number | undefined, guard: WorkerGuard): Promise<Run> {
  return endRun(db, runId, 'FINISHED', null, step, guard, `finishRun(${JSON.stringify(runId)})`);
}

export function failRun(
  db: SqlDriver,
  runId: string,
  reason: string,
  step: number | undefined,
  guard: WorkerGuard,
): Promise<Run> {
  const where = `failRun(${JSON.stringify(runId)})`;
  checkKey(reason, where, 'reason');
  return endRun(db, runId, 'FAILED', reason, step, guard, where);
}

/** Stops a PENDING or RUNNING run on purpose; its worker finds out at its next heartbeat. Resumable with requeueRun. */
export async function killRun(db: SqlDriver, runId: string, reason: string | undefined): Promise<Run> {
  const where = `killRun(${JSON.stringify(runId)})`;
  checkId(runId, where);
  if (reason !== undefined) checkText(reason, where, 'reason');
  return db.write(async (tx) => {
    const changed = await tx.run(
      sql`UPDATE runs SET status = 'KILLED', ended_at = ${db.fragments.nowMs}, failure_reason = ${reason ?? 'killed'}
          WHERE id = ${runId} AND status IN ('PENDING', 'RUNNING')`,
    );
    if (changed === 0) {
      const run = await requireRun(tx, runId, where);
      throw new RunStateError(
        runId,
        run.status,
        `${where}: run ${runId} is ${run.status}; only PENDING or RUNNING runs can be killed.`,
      );
    }
    return (await selectRun(tx, runId)) as Run;
  });
}

/**
 * Marks CRASHED every RUNNING run whose last heartbeat is older than `timeoutMs` by the database's
 * clock (workers' clocks may disagree). Returns the runs it marked.
 */
export async function markStaleRuns(db: SqlDriver, timeoutMs: number, sweepId: string | undefined): Promise<Run[]> {
  const where = 'markStaleRuns';
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InvalidInputError(
      `${where}: timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}.`,
    );
  }
  if (sweepId !== undefined) checkId(sweepId, where, 'sweep id');
  const timeout = Math.ceil(timeoutMs);
  const now = db.fragments.nowMs;
  const inSweep = sweepId === undefined ? sql`` : sql`AND sweep_id = ${sweepId}`;
  const rows = await db.write((tx) =>
    tx.all<Row>(
      sql`UPDATE runs SET status = 'CRASHED', ended_at = ${now},
            failure_reason = ${`no heartbeat for more than ${timeout} ms; worker `} || COALESCE(worker, 'unknown')
          WHERE status = 'RUNNING' AND heartbeat_at < ${now} - ${timeout} ${inSweep}
          RETURNING *`,
    ),
  );
  return rows.map(toRun);
}

function alreadyGivenUp(run: Run): boolean {
  return run.failureReason?.includes('not requeued:') ?? false;
}

/**
 * Makes a CRASHED, KILLED or FAILED run PENDING again (its resume count + 1) so that a worker
 * resumes it from its last checkpoint; once it has been resumed `maxResumes` times it stays
 * where it is, with the reason added to its failure reason.
 */
export async function requeueRun(db: SqlDriver, runId: string, maxResumes: number): Promise<RequeueResult> {
  const where = `requeueRun(${JSON.stringify(runId)})`;
  checkId(runId, where);
  checkNonNegativeInteger(maxResumes, where, 'maxResumes');
  return db.write(async (tx) => {
    const run = await requireRun(tx, runId, where);
    if (run.status !== 'CRASHED' && run.status !== 'KILLED' && run.status !== 'FAILED') {
      throw new RunStateError(
        runId,
        run.status,
        `${where}: run ${runId} is ${run.status}; only CRASHED, KILLED or FAILED runs can be requeued.`,
      );
    }
    if (run.resumeCount >= maxResumes) {
      if (!alreadyGivenUp(run)) {
        const reason = `${run.failureReason ?? run.status}; not requeued: already resumed ${run.resumeCount} times (maxResumes ${maxResumes})`;
        await tx.run(sql`UPDATE runs SET failure_reason = ${reason} WHERE id = ${runId}`);
      }
      return { requeued: false, run: (await selectRun(tx, runId)) as Run };
    }
    await tx.run(
      sql`UPDATE runs SET status = 'PENDING', resume_count = resume_count + 1, worker = NULL, heartbeat_at = NULL, ended_at = NULL
          WHERE id = ${runId} AND status = ${run.status}`,
    );
    return { requeued: true, run: (await selectRun(tx, runId)) as Run };
  });
}

/** requeueRun for every CRASHED run (of one sweep, or all): what a worker does before claiming. */
export async function requeueCrashedRuns(
  db: SqlDriver,
  sweepId: string | undefined,
  maxResumes: number,
): Promise<{ requeued: Run[]; givenUp: Run[] }> {
  checkNonNegativeInteger(maxResumes, 'requeueCrashedRuns', 'maxResumes');
  const inSweep = sweepId === undefined ? sql`` : sql`AND sweep_id = ${sweepId}`;
  const rows = await db.all<Row>(
    sql`SELECT id FROM runs WHERE status = 'CRASHED' ${inSweep} ORDER BY queue_position, id`,
  );
  const requeued: Run[] = [];
  const givenUp: Run[] = [];
  for (const row of rows) {
    try {
      const result = await requeueRun(db, String(row.id), maxResumes);
      (result.requeued ? requeued : givenUp).push(result.run);
    } catch (error) {
      // Another process requeued or claimed it between the list and the update: not ours to report.
      if (!(error instanceof RunStateError)) throw error;
    }
  }
  return { requeued, givenUp };
}
