// ftlab dashboard: serves the Next.js dashboard for a tracker database, on 127.0.0.1 unless
// told otherwise, until Ctrl-C. It reads the database read-only, so it can watch a running sweep.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dbPath, type GlobalOptions } from '../context.js';
import { createOutput } from '../output.js';

export interface DashboardOptions extends GlobalOptions {
  port: number;
  host: string;
}

interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

type StartDashboard = (options: { db: string; port: number; host: string }) => Promise<DashboardServer>;

/** The dashboard app's launcher (apps/dashboard/serve.mjs), found through the workspace dependency. */
export async function loadDashboard(): Promise<StartDashboard> {
  const appDir = dirname(createRequire(import.meta.url).resolve('@ftlab/dashboard/package.json'));
  const module = (await import(pathToFileURL(join(appDir, 'serve.mjs')).href)) as { startDashboard: StartDashboard };
  return module.startDashboard;
}

export async function dashboardCommand(options: DashboardOptions): Promise<number> {
  const out = createOutput(options);
  const startDashboard = await loadDashboard();
  const server = await startDashboard({ db: dbPath(options), port: options.port, host: options.host });
  out.result(
    { url: server.url, db: dbPath(options) },
    () => `dashboard: ${server.url}  (database ${dbPath(options)}; Ctrl-C to stop)`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
