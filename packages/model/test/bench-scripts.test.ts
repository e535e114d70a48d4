// `pnpm bench` (bench/throughput.ts): its arguments, and the --case it starts each child with.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runPackageScript } from '../../../bench-test.shared.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const bench = (...args: string[]) => runPackageScript(PACKAGE, 'bench', args);
const CASES = 'baseline, baseline-plus-one, ft-h8-dense, ft-h16-dense, ft-h16-sampled, ft-h16-factored';

it('pnpm bench answers --help, and refuses unknown cases naming the valid ones, exit code 2', () => {
  const help = bench('--help');
  expect(help.stdout).toContain(
    `--cases <a,b>  cases to run (default baseline,ft-h8-dense,ft-h16-dense,ft-h16-factored): ${CASES}\n`,
  );
  expect(help.stdout).toContain('--case <name>');
  expect(help.status).toBe(0);
  for (const [args, message] of [
    [['--cases', 'baseline,gpt'], `--cases: "gpt" is not one of ${CASES}`],
    [['--case', 'gpt'], `--case: "gpt" is not one of ${CASES}`],
    [['baseline'], 'unexpected argument "baseline"'],
  ] as const) {
    const wrong = bench(...args);
    expect(wrong.stderr).toContain(`pnpm --filter @ftlab/model bench: ${message}`);
    expect(wrong.status).toBe(2);
  }
});
