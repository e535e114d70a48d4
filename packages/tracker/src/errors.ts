// Every error the store raises on purpose. Each says what was wrong, where (database, run id,
// field) and what to do; `code` lets callers branch without parsing messages.

export type TrackerErrorCode =
  | 'INVALID_INPUT'
  | 'UNKNOWN_RUN'
  | 'UNKNOWN_SWEEP'
  | 'UNKNOWN_EXPERIMENT'
  | 'RUN_STATE'
  | 'NOT_A_DATABASE'
  | 'NOT_A_TRACKER_DATABASE'
  | 'SCHEMA_VERSION'
  | 'READ_ONLY'
  | 'CANNOT_OPEN'
  | 'BUSY'
  | 'UNSUPPORTED_LOCATION'
  | 'COPY_CONFLICT'
  | 'CLOSED';

export class TrackerError extends Error {
  constructor(
    readonly code: TrackerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TrackerError';
  }
}

/** A value passed to the store was malformed; nothing was written. */
export class InvalidInputError extends TrackerError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
    this.name = 'InvalidInputError';
  }
}

export class UnknownRunError extends TrackerError {
  constructor(
    readonly runId: string,
    where: string,
  ) {
    super('UNKNOWN_RUN', `${where}: no run with id "${runId}" in this tracker; check the id (listRuns shows them).`);
    this.name = 'UnknownRunError';
  }
}

export class UnknownSweepError extends TrackerError {
  constructor(
    readonly sweepId: string,
    where: string,
  ) {
    super('UNKNOWN_SWEEP', `${where}: no sweep with id "${sweepId}" in this tracker; check the id (listSweeps).`);
    this.name = 'UnknownSweepError';
  }
}

export class UnknownExperimentError extends TrackerError {
  constructor(
    readonly experimentId: string,
    where: string,
  ) {
    super('UNKNOWN_EXPERIMENT', `${where}: no experiment with id "${experimentId}"; create it with ensureExperiment.`);
    this.name = 'UnknownExperimentError';
  }
}

/** The run exists but its status does not allow the operation (e.g. a heartbeat for a CRASHED run). */
export class RunStateError extends TrackerError {
  constructor(
    readonly runId: string,
    readonly status: string,
    message: string,
  ) {
    super('RUN_STATE', message);
    this.name = 'RunStateError';
  }
}

/** The schema of the database and the code's migrations disagree. */
export class SchemaVersionError extends TrackerError {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
    message: string,
  ) {
    super('SCHEMA_VERSION', message);
    this.name = 'SchemaVersionError';
  }
}

/** Extracts a useful one-line message from anything thrown by a driver. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
