// The run lifecycle. The runs table is the sweep queue (as in Optuna's RDB storage):
//
//   PENDING --claim--> RUNNING --finish--> FINISHED
//                        |  \--fail----> FAILED
//                        |  \--kill----> KILLED   (also from PENDING)
//                        \--no heartbeat for timeoutMs--> CRASHED   (markStaleRuns)
//   CRASHED | KILLED | FAILED --requeue (resumeCount + 1, up to maxResumes)--> PENDING
//   RUNNING --release (the worker cannot do it, e.g. cannot reach its artifact root)--> PENDING
//
// Every transition is one conditional UPDATE (`WHERE status = ...`), so two processes racing
// on the same run cannot both win; times come from the database's clock. A worker learns that
// it lost its run (marked CRASHED while it was only slow, or KILLED) from the RunStateError of
// its next heartbeat, so a run never trains twice at once.
import { FAILED_RUN_STATUSES } from '@ftlab/contract';
import { type SQL, sql } from 'drizzle-orm';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { InvalidInputError, RunStateError, UnknownRunError, UnknownSweepError } from './errors.js';
import { type Row, toRun } from './rows.js';
import { inList } from './sql-util.js';
import type { Run } from './types.js';
import {
  checkId,
  checkKey,
  checkNonNegativeInteger,
  checkStep,
  checkText,
  MAX_FAILURE_REASON_LENGTH,
  newId,
} from './values.js';

/** Who holds a run; when given, a heartbeat/finish/fail from any other worker is refused. */
export interface WorkerGuard {
  worker?: string;
}

/** The author of the notes the tracker itself writes about a run's history. */
export const TRACKER_NOTE_AUTHOR = 'ftlab-tracker';

export interface RequeueResult {
  requeued: boolean;
  run: Run;
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

/**
 * Claims the next PENDING run (of one sweep, or of any) other than those in `skip` (runs this
 * worker released because it cannot do them), or resolves to null when there is none.
 */
export async function claimNextRun(
  db: SqlDriver,
  sweepId: string | undefined,
  worker: string,
  skip: readonly string[] = [],
): Promise<Run | null> {
  const where = 'claimNextRun';
  if (sweepId !== undefined) checkId(sweepId, where, 'sweep id');
  checkKey(worker, where, 'worker');
  if (!Array.isArray(skip)) throw new InvalidInputError(`${where}: skip must be an array of run ids.`);
  for (const id of skip) checkId(id, where, 'skipped run id');
  return db.write(async (tx) => {
    if (sweepId !== undefined) {
      const sweep = await tx.all(sql`SELECT id FROM sweeps WHERE id = ${sweepId}`);
      if (sweep.length === 0) throw new UnknownSweepError(sweepId, where);
    }
    const now = db.fragments.nowMs;
    const inSweep = sweepId === undefined ? sql`` : sql`AND sweep_id = ${sweepId}`;
    const notSkipped = skip.length === 0 ? sql`` : sql`AND id NOT IN ${inList(skip)}`;
    // One UPDATE: the subquery picks the run (locking it on PostgreSQL), and the outer
    // `status = 'PENDING'` makes it a compare-and-set, so two workers never get the same run.
    const [row] = await tx.all<Row>(
      sql`UPDATE runs
          SET status = 'RUNNING', worker = ${worker}, started_at = COALESCE(started_at, ${now}),
              heartbeat_at = ${now}, ended_at = NULL, failure_reason = NULL
          WHERE status = 'PENDING' AND id = (
            SELECT id FROM runs WHERE status = 'PENDING' ${inSweep} ${notSkipped}
            ORDER BY queue_position, created_at, id LIMIT 1 ${db.fragments.claimLock})
          RETURNING *`,
    );
    return row ? toRun(row) : null;
  });
}

/**
 * Claims one given PENDING run (`ftlab resume <run>` after requeueRun, or a standalone run
 * queued for later). The same compare-and-set as claimNextRun: of two racing processes, one wins.
 */
export async function claimRun(db: SqlDriver, runId: string, worker: string): Promise<Run> {
  const where = `claimRun(${JSON.stringify(runId)})`;
  checkId(runId, where);
  checkKey(worker, where, 'worker');
  return db.write(async (tx) => {
    const now = db.fragments.nowMs;
    const [row] = await tx.all<Row>(
      sql`UPDATE runs SET status = 'RUNNING', worker = ${worker}, started_at = COALESCE(started_at, ${now}),
            heartbeat_at = ${now}, ended_at = NULL, failure_reason = NULL
          WHERE id = ${runId} AND status = 'PENDING'
          RETURNING *`,
    );
    if (row) return toRun(row);
    const run = await requireRun(tx, runId, where);
    throw new RunStateError(
      runId,
      run.status,
      `${where}: run ${runId} is ${run.status}, not PENDING` +
        (run.status === 'RUNNING' ? ` (worker "${run.worker}" holds it).` : '; requeue it first (requeueRun).'),
    );
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
  /** Written as a note of the run in the same transaction (a long reason's full text). */
  note?: string,
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
    if (note !== undefined) {
      await tx.run(
        sql`INSERT INTO notes (id, run_id, text, author, created_at)
            VALUES (${newId()}, ${runId}, ${note}, ${guard.worker ?? TRACKER_NOTE_AUTHOR}, ${now})`,
      );
    }
    return (await selectRun(tx, runId)) as Run;
  });
}

/**
 * The failure reason as stored: whole up to MAX_FAILURE_REASON_LENGTH characters, else cut with a
 * marker that says where the whole text is (a note of the run, written with it).
 */
export function storedFailureReason(reason: string): { reason: string; note?: string } {
  if (reason.length <= MAX_FAILURE_REASON_LENGTH) return { reason };
  const marker = ` … [cut at ${MAX_FAILURE_REASON_LENGTH} of ${reason.length} characters; the whole reason is in the run's notes]`;
  return {
    reason: `${reason.slice(0, MAX_FAILURE_REASON_LENGTH)}${marker}`,
    note: `failure reason (whole):\n${reason}`,
  };
}

/** Where a claimed run is executing: set by the worker that claimed it (sweep runs are created before any worker exists). */
export interface RunEnvironmentInput {
  backend?: string | null;
  host?: string | null;
  gitCommit?: string | null;
  gitDirty?: boolean | null;
  packageVersions?: Record<string, string> | null;
}

export async function recordRunEnvironment(
  db: SqlDriver,
  runId: string,
  env: RunEnvironmentInput,
  guard: WorkerGuard,
): Promise<Run> {
  const where = `recordRunEnvironment(${JSON.stringify(runId)})`;
  checkId(runId, where);
  const text = (value: string | null | undefined, what: string) =>
    value === undefined || value === null ? null : checkText(value, where, what);
  const backend = text(env.backend, 'backend');
  const host = text(env.host, 'host');
  const gitCommit = text(env.gitCommit, 'git commit');
  const dirty = env.gitDirty === undefined || env.gitDirty === null ? null : env.gitDirty ? 1 : 0;
  const versions = env.packageVersions ? JSON.stringify(env.packageVersions) : null;
  return db.write(async (tx) => {
    const changed = await tx.run(
      sql`UPDATE runs SET backend = COALESCE(${backend}, backend), host = COALESCE(${host}, host),
            git_commit = COALESCE(${gitCommit}, git_commit), git_dirty = COALESCE(${dirty}, git_dirty),
            package_versions_json = COALESCE(${versions}, package_versions_json)
          WHERE id = ${runId} AND status = 'RUNNING' ${workerClause(guard)}`,
    );
    if (changed === 0) await refuseTransition(tx, runId, guard, where);
    return (await selectRun(tx, runId)) as Run;
  });
}

/**
 * Gives a RUNNING run held by `worker` back to the queue (PENDING, resume count unchanged) because
 * this worker cannot execute it, e.g. its artifact root (the shared checkpoint directory) is not
 * reachable or writable from this machine. The reason is kept as the run's failure reason until
 * the next claim, and as a note (author: the worker) for good.
 */
export async function releaseRun(db: SqlDriver, runId: string, worker: string, reason: string): Promise<Run> {
  const where = `releaseRun(${JSON.stringify(runId)})`;
  checkId(runId, where);
  checkKey(worker, where, 'worker');
  if (checkText(reason, where, 'reason').trim() === '') {
    throw new InvalidInputError(`${where}: say why the run is released (reason), e.g. "cannot write /shared/runs".`);
  }
  const guard = { worker };
  return db.write(async (tx) => {
    const now = db.fragments.nowMs;
    const changed = await tx.run(
      sql`UPDATE runs SET status = 'PENDING', worker = NULL, heartbeat_at = NULL, ended_at = NULL,
            failure_reason = ${`released by worker ${worker}: ${reason}`}
          WHERE id = ${runId} AND status = 'RUNNING' ${workerClause(guard)}`,
    );
    if (changed === 0) await refuseTransition(tx, runId, guard, where);
    await tx.run(
      sql`INSERT INTO notes (id, run_id, text, author, created_at)
          VALUES (${newId()}, ${runId}, ${`released to the queue: ${reason}`}, ${worker}, ${now})`,
    );
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
  if (checkText(reason, where, 'reason').trim() === '') {
    throw new InvalidInputError(`${where}: say why the run failed (reason), e.g. "loss is NaN at step 120".`);
  }
  const stored = storedFailureReason(reason);
  return endRun(db, runId, 'FAILED', stored.reason, step, guard, where, stored.note);
}

/** Stops a PENDING or RUNNING run on purpose; its worker finds out at its next heartbeat. Resumable with requeueRun. */
export async function killRun(
  db: SqlDriver,
  runId: string,
  reason: string | undefined,
  step: number | undefined,
): Promise<Run> {
  const where = `killRun(${JSON.stringify(runId)})`;
  checkId(runId, where);
  if (reason !== undefined) checkText(reason, where, 'reason');
  if (step !== undefined) checkStep(step, where);
  return db.write(async (tx) => {
    const changed = await tx.run(
      sql`UPDATE runs SET status = 'KILLED', ended_at = ${db.fragments.nowMs}, failure_reason = ${reason ?? 'killed'},
            last_step = COALESCE(${step ?? null}, last_step)
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
export async function markStaleRuns(
  db: SqlDriver,
  timeoutMs: number,
  scope: { sweepId?: string | undefined; runId?: string | undefined },
): Promise<Run[]> {
  const { sweepId, runId } = scope;
  const where = 'markStaleRuns';
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InvalidInputError(
      `${where}: timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}.`,
    );
  }
  if (sweepId !== undefined) checkId(sweepId, where, 'sweep id');
  if (runId !== undefined) checkId(runId, where, 'run id');
  const timeout = Math.ceil(timeoutMs);
  const now = db.fragments.nowMs;
  const inSweep = sweepId === undefined ? sql`` : sql`AND sweep_id = ${sweepId}`;
  const onlyRun = runId === undefined ? sql`` : sql`AND id = ${runId}`;
  return db.write(async (tx) => {
    const crashed = (
      await tx.all<Row>(
        sql`UPDATE runs SET status = 'CRASHED', ended_at = ${now},
              failure_reason = ${`no heartbeat for more than ${timeout} ms; worker `} || COALESCE(worker, 'unknown')
            WHERE status = 'RUNNING' AND heartbeat_at < ${now} - ${timeout} ${inSweep} ${onlyRun}
            RETURNING *`,
      )
    ).map(toRun);
    // The reason is cleared when the run is claimed again; the note keeps the crash in its history.
    const notes = crashed.map((run) => [
      newId(),
      run.id,
      `marked CRASHED: ${run.failureReason}`,
      TRACKER_NOTE_AUTHOR,
      now,
    ]);
    await tx.insert('notes', ['id', 'run_id', 'text', 'author', 'created_at'], notes);
    return crashed;
  });
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
    if (!(FAILED_RUN_STATUSES as readonly string[]).includes(run.status)) {
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
