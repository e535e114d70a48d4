// `pnpm bench` (bench/matmul.ts) starts and parses its arguments: --help, and no other option.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runPackageScript } from '../../../bench-test.shared.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

it('pnpm bench answers --help, and refuses an option with exit code 2', () => {
  const help = runPackageScript(PACKAGE, 'bench', ['--help']);
  expect(help.stdout).toMatch(/^Usage: pnpm --filter @ftlab\/backend bench \[options\]\n\nForward \+ backward/);
  expect(help.status).toBe(0);
  const wrong = runPackageScript(PACKAGE, 'bench', ['--engine', 'wasm']);
  expect(wrong.stderr).toContain('bench: unknown option --engine; the options are --help\n');
  expect(wrong.status).toBe(2);
});
