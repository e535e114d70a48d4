import { defineConfig } from 'vitest/config';
import { ftlabTestConfig } from '../../vitest.shared.js';

const shared = ftlabTestConfig({ testTimeout: 60_000 });
// vitest hands resolve.conditions to Node as --conditions flags, and Node then applies them to
// require() too: with "import" among them, pg's require('pg-pool') gets pg-pool's ES module and
// pg fails to load. Vite adds "import" or "require" itself wherever it resolves, so it is left out.
const conditions = (shared.resolve?.conditions ?? []).filter((condition) => condition !== 'import');

export default defineConfig({
  ...shared,
  resolve: { ...shared.resolve, conditions },
  ssr: { ...shared.ssr, resolve: { ...shared.ssr?.resolve, conditions } },
});
