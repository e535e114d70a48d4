// Next.js settings for the dashboard. The tracker (and the evaluation package) load their SQL
// migrations and native SQLite binding from their own package folders, so the server requires
// them from node_modules at run time instead of bundling them.
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const config: NextConfig = {
  serverExternalPackages: ['better-sqlite3', '@ftlab/tracker', '@ftlab/evaluation'],
  // Workspace packages live above this app: Turbopack must see the monorepo root.
  turbopack: { root: fileURLToPath(new URL('../..', import.meta.url)) },
  poweredByHeader: false,
  reactStrictMode: true,
  // A local tool: no telemetry, no image optimisation service, nothing fetched at run time.
  images: { unoptimized: true },
};

export default config;
