// Next.js settings for the dashboard. The tracker and the evaluation package load their SQL
// migrations, SQLite binding and TensorFlow.js from their own package folders, so they must not be
// bundled. They are listed as external for the day Turbopack honours that for workspace packages
// (vercel/next.js#84388); until then the app imports them at run time (see src/lib/database.ts).
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const config: NextConfig = {
  serverExternalPackages: ['better-sqlite3', '@ftlab/tracker', '@ftlab/evaluation'],
  // Workspace packages live above this app: Turbopack must see the monorepo root.
  turbopack: { root: fileURLToPath(new URL('../..', import.meta.url)) },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
