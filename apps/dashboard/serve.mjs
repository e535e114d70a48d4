#!/usr/bin/env node
// Starts the built dashboard in this process: `node apps/dashboard/serve.mjs --db file [--port 3000]
// [--host 127.0.0.1]`, or from code (the `ftlab dashboard` command):
//
//   import { startDashboard } from '@ftlab/dashboard/serve.mjs';
//   const { url, close } = await startDashboard({ db: '/abs/ftlab.db', port: 3000 });
//
// Plain ESM JavaScript with no build step of its own; it needs the app built once (`next build`,
// which `pnpm --filter @ftlab/dashboard build` and turbo's build run). The database path reaches
// the pages through FTLAB_DB, so one process serves one database.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { redactUrl } from '@ftlab/contract';

const appDir = dirname(fileURLToPath(import.meta.url));

export class DashboardStartError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'DashboardStartError';
  }
}

function listen(server, port, host) {
  return new Promise((resolveListen, reject) => {
    const onError = (error) => {
      server.off('listening', onListening);
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use; pass another --port (or 0 for any free port)`
          : error.code === 'EACCES'
            ? `no permission to listen on ${host}:${port}; use a port above 1023`
            : error.message;
      reject(new DashboardStartError(`cannot start the dashboard: ${reason}.`, { cause: error }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolveListen();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Serves the built dashboard on host:port for the tracker database `db` (a path; relative paths
 * are resolved against the current directory). Resolves once it accepts requests.
 * @param {{ db?: string, port?: number, host?: string, quiet?: boolean }} options
 * @returns {Promise<{ url: string, port: number, db: string, close: () => Promise<void> }>}
 */
export async function startDashboard({
  db = process.env.FTLAB_DB || 'ftlab.db',
  port = 3000,
  host = '127.0.0.1',
  quiet = true,
} = {}) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DashboardStartError(`cannot start the dashboard: --port must be a whole number 0..65535, got ${port}.`);
  }
  if (!existsSync(resolve(appDir, '.next', 'BUILD_ID'))) {
    throw new DashboardStartError(
      `the dashboard is not built (no ${resolve(appDir, '.next')}). Build it once: pnpm --filter @ftlab/dashboard build`,
    );
  }
  // The tracker's reading of a location (a path, sqlite:/// or file:/// URL made absolute, a
  // postgres:// URL as given, other engines refused), so the pages read what the CLI writes.
  const { resolveTrackerLocation } = await import('@ftlab/tracker');
  let database;
  try {
    database = resolveTrackerLocation(db);
  } catch (error) {
    throw new DashboardStartError(`cannot start the dashboard: ${error.message}`);
  }
  process.env.FTLAB_DB = database;
  process.env.NEXT_TELEMETRY_DISABLED = '1';
  // Next reads NODE_ENV to pick its production runtime; a production build needs it.
  process.env.NODE_ENV = 'production';
  // Loaded here, not at the top: `--help` and argument errors stay instant.
  const nextModule = await import('next');
  const createNext = nextModule.default?.default ?? nextModule.default;
  const server = createServer();
  const app = createNext({ dir: appDir, dev: false, quiet, hostname: host, port, httpServer: server });
  await app.prepare();
  const handle = app.getRequestHandler();
  server.on('request', (request, response) => {
    handle(request, response).catch((error) => {
      console.error('dashboard: request failed:', error);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('Internal error; the dashboard log says why.');
    });
  });
  await listen(server, port, host);
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    db: database,
    close: async () => {
      await new Promise((resolveClose) => {
        server.close(() => resolveClose(undefined));
        server.closeAllConnections?.();
      });
      await app.close?.();
    },
  };
}

const USAGE = 'usage: node apps/dashboard/serve.mjs [--db ftlab.db] [--port 3000] [--host 127.0.0.1]';

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        db: { type: 'string' },
        port: { type: 'string', default: '3000' },
        host: { type: 'string', default: '127.0.0.1' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    console.error(`dashboard: ${error.message}\n${USAGE}`);
    process.exit(1);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port.trim() === '' ? Number.NaN : Number(values.port);
  try {
    const dashboard = await startDashboard({ db: values.db, port, host: values.host });
    const shown = redactUrl(dashboard.db);
    console.log(`dashboard: ${dashboard.url} (database ${shown})`);
    const stop = () => {
      dashboard.close().finally(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    console.error(error instanceof DashboardStartError ? `dashboard: ${error.message}` : error);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
