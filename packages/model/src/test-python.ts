// The one rule for tests that run Python (the NumPy reference, the PyTorch twin): they use the
// first of FTLAB_TEST_PYTHON, python3 on PATH, /usr/bin/python3 that imports the modules they
// need. Without one, a developer's run skips them and says how to install it; CI (CI set and not
// 0/false) fails instead, so that parity with Python is never silently dropped there.
import { findPython } from './python.js';

export const TEST_PYTHON_HOW_TO =
  "Install Debian's PyTorch (it brings NumPy): `apt-get install -y python3-torch libopenblas0-openmp` " +
  '(scripts/test.sh does it when run as root), or set FTLAB_TEST_PYTHON to a python3 that imports them.';

export type TestPython = { python: string } | { skip: string } | { missing: string };

/**
 * The variables this rule reads. turbo's test task hashes them (turbo.json "env"), so a run that
 * skipped outside CI is never replayed from the cache as a pass in CI.
 */
export const TEST_PYTHON_ENV = ['CI', 'FTLAB_TEST_PYTHON'] as const;

// The same test as isCi in packages/tracker/src/test-postgres.ts; keep the two in step. It has no
// one home: @ftlab/tracker depends on no @ftlab package, so no package both import could hold it.
function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.CI !== undefined && !['', '0', 'false'].includes(env.CI.trim().toLowerCase());
}

/** Which Python runs `what` (e.g. "the PyTorch twin's parity tests"), importing `modules`, or why none does. */
export function testPython(
  what: string,
  modules: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): TestPython {
  const chosen = env.FTLAB_TEST_PYTHON?.trim();
  const candidates = chosen ? [chosen] : ['python3', '/usr/bin/python3'];
  const python = findPython(candidates, modules);
  if (python !== undefined) return { python };
  const tried = `no Python among ${candidates.join(', ')} imports ${modules.join(' and ')}`;
  if (isCi(env)) {
    return {
      missing: `CI=${env.CI} but ${tried}: ${what} cannot run, and in CI they must not be skipped. ${TEST_PYTHON_HOW_TO}`,
    };
  }
  return { skip: `${what} skipped: ${tried}. ${TEST_PYTHON_HOW_TO}` };
}

/** The Python for `what`, or undefined (after saying so) where it skips. Throws in CI without one. */
export function testPythonPath(
  what: string,
  modules: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const python = testPython(what, modules, env);
  if ('missing' in python) throw new Error(python.missing);
  if ('skip' in python) {
    console.log(python.skip);
    return undefined;
  }
  return python.python;
}
