// The package's bench scripts (bench/) as `pnpm bench` runs them: their arguments, parsed by the
// shared bench.shared.ts (so these cases stand for every bench script's). The measurements are
// not tested here: `ftlab bench` runs the same runBenchmarks in apps/cli's tests.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPackageScript } from '../../../bench-test.shared.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const bench = (...args: string[]) => runPackageScript(PACKAGE, 'bench', args);

describe('pnpm bench (bench/throughput.ts)', () => {
  it('prints its usage and every option with --help or -h, and measures nothing', () => {
    for (const flag of ['--help', '-h']) {
      const { status, stdout, stderr } = bench(flag);
      expect(stderr).toBe('');
      expect(status).toBe(0);
      expect(stdout).toMatch(/^Usage: pnpm --filter @ftlab\/training bench \[options\]\n/);
      for (const option of ['--cases <a,b>', '--engines <a,b>', '--steps <n>', '--processes <n,m>', '--no-multi']) {
        expect(stdout).toContain(`\n  ${option} `);
      }
    }
  });

  it.each([
    [
      ['--stepz', '3'],
      'unknown option --stepz; the options are --cases, --engines, --steps, --processes, --no-multi, --help',
    ],
    [['--steps'], '--steps needs a value: --steps <n>'],
    [['--steps', '--no-multi'], '--steps needs a value: --steps <n>'],
    [['--steps', 'ten'], '--steps must be a whole number >= 1, got "ten"'],
    [['--steps=0'], '--steps must be a whole number >= 1, got "0"'],
    [['--engines', 'wasm,tpu'], '--engines: "tpu" is not one of node-gpu, node, native, wasm, cpu'],
    [['--processes', '1,x'], '--processes: "x" is not a whole number >= 1'],
    [['--no-multi=yes'], '--no-multi takes no value, got "yes"'],
    [
      ['baseline'],
      'unexpected argument "baseline": this command takes only the options --cases, --engines, --steps, --processes, --no-multi, --help',
    ],
    [['--no-multi', '--processes', '2'], '--processes and --no-multi contradict each other'],
  ])('refuses %j with exit code 2, saying what is wrong and what is valid', (args, message) => {
    const { status, stdout, stderr } = bench(...args);
    expect(stderr).toBe(
      `pnpm --filter @ftlab/training bench: ${message}\nRun with --help for what each option means.\n`,
    );
    expect(stdout).toBe('');
    expect(status).toBe(2);
  });

  it('reads its options after the -- that `pnpm bench -- ...` passes on', () => {
    expect(bench('--', '--help').status).toBe(0);
    expect(bench('--', '--steps', '0').status).toBe(2);
  });
});

describe('pnpm bench:tracking (bench/tracking.ts)', () => {
  it('answers --help and refuses options, as it takes none', () => {
    const help = runPackageScript(PACKAGE, 'bench:tracking', ['--help']);
    expect(help.stdout).toMatch(/^Usage: pnpm --filter @ftlab\/training bench:tracking \[options\]\n/);
    expect(help.status).toBe(0);
    const wrong = runPackageScript(PACKAGE, 'bench:tracking', ['--steps', '5']);
    expect(wrong.stderr).toContain('unknown option --steps; the options are --help\n');
    expect(wrong.status).toBe(2);
  });
});
