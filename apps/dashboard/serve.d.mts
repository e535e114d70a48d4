// Types of serve.mjs for TypeScript callers (the ftlab CLI).
export interface StartDashboardOptions {
  /** The tracker database (default $FTLAB_DB, else ./ftlab.db); relative paths resolve against the cwd. */
  db?: string;
  /** Default 3000; 0 picks a free port (see the returned `port`). */
  port?: number;
  /** Default 127.0.0.1 (this machine only); 0.0.0.0 serves the network. */
  host?: string;
  /** Hide Next's own error details in responses (default true). */
  quiet?: boolean;
}

export interface RunningDashboard {
  url: string;
  port: number;
  /** The absolute path of the database it serves. */
  db: string;
  close(): Promise<void>;
}

/** A port that is taken, an invalid port, or an app that was never built. */
export declare class DashboardStartError extends Error {}

export declare function startDashboard(options?: StartDashboardOptions): Promise<RunningDashboard>;
