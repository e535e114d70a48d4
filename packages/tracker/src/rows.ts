// Database rows (snake_case, as both SQLite and PostgreSQL return them) to the public shapes.
// Numbers go through `num` because PostgreSQL returns BIGINT and numeric aggregates as strings,
// JSON through `json` because its JSONB comes back already parsed.
import type {
  Artifact,
  Evaluation,
  Experiment,
  JsonObject,
  JsonValue,
  NonFinite,
  Note,
  Run,
  RunStatus,
  StoredMetric,
  Sweep,
  SweepMethod,
  SweepStatus,
} from './types.js';

type Cell = string | number | bigint | null | undefined | object;
export type Row = Record<string, Cell>;

export function num(cell: Cell): number {
  return typeof cell === 'number' ? cell : Number(cell);
}

export function numOrNull(cell: Cell): number | null {
  return cell === null || cell === undefined ? null : num(cell);
}

export function strOrNull(cell: Cell): string | null {
  return cell === null || cell === undefined ? null : String(cell);
}

export function json<T = JsonValue>(cell: Cell): T {
  return (typeof cell === 'string' ? JSON.parse(cell) : cell) as T;
}

function jsonOrNull<T = JsonValue>(cell: Cell): T | null {
  return cell === null || cell === undefined ? null : json<T>(cell);
}

export function toExperiment(row: Row): Experiment {
  return {
    id: String(row.id),
    name: String(row.name),
    description: strOrNull(row.description),
    createdAt: num(row.created_at),
  };
}

export function toSweep(row: Row): Sweep {
  return {
    id: String(row.id),
    experimentId: strOrNull(row.experiment_id),
    name: String(row.name),
    method: row.method as SweepMethod,
    space: json(row.space_json),
    status: row.status as SweepStatus,
    createdAt: num(row.created_at),
  };
}

export function toRun(row: Row): Run {
  return {
    id: String(row.id),
    experimentId: strOrNull(row.experiment_id),
    sweepId: strOrNull(row.sweep_id),
    queuePosition: num(row.queue_position),
    name: String(row.name),
    variant: strOrNull(row.variant),
    status: row.status as RunStatus,
    config: json<JsonObject>(row.config_json),
    configHash: String(row.config_hash),
    seed: numOrNull(row.seed),
    gitCommit: strOrNull(row.git_commit),
    gitDirty: row.git_dirty === null || row.git_dirty === undefined ? null : Boolean(num(row.git_dirty)),
    backend: strOrNull(row.backend),
    host: strOrNull(row.host),
    worker: strOrNull(row.worker),
    packageVersions: jsonOrNull<Record<string, string>>(row.package_versions_json),
    artifactRoot: strOrNull(row.artifact_root),
    createdAt: num(row.created_at),
    startedAt: numOrNull(row.started_at),
    endedAt: numOrNull(row.ended_at),
    heartbeatAt: numOrNull(row.heartbeat_at),
    lastStep: numOrNull(row.last_step),
    totalSteps: numOrNull(row.total_steps),
    resumeCount: num(row.resume_count),
    failureReason: strOrNull(row.failure_reason),
  };
}

export function toStoredMetric(row: Row): StoredMetric {
  return {
    key: String(row.key),
    step: num(row.step),
    value: numOrNull(row.value),
    nonFinite: (row.non_finite ?? null) as NonFinite | null,
    wallTimeMs: num(row.wall_time_ms),
  };
}

export function toEvaluation(row: Row): Evaluation {
  return {
    runId: String(row.run_id),
    step: num(row.step),
    task: String(row.task),
    metric: String(row.metric),
    value: numOrNull(row.value),
    nonFinite: (row.non_finite ?? null) as NonFinite | null,
    stderr: numOrNull(row.stderr),
    n: numOrNull(row.n),
    extra: jsonOrNull(row.extra_json),
    createdAt: num(row.created_at),
  };
}

export function toArtifact(row: Row): Artifact {
  return {
    runId: String(row.run_id),
    kind: String(row.kind),
    path: String(row.path),
    sha256: strOrNull(row.sha256),
    bytes: numOrNull(row.bytes),
    createdAt: num(row.created_at),
  };
}

export function toNote(row: Row): Note {
  return {
    id: String(row.id),
    runId: String(row.run_id),
    text: String(row.text),
    author: strOrNull(row.author),
    createdAt: num(row.created_at),
  };
}
