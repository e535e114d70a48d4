// Running the PyTorch twin (python/ftlab_torch) from TypeScript: which Python imports what it
// needs, and one JSON exchange with it. The parity tests (test-python.ts) and `ftlab bench
// --reference torch` use these.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The folder to put on PYTHONPATH for `import ftlab_torch` (the repository's python/). */
export const TWIN_PYTHON_DIR = fileURLToPath(new URL('../../../python/', import.meta.url));

/** Whether `python` runs and imports every one of `modules`. */
export function pythonImports(python: string, modules: readonly string[]): boolean {
  const check = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore', timeout: 60_000 });
  return check.status === 0;
}

/** The first of `candidates` that imports `modules`, or undefined. */
export function findPython(candidates: readonly string[], modules: readonly string[]): string | undefined {
  return candidates.find((candidate) => pythonImports(candidate, modules));
}

/**
 * Runs `python args...` with `input` as JSON on stdin and returns its stdout parsed as JSON;
 * `pythonPath` is prepended to PYTHONPATH. Throws with Python's stderr when it fails.
 */
export function runPythonJson(python: string, args: readonly string[], input: unknown, pythonPath?: string): unknown {
  const env = { ...process.env };
  if (pythonPath) env.PYTHONPATH = env.PYTHONPATH ? `${pythonPath}:${env.PYTHONPATH}` : pythonPath;
  const result = spawnSync(python, args, {
    input: JSON.stringify(input),
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (result.error !== undefined) throw new Error(`${python} could not be run: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${python} ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stderr}`);
  }
  return JSON.parse(result.stdout);
}
