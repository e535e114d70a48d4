// Chooses the TensorFlow.js engine once per process. `auto` tries the engines fastest first
// and records why each faster one was skipped, so a run can store which engine produced it.

import { loadNative, type NativeStatus } from '@ftlab/native';
import { NATIVE_TF_BACKEND, registerNativeBackend } from './native-engine.js';
import { tf } from './tf.js';

/** Fastest first: the order `auto` tries them in. */
export const BACKEND_NAMES = ['node-gpu', 'node', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';

export interface SkippedBackend {
  name: BackendName;
  why: string;
}

export interface BackendInfo {
  /** Our name for the engine: node-gpu | node | native | wasm | cpu. */
  name: BackendName;
  /** The name TensorFlow.js registered it under (tensorflow, native, wasm, cpu). */
  tfBackend: string;
  /** What was asked for. */
  requested: BackendChoice;
  /** Faster engines that `auto` passed over, with the reason. */
  skipped: SkippedBackend[];
  tfjsVersion: string;
}

/** Thrown when an explicitly requested engine cannot be used; the message says how to fix it. */
export class BackendUnavailableError extends Error {
  /** One clause saying what is missing, without the how-to (for `auto`'s one-line log). */
  readonly reason: string;
  constructor(
    readonly backend: BackendName,
    message: string,
    reason?: string,
  ) {
    super(message);
    this.name = 'BackendUnavailableError';
    this.reason = reason ?? message;
  }
}

/**
 * Loads one engine and makes it the active TensorFlow.js backend. Rejects with a
 * BackendUnavailableError naming what is missing. Exported for tests and benchmarks that
 * compare engines inside one process; applications call `initBackend`.
 */
export type BackendLoader = () => Promise<string>;

const INSTALL_HINT: Record<'node' | 'node-gpu', string> = {
  node:
    'Install it on a machine that can download libtensorflow (its install script fetches it from ' +
    'storage.googleapis.com): `pnpm --filter @ftlab/backend rebuild @tensorflow/tfjs-node`, or use ' +
    'FTLAB_BACKEND=wasm.',
  'node-gpu':
    'It needs an NVIDIA GPU with the CUDA 11.2 / cuDNN 8.1 libraries and a download of libtensorflow at ' +
    'install time: `pnpm --filter @ftlab/backend rebuild @tensorflow/tfjs-node-gpu` on such a machine, ' +
    'or use FTLAB_BACKEND=wasm.',
};

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).replace(/[\s.]+$/, '');
}

/**
 * tfjs-node and tfjs-node-gpu both register every kernel under the name "tensorflow" when
 * imported, even when their native library then fails to load; trying both prints hundreds of
 * "already registered" warnings. Those warnings say nothing useful here, so they are dropped.
 */
async function importQuietly(pkg: string): Promise<void> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('is already registered')) return;
    warn(...args);
  };
  try {
    await import(pkg);
  } finally {
    console.warn = warn;
  }
}

/** The gist of a native-addon load failure, without the long install path. */
function nativeProblem(error: unknown): string {
  const text = errorText(error);
  if (/tfjs_binding\.node\) can not be found/.test(text)) {
    return 'its addon tfjs_binding.node was never built: libtensorflow could not be downloaded at install time';
  }
  return text;
}

function isModuleMissing(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

async function activate(tfBackend: string): Promise<void> {
  const ok = await tf.setBackend(tfBackend);
  await tf.ready();
  if (!ok || tf.getBackend() !== tfBackend) {
    throw new Error(`TensorFlow.js could not initialise its "${tfBackend}" backend`);
  }
}

async function loadTfjsNode(name: 'node' | 'node-gpu'): Promise<string> {
  const pkg = name === 'node' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu';
  try {
    await importQuietly(pkg);
  } catch (error) {
    const what = isModuleMissing(error)
      ? `${pkg} is not installed (it is an optional dependency whose install failed or was skipped)`
      : `${pkg} is installed but could not load its native library (${nativeProblem(error)})`;
    throw new BackendUnavailableError(name, `${what}. ${INSTALL_HINT[name]}`, what);
  }
  await activate('tensorflow');
  if (name === 'node-gpu') {
    const usingGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
    if (!usingGpu) {
      throw new BackendUnavailableError(
        name,
        `${pkg} loaded but TensorFlow sees no usable GPU (check nvidia-smi and that the CUDA 11.2 / ` +
          'cuDNN 8.1 libraries are on LD_LIBRARY_PATH). Use FTLAB_BACKEND=node for its CPU kernels.',
      );
    }
  }
  return 'tensorflow';
}

async function loadWasm(): Promise<string> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    await activate('wasm');
  } catch (error) {
    throw new BackendUnavailableError(
      'wasm',
      `@tensorflow/tfjs-backend-wasm could not start: ${errorText(error)}. ` +
        'Reinstall dependencies with `pnpm install`, or use FTLAB_BACKEND=cpu (about 15x slower).',
    );
  }
  return 'wasm';
}

/**
 * The native engine's loader over an addon status (the built addon by default; tests pass a
 * failed build's): the reason and how to get the engine when it is unavailable.
 */
export function nativeEngineLoader(status: () => NativeStatus = loadNative): BackendLoader {
  return async () => {
    const addon = status();
    if (!addon.available) {
      throw new BackendUnavailableError(
        'native',
        `The native engine (wasm + C++ kernels from @ftlab/native) is unavailable: ${addon.reason}. It needs g++, make and ` +
          'python3 at build time (`pnpm --filter @ftlab/native build`); or use FTLAB_BACKEND=wasm.',
        addon.reason,
      );
    }
    await loadWasm();
    registerNativeBackend(addon.addon);
    await activate(NATIVE_TF_BACKEND);
    return NATIVE_TF_BACKEND;
  };
}

async function loadCpu(): Promise<string> {
  await activate('cpu');
  // The cpu engine greets its first use in Node with advice to install tfjs-node; our
  // selection already says why that engine is not in use, so the greeting is turned off.
  (tf.backend() as { firstUse?: boolean }).firstUse = false;
  return 'cpu';
}

export const DEFAULT_LOADERS: Readonly<Record<BackendName, BackendLoader>> = {
  'node-gpu': () => loadTfjsNode('node-gpu'),
  node: () => loadTfjsNode('node'),
  native: nativeEngineLoader(),
  wasm: loadWasm,
  cpu: loadCpu,
};

export function parseBackendChoice(value: string | undefined, source = 'FTLAB_BACKEND'): BackendChoice {
  const choice = (value ?? '').trim() || 'auto';
  if (choice === 'auto' || (BACKEND_NAMES as readonly string[]).includes(choice)) {
    return choice as BackendChoice;
  }
  throw new Error(`${source}="${value}" is not a backend: use one of auto, ${BACKEND_NAMES.join(', ')}.`);
}

/**
 * Activates the requested engine, or for `auto` the first of node-gpu, node, native, wasm, cpu
 * that works. Does not remember its choice: see `initBackend` for the once-per-process policy.
 */
export async function selectBackend(
  requested: BackendChoice,
  loaders: Readonly<Record<BackendName, BackendLoader>> = DEFAULT_LOADERS,
): Promise<BackendInfo> {
  const candidates: readonly BackendName[] = requested === 'auto' ? BACKEND_NAMES : [requested];
  const skipped: SkippedBackend[] = [];
  for (const name of candidates) {
    try {
      const tfBackend = await loaders[name]();
      return { name, tfBackend, requested, skipped, tfjsVersion: tf.version_core };
    } catch (error) {
      if (requested !== 'auto') {
        if (error instanceof BackendUnavailableError) throw error;
        throw new BackendUnavailableError(name, `Backend "${name}" failed to start: ${errorText(error)}`);
      }
      skipped.push({ name, why: error instanceof BackendUnavailableError ? error.reason : errorText(error) });
    }
  }
  throw new Error(`No TensorFlow.js backend could start:\n${skipped.map((s) => `  ${s.name}: ${s.why}`).join('\n')}`);
}

let selected: { choice: BackendChoice; info: Promise<BackendInfo> } | undefined;

export interface InitBackendOptions {
  /** Where `auto` reports its choice; defaults to stderr. Pass `() => {}` to silence it. */
  log?: (message: string) => void;
}

/**
 * The process-wide engine choice. The first call decides (explicit argument, else the
 * FTLAB_BACKEND environment variable, else auto); later calls return the same engine, and a
 * later call that asks for a different explicit engine is an error rather than a silent switch.
 */
export function initBackend(choice?: BackendChoice | string, options: InitBackendOptions = {}): Promise<BackendInfo> {
  const requested =
    choice === undefined ? parseBackendChoice(process.env.FTLAB_BACKEND) : parseBackendChoice(choice, 'backend');
  if (selected) {
    const previous = selected;
    return previous.info.then((info) => {
      if (requested !== 'auto' && requested !== info.name) {
        throw new Error(
          `The TensorFlow.js backend is chosen once per process: "${info.name}" is already active, ` +
            `so "${requested}" cannot be used. Start a new process with --backend ${requested}.`,
        );
      }
      return info;
    });
  }
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const info = selectBackend(requested).then((result) => {
    if (requested === 'auto') log(describeBackend(result));
    return result;
  });
  selected = { choice: requested, info };
  // A failed selection may be retried with another choice.
  info.catch(() => {
    if (selected?.info === info) selected = undefined;
  });
  return info;
}

/** The engine chosen by `initBackend`; throws if none was chosen yet. */
export async function currentBackend(): Promise<BackendInfo> {
  if (!selected) throw new Error('No backend selected yet: call initBackend() first.');
  return selected.info;
}

/** One line saying which engine runs and why the faster ones were skipped. */
export function describeBackend(info: BackendInfo): string {
  const head = `tfjs ${info.tfjsVersion}: using the ${info.name} backend`;
  if (info.skipped.length === 0) return `${head}.`;
  return `${head}; skipped ${info.skipped.map((s) => `${s.name} (${s.why})`).join('; ')}`;
}
