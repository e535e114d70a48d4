// Threads of one run (--threads N, FTLAB_THREADS): the native engine's kernels (GEMM, attention,
// the dense estimator, element-wise and row-wise kernels) split their work between N threads,
// bit-identical to one thread. The default stays one thread per process,
// so sweeps keep one process per core; the other engines run one thread and refuse more.
import { loadNative } from '@ftlab/native';
import type { BackendName } from './select.js';

/** The most threads the native engine takes (its pool's limit). */
export const MAX_ENGINE_THREADS = 64;

/** Throws, with the fix, unless `engine` can run `threads` threads (a whole number 1..64). */
export function checkEngineThreads(engine: BackendName, threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_ENGINE_THREADS) {
    throw new Error(`--threads must be a whole number from 1 to ${MAX_ENGINE_THREADS}, not ${threads}`);
  }
  if (engine !== 'native' && threads !== 1) {
    throw new Error(
      `--threads ${threads} needs the native engine (its kernels run on several threads); the ${engine} engine ` +
        'runs one. Use --backend native, or run several processes (ftlab sweep --workers N).',
    );
  }
}

/** Checks `threads` (checkEngineThreads) and gives it to `engine`'s kernels in this process. */
export function setEngineThreads(engine: BackendName, threads: number): void {
  checkEngineThreads(engine, threads);
  if (engine !== 'native') return;
  const status = loadNative();
  if (!status.available) throw new Error(`--threads: the native engine is not available (${status.reason})`);
  status.addon.setThreads(threads);
}

/** Threads the native engine's kernels use now (1 when it is not loaded). */
export function engineThreads(): number {
  const status = loadNative();
  return status.available ? status.addon.info().threads : 1;
}
