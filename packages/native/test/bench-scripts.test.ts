// `pnpm bench` (bench/sgemm.ts) parses its arguments before it looks for the addon, so these hold
// with or without a built addon.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runPackageScript } from '../../../bench-test.shared.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const bench = (...args: string[]) => runPackageScript(PACKAGE, 'bench', args);

it('pnpm bench answers --help and refuses a bad --repeats or the old positional count, exit code 2', () => {
  const help = bench('--help');
  expect(help.stdout).toContain('\n  --repeats <n>  samples per shape (default 40)\n');
  expect(help.status).toBe(0);
  const zero = bench('--repeats', '0');
  expect(zero.stderr).toContain('bench: --repeats must be a whole number >= 1, got "0"\n');
  expect(zero.status).toBe(2);
  const positional = bench('40');
  expect(positional.stderr).toContain(
    'unexpected argument "40": this command takes only the options --repeats, --help',
  );
  expect(positional.status).toBe(2);
});
