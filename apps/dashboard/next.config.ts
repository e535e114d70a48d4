// Next.js settings for the dashboard. The tracker loads its SQL migrations and SQLite binding from
// its own package folder, so it must not be bundled. It is listed as external for the day
// Turbopack honours that for workspace packages (vercel/next.js#84388); until then the app imports
// it at run time (see src/lib/database.ts). @ftlab/contract and @ftlab/evaluation/report are plain
// TypeScript without tensors or drivers, and are bundled like any module.
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const config: NextConfig = {
  serverExternalPackages: ['better-sqlite3', '@ftlab/tracker'],
  // Workspace packages live above this app: Turbopack must see the monorepo root.
  turbopack: { root: fileURLToPath(new URL('../..', import.meta.url)) },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
