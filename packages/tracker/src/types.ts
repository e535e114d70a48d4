// The store's public data shapes. Times are milliseconds since the Unix epoch, stamped by the
// database's clock; JSON columns come back parsed. The words and shapes other packages share
// (statuses, JSON, params) are @ftlab/contract's.
import type { JsonObject, JsonValue, ParamValue, RunStatus, SweepMethod, SweepStatus } from '@ftlab/contract';

export type { JsonObject, JsonValue, ParamValue, RunStatus, SweepMethod, SweepStatus };

/** How a value that is not a finite number was logged (it is stored as NULL plus this marker). */
export type NonFinite = 'NaN' | 'Infinity' | '-Infinity';

export interface Experiment {
  id: string;
  name: string;
  description: string | null;
  createdAt: number;
}

export interface Sweep {
  id: string;
  experimentId: string | null;
  name: string;
  method: SweepMethod;
  space: JsonValue;
  status: SweepStatus;
  createdAt: number;
}

export interface Run {
  id: string;
  experimentId: string | null;
  sweepId: string | null;
  queuePosition: number;
  name: string;
  variant: string | null;
  status: RunStatus;
  config: JsonObject;
  /** Hash of the canonical config without seeds: runs that differ only by seed share it. */
  configHash: string;
  seed: number | null;
  gitCommit: string | null;
  gitDirty: boolean | null;
  backend: string | null;
  host: string | null;
  worker: string | null;
  packageVersions: Record<string, string> | null;
  artifactRoot: string | null;
  createdAt: number;
  /** When the run was first claimed or started (kept across resumes). */
  startedAt: number | null;
  endedAt: number | null;
  heartbeatAt: number | null;
  lastStep: number | null;
  totalSteps: number | null;
  resumeCount: number;
  failureReason: string | null;
}

/** What describes a run to create; the store adds id, status, hash and times. */
export interface RunInput {
  name: string;
  config: JsonObject;
  seed?: number | null;
  variant?: string | null;
  experimentId?: string | null;
  /** Overrides the computed hash (see `configHash`); runs with equal hashes are seeds of one config. */
  configHash?: string;
  gitCommit?: string | null;
  gitDirty?: boolean | null;
  backend?: string | null;
  host?: string | null;
  packageVersions?: Record<string, string> | null;
  artifactRoot?: string | null;
  totalSteps?: number | null;
  tags?: Record<string, string>;
}

export interface MetricPoint {
  runId: string;
  key: string;
  step: number;
  /** Any number; NaN and +-Infinity are stored (value NULL + a marker), never rejected. */
  value: number;
  /** When the value was produced, by the logging process's clock; defaults to now. */
  wallTimeMs?: number;
}

export interface StoredMetric {
  key: string;
  step: number;
  /** null when the logged value was not finite; `nonFinite` then says what it was. */
  value: number | null;
  nonFinite: NonFinite | null;
  wallTimeMs: number;
}

export interface EvaluationInput {
  step: number;
  task: string;
  metric: string;
  value: number;
  stderr?: number | null;
  n?: number | null;
  extra?: JsonValue;
}

export interface Evaluation {
  runId: string;
  step: number;
  task: string;
  metric: string;
  value: number | null;
  nonFinite: NonFinite | null;
  stderr: number | null;
  n: number | null;
  extra: JsonValue | null;
  createdAt: number;
}

export interface ArtifactInput {
  kind: string;
  path: string;
  sha256?: string | null;
  bytes?: number | null;
}

export interface Artifact {
  runId: string;
  kind: string;
  path: string;
  sha256: string | null;
  bytes: number | null;
  createdAt: number;
}

export interface Note {
  id: string;
  runId: string;
  text: string;
  author: string | null;
  createdAt: number;
}

/** A run with what the run list shows beside it. */
export interface RunSummary extends Run {
  latestMetrics: Record<string, StoredMetric>;
  params: Record<string, ParamValue>;
  tags: Record<string, string>;
}

export interface RunDetail extends RunSummary {
  notes: Note[];
  artifacts: Artifact[];
  evaluations: Evaluation[];
}
