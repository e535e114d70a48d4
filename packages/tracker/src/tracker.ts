// The store's public API: one object per open database. Every method is asynchronous, so the
// PostgreSQL store (same interface, another driver) is a drop-in replacement; the SQL lives in
// the modules this class delegates to.

import { type CopyOptions, type CopyReport, copyDatabase } from './copy.js';
import { type CreatedRun, createRuns, startRun } from './create-runs.js';
import { type Curve, type CurveOptions, curve, type GroupCurve, type GroupSelector, groupCurves } from './curves.js';
import type { Dialect, SqlDriver } from './driver.js';
import { type ExportOptions, exportRun, exportSweep, streamSweepExport } from './export.js';
import { MetricWriter, type MetricWriterOptions } from './metric-writer.js';
import { logMetrics, type MetricRange, metricHistory, metricKeys } from './metrics.js';
import type { MigrationReport } from './migrate.js';
import {
  type EvaluationFilter,
  getRun,
  type ListRunsOptions,
  listEvaluations,
  listRuns,
  type RunList,
} from './queries.js';
import { addNote, logArtifact, logEvaluations, logParams, removeTag, setTags } from './records.js';
import {
  claimNextRun,
  claimRun,
  failRun,
  finishRun,
  heartbeat,
  killRun,
  markStaleRuns,
  type RequeueResult,
  type RunEnvironmentInput,
  recordRunEnvironment,
  releaseRun,
  requeueCrashedRuns,
  requeueRun,
  requireRun,
  type WorkerGuard,
} from './runs.js';
import {
  ensureExperiment,
  ensureSweep,
  getSweep,
  listExperiments,
  listSweeps,
  type SweepInput,
  type SweepSummary,
  setSweepStatus,
  sweepSummary,
} from './sweeps.js';
import type {
  Artifact,
  ArtifactInput,
  Evaluation,
  EvaluationInput,
  Experiment,
  JsonObject,
  MetricPoint,
  Note,
  Run,
  RunDetail,
  RunInput,
  StoredMetric,
  Sweep,
  SweepStatus,
} from './types.js';

/** How many times requeueRun resumes a run by default before leaving it CRASHED. */
export const DEFAULT_MAX_RESUMES = 3;

/** Every method is async: invalid input rejects the promise, it never throws synchronously. */
export class Tracker {
  private readonly writers = new Set<MetricWriter>();

  /** The schema version of the open database (= the code's). */
  readonly schemaVersion: number;

  constructor(
    private readonly db: SqlDriver,
    /** What opening did to the schema: the version found, the version now, the migrations applied. */
    readonly migration: MigrationReport,
  ) {
    this.schemaVersion = migration.toVersion;
  }

  get location(): string {
    return this.db.location;
  }

  get dialect(): Dialect {
    return this.db.dialect;
  }

  get readonly(): boolean {
    return this.db.readonly;
  }

  // Experiments and sweeps

  async ensureExperiment(name: string, description?: string): Promise<Experiment> {
    return ensureExperiment(this.db, name, description);
  }

  async listExperiments(): Promise<Experiment[]> {
    return listExperiments(this.db);
  }

  async ensureSweep(input: SweepInput): Promise<{ sweep: Sweep; created: boolean }> {
    return ensureSweep(this.db, input);
  }

  async getSweep(sweepId: string): Promise<Sweep> {
    return getSweep(this.db, sweepId);
  }

  async listSweeps(experimentId?: string): Promise<Sweep[]> {
    return listSweeps(this.db, experimentId);
  }

  async setSweepStatus(sweepId: string, status: SweepStatus): Promise<Sweep> {
    return setSweepStatus(this.db, sweepId, status);
  }

  // Run lifecycle (the runs table is the sweep queue)

  /** Adds PENDING runs to a sweep; a (config hash, seed) it already holds comes back with created: false. */
  async createRuns(sweepId: string, inputs: RunInput[]): Promise<CreatedRun[]> {
    return createRuns(this.db, sweepId, inputs);
  }

  /** A standalone run, RUNNING at once in this process (worker defaults to host:pid). */
  async startRun(input: RunInput & WorkerGuard): Promise<Run> {
    return startRun(this.db, input);
  }

  /**
   * The next PENDING run of the sweep (or of any sweep), now RUNNING for `worker`; null when none
   * is left. `skip`: runs not to claim (those this worker released because it cannot do them).
   */
  async claimNextRun(
    sweepId: string | undefined,
    worker: string,
    options: { skip?: readonly string[] } = {},
  ): Promise<Run | null> {
    return claimNextRun(this.db, sweepId, worker, options.skip ?? []);
  }

  /**
   * Puts a RUNNING run held by `worker` back in the queue (PENDING, same resume count) with the
   * reason recorded: for a worker that cannot execute it, e.g. cannot reach its artifact root.
   */
  async releaseRun(runId: string, worker: string, reason: string): Promise<Run> {
    return releaseRun(this.db, runId, worker, reason);
  }

  /** Throws RunStateError when the run is no longer RUNNING (killed, marked crashed) or is another worker's. */
  async heartbeat(runId: string, step?: number, guard: WorkerGuard = {}): Promise<void> {
    return heartbeat(this.db, runId, step, guard);
  }

  /** Claims one given PENDING run for `worker` (RUNNING, started, heartbeat set). */
  async claimRun(runId: string, worker: string): Promise<Run> {
    return claimRun(this.db, runId, worker);
  }

  /** Records the backend, host, commit and package versions of the worker running a claimed run. */
  async recordRunEnvironment(runId: string, env: RunEnvironmentInput, guard: WorkerGuard = {}): Promise<Run> {
    return recordRunEnvironment(this.db, runId, env, guard);
  }

  async finishRun(runId: string, step?: number, guard: WorkerGuard = {}): Promise<Run> {
    return finishRun(this.db, runId, step, guard);
  }

  async failRun(runId: string, reason: string, step?: number, guard: WorkerGuard = {}): Promise<Run> {
    return failRun(this.db, runId, reason, step, guard);
  }

  /** Stops a PENDING or RUNNING run; `step` records how far a stopping worker got. */
  async killRun(runId: string, reason?: string, step?: number): Promise<Run> {
    return killRun(this.db, runId, reason, step);
  }

  /** RUNNING runs without a heartbeat for `timeoutMs` (by the database clock) become CRASHED; returns them. */
  async markStaleRuns(timeoutMs: number, options: { sweepId?: string; runId?: string } = {}): Promise<Run[]> {
    return markStaleRuns(this.db, timeoutMs, options);
  }

  async requeueRun(runId: string, options: { maxResumes?: number } = {}): Promise<RequeueResult> {
    return requeueRun(this.db, runId, options.maxResumes ?? DEFAULT_MAX_RESUMES);
  }

  requeueCrashedRuns(
    options: { sweepId?: string; maxResumes?: number } = {},
  ): Promise<{ requeued: Run[]; givenUp: Run[] }> {
    return requeueCrashedRuns(this.db, options.sweepId, options.maxResumes ?? DEFAULT_MAX_RESUMES);
  }

  // What runs record

  async logParams(runId: string, params: JsonObject): Promise<void> {
    return logParams(this.db, runId, params);
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    return setTags(this.db, runId, tags);
  }

  async removeTag(runId: string, key: string): Promise<void> {
    return removeTag(this.db, runId, key);
  }

  async addNote(runId: string, text: string, author?: string): Promise<Note> {
    return addNote(this.db, runId, text, author);
  }

  async logEvaluations(runId: string, results: EvaluationInput[]): Promise<Evaluation[]> {
    return logEvaluations(this.db, runId, results);
  }

  async logArtifact(runId: string, artifact: ArtifactInput): Promise<Artifact> {
    return logArtifact(this.db, runId, artifact);
  }

  /** Writes points now, in one transaction; resolves with the number of distinct points written. */
  async logMetrics(points: MetricPoint[]): Promise<number> {
    return logMetrics(this.db, points);
  }

  /** A buffered writer for one run's metrics (the training loop's); flushed on its close and on this tracker's. */
  async metricWriter(runId: string, options: MetricWriterOptions = {}): Promise<MetricWriter> {
    await this.db.read((tx) => requireRun(tx, runId, 'metricWriter'));
    const writer = new MetricWriter(this.db, runId, options, (closed) => this.writers.delete(closed));
    this.writers.add(writer);
    return writer;
  }

  // Reading

  async getRun(runId: string): Promise<RunDetail> {
    return getRun(this.db, runId);
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunList> {
    return listRuns(this.db, options);
  }

  /** Every evaluation of the runs matching the filter (e.g. a sweep's FINISHED runs), in one read. */
  async listEvaluations(filter: EvaluationFilter = {}): Promise<Evaluation[]> {
    return listEvaluations(this.db, filter);
  }

  async metricKeys(runId: string): Promise<string[]> {
    return metricKeys(this.db, runId);
  }

  async metricHistory(runId: string, key: string, range: MetricRange = {}): Promise<StoredMetric[]> {
    return metricHistory(this.db, runId, key, range);
  }

  async curve(runId: string, key: string, options: CurveOptions = {}): Promise<Curve> {
    return curve(this.db, runId, key, options);
  }

  async groupCurves(group: GroupSelector, key: string, options: CurveOptions = {}): Promise<GroupCurve> {
    return groupCurves(this.db, group, key, options);
  }

  async sweepSummary(sweepId: string): Promise<SweepSummary> {
    return sweepSummary(this.db, sweepId);
  }

  async exportRun(runId: string, options: ExportOptions = {}): Promise<string> {
    return exportRun(this.db, runId, options);
  }

  async exportSweep(sweepId: string, options: ExportOptions = {}): Promise<string> {
    return exportSweep(this.db, sweepId, options);
  }

  /**
   * The same text as exportSweep, in pieces of EXPORT_BATCH_RUNS CSV rows or of one run with its
   * points, each read on its own: for a download or a file that must not hold the sweep in memory.
   */
  streamSweepExport(sweepId: string, options: Omit<ExportOptions, 'path'> = {}): AsyncGenerator<string> {
    return streamSweepExport(this.db, sweepId, options);
  }

  /**
   * Copies this tracker's whole history into `destination` (another database, e.g. SQLite ->
   * PostgreSQL): rows it lacks are added, equal rows skipped, and any row it holds with other
   * values refuses the copy with nothing written. One destination transaction.
   */
  async copyTo(destination: Tracker, options: CopyOptions = {}): Promise<CopyReport> {
    return copyDatabase(this.db, destination.db, options);
  }

  /** Flushes every metric writer made by this tracker, then closes the connection. */
  async close(): Promise<void> {
    const failures: unknown[] = [];
    for (const writer of [...this.writers]) {
      await writer.close().catch((error: unknown) => failures.push(error));
    }
    await this.db.close();
    if (failures.length > 0) throw failures[0];
  }
}
