// `pnpm bench` (bench/loading.ts) starts and parses its arguments: --help, and nothing else.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runPackageScript } from '../../../bench-test.shared.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

it('pnpm bench answers --help and -h, and refuses an argument with exit code 2', () => {
  for (const flag of ['--help', '-h']) {
    const help = runPackageScript(PACKAGE, 'bench', [flag]);
    expect(help.stdout).toMatch(/^Usage: pnpm --filter @ftlab\/data bench \[options\]\n\nBPE training/);
    expect(help.status).toBe(0);
  }
  const wrong = runPackageScript(PACKAGE, 'bench', ['shakespeare']);
  expect(wrong.stderr).toContain('unexpected argument "shakespeare": this command takes only the options --help\n');
  expect(wrong.status).toBe(2);
});
