#!/usr/bin/env node
// The `ftlab` executable (package.json "bin"). It is a committed file, not dist/main.js itself,
// because pnpm links a bin when it installs, before the first build has written dist/: a bin
// pointing into dist/ would be skipped on a fresh clone. Through a symlink on PATH, Node loads
// this file by its real path, so ../dist and the workspace packages resolve from here.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  const workspace = dirname(dirname(dirname(dirname(fileURLToPath(main)))));
  process.stderr.write(
    `ftlab: ${fileURLToPath(main)} is not built yet. Fix: run \`pnpm turbo run build\` (or \`npm run demo\`) in ${workspace}.\n`,
  );
  process.exit(1);
}
await import(main.href);
